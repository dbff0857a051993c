#include "videoframeforwarder.h"

#include "safevideoframe.h"

#include <QLoggingCategory>
#include <QVideoFrame>

VideoFrameForwarder::VideoFrameForwarder(QObject *parent) : QObject(parent)
{
    // Qt's GStreamer sink hands each frame over on the thread its renderer lives on, this one
    // (the GUI thread), while the streaming thread waits: the conversion is kept to about a
    // copy (docs/benchmarks.md).
    connect(&m_sink, &QVideoSink::videoFrameChanged, this, &VideoFrameForwarder::forward);
}

void VideoFrameForwarder::setTarget(QVideoSink *target)
{
    m_target = target;
}

void VideoFrameForwarder::forward(const QVideoFrame &frame)
{
    if (frame.isValid() && frame.pixelFormat() != m_lastFormat) {
        m_lastFormat = frame.pixelFormat();
        qCDebug(lcFrames) << "frames arrive as" << m_lastFormat << frame.size()
                          << (isSafeForQtConversion(m_lastFormat, frame.size()) ? "(kept)"
                                                                                : "(converted)");
    }
    if (m_target)
        m_target->setVideoFrame(safeVideoFrame(frame));
}
