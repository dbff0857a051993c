#include "media/mediastreams.h"

#include "media/gstreamerinit.h"
#include "media/tracknames.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QUrl>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include <QHash>

#include <mutex>

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

QString tagString(const GstTagList *tags, const char *tag)
{
    gchar *value = nullptr;
    if (!tags || !gst_tag_list_get_string(tags, tag, &value))
        return {};
    return takeString(value);
}

// The tags each stream carried on the decoder's pad, read there before its first buffer goes on.
// Why: the discoverer gives a text stream's tags only as they reach the fakesink after its queue,
// but it counts a text stream done (its sink is not async: subtitles are sparse) when the first
// buffer enters that queue. In about 1 of 6 probes of sample-tracks.mkv it finished with the tag
// event still in the queue and the text stream had no tags at all (GST_DEBUG=discoverer:6: no
// "got a tag message" from the text sink before "Done"). Here, on the pad itself, the tags are
// sticky before the buffer that makes the discoverer stop can go downstream.
class PadTags final
{
public:
    PadTags() = default;
    Q_DISABLE_COPY_MOVE(PadTags)
    ~PadTags()
    {
        for (GstTagList *tags : std::as_const(m_tags))
            gst_tag_list_unref(tags);
    }

    // Connected before the discovery starts; the discoverer emits source-setup once the source is
    // in its uridecodebin, whose pads are the streams.
    void watch(GstDiscoverer *discoverer)
    {
        g_signal_connect(discoverer, "source-setup", G_CALLBACK(&PadTags::sourceSetUp), this);
    }

    // A tag of the stream as its pad had it; "" when it had none.
    QString tagOf(GstDiscovererStreamInfo *stream, const char *tag) const
    {
        const std::lock_guard lock(m_mutex);
        return tagString(m_tags.value(QByteArray(gst_discoverer_stream_info_get_stream_id(stream))),
                         tag);
    }

private:
    static void sourceSetUp(GstDiscoverer *, GstElement *source, PadTags *self)
    {
        GstObject *decodeBin = gst_object_get_parent(GST_OBJECT(source));
        if (!decodeBin)
            return;
        g_signal_connect(decodeBin, "pad-added", G_CALLBACK(&PadTags::padAdded), self);
        gst_object_unref(decodeBin);
    }

    static void padAdded(GstElement *, GstPad *pad, PadTags *self)
    {
        self->record(pad);
        gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM),
                          GstPadProbeCallback(&PadTags::passed), self, nullptr);
    }

    // Runs on the streaming thread before the data goes on to the discoverer's queue.
    static GstPadProbeReturn passed(GstPad *pad, GstPadProbeInfo *info, PadTags *self)
    {
        self->record(pad);
        const bool event = GST_IS_EVENT(info->data);
        return event && GST_EVENT_TYPE(GST_EVENT(info->data)) != GST_EVENT_GAP
                && GST_EVENT_TYPE(GST_EVENT(info->data)) != GST_EVENT_EOS
            ? GST_PAD_PROBE_OK
            : GST_PAD_PROBE_REMOVE; // data: every tag before it is sticky on the pad now
    }

    void record(GstPad *pad)
    {
        gchar *streamId = gst_pad_get_stream_id(pad);
        if (!streamId)
            return;
        GstTagList *merged = nullptr;
        for (guint i = 0;; ++i) {
            GstEvent *event = gst_pad_get_sticky_event(pad, GST_EVENT_TAG, i);
            if (!event)
                break;
            GstTagList *tags = nullptr;
            gst_event_parse_tag(event, &tags);
            if (gst_tag_list_get_scope(tags) == GST_TAG_SCOPE_STREAM) {
                GstTagList *next = gst_tag_list_merge(merged, tags, GST_TAG_MERGE_REPLACE);
                if (merged)
                    gst_tag_list_unref(merged);
                merged = next;
            }
            gst_event_unref(event);
        }
        const QByteArray key(streamId);
        g_free(streamId);
        if (!merged)
            return;
        const std::lock_guard lock(m_mutex);
        if (GstTagList *old = m_tags.take(key))
            gst_tag_list_unref(old);
        m_tags.insert(key, merged);
    }

    mutable std::mutex m_mutex;
    QHash<QByteArray, GstTagList *> m_tags; // owned, by stream id
};

// The tag from the discoverer's stream, else from what its pad had.
QString tagString(GstDiscovererStreamInfo *stream, const PadTags &padTags, const char *tag)
{
    const QString value = tagString(gst_discoverer_stream_info_get_tags(stream), tag);
    return value.isEmpty() ? padTags.tagOf(stream, tag) : value;
}

TrackIdentity identityOf(GstDiscovererStreamInfo *stream, const PadTags &padTags,
                         const char *codecTag)
{
    TrackIdentity track;
    // The stream's own tags: the container's title is in the info's tags, not here (measured on
    // resources/sample-tracks.mkv: only the Commentary track has a title).
    QString language = tagString(stream, padTags, GST_TAG_LANGUAGE_CODE);
    if (language.isEmpty()) {
        const gchar *own = GST_IS_DISCOVERER_AUDIO_INFO(stream)
            ? gst_discoverer_audio_info_get_language(GST_DISCOVERER_AUDIO_INFO(stream))
            : gst_discoverer_subtitle_info_get_language(GST_DISCOVERER_SUBTITLE_INFO(stream));
        language = QString::fromUtf8(own);
    }
    track.language = languageCode(language);
    track.title = tagString(stream, padTags, GST_TAG_TITLE);
    track.codec = tagString(stream, padTags, codecTag);
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
