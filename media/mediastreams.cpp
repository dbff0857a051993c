#include "media/mediastreams.h"

#include "media/filediscovery.h"
#include "media/playability.h"
#include "media/tracknames.h"

#include <QLoggingCategory>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

Q_LOGGING_CATEGORY(lcMediaStreams, "playmark.media.streams")

namespace {

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
            track.codec = codecDescription(caps);
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

} // namespace

std::variant<MediaStreams, QString> probeMediaStreams(const QString &path)
{
    const FileDiscovery discovery(path);
    MediaStreams streams;
    streams.undecodableVideo = explainUndecodableVideo(discovery);
    if (!discovery.failure().isEmpty() && streams.undecodableVideo.isEmpty()) {
        const QString message =
            QStringLiteral("cannot read the tracks of %1: %2").arg(path, discovery.failure());
        qCWarning(lcMediaStreams).noquote() << message;
        return message;
    }
    streams.audio = identities(gst_discoverer_info_get_audio_streams(discovery.info()),
                               discovery.padTags(), GST_TAG_AUDIO_CODEC);
    streams.subtitles = identities(gst_discoverer_info_get_subtitle_streams(discovery.info()),
                                   discovery.padTags(), GST_TAG_SUBTITLE_CODEC);
    return streams;
}
