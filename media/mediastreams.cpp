#include "media/mediastreams.h"

#include "media/gstreamerinit.h"
#include "media/padtags.h"
#include "media/tracknames.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QUrl>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

Q_LOGGING_CATEGORY(lcMediaStreams, "playmark.media.streams")

namespace {

// A file the discoverer has not finished with by then is not one to play (a local file is read
// in well under a second; the sample takes about 20 ms). GStreamer's own default is 10 s.
constexpr GstClockTime kDiscoverTimeout = 5 * GST_SECOND;

// Takes a string GLib allocated.
QString takeString(gchar *text)
{
    const QString result = QString::fromUtf8(text).trimmed();
    g_free(text);
    return result;
}

TrackIdentity identityOf(GstDiscovererStreamInfo *stream, const PadTags &padTags,
                         const char *codecTag)
{
    TrackIdentity track;
    // The stream's own tags: the container's title is in the info's tags, not here (measured on
    // resources/sample-tracks.mkv: only the Commentary track has a title).
    QString language = padTags.tagOf(stream, GST_TAG_LANGUAGE_CODE);
    if (language.isEmpty()) {
        const gchar *own = GST_IS_DISCOVERER_AUDIO_INFO(stream)
            ? gst_discoverer_audio_info_get_language(GST_DISCOVERER_AUDIO_INFO(stream))
            : gst_discoverer_subtitle_info_get_language(GST_DISCOVERER_SUBTITLE_INFO(stream));
        language = QString::fromUtf8(own);
    }
    track.language = languageCode(language);
    track.title = padTags.tagOf(stream, GST_TAG_TITLE);
    track.codec = padTags.tagOf(stream, codecTag);
    if (track.codec.isEmpty()) {
        GstCaps *caps = gst_discoverer_stream_info_get_caps(stream);
        if (caps) {
            track.codec = takeString(gst_pb_utils_get_codec_description(caps));
            gst_caps_unref(caps);
        }
    }
    return track;
}

QList<TrackIdentity> identities(GList *streams, const PadTags &padTags, const char *codecTag)
{
    QList<TrackIdentity> tracks;
    for (GList *item = streams; item; item = item->next)
        tracks.append(identityOf(GST_DISCOVERER_STREAM_INFO(item->data), padTags, codecTag));
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
    PadTags padTags; // outlives the discoverer, whose pipeline calls it
    padTags.watch(discoverer);
    const QByteArray uri = QUrl::fromLocalFile(file.absoluteFilePath()).toEncoded();
    GstDiscovererInfo *info = gst_discoverer_discover_uri(discoverer, uri.constData(), &error);
    const GstDiscovererResult result =
        info ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
    QString why = resultInWords(result, error);
    g_clear_error(&error);

    MediaStreams streams;
    if (why.isEmpty()) {
        streams.audio =
            identities(gst_discoverer_info_get_audio_streams(info), padTags, GST_TAG_AUDIO_CODEC);
        streams.subtitles = identities(gst_discoverer_info_get_subtitle_streams(info), padTags,
                                       GST_TAG_SUBTITLE_CODEC);
    }
    if (info)
        g_object_unref(info);
    g_object_unref(discoverer);
    if (!why.isEmpty())
        return failed(why);
    return streams;
}
