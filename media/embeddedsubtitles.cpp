#include "media/embeddedsubtitles.h"

#include "media/gstreamerinit.h"
#include "media/subtitleparser.h"
#include "media/subtitletext.h"

#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QScopeGuard>
#include <QThread>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <atomic>
#include <set>
#include <tuple>

using namespace Qt::StringLiterals;

namespace {

// How long the worker waits on the pipeline's bus before it looks at the cancel flag again and
// hands over the cues found meanwhile: the latency of cancel() and the size of a batch.
constexpr GstClockTime kPollInterval = 50 * GST_MSECOND;
// A text buffer without a duration (rare: Matroska gives BlockDuration) stays this long.
constexpr qint64 kDefaultCueMs = 4000;

QString errorText(GstMessage *message, const QString &path)
{
    GError *gerror = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &gerror, &debug);
    const QString text = u"cannot read subtitles from %1: %2"_s.arg(
        path, gerror ? QString::fromUtf8(gerror->message) : u"unknown GStreamer error"_s);
    g_clear_error(&gerror);
    g_free(debug);
    return text;
}

} // namespace

// One read of one file, shared by the object that started it, its worker thread and GStreamer's
// streaming threads (pad and sample callbacks, under `mutex`).
struct EmbeddedSubtitles::Run
{
    QString path;
    qint64 fromMs = 0; // set before the worker starts
    std::atomic_bool cancelled{false};
    std::atomic_bool exposed{false}; // data reached a sink: every track's pad is linked
    EmbeddedSubtitles *owner = nullptr; // alive while the worker runs: its destructor waits
    quint64 generation = 0;
    GstElement *pipeline = nullptr;

    // Which cues of the sample callbacks are kept, by the part being read. Deciding: before the
    // worker has sought to fromMs; paused, nothing should come then, but a cue that does waits in
    // `prelude` until the worker knows what the first part is.
    enum class Part { Deciding, Everything, FromPosition, FromStart };

    QMutex mutex;
    int textTracks = 0; // text pads linked so far, in pad order
    QList<QList<SubtitleCue>> pending; // per track, not yet handed over
    Part part = Part::Deciding;
    qint64 partFromMs = 0;
    QList<std::pair<int, SubtitleCue>> prelude;
    // Every cue handed over (track, start, end): a demuxer may deliver a cue again after a seek.
    std::set<std::tuple<int, qint64, qint64>> kept;

    void add(int track, const SubtitleCue &cue);
    void keep(int track, const SubtitleCue &cue); // under mutex
    void beginPart(Part next, qint64 from);
    void handOver();
    void post(std::function<void(EmbeddedSubtitles *)> call);
    QString read();
    // The next message of `types` (or an error) on the bus, handing cues over while waiting;
    // nullptr when cancelled. The caller unrefs it.
    GstMessage *waitFor(GstBus *bus, GstMessageType types);
};

namespace {

struct TrackSink
{
    EmbeddedSubtitles::Run *run; // outlives the appsink: the worker tears the pipeline down first
    int track;
};

} // namespace

void EmbeddedSubtitles::Run::add(int track, const SubtitleCue &cue)
{
    QMutexLocker lock(&mutex);
    switch (part) {
    case Part::Deciding:
        if (prelude.size() < kMaxSubtitleCues)
            prelude.append({track, cue});
        return;
    case Part::Everything:
        break;
    case Part::FromPosition:
        // A seek lands on a cluster before fromMs: what ended by then comes in the second part.
        if (cue.endMs <= partFromMs)
            return;
        break;
    case Part::FromStart:
        // The second part reads up to fromMs; a cue on screen at fromMs came in the first part.
        if (cue.startMs >= partFromMs)
            return;
        break;
    }
    keep(track, cue);
}

void EmbeddedSubtitles::Run::keep(int track, const SubtitleCue &cue)
{
    if (kept.size() >= size_t(kMaxSubtitleCues)
        || !kept.insert(std::make_tuple(track, cue.startMs, cue.endMs)).second)
        return;
    while (pending.size() <= track)
        pending.append(QList<SubtitleCue>());
    pending[track].append(cue);
}

void EmbeddedSubtitles::Run::beginPart(Part next, qint64 from)
{
    QMutexLocker lock(&mutex);
    part = next;
    partFromMs = from;
    // What came before the worker decided: kept unless the first part leaves it to the second.
    for (const auto &[track, cue] : std::as_const(prelude)) {
        if (next != Part::FromPosition || cue.endMs > from)
            keep(track, cue);
    }
    prelude.clear();
}

void EmbeddedSubtitles::Run::post(std::function<void(EmbeddedSubtitles *)> call)
{
    if (cancelled)
        return;
    EmbeddedSubtitles *target = owner;
    const quint64 expected = generation;
    // Queued to the owner's thread; a cancelled or replaced read's calls find another generation.
    QMetaObject::invokeMethod(
        target,
        [target, expected, call = std::move(call)] {
            if (target->m_generation == expected)
                call(target);
        },
        Qt::QueuedConnection);
}

void EmbeddedSubtitles::Run::handOver()
{
    QList<QList<SubtitleCue>> batches;
    {
        QMutexLocker lock(&mutex);
        batches.swap(pending);
    }
    for (int track = 0; track < batches.size(); ++track) {
        if (batches.at(track).isEmpty())
            continue;
        post([track, cues = batches.at(track)](EmbeddedSubtitles *subtitles) {
            Q_EMIT subtitles->cuesFound(track, cues);
        });
    }
}

GstMessage *EmbeddedSubtitles::Run::waitFor(GstBus *bus, GstMessageType types)
{
    while (!cancelled) {
        GstMessage *message = gst_bus_timed_pop_filtered(bus, kPollInterval,
                                                         GstMessageType(types | GST_MESSAGE_ERROR));
        handOver();
        if (message)
            return message;
    }
    return nullptr;
}

namespace {

GstFlowReturn onNewSample(GstAppSink *sink, gpointer data)
{
    const auto *trackSink = static_cast<const TrackSink *>(data);
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    if (buffer && GST_BUFFER_PTS_IS_VALID(buffer) && !trackSink->run->cancelled) {
        // The file's own timestamps, not stream time: matroskademux's segment after a seek maps
        // them a few ms apart from the one at the start (measured: 7 ms on the sample), and the
        // same cue must get the same time whichever part of the read finds it.
        const GstClockTime time = GST_BUFFER_PTS(buffer);
        SubtitleCue cue;
        cue.startMs = qint64(time / GST_MSECOND);
        cue.endMs = cue.startMs
            + (GST_BUFFER_DURATION_IS_VALID(buffer)
                   ? qint64(GST_BUFFER_DURATION(buffer) / GST_MSECOND)
                   : kDefaultCueMs);
        GstMapInfo map;
        if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            // Exactly the mapped bytes (Qt 6.4 reads past them), at most what a cue may hold.
            const qsizetype size = qsizetype(qMin<gsize>(map.size, kMaxSubtitleCueChars * 4));
            cue.text = plainSubtitleText(
                QString::fromUtf8(reinterpret_cast<const char *>(map.data), size));
            gst_buffer_unmap(buffer, &map);
        }
        if (!cue.text.isEmpty())
            trackSink->run->add(trackSink->track, cue);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

// The first data at any sink: parsebin exposes all of a file's pads (pad-added runs for each)
// before it lets data through any of them (measured on 1.22), so from now on the tracks are
// known. Said to the worker once, as a message on the bus.
GstPadProbeReturn onFirstData(GstPad *, GstPadProbeInfo *, gpointer data)
{
    auto *run = static_cast<EmbeddedSubtitles::Run *>(data);
    if (!run->exposed.exchange(true)) {
        gst_element_post_message(
            run->pipeline,
            gst_message_new_application(GST_OBJECT(run->pipeline),
                                        gst_structure_new_empty("playmark-pads-exposed")));
    }
    return GST_PAD_PROBE_REMOVE;
}

// parsebin exposes one pad per stream, parsed but not decoded, in the container's order. Text
// pads (text/x-raw: SubRip/UTF-8 in Matroska, MP4 tx3g parsed to text) go to an appsink each and
// are counted as tracks in that order, the order Qt lists subtitle tracks; everything else goes
// to a fakesink, so video and audio are read past without decoding.
void onPadAdded(GstElement *, GstPad *pad, gpointer data)
{
    auto *run = static_cast<EmbeddedSubtitles::Run *>(data);
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, nullptr);
    const bool text = caps && !gst_caps_is_empty(caps)
        && gst_structure_has_name(gst_caps_get_structure(caps, 0), "text/x-raw");
    if (caps)
        gst_caps_unref(caps);

    GstElement *sink = gst_element_factory_make(text ? "appsink" : "fakesink", nullptr);
    if (!sink)
        return;
    // As fast as the file reads, not at playback speed; and no prerolling: one demuxer thread
    // feeds every sink without queues, so a sink waiting for preroll would stop all the others
    // (measured: the video fakesink blocked the read before the first cue).
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    if (text) {
        int track = 0;
        {
            QMutexLocker lock(&run->mutex);
            track = run->textTracks++;
        }
        GstAppSinkCallbacks callbacks = {};
        callbacks.new_sample = onNewSample;
        gst_app_sink_set_callbacks(
            GST_APP_SINK(sink), &callbacks, new TrackSink{run, track},
            [](gpointer trackSink) { delete static_cast<TrackSink *>(trackSink); });
    }
    gst_bin_add(GST_BIN(run->pipeline), sink);
    GstPad *sinkPad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkPad);
    gst_pad_add_probe(sinkPad, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, onFirstData, run, nullptr);
    gst_object_unref(sinkPad);
    gst_element_sync_state_with_parent(sink);
}

} // namespace

QString EmbeddedSubtitles::Run::read()
{
    if (const QString error = initGStreamer(); !error.isEmpty())
        return error;
    const QFileInfo file(path);
    if (!file.isFile())
        return u"cannot read subtitles from %1: no such file"_s.arg(path);
    if (!file.isReadable())
        return u"cannot read subtitles from %1: permission denied"_s.arg(path);

    pipeline = gst_pipeline_new(nullptr);
    // Set to NULL (which joins GStreamer's streaming threads, so no callback runs after it) and
    // released on every way out.
    const auto releasePipeline = qScopeGuard([this] {
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(pipeline);
        pipeline = nullptr;
    });
    GstElement *source = gst_element_factory_make("filesrc", nullptr);
    GstElement *parse = gst_element_factory_make("parsebin", nullptr);
    if (!source || !parse) {
        if (source)
            gst_object_unref(source);
        if (parse)
            gst_object_unref(parse);
        return u"GStreamer has no filesrc or parsebin (gstreamer1.0-plugins-base)"_s;
    }
    g_object_set(source, "location", QFile::encodeName(path).constData(), nullptr);
    gst_bin_add_many(GST_BIN(pipeline), source, parse, nullptr);
    gst_element_link(source, parse);
    g_signal_connect(parse, "pad-added", G_CALLBACK(onPadAdded), this);

    GstBus *bus = gst_element_get_bus(pipeline);
    const auto unrefBus = qScopeGuard([bus] { gst_object_unref(bus); });
    // Each step waits for its message; an error or cancel() ends the read there.
    QString error;
    const auto step = [&](GstMessageType type) {
        GstMessage *message = waitFor(bus, type);
        if (!message)
            return false;
        const bool ok = GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR;
        if (!ok)
            error = errorText(message, path);
        gst_message_unref(message);
        return ok;
    };

    // parsebin does not take part in prerolling (measured on 1.22: the pipeline reaches PAUSED
    // before any pad, so no ASYNC_DONE comes) nor says "no more pads", so the worker waits for
    // the first data at a sink (onFirstData) instead. Paused, the sinks (async=false) still hold
    // the first buffer each gets, so nothing is read past the start before the seek to fromMs.
    // Measured with the read let run from 0 meanwhile: on the sample it often got far or to its
    // end before the seek, giving cues twice, and its EOS could end the next part early.
    gst_element_set_state(pipeline, GST_STATE_PAUSED);
    if (!step(GST_MESSAGE_APPLICATION))
        return error;
    {
        QMutexLocker lock(&mutex);
        if (textTracks == 0)
            return QString(); // nothing to read: no need to go through the file
    }
    const auto seek = [&](qint64 startMs, qint64 stopMs) {
        GstEvent *event = gst_event_new_seek(1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
                                             GST_SEEK_TYPE_SET, GstClockTime(startMs) * GST_MSECOND,
                                             stopMs < 0 ? GST_SEEK_TYPE_NONE : GST_SEEK_TYPE_SET,
                                             stopMs < 0 ? GST_CLOCK_TIME_NONE
                                                        : GstClockTime(stopMs) * GST_MSECOND);
        return gst_element_send_event(pipeline, event) != FALSE;
    };

    qint64 from = fromMs;
    // From the end or beyond there is nothing to read first.
    gint64 duration = 0;
    if (from > 0 && gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration) && duration > 0
        && from * qint64(GST_MSECOND) >= duration)
        from = 0;
    if (from > 0 && seek(from, -1)) {
        beginPart(Part::FromPosition, from);
    } else {
        // Not seekable (or nothing to skip): one read from the start has every cue.
        if (from > 0)
            seek(0, -1);
        from = 0;
        beginPart(Part::Everything, 0);
    }
    // Playing, with unsynchronised sinks: as fast as the file reads.
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    if (!step(GST_MESSAGE_EOS))
        return error;
    if (from > 0) {
        beginPart(Part::FromStart, from);
        if (!seek(0, from))
            return u"cannot read subtitles from %1: seeking to the start failed"_s.arg(path);
        if (!step(GST_MESSAGE_EOS))
            return error;
    }
    return QString();
}

EmbeddedSubtitles::EmbeddedSubtitles(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<SubtitleCue>();
    qRegisterMetaType<QList<SubtitleCue>>();
}

EmbeddedSubtitles::~EmbeddedSubtitles()
{
    cancel();
    for (QThread *thread : std::as_const(m_threads)) {
        thread->wait();
        delete thread;
    }
}

void EmbeddedSubtitles::start(const QString &path, qint64 fromMs)
{
    cancel();
    auto run = std::make_shared<Run>();
    run->path = path;
    run->fromMs = qMax<qint64>(0, fromMs);
    run->owner = this;
    run->generation = m_generation;
    m_run = run;
    QThread *thread = QThread::create([run] {
        const QString error = run->read();
        run->handOver();
        run->post([error](EmbeddedSubtitles *subtitles) {
            subtitles->m_run.reset();
            Q_EMIT subtitles->finished(error);
        });
    });
    m_threads.append(thread);
    connect(thread, &QThread::finished, this, [this, thread] {
        m_threads.removeOne(thread);
        thread->deleteLater();
    });
    thread->start();
}

void EmbeddedSubtitles::cancel()
{
    ++m_generation;
    if (m_run)
        m_run->cancelled = true;
    m_run.reset();
}

bool EmbeddedSubtitles::isRunning() const
{
    return m_run != nullptr;
}
