// Files as people have them, damaged ones among them, each opened by the real `playmark`
// (offscreen) with --events and --quit-after: a damaged file ends with exit 3 and its reason on
// stderr, or plays what can be played and closes; never a crash, never a hang (each run has a
// generous time, and no exit within it fails the test). Audio-only files (an audiobook, music)
// play and resume on a second profile at the same second through a real playmark-server, with no
// sound device and with one (a private PulseAudio null sink, tests/pulseserver.h). The clips are
// made here by ffmpeg and damaged by a few lines below; nothing is committed.
#include "playerposition.h"
#include "pulseserver.h"
#include "serverprocess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
// Generous: the machine is shared, and a run that never ends is the failure looked for. It is
// well past the player's own start wait, twice (PlaybackSession::kDefaultStartWaitMs, 10 s: at
// the resume point, then from the start).
constexpr int kPlayerTimeoutMs = 90000;
constexpr int kToolTimeoutMs = 60000;
// A close waits at most about a second for a server (PlaybackSession::kCloseWaitMs); far more
// than that is a close that does not end the process.
constexpr int kCloseTimeoutMs = 15000;
// The clips' length; long enough that a cut at half still plays a while.
constexpr int kClipSeconds = 6;

struct PlayerRun
{
    bool finished = false;
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    int exitCode = -1;
    QList<QJsonObject> events;
    QByteArray err;

    QJsonObject event(const QString &name, const QString &state = {}) const
    {
        for (const QJsonObject &event : events) {
            if (event.value(u"event"_s).toString() == name
                && (state.isEmpty() || event.value(u"state"_s).toString() == state))
                return event;
        }
        return {};
    }
    QString describe() const
    {
        QString text = finished ? u"exit %1 (%2)"_s.arg(exitCode).arg(
                           exitStatus == QProcess::NormalExit ? u"normal"_s : u"crashed"_s)
                                : u"no exit within %1 ms"_s.arg(kPlayerTimeoutMs);
        for (const QJsonObject &event : events)
            text +=
                u"\n  "_s + QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact));
        return text + u"\nstderr:\n"_s + QString::fromLocal8Bit(err.right(3000));
    }
};

// The environment of a player on a machine without any sound device: no PulseAudio to reach
// (ALSA has no card here either).
QProcessEnvironment withoutSound()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.insert(u"PULSE_SERVER"_s, u"unix:/nonexistent/playmark-no-sound"_s);
    environment.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
    return environment;
}

PlayerRun runPlayer(const QStringList &arguments, const QProcessEnvironment &environment)
{
    const Run run = runProcess(kPlayerBin, arguments, environment, kPlayerTimeoutMs);
    PlayerRun player;
    player.finished = run.finished;
    player.exitStatus = run.exitStatus;
    player.exitCode = run.exitCode;
    player.err = run.err;
    for (const QByteArray &line : run.out.split('\n')) {
        if (!line.trimmed().isEmpty())
            player.events.append(QJsonDocument::fromJson(line).object());
    }
    return player;
}

// ffmpeg's lavfi sources, `seconds` long: a test picture and a tone.
QStringList sources(int seconds)
{
    return {
        u"-f"_s, u"lavfi"_s, u"-i"_s, u"testsrc2=size=320x240:rate=25:duration=%1"_s.arg(seconds),
        u"-f"_s, u"lavfi"_s, u"-i"_s, u"sine=frequency=440:duration=%1"_s.arg(seconds)};
}

// How a run must end.
enum class Outcome {
    Refused, // exit 3, "playmark: Cannot play NAME: REASON" on stderr
    PlaysToItsEnd, // resumed, reported `ended`, quit, exit 0
    PlaysOrRefused, // either: what GStreamer makes of random bytes is its own affair
};

} // namespace

Q_DECLARE_METATYPE(Outcome)

class tst_DamagedFiles : public QObject
{
    Q_OBJECT

private:
    // Writes `name` with ffmpeg from the given arguments; empty when ffmpeg failed.
    QString make(const QString &name, const QStringList &arguments)
    {
        const QString path = m_clips.filePath(name);
        const Run run = runProcess(
            u"ffmpeg"_s, QStringList{u"-v"_s, u"error"_s, u"-y"_s} + arguments + QStringList{path},
            QProcessEnvironment::systemEnvironment(), kToolTimeoutMs);
        if (!run.exitedNormally() || run.exitCode != 0 || !QFile::exists(path)) {
            qWarning().noquote() << "ffmpeg could not make" << name << run.err;
            return {};
        }
        return path;
    }

    // The first half of `source`, as a download or a copy that stopped there.
    QString cutAtHalf(const QString &source, const QString &name)
    {
        QFile in(source);
        QFile out(m_clips.filePath(name));
        if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly))
            return {};
        out.write(in.read(in.size() / 2));
        return out.fileName();
    }

    // `source` with 256 KiB of random bytes over its middle, as a bad sector or a broken copy.
    // A fixed seed: the same damage on every run.
    QString corruptMiddle(const QString &source, const QString &name)
    {
        QFile in(source);
        if (!in.open(QIODevice::ReadOnly))
            return {};
        QByteArray bytes = in.readAll();
        const qsizetype length = qMin<qsizetype>(256 * 1024, bytes.size() / 3);
        QRandomGenerator random(13);
        const qsizetype start = bytes.size() / 2 - length / 2;
        for (qsizetype i = 0; i < length; ++i)
            bytes[start + i] = char(random.bounded(256));
        QFile out(m_clips.filePath(name));
        if (!out.open(QIODevice::WriteOnly))
            return {};
        out.write(bytes);
        return out.fileName();
    }

    QString write(const QString &name, const QByteArray &bytes)
    {
        QFile out(m_clips.filePath(name));
        if (!out.open(QIODevice::WriteOnly))
            return {};
        out.write(bytes);
        return out.fileName();
    }

    QStringList arguments(const QString &profile, int quitAfter, const QString &file,
                          const QString &server = {})
    {
        QStringList list{
            u"--profile"_s,    m_profiles.filePath(profile), u"--device"_s, profile, u"--events"_s,
            u"--quit-after"_s, QString::number(quitAfter)};
        if (!server.isEmpty())
            list << u"--server"_s << server << u"--token"_s << m_token;
        return list << file;
    }

    static bool hasGStreamerElement(const QString &element)
    {
        const Run run = runProcess(u"gst-inspect-1.0"_s, {u"--exists"_s, element},
                                   QProcessEnvironment::systemEnvironment(), kToolTimeoutMs);
        return run.exitedNormally() && run.exitCode == 0;
    }

    // The reason the player gave for refusing `file`, from its stderr line; empty when none.
    static QString refusal(const PlayerRun &run, const QString &file)
    {
        const QString prefix = u"playmark: Cannot play %1: "_s.arg(QFileInfo(file).fileName());
        for (const QString &line : QString::fromLocal8Bit(run.err).split(u'\n')) {
            if (line.startsWith(prefix))
                return line.mid(prefix.size()).trimmed();
        }
        return {};
    }

    QTemporaryDir m_clips;
    QTemporaryDir m_profiles;
    QString m_mp4;
    QString m_fastStartMp4;
    QString m_mkv;
    QString m_mp3;
    QString m_flac;
    QString m_realMedia;
    QString m_token;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_clips.isValid());
        const QStringList video = sources(kClipSeconds);
        m_mp4 = make(u"clip.mp4"_s,
                     video
                         + QStringList{u"-c:v"_s, u"libx264"_s, u"-pix_fmt"_s, u"yuv420p"_s,
                                       u"-c:a"_s, u"aac"_s});
        // The index at the front, as web downloads have it: the first half is playable.
        m_fastStartMp4 =
            make(u"faststart.mp4"_s,
                 video
                     + QStringList{u"-c:v"_s, u"libx264"_s, u"-pix_fmt"_s, u"yuv420p"_s, u"-c:a"_s,
                                   u"aac"_s, u"-movflags"_s, u"+faststart"_s});
        m_mkv = make(u"clip.mkv"_s,
                     video
                         + QStringList{u"-c:v"_s, u"libx264"_s, u"-pix_fmt"_s, u"yuv420p"_s,
                                       u"-c:a"_s, u"libopus"_s});
        const QStringList tone = sources(kClipSeconds).mid(4);
        m_mp3 = make(u"audiobook.mp3"_s, tone + QStringList{u"-c:a"_s, u"libmp3lame"_s});
        m_flac = make(u"music.flac"_s, tone + QStringList{u"-c:a"_s, u"flac"_s});
        QVERIFY(!m_mp4.isEmpty() && !m_fastStartMp4.isEmpty() && !m_mkv.isEmpty());
        QVERIFY(!m_mp3.isEmpty() && !m_flac.isEmpty());
        // RealMedia needs gstreamer1.0-plugins-ugly's rmdemux, which scripts/setup installs: a
        // machine without it is not set up, and that is a failure.
        QVERIFY2(hasGStreamerElement(u"rmdemux"_s),
                 "no rmdemux: install gstreamer1.0-plugins-ugly (scripts/setup does)");
        m_realMedia =
            make(u"real.rm"_s, video + QStringList{u"-c:v"_s, u"rv20"_s, u"-c:a"_s, u"ac3"_s});
        QVERIFY(!m_realMedia.isEmpty());
    }

    void damaged_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<Outcome>("outcome");
        QTest::addColumn<QString>("reason"); // what the refusal says, when it is ours

        QTest::newRow("MP4 cut at half (its index at the end is gone)")
            << cutAtHalf(m_mp4, u"cut.mp4"_s) << Outcome::Refused << QString();
        QTest::newRow("MP4 with its index first, cut at half")
            << cutAtHalf(m_fastStartMp4, u"cut-faststart.mp4"_s) << Outcome::PlaysToItsEnd
            << QString();
        QTest::newRow("MKV cut at half")
            << cutAtHalf(m_mkv, u"cut.mkv"_s) << Outcome::PlaysToItsEnd << QString();
        QTest::newRow("MP4 with a corrupt middle")
            << corruptMiddle(m_mp4, u"corrupt.mp4"_s) << Outcome::PlaysOrRefused << QString();
        QTest::newRow("MKV with a corrupt middle")
            << corruptMiddle(m_mkv, u"corrupt.mkv"_s) << Outcome::PlaysOrRefused << QString();
        QTest::newRow("a text file named .mp4")
            << write(u"notes.mp4"_s, QByteArray("shopping: milk, eggs, bread\n").repeated(100))
            << Outcome::Refused << QString();
        QTest::newRow("a zero-byte file")
            << write(u"empty.mp4"_s, {}) << Outcome::Refused << u"the file is empty (0 bytes)"_s;
        QTest::newRow("an MP3 played to its end") << m_mp3 << Outcome::PlaysToItsEnd << QString();
        // With no sound device: the start once stalled here for good (the track switch before
        // preroll made play() flush; measured 6 runs in 8).
        QTest::newRow("RealMedia") << m_realMedia << Outcome::PlaysToItsEnd << QString();
    }

    void damaged()
    {
        QFETCH(QString, file);
        QFETCH(Outcome, outcome);
        QFETCH(QString, reason);
        QVERIFY(!file.isEmpty());

        // Longer than the clip: a file that plays reaches its end and is closed after it.
        const PlayerRun run = runPlayer(
            arguments(QFileInfo(file).fileName(), kClipSeconds + 3, file), withoutSound());
        QVERIFY2(run.finished && run.exitStatus == QProcess::NormalExit,
                 qPrintable(run.describe()));
        const bool refused = run.exitCode == 3;
        if (outcome == Outcome::Refused)
            QVERIFY2(refused, qPrintable(run.describe()));
        if (outcome == Outcome::PlaysToItsEnd)
            QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        if (refused) {
            const QString said = refusal(run, file);
            QVERIFY2(!said.isEmpty(), qPrintable(run.describe()));
            if (!reason.isEmpty())
                QCOMPARE(said, reason);
            QVERIFY2(run.event(u"quit"_s).isEmpty(), qPrintable(run.describe()));
            return;
        }
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(!run.event(u"resumed"_s).isEmpty(), qPrintable(run.describe()));
        QVERIFY2(!run.event(u"quit"_s).isEmpty(), qPrintable(run.describe()));
        if (outcome == Outcome::PlaysToItsEnd)
            QVERIFY2(!run.event(u"reported"_s, u"ended"_s).isEmpty(), qPrintable(run.describe()));
    }

    // A RealMedia file opened again at its place: GStreamer's rmdemux never finishes that seek
    // (measured, with or without a sound device). The player gives up after its start wait and
    // says so, instead of waiting for ever with its --quit-after never counting.
    void stalledResumeEnds()
    {
        const PlayerRun first = runPlayer(arguments(u"stall"_s, 3, m_realMedia), withoutSound());
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        const qint64 place = first.event(u"quit"_s).value(u"position_ms"_s).toInteger();
        QVERIFY2(place >= 2000, qPrintable(first.describe()));

        const PlayerRun again = runPlayer(arguments(u"stall"_s, 2, m_realMedia), withoutSound());
        QVERIFY2(again.finished && again.exitStatus == QProcess::NormalExit,
                 qPrintable(again.describe()));
        if (again.exitCode == 0) {
            // A GStreamer that seeks there: then it must be there.
            const QJsonObject resumed = again.event(u"resumed"_s);
            QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(again.describe()));
            return;
        }
        QCOMPARE(again.exitCode, 3);
        QVERIFY2(refusal(again, m_realMedia).startsWith(u"it did not start playing at 0:0"_s),
                 qPrintable(again.describe()));

        // Closed by the person while it waits (SIGTERM closes the window as a person would):
        // the process ends at once, with 0, having said where it was.
        QProcess closed;
        closed.setProcessEnvironment(withoutSound());
        closed.start(kPlayerBin, arguments(u"stall"_s, 2, m_realMedia));
        const QByteArray before = readOutputUntil(
            closed, [](const QByteArray &read) { return read.contains("\"tracks\""); },
            kPlayerTimeoutMs);
        QVERIFY2(before.contains("\"tracks\""), before.constData());
        QVERIFY2(!before.contains("\"resumed\""), before.constData());
        closed.terminate();
        QVERIFY2(closed.waitForFinished(kCloseTimeoutMs),
                 closed.readAllStandardError().constData());
        QCOMPARE(closed.exitStatus(), QProcess::NormalExit);
        QCOMPARE(closed.exitCode(), 0);
        QVERIFY(closed.readAllStandardOutput().contains("\"event\":\"quit\""));
    }

    void audioResumesOnAnotherDevice_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("soundDevice");
        QTest::newRow("MP3 audiobook, no sound device") << m_mp3 << false;
        QTest::newRow("FLAC music, no sound device") << m_flac << false;
#ifdef PLAYMARK_HAVE_PULSEAUDIO
        QTest::newRow("MP3 audiobook, a sound device") << m_mp3 << true;
        QTest::newRow("FLAC music, a sound device") << m_flac << true;
#endif
    }

    // Listened to on one device, picked up on another at the same second, as with a video.
    void audioResumesOnAnotherDevice()
    {
        QFETCH(QString, file);
        QFETCH(bool, soundDevice);

        QProcessEnvironment environment = withoutSound();
        PulseServer pulse;
        if (soundDevice) {
            QString error;
            QVERIFY2(pulse.start(kToolTimeoutMs, &error), qPrintable(error));
            environment = pulse.environment(environment);
        }

        QTemporaryDir serverDir;
        QVERIFY(serverDir.isValid());
        const QString db = serverDir.filePath(u"server.sqlite"_s);
        const Run add = runProcess(kServerBin, {u"user"_s, u"add"_s, u"family"_s, u"--db"_s, db},
                                   QProcessEnvironment::systemEnvironment(), kToolTimeoutMs);
        QVERIFY2(add.exitedNormally() && add.exitCode == 0, add.err.constData());
        m_token = QString::fromUtf8(add.out.trimmed());
        ServerProcess server(kServerBin,
                             {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db},
                             QProcessEnvironment::systemEnvironment(), kToolTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!server.url().isEmpty() || !server.isRunning(), kToolTimeoutMs);
        QVERIFY2(!server.url().isEmpty(), server.err().constData());

        const QString tag = soundDevice ? u"-sound"_s : u"-silent"_s;
        const QString name = QFileInfo(file).completeBaseName() + tag;
        const PlayerRun tv =
            runPlayer(arguments(u"TV"_s + name, 3, file, server.url()), environment);
        QVERIFY2(tv.exitCode == 0, qPrintable(tv.describe()));
        const QJsonObject tvQuit = tv.event(u"quit"_s);
        QCOMPARE(tvQuit.value(u"pending"_s).toInt(-1), 0);
        const qint64 tvPosition = tvQuit.value(u"position_ms"_s).toInteger();
        QVERIFY2(tvPosition >= 2000, qPrintable(tv.describe()));

        const PlayerRun phone =
            runPlayer(arguments(u"Phone"_s + name, 1, file, server.url()), environment);
        QVERIFY2(phone.exitCode == 0, qPrintable(phone.describe()));
        const QJsonObject resumed = phone.event(u"resumed"_s);
        QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
        QCOMPARE(resumed.value(u"content_id"_s), tvQuit.value(u"content_id"_s));
        const qint64 phonePosition = resumed.value(u"position_ms"_s).toInteger();
        QVERIFY2(
            qAbs(phonePosition - tvPosition) <= 250,
            qPrintable(u"TV quit at %1, Phone resumed at %2"_s.arg(tvPosition).arg(phonePosition)));
        QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    }
};

QTEST_GUILESS_MAIN(tst_DamagedFiles)
#include "tst_damagedfiles.moc"
