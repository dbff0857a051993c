// playmark-streamload's StreamLoad against a real playmark-server process: 40 users made with one
// `user add`, a stream each, updates to random users, every event matched to its update, the
// server's memory read, nothing dropped; then the server is stopped and started again on the same
// port and every stream comes back. The server's own /metrics agree with what the tool counted.
#include "metricsample.h"
#include "serverprocess.h"
#include "streamload.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 120000;
constexpr int kUsers = 40;
const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);
const QByteArray kApplied = "playmark_updates_total{outcome=\"applied\"}";
const QByteArray kSubscribers = "playmark_event_subscribers";
const QByteArray kStreamsAnswered =
    "playmark_http_requests_total{route=\"/v1/events\",method=\"GET\",status=\"200\"}";

} // namespace

class TestStreamLoad : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streamsEventsAndARestart();

private:
    std::unique_ptr<ServerProcess> serve(const QString &db, quint16 port)
    {
        auto server = std::make_unique<ServerProcess>(
            kServerBinary,
            QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--db"_s, db,
                        u"--rate-limit"_s, u"0"_s},
            QProcessEnvironment::systemEnvironment(), kTimeoutMs);
        ServerProcess *process = server.get();
        const bool settled = QTest::qWaitFor(
            [process] { return process->port() != 0 || !process->isRunning(); }, kTimeoutMs);
        Q_UNUSED(settled) // the port says
        return server;
    }
    // The server's /metrics page, empty if it did not answer.
    static QByteArray metrics(quint16 port)
    {
        QNetworkAccessManager manager;
        std::unique_ptr<QNetworkReply> reply(
            manager.get(QNetworkRequest(QUrl(u"http://127.0.0.1:%1/metrics"_s.arg(port)))));
        QSignalSpy done(reply.get(), &QNetworkReply::finished);
        if (!reply->isFinished() && !done.wait(kTimeoutMs))
            return {};
        return reply->error() == QNetworkReply::NoError ? reply->readAll() : QByteArray();
    }
};

void TestStreamLoad::streamsEventsAndARestart()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString db = dir.filePath(u"streams.sqlite"_s);
    QStringList names{u"user"_s, u"add"_s};
    for (int i = 0; i < kUsers; ++i)
        names << u"viewer%1"_s.arg(i);
    const Run add = runProcess(kServerBinary, names + QStringList{u"--db"_s, db},
                               QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QCOMPARE(add.exitCode, 0);
    const QList<QByteArray> tokens = add.out.trimmed().split('\n');
    QCOMPARE(tokens.size(), kUsers);

    std::unique_ptr<ServerProcess> server = serve(db, 0);
    const quint16 port = server->port();
    QVERIFY2(port != 0, server->err().constData());

    StreamLoadOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(port));
    options.updatesPerSecond = 100;
    options.durationSeconds = 2;
    options.connections = 4;
    options.serverPid = server->process().processId();
    options.restart = true;
    options.restartTimeoutSeconds = 60;
    StreamLoad load(options, tokens);
    QSignalSpy waiting(&load, &StreamLoad::waitingForRestart);
    QSignalSpy finished(&load, &StreamLoad::finished);
    load.start();
    QVERIFY(waiting.wait(kTimeoutMs));
    QVERIFY2(load.failure().isEmpty(), qPrintable(load.failure()));
    // The server's side before the stop: every update applied, every stream still held.
    const QByteArray before = metrics(port);
    QCOMPARE(metricSample(before, kApplied), 200.0);
    QCOMPARE(metricSample(before, kSubscribers), double(kUsers));

    // The restart: stopped as systemd does (SIGTERM), started again on the same port.
    stopProcess(server->process());
    server = serve(db, port);
    QVERIFY2(server->port() == port, server->err().constData());
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY2(load.failure().isEmpty(), qPrintable(load.failure()));
    // The restarted server's side: it answered every stream's request (all came back to it), and
    // once the tool closed them it holds none.
    QCOMPARE(metricSample(metrics(port), kStreamsAnswered), double(kUsers));
    QTRY_COMPARE_WITH_TIMEOUT(metricSample(metrics(port), kSubscribers), 0.0, kTimeoutMs);

    const QJsonObject result = load.json();
    qInfo().noquote() << load.text();
    QCOMPARE(result.value(u"streams"_s).toInteger(), kUsers);
    QCOMPARE(result[u"open"_s][u"never_opened"_s].toInteger(), 0);
    const QJsonObject updates = result.value(u"updates"_s).toObject();
    QCOMPARE(updates.value(u"due"_s).toInteger(), 200);
    QCOMPARE(updates.value(u"errors"_s).toInteger(), 0);
    QCOMPARE(updates.value(u"events_received"_s).toInteger(), 200);
    QCOMPARE(updates.value(u"events_missing"_s).toInteger(), 0);
    QCOMPARE(updates.value(u"unexpected_events"_s).toInteger(), 0);
    QCOMPARE(result[u"event_ms"_s][u"count"_s].toInteger(), 200);
    QVERIFY(result[u"event_ms"_s][u"p99"_s].toDouble() > 0);
    QCOMPARE(result[u"dropped"_s][u"count"_s].toInteger(), 0);
    QVERIFY(result[u"memory"_s][u"server_rss_open_kb"_s].toInteger() > 0);
    const QJsonObject restart = result.value(u"restart"_s).toObject();
    QCOMPARE(restart.value(u"streams_gone"_s).toInteger(), kUsers);
    QVERIFY(restart.value(u"all_back"_s).toBool());
    QVERIFY(!restart.value(u"timed_out"_s).toBool());
    QVERIFY(restart.value(u"seconds_from_gone_to_all_back"_s).toDouble() > 0);
}

QTEST_GUILESS_MAIN(TestStreamLoad)
#include "tst_streamload.moc"
