#pragma once

#include <QLoggingCategory>
#include <QSize>
#include <QVideoFrame>
#include <QVideoFrameFormat>

// Qt 6.4's conversion of a frame to a picture on the CPU (QVideoFrame::toImage() without an RHI,
// which QVideoWindow's painter uses offscreen and ThumbnailCache uses everywhere) mishandles some
// of the formats its GStreamer sink accepts. Measured with Qt 6.4.2 (Debian 12), each format the
// sink accepts made by GStreamer's videoconvert, converted under valgrind and compared with
// GStreamer's own RGB picture (docs/benchmarks.md, "Video frames Qt cannot convert"):
// - YUV422P at any size: every row is written twice as far apart as it should be, past the end
//   of the picture (heap corruption: H.264 4:2:2, 10-bit 4:2:2 and ProRes 422 reach the sink so);
// - YUV420P, YV12, NV12, NV21, P010, UYVY, YUYV at an odd width: each row drifts one pixel, past
//   the end of the picture (heap corruption) or a sheared picture;
// - YUV420P, YV12, NV12, NV21, P010 at an odd height: the last row is left unwritten (garbage).
// The other formats the sink accepts (RGB and BGR in every order, AYUV, Y8, Y16) convert right
// at every size.

Q_DECLARE_LOGGING_CATEGORY(lcFrames)

// Whether Qt 6.4's CPU conversion gets a frame of this format and size right.
bool isSafeForQtConversion(QVideoFrameFormat::PixelFormat format, const QSize &size);

// The frame itself when Qt converts it right; otherwise the same picture in a format it does
// convert right (YUV420P for an even-sized YUV422P frame, chroma rows averaged in pairs; AYUV for
// the odd sizes), with the same times, colours and orientation. An invalid frame when the frame
// cannot be read.
QVideoFrame safeVideoFrame(const QVideoFrame &frame);
