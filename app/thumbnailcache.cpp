#include "thumbnailcache.h"

#include "safevideoframe.h"

#include <QDir>
#include <QFile>
#include <QFuture>
#include <QLoggingCategory>
#include <QVideoFrame>
#include <QtConcurrent/QtConcurrentRun>

Q_LOGGING_CATEGORY(lcThumbnails, "playmark.app.thumbnails")

ThumbnailCache::ThumbnailCache(const QString &folder, QObject *parent)
    : QObject(parent), m_folder(folder)
{
    QDir().mkpath(m_folder);
    m_player.setVideoOutput(&m_sink);
    m_giveUp.setSingleShot(true);
    m_giveUp.setInterval(kGiveUpMs);
    connect(&m_giveUp, &QTimer::timeout, this, [this] {
        if (m_job && m_seeked && !m_fromStart) {
            // The seek found no frame to show from there (measured: a WebM without an index,
            // PlaybackSession::startFromTheBeginning; paused, the player says nothing, not even
            // the end): the picture at the start is still the video's.
            qCInfo(lcThumbnails) << "no picture at" << m_job->positionMs << "ms in"
                                 << m_job->videoPath << "- taking the first one";
            m_fromStart = true;
            m_giveUp.start();
            // Opened again, with no seek: the demuxer's state after that seek fails the next one
            // ("Could not demultiplex stream"), and the preroll frame is the start's.
            m_player.stop();
            m_player.setSource(QUrl());
            m_player.setSource(QUrl::fromLocalFile(m_job->videoPath));
            m_player.pause();
            return;
        }
        qCInfo(lcThumbnails) << "no picture for" << (m_job ? m_job->videoPath : QString());
        finishJob();
    });
    connect(&m_player, &QMediaPlayer::seekableChanged, this, &ThumbnailCache::seekWhenReady);
    // Said as the give-up is: a list entry without a picture is then explained in the log.
    connect(&m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error, const QString &message) {
                qCInfo(lcThumbnails)
                    << "no picture for" << (m_job ? m_job->videoPath : QString()) << message;
                finishJob();
            });
    connect(&m_sink, &QVideoSink::videoFrameChanged, this, &ThumbnailCache::takeFrame);
}

QString ThumbnailCache::pathFor(const QString &contentId, qint64 positionMs) const
{
    return QStringLiteral("%1/%2-%3.jpg").arg(m_folder, contentId).arg(positionMs / 1000);
}

void ThumbnailCache::request(const QString &contentId, const QString &videoPath, qint64 positionMs)
{
    const QString cached = pathFor(contentId, positionMs);
    // Reading a small file, but still off the GUI thread.
    QtConcurrent::run([cached] {
        return QImage(cached);
    }).then(this, [this, contentId, videoPath, positionMs](const QImage &image) {
        if (!image.isNull()) {
            Q_EMIT thumbnailReady(contentId, image);
            return;
        }
        if (videoPath.isEmpty() || !QFile::exists(videoPath))
            return;
        m_queue.enqueue({contentId, videoPath, positionMs});
        if (!m_job)
            startNext();
    });
}

void ThumbnailCache::startNext()
{
    if (m_queue.isEmpty())
        return;
    m_job = m_queue.dequeue();
    m_seeked = false;
    m_fromStart = false;
    m_giveUp.start();
    m_player.setSource(QUrl::fromLocalFile(m_job->videoPath));
    m_player.pause(); // prerolls: seekable, and frames without sound
}

void ThumbnailCache::seekWhenReady()
{
    if (!m_job || !m_player.isSeekable() || m_seeked)
        return;
    m_seeked = true;
    m_player.setPosition(m_job->positionMs);
}

void ThumbnailCache::takeFrame(const QVideoFrame &frame)
{
    if (!m_job || !m_seeked || !frame.isValid())
        return;
    // The preroll frame from near 0 may come first: wait for one near the position.
    const qint64 frameMs = frame.startTime() / 1000;
    if (!m_fromStart && frame.startTime() >= 0 && qAbs(frameMs - m_job->positionMs) > 2000
        && m_job->positionMs > 2000)
        return;
    // toImage() is Qt's CPU conversion here, which some formats corrupt (safevideoframe.h).
    const QImage image =
        safeVideoFrame(frame).toImage().scaledToWidth(kWidth, Qt::SmoothTransformation);
    if (image.isNull())
        return;
    const QString path = pathFor(m_job->contentId, m_job->positionMs);
    // Fire and forget: a failed save only means making it again next time.
    [[maybe_unused]] const QFuture<bool> saved =
        QtConcurrent::run([image, path] { return image.save(path, "JPG", 85); });
    Q_EMIT thumbnailReady(m_job->contentId, image);
    finishJob();
}

void ThumbnailCache::finishJob()
{
    m_giveUp.stop();
    m_job.reset();
    m_player.stop();
    m_player.setSource(QUrl());
    QTimer::singleShot(0, this, &ThumbnailCache::startNext);
}
