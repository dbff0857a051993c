// End to end, with real processes: playmark-server and two playmark instances (offscreen), each
// with its own profile, acting as the TV and the Phone, on the repository's sample video (and on
// videos ffmpeg makes at test time). Each resume is checked where the real player is once the
// picture shows, not only the decision.
#include "ffmpegclip.h"
#include "playerposition.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_SAMPLE_VIDEO);
constexpr int kPlayerTimeoutMs = 60000;

struct PlayerRun
{
    int exitCode = -1;
    QList<QJsonObject> events;
    QByteArray stderrText;

    QJsonObject event(const QString &name) const
    {
        for (const QJsonObject &event : events) {
            if (event.value(QStringLiteral("event")).toString() == name)
                return event;
        }
        return {};
    }
};

} // namespace

class tst_EndToEnd : public QObject
{
    Q_OBJECT

private:
    // The server as a user runs it; returns false if it did not come up.
    bool startServer(quint16 port)
    {
        m_server = std::make_unique<QProcess>();
        m_server->setProcessChannelMode(QProcess::SeparateChannels);
        m_server->start(kServerBin,
                        {QStringLiteral("serve"), QStringLiteral("--listen"),
                         QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--db"), m_db});
        if (!m_server->waitForStarted(10000))
            return false;
        QByteArray err;
        for (int i = 0; i < 100 && !err.contains("listening on"); ++i) {
            m_server->waitForReadyRead(100);
            err += m_server->readAllStandardError();
        }
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral("listening on (http://\\S+)"))
                .match(QString::fromUtf8(err));
        if (!match.hasMatch())
            return false;
        m_url = match.captured(1);
        return true;
    }

    void stopServer()
    {
        if (!m_server)
            return;
        m_server->terminate();
        m_server->waitForFinished(10000);
        m_server.reset();
    }

    PlayerRun runPlayer(const QStringList &arguments)
    {
        QProcess player;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        player.setProcessEnvironment(env);
        player.start(kPlayerBin, arguments);
        PlayerRun run;
        if (!player.waitForFinished(kPlayerTimeoutMs)) {
            player.kill();
            player.waitForFinished();
        }
        run.exitCode = player.exitStatus() == QProcess::NormalExit ? player.exitCode() : -1;
        run.stderrText = player.readAllStandardError();
        const QList<QByteArray> lines = player.readAllStandardOutput().split('\n');
        for (const QByteArray &line : lines) {
            if (!line.trimmed().isEmpty())
                run.events.append(QJsonDocument::fromJson(line).object());
        }
        return run;
    }

    QStringList device(const QString &name, const QString &file, int quitAfter,
                       const QString &server = {})
    {
        return {QStringLiteral("--profile"), m_dir.filePath(name),
                QStringLiteral("--device"),  name,
                QStringLiteral("--server"),  server.isEmpty() ? m_url : server,
                QStringLiteral("--token"),   m_token,
                QStringLiteral("--events"),  QStringLiteral("--quit-after"),
                QString::number(quitAfter),  file};
    }

    QJsonArray history(const QString &contentId)
    {
        QProcess curl;
        curl.start(
            QStringLiteral("curl"),
            {QStringLiteral("-s"), QStringLiteral("-H"),
             QStringLiteral("Authorization: Bearer ") + m_token,
             m_url + QStringLiteral("/v1/progress/") + contentId + QStringLiteral("/history")});
        curl.waitForFinished(10000);
        return QJsonDocument::fromJson(curl.readAllStandardOutput())
            .object()
            .value(QStringLiteral("items"))
            .toArray();
    }

    QTemporaryDir m_dir;
    QString m_db;
    QString m_token;
    QString m_url;
    std::unique_ptr<QProcess> m_server;

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(kSample), qPrintable(kSample));
        m_db = m_dir.filePath(QStringLiteral("server.sqlite"));
        QProcess add;
        add.start(kServerBin,
                  {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("family"),
                   QStringLiteral("--db"), m_db});
        QVERIFY(add.waitForFinished(10000));
        QCOMPARE(add.exitCode(), 0);
        m_token = QString::fromUtf8(add.readAllStandardOutput().trimmed());
        QVERIFY(!m_token.isEmpty());
    }

    void cleanup()
    {
        stopServer();
        m_dir.remove();
        m_dir = QTemporaryDir();
    }

    // 1. Stop on the TV, pick up on the Phone at the same second.
    void tvToPhone()
    {
        QVERIFY(startServer(0));
        const PlayerRun tv = runPlayer(device(QStringLiteral("TV"), kSample, 6));
        QVERIFY2(tv.exitCode == 0, tv.stderrText.constData());
        const QJsonObject tvQuit = tv.event(QStringLiteral("quit"));
        QVERIFY(!tvQuit.isEmpty());
        QCOMPARE(tvQuit.value(QStringLiteral("pending")).toInt(), 0);
        const qint64 tvPosition = tvQuit.value(QStringLiteral("position_ms")).toInteger();
        QVERIFY2(tvPosition >= 5000, qPrintable(QString::number(tvPosition)));
        // The TV's profile remembers the file among the recent ones, and the window's place.
        const QSettings tvSettings(m_dir.filePath(QStringLiteral("TV/settings.ini")),
                                   QSettings::IniFormat);
        QCOMPARE(tvSettings.value(QStringLiteral("recent/files")).toStringList().value(0),
                 QFileInfo(kSample).absoluteFilePath());
        QVERIFY(!tvSettings.value(QStringLiteral("window/geometry")).toByteArray().isEmpty());

        const PlayerRun phone = runPlayer(device(QStringLiteral("Phone"), kSample, 1));
        QVERIFY2(phone.exitCode == 0, phone.stderrText.constData());
        const QJsonObject resumed = phone.event(QStringLiteral("resumed"));
        QCOMPARE(resumed.value(QStringLiteral("source")).toString(), QStringLiteral("server"));
        QCOMPARE(resumed.value(QStringLiteral("device_name")).toString(), QStringLiteral("TV"));
        QCOMPARE(resumed.value(QStringLiteral("content_id")),
                 tvQuit.value(QStringLiteral("content_id")));
        const qint64 phonePosition = resumed.value(QStringLiteral("position_ms")).toInteger();
        QVERIFY2(qAbs(phonePosition - tvPosition) <= 250,
                 qPrintable(QStringLiteral("TV quit at %1, Phone resumed at %2")
                                .arg(tvPosition)
                                .arg(phonePosition)));
        QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    }

    // 2. The server goes away: the TV keeps its place locally, and delivers it once it is back.
    void serverDownThenBack()
    {
        // The server picks its port; once it is gone, nothing answers at that address.
        QVERIFY(startServer(0));
        const QString url = m_url;
        const PlayerRun first = runPlayer(device(QStringLiteral("TV"), kSample, 2));
        QCOMPARE(first.exitCode, 0);
        const QString contentId =
            first.event(QStringLiteral("quit")).value(QStringLiteral("content_id")).toString();
        const qint64 firstPosition =
            first.event(QStringLiteral("quit")).value(QStringLiteral("position_ms")).toInteger();
        stopServer();

        const PlayerRun offline = runPlayer(device(QStringLiteral("TV"), kSample, 2, url));
        QVERIFY2(offline.exitCode == 0, offline.stderrText.constData());
        const QJsonObject offlineResume = offline.event(QStringLiteral("resumed"));
        QCOMPARE(offlineResume.value(QStringLiteral("source")).toString(), QStringLiteral("local"));
        QVERIFY(qAbs(offlineResume.value(QStringLiteral("position_ms")).toInteger() - firstPosition)
                <= 250);
        QVERIFY2(playerAwayFromPoint(offlineResume).isEmpty(),
                 qPrintable(playerAwayFromPoint(offlineResume)));
        const QJsonObject offlineQuit = offline.event(QStringLiteral("quit"));
        QVERIFY(offlineQuit.value(QStringLiteral("pending")).toInt() >= 1);
        const qint64 offlinePosition = offlineQuit.value(QStringLiteral("position_ms")).toInteger();
        QVERIFY(offlinePosition > firstPosition);

        // Back on the port its new process picks: the outbox does not depend on the address.
        QVERIFY(startServer(0));
        const PlayerRun back = runPlayer(device(QStringLiteral("TV"), kSample, 1));
        QCOMPARE(back.exitCode, 0);
        QCOMPARE(back.event(QStringLiteral("quit")).value(QStringLiteral("pending")).toInt(), 0);
        bool delivered = false;
        for (const QJsonValue &item : history(contentId)) {
            const QJsonObject record = item.toObject();
            if (record.value(QStringLiteral("position_ms")).toInteger() == offlinePosition
                && record.value(QStringLiteral("device_name")).toString() == QLatin1String("TV"))
                delivered = true;
        }
        QVERIFY2(delivered, "the update made while offline is not in the server's history");

        const qint64 latest =
            back.event(QStringLiteral("quit")).value(QStringLiteral("position_ms")).toInteger();
        const PlayerRun phone = runPlayer(device(QStringLiteral("Phone"), kSample, 1));
        const QJsonObject resumed = phone.event(QStringLiteral("resumed"));
        QCOMPARE(resumed.value(QStringLiteral("source")).toString(), QStringLiteral("server"));
        QVERIFY(qAbs(resumed.value(QStringLiteral("position_ms")).toInteger() - latest) <= 250);
        QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    }

    // 3. The same file under another name in another folder is the same video.
    void renamedCopyResumes()
    {
        QVERIFY(startServer(0));
        const PlayerRun tv = runPlayer(device(QStringLiteral("TV"), kSample, 3));
        QCOMPARE(tv.exitCode, 0);
        const qint64 tvPosition =
            tv.event(QStringLiteral("quit")).value(QStringLiteral("position_ms")).toInteger();

        QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("elsewhere/season 1"))));
        const QString copy =
            m_dir.filePath(QStringLiteral("elsewhere/season 1/Renamed Episode.mp4"));
        QVERIFY(QFile::copy(kSample, copy));
        const PlayerRun phone = runPlayer(device(QStringLiteral("Phone"), copy, 1));
        QCOMPARE(phone.exitCode, 0);
        const QJsonObject resumed = phone.event(QStringLiteral("resumed"));
        QCOMPARE(resumed.value(QStringLiteral("source")).toString(), QStringLiteral("server"));
        QVERIFY(qAbs(resumed.value(QStringLiteral("position_ms")).toInteger() - tvPosition) <= 250);
        QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    }

    // 5. Live handoff: an open Phone hears of the TV's reports at once ("remote" lines), and a
    //    Phone that sat paused does not overwrite the TV's place when it closes.
    void liveRemoteUpdates()
    {
        QVERIFY(startServer(0));
        QProcess phone;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        phone.setProcessEnvironment(env);
        QStringList phoneArguments = device(QStringLiteral("Phone"), kSample, 1);
        phoneArguments.removeAt(phoneArguments.indexOf(QStringLiteral("--quit-after")) + 1);
        phoneArguments.removeOne(QStringLiteral("--quit-after"));
        phoneArguments.insert(phoneArguments.size() - 1, QStringLiteral("--paused"));
        phone.start(kPlayerBin, phoneArguments);
        QVERIFY(phone.waitForStarted(10000));
        QByteArray phoneOut;
        QTRY_VERIFY_WITH_TIMEOUT(
            (phoneOut += phone.readAllStandardOutput()).contains("\"resumed\""), 30000);

        QStringList tvArguments = device(QStringLiteral("TV"), kSample, 3);
        tvArguments.insert(tvArguments.size() - 1, QStringLiteral("--report-interval"));
        tvArguments.insert(tvArguments.size() - 1, QStringLiteral("1"));
        const PlayerRun tv = runPlayer(tvArguments);
        QCOMPARE(tv.exitCode, 0);
        const qint64 tvFinal =
            tv.event(QStringLiteral("quit")).value(QStringLiteral("position_ms")).toInteger();

        // The TV's final report reaches the Phone as a remote line.
        const QByteArray finalField =
            QByteArray("\"position_ms\":").append(QByteArray::number(tvFinal));
        QTRY_VERIFY_WITH_TIMEOUT((phoneOut += phone.readAllStandardOutput()).contains(finalField),
                                 10000);
        QList<QJsonObject> remotes;
        for (const QByteArray &line : phoneOut.split('\n')) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value(QStringLiteral("event")).toString() == QLatin1String("remote"))
                remotes.append(event);
        }
        QVERIFY(remotes.size() >= 2); // a report a second, then the final one
        QCOMPARE(remotes.last().value(QStringLiteral("device_name")).toString(),
                 QStringLiteral("TV"));
        QCOMPARE(remotes.last().value(QStringLiteral("position_ms")).toInteger(), tvFinal);

        // The Phone closes without having played: the TV's place stands.
        phone.terminate();
        QVERIFY(phone.waitForFinished(15000));
        QCOMPARE(phone.exitCode(), 0);
        const PlayerRun laptop = runPlayer(device(QStringLiteral("Laptop"), kSample, 1));
        const QJsonObject resumed = laptop.event(QStringLiteral("resumed"));
        QCOMPARE(resumed.value(QStringLiteral("device_name")).toString(), QStringLiteral("TV"));
        QCOMPARE(resumed.value(QStringLiteral("position_ms")).toInteger(), tvFinal);
        QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    }

    // 4. Exit codes: 2 for bad arguments, 3 for a file that is not a video.
    void exitCodes_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<int>("expected");
        QTest::newRow("quit-after not a number") << QStringLiteral("bad-quit-after") << 2;
        QTest::newRow("unknown option") << QStringLiteral("unknown-option") << 2;
        QTest::newRow("missing file") << QStringLiteral("missing-file") << 2;
        QTest::newRow("text file named .mp4") << QStringLiteral("not-a-video") << 3;
    }

    void exitCodes()
    {
        QFETCH(QString, what);
        QFETCH(int, expected);
        QVERIFY(startServer(0));
        const QString text = m_dir.filePath(QStringLiteral("notes.mp4"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("these are shopping notes, not a video\n").repeated(200));
        file.close();

        QStringList arguments = device(QStringLiteral("TV"), text, 2);
        if (what == QLatin1String("bad-quit-after"))
            arguments[arguments.indexOf(QStringLiteral("--quit-after")) + 1] =
                QStringLiteral("soon");
        else if (what == QLatin1String("unknown-option"))
            arguments.prepend(QStringLiteral("--no-such-option"));
        else if (what == QLatin1String("missing-file"))
            arguments.last() = m_dir.filePath(QStringLiteral("nowhere.mp4"));
        const PlayerRun run = runPlayer(arguments);
        QCOMPARE(run.exitCode, expected);
        QVERIFY2(!run.stderrText.trimmed().isEmpty(), "no reason given on stderr");
    }

    // Videos whose frames Qt 6.4's CPU conversion, which paints the window offscreen, writes
    // past the end of the picture (app/safevideoframe.h): they crashed the player. Each, made by
    // ffmpeg, plays to its quit event and reports where it stopped.
    void framesQtCannotConvertPlay_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("encoding");
        QTest::addColumn<QString>("size");

        const auto with = [](const QString &codec, const QString &pixelFormat) {
            return QStringList{QStringLiteral("-c:v"), codec, QStringLiteral("-pix_fmt"),
                               pixelFormat};
        };
        QTest::newRow("H.264 4:2:2") << QStringLiteral("h264-422.mp4")
                                     << with(QStringLiteral("libx264"), QStringLiteral("yuv422p"))
                                     << QStringLiteral("320:240");
        QTest::newRow("H.264 4:2:2 10-bit")
            << QStringLiteral("h264-422-10.mp4")
            << with(QStringLiteral("libx264"), QStringLiteral("yuv422p10le"))
            << QStringLiteral("320:240");
        QTest::newRow("ProRes 422")
            << QStringLiteral("prores422.mov")
            << with(QStringLiteral("prores_ks"), QStringLiteral("yuv422p10le"))
            << QStringLiteral("320:240");
        QTest::newRow("VP9 4:2:2") << QStringLiteral("vp9-422.webm")
                                   << with(QStringLiteral("libvpx-vp9"), QStringLiteral("yuv422p"))
                                   << QStringLiteral("320:240");
        QTest::newRow("VP9 odd width")
            << QStringLiteral("vp9-odd.webm")
            << with(QStringLiteral("libvpx-vp9"), QStringLiteral("yuv420p"))
            << QStringLiteral("321:240");
        QTest::newRow("uncompressed UYVY, odd width")
            << QStringLiteral("uyvy-odd.avi")
            << with(QStringLiteral("rawvideo"), QStringLiteral("uyvy422"))
            << QStringLiteral("321:240");
    }

    void framesQtCannotConvertPlay()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, encoding);
        QFETCH(QString, size);

        const QString video = m_dir.filePath(name);
        QString error;
        QVERIFY2(
            makeFfmpegClip(QStringList{QStringLiteral("-f"), QStringLiteral("lavfi"),
                                       QStringLiteral("-i"),
                                       QStringLiteral("testsrc2=size=320x240:rate=25:duration=4"),
                                       QStringLiteral("-vf"), QStringLiteral("scale=") + size}
                               + encoding,
                           video, &error, kPlayerTimeoutMs),
            qPrintable(error));

        QVERIFY(startServer(0));
        const PlayerRun run = runPlayer(device(QStringLiteral("TV"), video, 2));
        QVERIFY2(run.exitCode == 0, run.stderrText.constData());
        const QJsonObject quit = run.event(QStringLiteral("quit"));
        QVERIFY2(!quit.isEmpty(), run.stderrText.constData());
        QCOMPARE(quit.value(QStringLiteral("pending")).toInt(), 0);
        QVERIFY2(
            quit.value(QStringLiteral("position_ms")).toInteger() >= 1500,
            qPrintable(QString::number(quit.value(QStringLiteral("position_ms")).toInteger())));
        const QJsonObject reported = run.event(QStringLiteral("reported"));
        QVERIFY2(reported.value(QStringLiteral("delivered")).toBool(), run.stderrText.constData());
        QCOMPARE(reported.value(QStringLiteral("content_id")),
                 quit.value(QStringLiteral("content_id")));
    }
};

QTEST_GUILESS_MAIN(tst_EndToEnd)
#include "tst_endtoend.moc"
