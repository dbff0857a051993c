#include "safevideoframe.h"

#include <array>
#include <cstring>
#include <optional>

Q_LOGGING_CATEGORY(lcFrames, "playmark.app.frames")

namespace {

bool isOdd(int n)
{
    return (n & 1) != 0;
}

// Where one component (Y, U or V) of pixel (x, y) is, in a mapped frame: in plane `plane`, at
// byte `offset` of the sample that covers it, samples `step` bytes apart; a sample covers 2^hShift
// pixels across and 2^vShift rows down (each shift 0 or 1). 16-bit components give their high
// byte.
struct Component
{
    int plane;
    int offset;
    int step;
    int hShift;
    int vShift;
};
using Layout = std::array<Component, 3>; // Y, U, V

std::optional<Layout> layoutOf(QVideoFrameFormat::PixelFormat format)
{
    switch (format) {
    case QVideoFrameFormat::Format_YUV420P:
        return Layout{{{0, 0, 1, 0, 0}, {1, 0, 1, 1, 1}, {2, 0, 1, 1, 1}}};
    case QVideoFrameFormat::Format_YV12:
        return Layout{{{0, 0, 1, 0, 0}, {2, 0, 1, 1, 1}, {1, 0, 1, 1, 1}}};
    case QVideoFrameFormat::Format_YUV422P:
        return Layout{{{0, 0, 1, 0, 0}, {1, 0, 1, 1, 0}, {2, 0, 1, 1, 0}}};
    case QVideoFrameFormat::Format_NV12:
        return Layout{{{0, 0, 1, 0, 0}, {1, 0, 2, 1, 1}, {1, 1, 2, 1, 1}}};
    case QVideoFrameFormat::Format_NV21:
        return Layout{{{0, 0, 1, 0, 0}, {1, 1, 2, 1, 1}, {1, 0, 2, 1, 1}}};
    case QVideoFrameFormat::Format_P010:
        return Layout{{{0, 1, 2, 0, 0}, {1, 1, 4, 1, 1}, {1, 3, 4, 1, 1}}};
    case QVideoFrameFormat::Format_UYVY:
        return Layout{{{0, 1, 2, 0, 0}, {0, 0, 4, 1, 0}, {0, 2, 4, 1, 0}}};
    case QVideoFrameFormat::Format_YUYV:
        return Layout{{{0, 0, 2, 0, 0}, {0, 1, 4, 1, 0}, {0, 3, 4, 1, 0}}};
    default:
        return std::nullopt;
    }
}

// Maps a frame for reading and unmaps it when it goes.
class MappedFrame
{
public:
    MappedFrame(QVideoFrame frame, QVideoFrame::MapMode mode)
        : m_frame(std::move(frame)), m_mapped(m_frame.map(mode))
    {
    }
    ~MappedFrame()
    {
        if (m_mapped)
            m_frame.unmap();
    }
    Q_DISABLE_COPY_MOVE(MappedFrame)

    bool isMapped() const { return m_mapped; }
    QVideoFrame &frame() { return m_frame; }

private:
    QVideoFrame m_frame;
    bool m_mapped;
};

// A new frame in `pixelFormat` with everything else of `source`: the colours it means and
// where and when it is shown.
QVideoFrame emptyLike(const QVideoFrame &source, QVideoFrameFormat::PixelFormat pixelFormat)
{
    const QVideoFrameFormat in = source.surfaceFormat();
    QVideoFrameFormat format(in.frameSize(), pixelFormat);
    format.setViewport(in.viewport());
    format.setScanLineDirection(in.scanLineDirection());
    format.setFrameRate(in.frameRate());
    format.setColorSpace(in.colorSpace());
    format.setColorTransfer(in.colorTransfer());
    format.setColorRange(in.colorRange());
    format.setMirrored(in.isMirrored());
    format.setMaxLuminance(in.maxLuminance());
    QVideoFrame frame(format);
    frame.setStartTime(source.startTime());
    frame.setEndTime(source.endTime());
    frame.setRotationAngle(source.rotationAngle());
    frame.setMirrored(source.mirrored());
    frame.setSubtitleText(source.subtitleText());
    return frame;
}

// The rounded-up mean of each byte of a and b, 8 bytes at once: (a + b + 1) / 2 without carries
// from one byte into the next.
quint64 meanOfBytes(quint64 a, quint64 b)
{
    return (a | b) - (((a ^ b) & 0xfefefefefefefefeULL) >> 1);
}

// Even-sized 4:2:2 planar to 4:2:0 planar: the luma as it is, each chroma row the mean of a
// pair, which is where 4:2:0 puts its chroma (between two luma rows). About a copy's cost.
void yuv422pToYuv420p(QVideoFrame &in, QVideoFrame &out)
{
    const int width = in.width();
    const int height = in.height();
    for (int y = 0; y < height; ++y)
        std::memcpy(out.bits(0) + y * out.bytesPerLine(0), in.bits(0) + y * in.bytesPerLine(0),
                    size_t(width));
    const int chromaWidth = width / 2;
    for (int plane = 1; plane < 3; ++plane) {
        const int inStride = in.bytesPerLine(plane);
        for (int y = 0; y < height / 2; ++y) {
            const uchar *top = in.bits(plane) + 2 * y * inStride;
            const uchar *bottom = top + inStride;
            uchar *row = out.bits(plane) + y * out.bytesPerLine(plane);
            int x = 0;
            for (; x + 8 <= chromaWidth; x += 8) {
                quint64 a;
                quint64 b;
                std::memcpy(&a, top + x, 8);
                std::memcpy(&b, bottom + x, 8);
                const quint64 mean = meanOfBytes(a, b);
                std::memcpy(row + x, &mean, 8);
            }
            for (; x < chromaWidth; ++x)
                row[x] = uchar((top[x] + bottom[x] + 1) >> 1);
        }
    }
}

// Any of the layouts above to packed 4:4:4 (AYUV, opaque), which Qt converts at any size: each
// pixel takes the chroma sample that covers it. One component at a time, so that the loop over a
// row knows its steps.
void toAyuv(QVideoFrame &in, QVideoFrame &out, const Layout &layout)
{
    const int width = in.width();
    const int height = in.height();
    for (int y = 0; y < height; ++y) {
        uchar *row = out.bits(0) + y * out.bytesPerLine(0);
        for (int x = 0; x < width; ++x)
            row[4 * x] = 0xff;
        for (size_t c = 0; c < 3; ++c) {
            const Component &component = layout[c];
            const uchar *from = in.bits(component.plane)
                + (y >> component.vShift) * in.bytesPerLine(component.plane) + component.offset;
            uchar *to = row + 1 + c;
            const int step = component.step;
            if (component.hShift == 0) {
                for (int x = 0; x < width; ++x)
                    to[4 * x] = from[x * step];
            } else {
                for (int x = 0; x < width; ++x)
                    to[4 * x] = from[(x >> 1) * step];
            }
        }
    }
}

} // namespace

bool isSafeForQtConversion(QVideoFrameFormat::PixelFormat format, const QSize &size)
{
    switch (format) {
    case QVideoFrameFormat::Format_YUV422P:
        return false;
    case QVideoFrameFormat::Format_YUV420P:
    case QVideoFrameFormat::Format_YV12:
    case QVideoFrameFormat::Format_NV12:
    case QVideoFrameFormat::Format_NV21:
    case QVideoFrameFormat::Format_P010:
        return !isOdd(size.width()) && !isOdd(size.height());
    case QVideoFrameFormat::Format_UYVY:
    case QVideoFrameFormat::Format_YUYV:
        return !isOdd(size.width());
    default:
        return true;
    }
}

QVideoFrame safeVideoFrame(const QVideoFrame &frame)
{
    const QSize size = frame.size();
    if (!frame.isValid() || isSafeForQtConversion(frame.pixelFormat(), size))
        return frame;
    const std::optional<Layout> layout = layoutOf(frame.pixelFormat());
    if (!layout) // isSafeForQtConversion names no format it has no layout for
        return frame;

    const bool evenYuv422p = frame.pixelFormat() == QVideoFrameFormat::Format_YUV422P
        && !isOdd(size.width()) && !isOdd(size.height());
    MappedFrame in(frame, QVideoFrame::ReadOnly);
    MappedFrame out(
        emptyLike(frame,
                  evenYuv422p ? QVideoFrameFormat::Format_YUV420P : QVideoFrameFormat::Format_AYUV),
        QVideoFrame::WriteOnly);
    if (!in.isMapped() || !out.isMapped()) {
        qCWarning(lcFrames) << "cannot map a" << frame.pixelFormat() << size
                            << "frame or its copy to convert it: dropped";
        return {};
    }
    if (evenYuv422p)
        yuv422pToYuv420p(in.frame(), out.frame());
    else
        toAyuv(in.frame(), out.frame(), *layout);
    return out.frame();
}
