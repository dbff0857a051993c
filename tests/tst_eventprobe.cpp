// EventProbe against a real SyncServer in the test: every PUT is answered and its event is
// matched to it; a stream the server refuses and a server that is not there end the run with a
// reason. Timings are printed by the tool, never asserted here.

#include "eventprobe.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

class tst_EventProbe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void everyPutHasItsEvent();
    void refusedStream();
    void serverNotThere();

private:
    bool run(EventProbe &probe);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_token;
};

void tst_EventProbe::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    ServerOptions options;
    options.databasePath = m_dir->filePath(QStringLiteral("server.sqlite"));
    options.port = 0;
    options.rateLimit = 0;
    m_server = std::make_unique<SyncServer>();
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(QStringLiteral("probe"), &m_token, &error),
             qPrintable(error));
}

void tst_EventProbe::cleanup()
{
    if (m_server)
        m_server->stop();
    m_server.reset();
    m_dir.reset();
}

bool tst_EventProbe::run(EventProbe &probe)
{
    QSignalSpy finished(&probe, &EventProbe::finished);
    probe.start();
    return finished.wait(30000);
}

void tst_EventProbe::everyPutHasItsEvent()
{
    EventProbe::Options options;
    options.url = QUrl(m_server->url());
    options.token = m_token;
    options.count = 25;
    options.intervalMs = 2;
    options.contentId = "probe-video";
    EventProbe probe(options);
    QVERIFY(run(probe));
    QVERIFY2(probe.failure().isEmpty(), qPrintable(probe.failure()));

    QCOMPARE(probe.putErrors(), qint64(0));
    QCOMPARE(probe.eventsReceived(), qint64(25));
    QCOMPARE(probe.unexpectedEvents(), qint64(0));
    for (const EventProbe::Sample &sample : probe.samples()) {
        QCOMPARE(sample.status, 200);
        QVERIFY(sample.answeredNs > sample.sentNs);
        QVERIFY(sample.eventNs > sample.sentNs);
    }
    const EventProbe::Summary events = probe.eventLatency();
    QCOMPARE(events.count, qint64(25));
    QVERIFY(events.p50 <= events.p90 && events.p90 <= events.p99 && events.p99 <= events.max);
    QCOMPARE(probe.answerLatency().count, qint64(25));

    const QJsonObject json = probe.json();
    QCOMPARE(json.value(QStringLiteral("events_missing")).toInteger(), qint64(0));
    QCOMPARE(json.value(QStringLiteral("event_ms")).toObject().value(QStringLiteral("count")),
             QJsonValue(25));
    QVERIFY(probe.text().contains(QStringLiteral("25 events received, 0 missing")));
}

void tst_EventProbe::refusedStream()
{
    EventProbe::Options options;
    options.url = QUrl(m_server->url());
    options.token = QStringLiteral("not-a-token");
    options.count = 3;
    EventProbe probe(options);
    QVERIFY(run(probe));
    QVERIFY2(probe.failure().contains(QStringLiteral("401")), qPrintable(probe.failure()));
}

void tst_EventProbe::serverNotThere()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();

    EventProbe::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    options.token = m_token;
    options.count = 3;
    options.timeoutMs = 5000;
    EventProbe probe(options);
    QVERIFY(run(probe));
    QVERIFY(!probe.failure().isEmpty());
}

QTEST_GUILESS_MAIN(tst_EventProbe)
#include "tst_eventprobe.moc"
