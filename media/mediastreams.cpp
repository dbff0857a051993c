#include "media/mediastreams.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QUrl>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/tag/tag.h>

#include <mutex>

Q_LOGGING_CATEGORY(lcMediaStreams, "playmark.media.streams")

namespace {

// A file the discoverer has not finished with by then is not one to play (a local file is read
// in well under a second; the sample takes about 20 ms). GStreamer's own default is 10 s.
constexpr GstClockTime kDiscoverTimeout = 5 * GST_SECOND;

// gst_init_check once per process, from whichever thread probes first.
QString initGStreamer()
{
    static std::once_flag once;
    static QString failure;
    std::call_once(once, [] {
        GError *error = nullptr;
        if (!gst_init_check(nullptr, nullptr, &error)) {
            failure = QStringLiteral("GStreamer did not start: %1")
                          .arg(error ? QString::fromUtf8(error->message) : QStringLiteral("?"));
            g_clear_error(&error);
        }
    });
    return failure;
}

// Takes a string GLib allocated.
QString takeString(gchar *text)
{
    const QString result = QString::fromUtf8(text).trimmed();
    g_free(text);
    return result;
}

QString tagString(const GstTagList *tags, const char *tag)
{
    gchar *value = nullptr;
    if (!tags || !gst_tag_list_get_string(tags, tag, &value))
        return {};
    return takeString(value);
}

// ISO 639-1 where one exists ("jpn", "ja" -> "ja"); a code GStreamer does not know is kept as the
// file has it; "und" (undetermined) is unknown.
QString normalisedLanguage(const QString &code)
{
    const QString lower = code.trimmed().toLower();
    if (lower.isEmpty() || lower == QLatin1String("und"))
        return {};
    const QByteArray utf8 = lower.toUtf8();
    const gchar *iso1 = gst_tag_get_language_code_iso_639_1(utf8.constData());
    return iso1 ? QString::fromUtf8(iso1) : lower;
}

TrackIdentity identityOf(GstDiscovererStreamInfo *stream, const char *codecTag)
{
    TrackIdentity track;
    // The stream's own tags: the container's title is in the info's tags, not here (measured on
    // resources/sample-tracks.mkv: only the Commentary track has a title).
    const GstTagList *tags = gst_discoverer_stream_info_get_tags(stream);
    QString language = tagString(tags, GST_TAG_LANGUAGE_CODE);
    if (language.isEmpty()) {
        const gchar *own = GST_IS_DISCOVERER_AUDIO_INFO(stream)
            ? gst_discoverer_audio_info_get_language(GST_DISCOVERER_AUDIO_INFO(stream))
            : gst_discoverer_subtitle_info_get_language(GST_DISCOVERER_SUBTITLE_INFO(stream));
        language = QString::fromUtf8(own);
    }
    track.language = normalisedLanguage(language);
    track.title = tagString(tags, GST_TAG_TITLE);
    track.codec = tagString(tags, codecTag);
    if (track.codec.isEmpty()) {
        GstCaps *caps = gst_discoverer_stream_info_get_caps(stream);
        if (caps) {
            track.codec = takeString(gst_pb_utils_get_codec_description(caps));
            gst_caps_unref(caps);
        }
    }
    return track;
}

QList<TrackIdentity> identities(GList *streams, const char *codecTag)
{
    QList<TrackIdentity> tracks;
    for (GList *item = streams; item; item = item->next)
        tracks.append(identityOf(GST_DISCOVERER_STREAM_INFO(item->data), codecTag));
    gst_discoverer_stream_info_list_free(streams);
    return tracks;
}

QString resultInWords(GstDiscovererResult result, const GError *error)
{
    const QString detail = error ? QString::fromUtf8(error->message) : QString();
    switch (result) {
    case GST_DISCOVERER_OK:
        return {};
    case GST_DISCOVERER_URI_INVALID:
        return QStringLiteral("not a file GStreamer can open");
    case GST_DISCOVERER_TIMEOUT:
        return QStringLiteral("reading its tracks took longer than %1 s")
            .arg(kDiscoverTimeout / GST_SECOND);
    case GST_DISCOVERER_BUSY:
        return QStringLiteral("the discoverer was busy");
    case GST_DISCOVERER_MISSING_PLUGINS:
        return QStringLiteral("GStreamer lacks a plugin to read it")
            + (detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(detail));
    case GST_DISCOVERER_ERROR:
        break;
    }
    return detail.isEmpty() ? QStringLiteral("GStreamer cannot read it") : detail;
}

} // namespace

std::variant<MediaStreams, QString> probeMediaStreams(const QString &path)
{
    const auto failed = [&](const QString &why) {
        const QString message = QStringLiteral("cannot read the tracks of %1: %2").arg(path, why);
        qCWarning(lcMediaStreams).noquote() << message;
        return std::variant<MediaStreams, QString>(message);
    };
    if (const QString failure = initGStreamer(); !failure.isEmpty())
        return failed(failure);
    const QFileInfo file(path);
    if (!file.exists())
        return failed(QStringLiteral("no such file"));
    if (!file.isFile())
        return failed(QStringLiteral("not a file"));
    if (!file.isReadable())
        return failed(QStringLiteral("not readable"));

    GError *error = nullptr;
    GstDiscoverer *discoverer = gst_discoverer_new(kDiscoverTimeout, &error);
    if (!discoverer) {
        const QString why = error ? QString::fromUtf8(error->message) : QStringLiteral("?");
        g_clear_error(&error);
        return failed(QStringLiteral("no discoverer: ") + why);
    }
    const QByteArray uri = QUrl::fromLocalFile(file.absoluteFilePath()).toEncoded();
    GstDiscovererInfo *info = gst_discoverer_discover_uri(discoverer, uri.constData(), &error);
    const GstDiscovererResult result =
        info ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
    QString why = resultInWords(result, error);
    g_clear_error(&error);

    MediaStreams streams;
    if (why.isEmpty()) {
        streams.audio =
            identities(gst_discoverer_info_get_audio_streams(info), GST_TAG_AUDIO_CODEC);
        streams.subtitles =
            identities(gst_discoverer_info_get_subtitle_streams(info), GST_TAG_SUBTITLE_CODEC);
    }
    if (info)
        g_object_unref(info);
    g_object_unref(discoverer);
    if (!why.isEmpty())
        return failed(why);
    return streams;
}
