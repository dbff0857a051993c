#pragma once

#include <QHash>
#include <QImage>
#include <QMediaPlayer>
#include <QObject>
#include <QQueue>
#include <QTimer>
#include <QVideoSink>

// Pictures of a video at a saved position, for Continue Watching. Each is made once, by a silent
// QMediaPlayer rendering into a QVideoSink, and kept as a JPEG in the profile; one video at a time.
class ThumbnailCache final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThumbnailCache)
public:
    static constexpr int kWidth = 320;
    static constexpr int kGiveUpMs = 8000;

    explicit ThumbnailCache(const QString &folder, QObject *parent = nullptr);

    // The cached file for this video at this position (to the second).
    QString pathFor(const QString &contentId, qint64 positionMs) const;
    // thumbnailReady() follows, from the cache or freshly made; nothing if the video won't play.
    void request(const QString &contentId, const QString &videoPath, qint64 positionMs);

Q_SIGNALS:
    void thumbnailReady(const QString &contentId, const QImage &image);

private:
    struct Job
    {
        QString contentId;
        QString videoPath;
        qint64 positionMs = 0;
    };
    void startNext();
    void seekWhenReady();
    void takeFrame(const QVideoFrame &frame);
    void finishJob();

    QString m_folder;
    QQueue<Job> m_queue;
    std::optional<Job> m_job;
    bool m_seeked = false;
    bool m_fromStart = false; // the seek to the position found no picture: the first one then
    QMediaPlayer m_player;
    QVideoSink m_sink;
    QTimer m_giveUp;
};
