#pragma once

#include <QObject>
#include <QPointer>
#include <QVideoFrameFormat>
#include <QVideoSink>

// Stands between a QMediaPlayer and the sink that shows its frames (QVideoWidget's): the player
// renders into sink(), and each frame goes on to the target as safeVideoFrame() makes it, so no
// frame Qt 6.4 cannot convert reaches the target's painter (safevideoframe.h). Frames Qt converts
// right go on untouched. The target keeps its own subtitle text (QVideoSink::setSubtitleText on
// it still shows), and an empty frame (stop, flush) goes on too.
class VideoFrameForwarder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VideoFrameForwarder)
public:
    explicit VideoFrameForwarder(QObject *parent = nullptr);

    QVideoSink *sink() { return &m_sink; }
    // Null: frames go nowhere. Not owned; forgotten when destroyed.
    void setTarget(QVideoSink *target);

private:
    void forward(const QVideoFrame &frame);

    QVideoSink m_sink;
    QPointer<QVideoSink> m_target;
    QVideoFrameFormat::PixelFormat m_lastFormat = QVideoFrameFormat::Format_Invalid;
};
