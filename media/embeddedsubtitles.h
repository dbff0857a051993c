#pragma once

#include "media/subtitlecue.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QThread;

// Reads a file's embedded text tracks with GStreamer (filesrc ! parsebin, text pads to appsinks,
// no decoding) on a worker thread; cues arrive in batches as the file is read. Reads from
// `fromMs` to the end first, then from the start (so the cues where playback starts come first).
//
// Why not Qt: Qt 6.4 hands embedded text with the bytes after the buffer appended and, after any
// flush (a seek), at the cue's end instead of its start (measured on resources/sample-tracks.mkv:
// the 0:06 cue shown at 9.0 s and cleared 60 ms later). Here the text is
// the mapped buffer and the times are the buffers' PTS and duration.
class EmbeddedSubtitles final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmbeddedSubtitles)
public:
    explicit EmbeddedSubtitles(QObject *parent = nullptr);
    // Stops a read under way and waits for its thread (a GStreamer state change to NULL: a few
    // ms), so nothing runs after the object is gone.
    ~EmbeddedSubtitles() override;

    void start(const QString &path, qint64 fromMs = 0); // cancels a previous one
    // Stops the read under way without waiting; no signal of it arrives after this.
    void cancel();
    bool isRunning() const;

Q_SIGNALS:
    // trackIndex as QMediaPlayer::subtitleTracks() counts: the file's text streams in order.
    void cuesFound(int trackIndex, const QList<SubtitleCue> &cues);
    void finished(const QString &error); // "" when all was read

public:
    struct Run; // one read, shared with its worker thread and GStreamer's callbacks (.cpp only)

private:
    std::shared_ptr<Run> m_run; // the read under way, shared with its thread
    QList<QThread *> m_threads; // this object's worker threads still running
    quint64 m_generation = 0; // signals of an older read are dropped
};
