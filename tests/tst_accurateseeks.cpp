// installAccurateSeeks() (media/accurateseeks.h): Qt Multimedia's own player, on transport
// streams ffmpeg makes at test time, shows the frame at the place asked for after a seek, not the
// one 1-2.5 s before it where GStreamer's tsdemux starts a seek without the accurate flag
// (checked without it: setPosition(3000) showed 1220 ms on the MPEG-2 TS, 520 on the H.264 TS
// from 0, 1140 on the one at 10 s and on the M2TS). The MP4 row is the control: it landed right
// without it too.
#include "ffmpegclip.h"
#include "media/accurateseeks.h"

#include <QMediaPlayer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QVideoFrame>
#include <QVideoSink>

namespace {
constexpr int kTimeoutMs = 30000;
constexpr qint64 kTargetMs = 3000;
// The "same second"; one frame is 40 ms.
constexpr qint64 kToleranceMs = 250;
} // namespace

class tst_AccurateSeeks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void landsWhereAsked_data();
    void landsWhereAsked();

private:
    QTemporaryDir m_dir;
};

void tst_AccurateSeeks::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCOMPARE(installAccurateSeeks(), QString());
}

void tst_AccurateSeeks::landsWhereAsked_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("encode");
    // ffmpeg's defaults: the first frame at 1.44 s, the first PCR at 0.7 s.
    QTest::newRow("mpeg2 ts") << u"mpeg2.ts"_qs
                              << QStringList{u"-c:v"_qs, u"mpeg2video"_qs, u"-c:a"_qs, u"mp2"_qs};
    // A long GOP (x264's 250 frames: one keyframe) starting at 0.06 s.
    QTest::newRow("h264 ts from 0")
        << u"h264.ts"_qs
        << QStringList{u"-c:v"_qs,      u"libx264"_qs, u"-c:a"_qs,        u"aac"_qs,
                       u"-muxdelay"_qs, u"0"_qs,       u"-muxpreload"_qs, u"0"_qs};
    // A recording that starts 10 s into the broadcaster's clock.
    QTest::newRow("h264 ts at 10 s")
        << u"offset.ts"_qs << QStringList{u"-c:v"_qs, u"libx264"_qs,           u"-c:a"_qs,
                                          u"aac"_qs,  u"-output_ts_offset"_qs, u"10"_qs};
    QTest::newRow("h264 m2ts") << u"h264.m2ts"_qs
                               << QStringList{u"-c:v"_qs, u"libx264"_qs, u"-c:a"_qs, u"aac"_qs};
    QTest::newRow("h264 mp4") << u"h264.mp4"_qs
                              << QStringList{u"-c:v"_qs, u"libx264"_qs, u"-c:a"_qs, u"aac"_qs};
}

void tst_AccurateSeeks::landsWhereAsked()
{
    QFETCH(QString, name);
    QFETCH(QStringList, encode);
    const QString path = m_dir.filePath(name);
    QString error;
    QVERIFY2(makeFfmpegClip(QStringList{u"-f"_qs, u"lavfi"_qs, u"-i"_qs,
                                        u"testsrc2=size=320x240:rate=25:duration=6"_qs, u"-f"_qs,
                                        u"lavfi"_qs, u"-i"_qs, u"sine=frequency=440:duration=6"_qs}
                                + encode,
                            path, &error),
             qPrintable(error));

    // As PlayerApp does: paused until seekable (a seek before is ignored), then the seek, then
    // play. No audio output: none is needed to land, and the test machine has no sound card.
    QMediaPlayer player;
    QVideoSink sink;
    player.setVideoOutput(&sink);
    bool seeked = false;
    qint64 firstFrameMs = -1; // the first frame shown after the seek, in the player's time
    connect(&sink, &QVideoSink::videoFrameChanged, this, [&](const QVideoFrame &frame) {
        if (seeked && firstFrameMs < 0 && frame.isValid())
            firstFrameMs = frame.startTime() / 1000;
    });
    connect(&player, &QMediaPlayer::seekableChanged, this, [&](bool seekable) {
        if (!seekable || seeked)
            return;
        player.setPosition(kTargetMs);
        seeked = true;
        player.play();
    });
    player.setSource(QUrl::fromLocalFile(path));
    player.pause();
    QTRY_VERIFY_WITH_TIMEOUT(firstFrameMs >= 0, kTimeoutMs);
    QVERIFY2(qAbs(firstFrameMs - kTargetMs) <= kToleranceMs,
             qPrintable(u"asked for %1 ms, the first frame shown is at %2 ms"_qs.arg(kTargetMs).arg(
                 firstFrameMs)));
    // And the player says so: its position is the frame's.
    QSignalSpy positions(&player, &QMediaPlayer::positionChanged);
    QVERIFY(positions.wait(kTimeoutMs));
    const qint64 position = positions.last().first().toLongLong();
    QVERIFY2(
        position >= kTargetMs - kToleranceMs && position <= firstFrameMs + 1000,
        qPrintable(
            u"the first frame at %1 ms, the player at %2 ms"_qs.arg(firstFrameMs).arg(position)));
}

QTEST_MAIN(tst_AccurateSeeks)
#include "tst_accurateseeks.moc"
