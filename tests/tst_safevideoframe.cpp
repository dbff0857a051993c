// safeVideoFrame() on real frames: clips ffmpeg writes at test time in the pixel formats that
// reach Qt 6.4's GStreamer sink as formats its CPU conversion mishandles (safevideoframe.h), each
// played by the real QMediaPlayer into a QVideoSink; the frame it hands over is made safe and
// converted by QVideoFrame::toImage() (the CPU path: offscreen there is no RHI). The clips show
// four colours, one a quarter, so a picture drawn with the wrong rows or a sheared one shows.
// Without the conversion these crash (heap corruption) or give a wrong picture.
#include "ffmpegclip.h"
#include "safevideoframe.h"

#include <QImage>
#include <QMediaPlayer>
#include <QTemporaryDir>
#include <QTest>
#include <QVideoSink>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(QVideoFrameFormat::PixelFormat)

namespace {

constexpr int kTimeoutMs = 60000;

enum class Colour { Red, Green, Blue, White };

// What tests/ffmpegclip.h's fourColoursInput() draws where.
Colour colourAt(const QSize &size, int x, int y)
{
    const bool right = x >= (size.width() / 2 & ~1);
    const bool bottom = y >= (size.height() / 2 & ~1);
    return bottom ? (right ? Colour::White : Colour::Blue) : (right ? Colour::Green : Colour::Red);
}

bool looksLike(QRgb pixel, Colour colour)
{
    const int r = qRed(pixel);
    const int g = qGreen(pixel);
    const int b = qBlue(pixel);
    switch (colour) {
    case Colour::Red:
        return r > 180 && g < 80 && b < 80;
    case Colour::Green:
        return g > 180 && r < 80 && b < 80;
    case Colour::Blue:
        return b > 180 && r < 80 && g < 80;
    case Colour::White:
        return r > 200 && g > 200 && b > 200;
    }
    return false;
}

QString describe(QRgb pixel)
{
    return u"rgb(%1,%2,%3)"_s.arg(qRed(pixel)).arg(qGreen(pixel)).arg(qBlue(pixel));
}

// The middle of each quarter, the corners and the last row (which Qt leaves unwritten at an odd
// height). At an odd width, the column before the last: ffmpeg's own conversion from RGB mixes
// other colours into the last column's chroma (its own decoder shows it so too).
QList<QPoint> placesToLook(const QSize &size)
{
    const int w = size.width();
    const int h = size.height();
    const int right = w - 1 - (w & 1);
    return {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4},
            {0, 0},         {right, 0},         {0, h - 1},         {right, h - 1},
            {w / 4, h - 1}, {right, h / 4}};
}

} // namespace

class tst_SafeVideoFrame : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void realFrames_data();
    void realFrames();
    void invalidFrameStaysInvalid();

private:
    QString makeClip(const QString &name, const QSize &size, const QStringList &encoding);

    QTemporaryDir m_dir;
};

void tst_SafeVideoFrame::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

// One second of the four colours (colourAt()), encoded as asked.
QString tst_SafeVideoFrame::makeClip(const QString &name, const QSize &size,
                                     const QStringList &encoding)
{
    const QString path = m_dir.filePath(name);
    QString error;
    if (!makeFfmpegClip(fourColoursInput(size, 1) + encoding, path, &error, kTimeoutMs)) {
        qWarning() << error;
        return {};
    }
    return path;
}

void tst_SafeVideoFrame::realFrames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<QStringList>("encoding");
    QTest::addColumn<QVideoFrameFormat::PixelFormat>("format"); // what the sink gets
    QTest::addColumn<bool>("converted");

    const QStringList ffv1{u"-c:v"_s, u"ffv1"_s, u"-pix_fmt"_s};
    const QStringList raw{u"-c:v"_s, u"rawvideo"_s, u"-pix_fmt"_s};
    using F = QVideoFrameFormat;

    // 4:2:2 planar: what H.264 4:2:2 and ProRes 422 reach the sink as, 10-bit ones too.
    QTest::newRow("4:2:2 planar") << u"422.mkv"_s << QSize(320, 240)
                                  << ffv1 + QStringList{u"yuv422p"_s} << F::Format_YUV422P << true;
    QTest::newRow("4:2:2 planar 10-bit")
        << u"422-10.mkv"_s << QSize(320, 240) << ffv1 + QStringList{u"yuv422p10le"_s}
        << F::Format_YUV422P << true;
    QTest::newRow("4:2:2 planar, odd width")
        << u"422-w.mkv"_s << QSize(321, 240) << ffv1 + QStringList{u"yuv422p"_s}
        << F::Format_YUV422P << true;
    QTest::newRow("4:2:2 planar, odd height")
        << u"422-h.mkv"_s << QSize(320, 241) << ffv1 + QStringList{u"yuv422p"_s}
        << F::Format_YUV422P << true;
    // 4:2:0 at odd sizes (VP8, VP9, AV1, Theora allow them).
    QTest::newRow("4:2:0 planar, odd width")
        << u"420-w.mkv"_s << QSize(321, 240) << ffv1 + QStringList{u"yuv420p"_s}
        << F::Format_YUV420P << true;
    QTest::newRow("4:2:0 planar, odd height")
        << u"420-h.mkv"_s << QSize(320, 241) << ffv1 + QStringList{u"yuv420p"_s}
        << F::Format_YUV420P << true;
    QTest::newRow("P010, odd size")
        << u"p010.mkv"_s << QSize(321, 241) << ffv1 + QStringList{u"yuv420p10le"_s}
        << F::Format_P010 << true;
    // Packed 4:2:2 at an odd width (uncompressed AVI).
    QTest::newRow("UYVY, odd width") << u"uyvy.avi"_s << QSize(321, 240)
                                     << raw + QStringList{u"uyvy422"_s} << F::Format_UYVY << true;
    QTest::newRow("YUYV, odd width") << u"yuyv.avi"_s << QSize(321, 240)
                                     << raw + QStringList{u"yuyv422"_s} << F::Format_YUYV << true;

    // What Qt converts right goes on untouched.
    QTest::newRow("4:2:0 planar") << u"420.mkv"_s << QSize(320, 240)
                                  << ffv1 + QStringList{u"yuv420p"_s} << F::Format_YUV420P << false;
    QTest::newRow("P010") << u"p010-even.mkv"_s << QSize(320, 240)
                          << ffv1 + QStringList{u"yuv420p10le"_s} << F::Format_P010 << false;
    QTest::newRow("4:4:4") << u"444.mkv"_s << QSize(321, 241) << ffv1 + QStringList{u"yuv444p"_s}
                           << F::Format_AYUV << false;
    QTest::newRow("UYVY") << u"uyvy-even.avi"_s << QSize(320, 241)
                          << raw + QStringList{u"uyvy422"_s} << F::Format_UYVY << false;
}

void tst_SafeVideoFrame::realFrames()
{
    QFETCH(QString, name);
    QFETCH(QSize, size);
    QFETCH(QStringList, encoding);
    QFETCH(QVideoFrameFormat::PixelFormat, format);
    QFETCH(bool, converted);

    const QString clip = makeClip(name, size, encoding);
    QVERIFY(!clip.isEmpty());

    // The frame GStreamer hands the sink first (the preroll frame, paused).
    QMediaPlayer player;
    QVideoSink sink;
    player.setVideoSink(&sink);
    QVideoFrame frame;
    connect(&sink, &QVideoSink::videoFrameChanged, this, [&frame](const QVideoFrame &arrived) {
        if (!frame.isValid() && arrived.isValid())
            frame = arrived;
    });
    player.setSource(QUrl::fromLocalFile(clip));
    player.pause();
    QTRY_VERIFY_WITH_TIMEOUT(frame.isValid(), kTimeoutMs);
    QCOMPARE(frame.pixelFormat(), format); // else this row tests another format than it says
    QCOMPARE(frame.size(), size);
    QCOMPARE(isSafeForQtConversion(format, size), !converted);

    const QVideoFrame safe = safeVideoFrame(frame);
    QVERIFY(safe.isValid());
    if (!converted) {
        QVERIFY(safe == frame); // the same frame, not a copy
        return;
    }
    QVERIFY(isSafeForQtConversion(safe.pixelFormat(), safe.size()));
    QCOMPARE(safe.size(), size);
    QCOMPARE(safe.startTime(), frame.startTime());
    QCOMPARE(safe.endTime(), frame.endTime());
    QCOMPARE(safe.surfaceFormat().colorSpace(), frame.surfaceFormat().colorSpace());
    QCOMPARE(safe.surfaceFormat().colorRange(), frame.surfaceFormat().colorRange());

    const QImage image = safe.toImage();
    QCOMPARE(image.size(), size);
    for (const QPoint &place : placesToLook(size)) {
        const QRgb pixel = image.pixel(place);
        QVERIFY2(
            looksLike(pixel, colourAt(size, place.x(), place.y())),
            qPrintable(u"%1 at (%2, %3)"_s.arg(describe(pixel)).arg(place.x()).arg(place.y())));
    }
}

void tst_SafeVideoFrame::invalidFrameStaysInvalid()
{
    QVERIFY(!safeVideoFrame(QVideoFrame()).isValid());
}

QTEST_MAIN(tst_SafeVideoFrame)
#include "tst_safevideoframe.moc"
