// playmark-framebench: what safeVideoFrame() (app/safevideoframe.h) costs the player for each
// frame Qt 6.4 cannot convert itself, against copying the same frame, in the same run. The frames
// are real: ffmpeg makes a 1920x1080 H.264 4:2:2 clip and a 1919x1079 VP9 4:2:0 one at run time,
// GStreamer decodes them into a QVideoSink as the player's would be. Prints a markdown table.
#include "safevideoframe.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QMediaPlayer>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QVideoSink>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

namespace {

// The first frame GStreamer hands a sink for this file (paused: the preroll frame); invalid
// when none came within a minute.
QVideoFrame firstFrame(const QString &path)
{
    QMediaPlayer player;
    QVideoSink sink;
    player.setVideoSink(&sink);
    QVideoFrame frame;
    QEventLoop loop;
    QObject::connect(&sink, &QVideoSink::videoFrameChanged, &loop,
                     [&frame, &loop](const QVideoFrame &arrived) {
                         if (frame.isValid() || !arrived.isValid())
                             return;
                         frame = arrived;
                         loop.quit();
                     });
    QObject::connect(&player, &QMediaPlayer::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    player.setSource(QUrl::fromLocalFile(path));
    player.pause();
    loop.exec();
    return frame;
}

bool makeClip(const QString &path, const QString &size, const QStringList &encoding)
{
    QProcess ffmpeg;
    ffmpeg.setProcessChannelMode(QProcess::ForwardedChannels);
    ffmpeg.start(QStringLiteral("ffmpeg"),
                 QStringList{QStringLiteral("-nostdin"), QStringLiteral("-loglevel"),
                             QStringLiteral("error"), QStringLiteral("-f"), QStringLiteral("lavfi"),
                             QStringLiteral("-i"),
                             QStringLiteral("testsrc2=size=1920x1080:rate=25:duration=1"),
                             QStringLiteral("-vf"), QStringLiteral("scale=") + size}
                     + encoding + QStringList{QStringLiteral("-y"), path});
    return ffmpeg.waitForFinished(120000) && ffmpeg.exitStatus() == QProcess::NormalExit
        && ffmpeg.exitCode() == 0;
}

// The baseline: the frame's bytes into a new buffer, plane by plane, as any copy of it would.
QByteArray copyOf(const QVideoFrame &frame)
{
    QVideoFrame mapped = frame;
    QByteArray copy;
    if (!mapped.map(QVideoFrame::ReadOnly))
        return copy;
    qsizetype total = 0;
    for (int plane = 0; plane < mapped.planeCount(); ++plane)
        total += mapped.mappedBytes(plane);
    copy.resize(total);
    char *to = copy.data();
    for (int plane = 0; plane < mapped.planeCount(); ++plane) {
        std::memcpy(to, mapped.bits(plane), size_t(mapped.mappedBytes(plane)));
        to += mapped.mappedBytes(plane);
    }
    mapped.unmap();
    return copy;
}

double medianMs(QList<qint64> nanoseconds)
{
    std::sort(nanoseconds.begin(), nanoseconds.end());
    return double(nanoseconds.at(nanoseconds.size() / 2)) / 1e6;
}

struct Timing
{
    double measuredMs;
    double baselineMs;
};

// Each round runs both, alternately, so that whatever else the machine does falls on both.
Timing time(int rounds, const std::function<void()> &measured,
            const std::function<void()> &baseline)
{
    QList<qint64> a;
    QList<qint64> b;
    QElapsedTimer timer;
    for (int round = 0; round < rounds; ++round) {
        timer.start();
        measured();
        a.append(timer.nsecsElapsed());
        timer.start();
        baseline();
        b.append(timer.nsecsElapsed());
    }
    return {medianMs(a), medianMs(b)};
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Times safeVideoFrame() on real 1080p frames against copying the same frames."));
    parser.addHelpOption();
    const QCommandLineOption roundsOption(QStringLiteral("rounds"),
                                          QStringLiteral("Rounds of each (default 200)."),
                                          QStringLiteral("N"), QStringLiteral("200"));
    parser.addOption(roundsOption);
    parser.process(app);
    const int rounds = qMax(1, parser.value(roundsOption).toInt());

    QTemporaryDir dir;
    const QString yuv422 = dir.filePath(QStringLiteral("422.mp4"));
    const QString odd = dir.filePath(QStringLiteral("odd.webm"));
    if (!makeClip(yuv422, QStringLiteral("1920:1080"),
                  {QStringLiteral("-c:v"), QStringLiteral("libx264"), QStringLiteral("-pix_fmt"),
                   QStringLiteral("yuv422p")})
        || !makeClip(odd, QStringLiteral("1919:1079"),
                     {QStringLiteral("-c:v"), QStringLiteral("libvpx-vp9"),
                      QStringLiteral("-deadline"), QStringLiteral("realtime"),
                      QStringLiteral("-pix_fmt"), QStringLiteral("yuv420p")})) {
        std::fprintf(stderr, "playmark-framebench: ffmpeg could not make the clips\n");
        return 1;
    }

    std::printf("| Frame | safeVideoFrame() | Copy of the same frame | Ratio | "
                "toImage() of the result |\n|---|---|---|---|---|\n");
    for (const QString &path : {yuv422, odd}) {
        const QVideoFrame frame = firstFrame(path);
        if (!frame.isValid() || isSafeForQtConversion(frame.pixelFormat(), frame.size())) {
            std::fprintf(stderr, "playmark-framebench: no frame to convert from %s\n",
                         qPrintable(path));
            return 1;
        }
        QVideoFrame safe;
        QByteArray copy;
        const Timing timing = time(
            rounds, [&] { safe = safeVideoFrame(frame); }, [&] { copy = copyOf(frame); });
        // What the window then does with it offscreen (Qt's CPU conversion), for scale: on a
        // new frame each time, as a frame caches its picture.
        QList<qint64> paintNs;
        QElapsedTimer timer;
        for (int round = 0; round < qMax(1, rounds / 10); ++round) {
            const QVideoFrame fresh = safeVideoFrame(frame);
            timer.start();
            const QImage image = fresh.toImage();
            paintNs.append(timer.nsecsElapsed());
        }
        std::printf("| %s %dx%d to %s | %.2f ms | %.2f ms | %.2f | %.2f ms |\n",
                    qPrintable(QVideoFrameFormat::pixelFormatToString(frame.pixelFormat())),
                    frame.width(), frame.height(),
                    qPrintable(QVideoFrameFormat::pixelFormatToString(safe.pixelFormat())),
                    timing.measuredMs, timing.baselineMs, timing.measuredMs / timing.baselineMs,
                    medianMs(paintNs));
    }
    return 0;
}
