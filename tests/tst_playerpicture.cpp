// The real player on a private X display (Xvfb) showing videos whose frames Qt 6.4 cannot convert
// on the CPU (app/safevideoframe.h): since the player's frames go through VideoFrameForwarder,
// the window gets remade frames, and the picture must still be the video's. Each clip, made by
// ffmpeg, shows four colours, one a quarter; the window is looked at with ffmpeg's x11grab.
// (Under X the window draws through the RHI, which drew these right before the change too: this
// guards the picture, the offscreen crash is tst_endtoend's.)
#include "ffmpegclip.h"
#include "playerprocess.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
constexpr int kTimeoutMs = 30000;
// How long the paused picture may take to show once `resumed` is printed.
constexpr int kLookMs = 10000;
const QRect kWindow(0, 0, 960, 600);

// Pixel (x, y) of an RGB grab `width` pixels wide.
QRgb pixelAt(const QByteArray &rgb, int width, const QPoint &place)
{
    const qsizetype at = (qsizetype(place.y()) * width + place.x()) * 3;
    if (at + 2 >= rgb.size())
        return 0;
    return qRgb(uchar(rgb.at(at)), uchar(rgb.at(at + 1)), uchar(rgb.at(at + 2)));
}

bool near(QRgb pixel, QRgb wanted)
{
    return qAbs(qRed(pixel) - qRed(wanted)) < 48 && qAbs(qGreen(pixel) - qGreen(wanted)) < 48
        && qAbs(qBlue(pixel) - qBlue(wanted)) < 48;
}

// Where each quarter of the video is in the window (the 16:9 picture fills the window's width
// between the menu bar and the controls) and the colour it must be there.
QList<QPair<QPoint, QRgb>> quarters()
{
    return {{{kWindow.width() / 4, 150}, qRgb(255, 0, 0)},
            {{3 * kWindow.width() / 4, 150}, qRgb(0, 255, 0)},
            {{kWindow.width() / 4, 420}, qRgb(0, 0, 255)},
            {{3 * kWindow.width() / 4, 420}, qRgb(255, 255, 255)}};
}

// What the quarters show that they should not; empty when all are right.
QString wrongQuarters(const QByteArray &rgb)
{
    QStringList wrong;
    for (const auto &[place, colour] : quarters()) {
        const QRgb pixel = pixelAt(rgb, kWindow.width(), place);
        if (!near(pixel, colour))
            wrong << u"rgb(%1,%2,%3) at (%4, %5)"_s.arg(qRed(pixel))
                         .arg(qGreen(pixel))
                         .arg(qBlue(pixel))
                         .arg(place.x())
                         .arg(place.y());
    }
    return wrong.join(u"; "_s);
}

} // namespace

class tst_PlayerPicture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsTheVideo_data();
    void showsTheVideo();
};

void tst_PlayerPicture::showsTheVideo_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<QStringList>("encoding");

    QTest::newRow("H.264 4:2:2") << u"422.mp4"_s << QSize(640, 360)
                                 << QStringList{u"-c:v"_s, u"libx264"_s, u"-pix_fmt"_s,
                                                u"yuv422p"_s};
    QTest::newRow("VP9 at an odd size")
        << u"odd.webm"_s << QSize(641, 361)
        << QStringList{u"-c:v"_s,     u"libvpx-vp9"_s, u"-deadline"_s,
                       u"realtime"_s, u"-pix_fmt"_s,   u"yuv420p"_s};
}

void tst_PlayerPicture::showsTheVideo()
{
    QFETCH(QString, name);
    QFETCH(QSize, size);
    QFETCH(QStringList, encoding);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString clip = dir.filePath(name);
    QString error;
    QVERIFY2(makeFfmpegClip(fourColoursInput(size, 6) + encoding, clip, &error, kTimeoutMs),
             qPrintable(error));

    VirtualDisplay display;
    QVERIFY2(display.start(QSize(1024, 700), kTimeoutMs, &error), qPrintable(error));
    PlayerProcess player(kPlayerBin,
                         {u"--profile"_s, dir.filePath(u"profile"_s), u"--device"_s, u"TV"_s,
                          u"--events"_s, u"--paused"_s, u"--window-geometry"_s,
                          u"%1x%2+%3+%4"_s.arg(kWindow.width())
                              .arg(kWindow.height())
                              .arg(kWindow.x())
                              .arg(kWindow.y()),
                          clip},
                         display.environment());
    QVERIFY2(!player.waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), player.err().constData());

    // A deadline of its own, not QTRY's: QTRY counts only its waits, and each look runs ffmpeg.
    const QDeadlineTimer deadline(kLookMs);
    QString wrong;
    do {
        wrong = wrongQuarters(display.grab(kWindow, kTimeoutMs));
    } while (!wrong.isEmpty() && !deadline.hasExpired());
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

QTEST_GUILESS_MAIN(tst_PlayerPicture)
#include "tst_playerpicture.moc"
