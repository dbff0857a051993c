#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include <mutex>

// The tags each stream of a discovery carried on the decoder's pad, read there before its first
// buffer goes on, for probeMediaStreams (mediastreams.h).
//
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
    ~PadTags();

    // Connect before the discovery starts; the discoverer emits source-setup once the source is
    // in its uridecodebin, whose pads are the streams. This object must outlive the discoverer.
    void watch(GstDiscoverer *discoverer);

    // A string tag of the stream: the discoverer's, else what its pad had; "" when neither has it.
    QString tagOf(GstDiscovererStreamInfo *stream, const char *tag) const;

private:
    static void sourceSetUp(GstDiscoverer *, GstElement *source, PadTags *self);
    static void padAdded(GstElement *, GstPad *pad, PadTags *self);
    static GstPadProbeReturn passed(GstPad *pad, GstPadProbeInfo *info, PadTags *self);
    void record(GstPad *pad);

    mutable std::mutex m_mutex; // record() runs on GStreamer's streaming threads
    QHash<QByteArray, GstTagList *> m_tags; // owned, by stream id
};
