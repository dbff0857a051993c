// LoadGenerator against a minimal HTTP server in the test: what goes on the wire, the open-model
// timeline (a slow server does not slow the arrivals, and every latency counts from the due
// time), timeouts, reconnects, and a server that is not there.

#include "loadgenerator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

namespace {

constexpr qint64 kMs = 1'000'000;

struct SeenRequest
{
    QByteArray method;
    QByteArray path;
    QByteArray authorization;
    QByteArray body;
    qint64 atMs = 0;
};

// Answers each request on a connection in turn after `delayMs`, with `status`; `close` makes it
// say Connection: close and hang up; `silent` never answers, `silentMethod` never answers that
// method.
class StubServer : public QTcpServer
{
public:
    int delayMs = 0;
    int status = 200;
    bool close = false;
    bool silent = false;
    QByteArray silentMethod;
    int connections = 0;
    QList<SeenRequest> requests;
    QElapsedTimer clock;

    StubServer()
    {
        clock.start();
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                ++connections;
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(serverPort())); }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> lines = buffer.left(end).split('\n');
            SeenRequest request;
            const QList<QByteArray> first = lines.constFirst().trimmed().split(' ');
            request.method = first.value(0);
            request.path = first.value(1);
            qsizetype length = 0;
            for (const QByteArray &line : lines) {
                const QByteArray lower = line.trimmed().toLower();
                if (lower.startsWith("content-length:"))
                    length = lower.mid(15).trimmed().toLongLong();
                if (lower.startsWith("authorization:"))
                    request.authorization = line.trimmed().mid(14).trimmed();
            }
            if (buffer.size() < end + 4 + length)
                return;
            request.body = buffer.mid(end + 4, length);
            request.atMs = clock.elapsed();
            buffer.remove(0, end + 4 + length);
            requests.append(request);
            if (!silent && request.method != silentMethod)
                QTimer::singleShot(delayMs, socket, [this, socket] { answer(socket); });
        }
    }

    void answer(QTcpSocket *socket)
    {
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
        const QByteArray body = "{\"server_time_ms\":1}";
        socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\nContent-Type: application/json\r\n"
                      + (close ? "Connection: close\r\n" : "") + "\r\n" + body);
        if (close)
            socket->disconnectFromHost();
    }

    QHash<QTcpSocket *, QByteArray> m_buffers;
};

LoadOptions optionsFor(const StubServer &server)
{
    LoadOptions options;
    options.url = server.url();
    options.token = QStringLiteral("tok");
    options.devices = 20;
    options.intervalSeconds = 0.2;
    options.jitter = 0; // exactly 5 reports per device and second
    options.writesPerSecond = 100;
    options.durationSeconds = 1;
    options.connections = 4;
    return options;
}

bool run(LoadGenerator &generator, int timeoutMs)
{
    QSignalSpy finished(&generator, &LoadGenerator::finished);
    generator.start();
    return finished.wait(timeoutMs);
}

} // namespace

class tst_LoadGenerator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestsFollowTheProtocol();
    void eachDeviceSendsWithItsOwnToken();
    void slowServerDoesNotSlowTheTimeline();
    void warmupIsSentButNotMeasured();
    void timeoutsEndTheRun();
    void readsOnConnectionsOfTheirOwnPassStalledWrites();
    void connectionCloseReconnects();
    void statusErrorsByStatus();
    void serverNotThere();
    void stopEndsEarly();
};

void tst_LoadGenerator::requestsFollowTheProtocol()
{
    StubServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.readsPerSecond = 30;
    LoadGenerator generator(options);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(run(generator, 30000));
    QVERIFY2(generator.failure().isEmpty(), qPrintable(generator.failure()));

    const QRegularExpression idPath(QStringLiteral("^/v1/progress/loadgen-d(\\d+)-v(\\d+)$"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSet<QByteArray> written;
    int puts = 0;
    int gets = 0;
    for (const SeenRequest &request : std::as_const(server.requests)) {
        QCOMPARE(request.authorization, QByteArray("Bearer tok"));
        QVERIFY2(idPath.match(QString::fromLatin1(request.path)).hasMatch(), request.path);
        if (request.method == "PUT") {
            ++puts;
            written.insert(request.path);
            const QJsonObject body = QJsonDocument::fromJson(request.body).object();
            const QRegularExpressionMatch match = idPath.match(QString::fromLatin1(request.path));
            QCOMPARE(body.value(QStringLiteral("device_id")).toString(),
                     QStringLiteral("loadgen-") + match.captured(1));
            const qint64 position = body.value(QStringLiteral("position_ms")).toInteger(-1);
            const qint64 duration = body.value(QStringLiteral("duration_ms")).toInteger(-1);
            QVERIFY(position >= 0 && duration > 0 && position <= duration);
            const qint64 observed = body.value(QStringLiteral("observed_at_ms")).toInteger();
            // Stamped when due: within the run, however long a busy machine made it.
            QVERIFY(observed >= before && observed <= now);
            const QString state = body.value(QStringLiteral("state")).toString();
            QVERIFY(state == QLatin1String("playing") || state == QLatin1String("ended"));
        } else {
            QCOMPARE(request.method, QByteArray("GET"));
            QVERIFY(request.body.isEmpty());
            QVERIFY2(written.contains(request.path), request.path); // only ids already written
            ++gets;
        }
    }
    // 20 devices every 0.2 s for 1 s, reads at 30/s (the first may find nothing written yet).
    QCOMPARE(puts, 100);
    QVERIFY2(gets >= 28 && gets <= 30, qPrintable(QString::number(gets)));
    QVERIFY(server.connections <= options.connections);

    const LoadStats &stats = generator.stats();
    QCOMPARE(stats.writes().due, qint64(puts));
    QCOMPARE(stats.writes().ok, qint64(puts));
    QCOMPARE(stats.writes().errors(), qint64(0));
    QCOMPARE(stats.reads().ok + stats.reads().skipped, stats.reads().due);
    QCOMPARE(stats.reads().due, qint64(30));
}

void tst_LoadGenerator::eachDeviceSendsWithItsOwnToken()
{
    StubServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.token.clear(); // --tokens alone: --read-ids reads go with the first token
    options.readsPerSecond = 30;
    LoadGenerator generator(options);
    QList<QByteArray> tokens;
    for (int i = 0; i < options.devices; ++i)
        tokens << "tok-" + QByteArray::number(i);
    generator.setDeviceTokens(tokens);
    generator.addReadIds({"stored-before"});
    QVERIFY(run(generator, 30000));
    QVERIFY2(generator.failure().isEmpty(), qPrintable(generator.failure()));

    const QRegularExpression idPath(QStringLiteral("^/v1/progress/loadgen-d(\\d+)-v(\\d+)$"));
    int puts = 0;
    int ownReads = 0;
    int storedReads = 0;
    for (const SeenRequest &request : std::as_const(server.requests)) {
        if (request.path == "/v1/progress/stored-before") {
            QCOMPARE(request.authorization, QByteArray("Bearer tok-0"));
            ++storedReads;
            continue;
        }
        const QRegularExpressionMatch match = idPath.match(QString::fromLatin1(request.path));
        QVERIFY2(match.hasMatch(), request.path);
        // Device D writes its videos with its token, and they are read back with it.
        QCOMPARE(request.authorization, "Bearer tok-" + match.captured(1).toLatin1());
        if (request.method == "PUT") {
            ++puts;
            const QJsonObject body = QJsonDocument::fromJson(request.body).object();
            QCOMPARE(body.value(QStringLiteral("device_id")).toString(),
                     QStringLiteral("loadgen-") + match.captured(1));
        } else {
            ++ownReads;
        }
    }
    QCOMPARE(puts, 100);
    QVERIFY(ownReads > 0);
    QVERIFY(storedReads > 0);
}

void tst_LoadGenerator::slowServerDoesNotSlowTheTimeline()
{
    // One connection, a server that takes 100 ms per answer, a request due every 20 ms for
    // 0.5 s: 25 requests. A closed-model client would send one every 100 ms and report 100 ms
    // each. Here all 25 are due on time, the k-th is sent about k * 80 ms late, and its latency
    // counts from its due time: about 100 + 80 k ms, up to about 2 s.
    StubServer server;
    server.delayMs = 100;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.devices = 1;
    options.intervalSeconds = 0.02;
    options.writesPerSecond = 50;
    options.durationSeconds = 0.5;
    options.connections = 1;
    LoadGenerator generator(options);
    QVERIFY(run(generator, 15000));

    const KindStats &writes = generator.stats().writes();
    QCOMPARE(writes.due, qint64(25));
    QCOMPARE(writes.ok, qint64(25));
    QCOMPARE(server.requests.size(), 25);
    // The server saw them one per 100 ms: the generator held them, it did not drop or delay the
    // timeline.
    const qint64 span = server.requests.constLast().atMs - server.requests.constFirst().atMs;
    QVERIFY2(span >= 24 * 95, qPrintable(QString::number(span)));
    QVERIFY2(writes.latency.min() >= 95 * kMs, qPrintable(QString::number(writes.latency.min())));
    QVERIFY2(writes.latency.max() >= 1900 * kMs, qPrintable(QString::number(writes.latency.max())));
    QVERIFY2(writes.latency.valueAtPercentile(50) >= 900 * kMs,
             qPrintable(QString::number(writes.latency.valueAtPercentile(50))));
    QVERIFY(generator.stats().sendLag().max() >= 1800 * kMs);
}

void tst_LoadGenerator::warmupIsSentButNotMeasured()
{
    StubServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.warmupSeconds = 0.4; // two reports per device, then three measured
    options.durationSeconds = 0.6;
    LoadGenerator generator(options);
    QVERIFY(run(generator, 10000));
    QCOMPARE(server.requests.size(), 100);
    QCOMPARE(generator.stats().writes().due, qint64(60));
    QCOMPARE(generator.stats().writes().latency.count(), qint64(60));
    QCOMPARE(generator.measuredSeconds(), 0.6);
}

void tst_LoadGenerator::timeoutsEndTheRun()
{
    StubServer server;
    server.silent = true;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.durationSeconds = 0.4;
    options.timeoutSeconds = 0.3;
    LoadGenerator generator(options);
    // The server never answers: without the timeouts the run would never finish, so finishing at
    // all is what shows they end it (no wall-clock bound, which a loaded machine could break).
    QVERIFY(run(generator, 30000));
    const KindStats &writes = generator.stats().writes();
    QCOMPARE(writes.due, qint64(40));
    QCOMPARE(writes.timeouts, qint64(40));
    QCOMPARE(writes.ok, qint64(0));
    QVERIFY(writes.latency.min() >= 300 * kMs);
    // A timed-out connection is closed and opened again for the next request.
    QVERIFY(server.connections > options.connections);
}

void tst_LoadGenerator::readsOnConnectionsOfTheirOwnPassStalledWrites()
{
    // The server never answers a PUT, and the generator gives up on a request 5 s after it was
    // due. Sharing the connections, reads wait in the generator's queue behind the stalled
    // writes: most are sent only as the writes before them time out, just before their own 5 s
    // are up, so what was measured was the generator's queue, not the server's reads. With
    // --read-connections no read waits for a write: the slowest comes sooner than half of those.
    constexpr qint64 kTimeoutNs = 5000 * kMs;
    qint64 sharedMedian = 0;
    for (const int readConnections : {0, 2}) {
        StubServer server;
        server.silentMethod = "PUT";
        QVERIFY(server.listen(QHostAddress::LocalHost));
        LoadOptions options = optionsFor(server);
        options.connections = 2;
        options.readConnections = readConnections;
        options.readsPerSecond = 20;
        options.timeoutSeconds = double(kTimeoutNs) / 1e9;
        LoadGenerator generator(options);
        generator.addReadIds({"stored-1", "stored-2"});
        QVERIFY(run(generator, 60000));
        const KindStats &writes = generator.stats().writes();
        const KindStats &reads = generator.stats().reads();
        QCOMPARE(writes.ok, qint64(0));
        QCOMPARE(reads.due, qint64(20));
        const qint64 median = reads.latency.valueAtPercentile(50);
        if (readConnections == 0) {
            QVERIFY2(median >= kTimeoutNs / 2, qPrintable(QString::number(median)));
            sharedMedian = median;
        } else {
            QCOMPARE(reads.ok, reads.due);
            QCOMPARE(reads.timeouts, qint64(0));
            // Even the slowest read on its own connections came sooner than half of the reads
            // that shared them with the writes.
            QVERIFY2(reads.latency.max() < sharedMedian,
                     qPrintable(QStringLiteral("%1 ns, shared median %2 ns")
                                    .arg(reads.latency.max())
                                    .arg(sharedMedian)));
        }
    }
}

void tst_LoadGenerator::connectionCloseReconnects()
{
    StubServer server;
    server.close = true;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadGenerator generator(optionsFor(server));
    QVERIFY(run(generator, 10000));
    const KindStats &writes = generator.stats().writes();
    QCOMPARE(writes.ok, qint64(100));
    QCOMPARE(writes.errors(), qint64(0));
    QVERIFY(server.connections >= 100);
}

void tst_LoadGenerator::statusErrorsByStatus()
{
    StubServer server;
    server.status = 422;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.readsPerSecond = 10;
    LoadGenerator generator(options);
    QVERIFY(run(generator, 10000));
    const LoadStats &stats = generator.stats();
    QCOMPARE(stats.writes().statusErrors.value(422), qint64(100));
    QCOMPARE(stats.writes().ok, qint64(0));
    QCOMPARE(stats.writes().latency.count(), qint64(100)); // answered, however
    // Nothing was written, so there is nothing to read.
    QCOMPARE(stats.reads().skipped, qint64(10));
    QVERIFY(server.requests.size() == 100);
}

void tst_LoadGenerator::serverNotThere()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();

    LoadOptions options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    options.token = QStringLiteral("tok");
    options.devices = 10;
    options.writesPerSecond = 2;
    LoadGenerator generator(options);
    QVERIFY(run(generator, 10000));
    QVERIFY2(generator.failure().contains(QLatin1String("cannot connect")),
             qPrintable(generator.failure()));
}

void tst_LoadGenerator::stopEndsEarly()
{
    StubServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    LoadOptions options = optionsFor(server);
    options.durationSeconds = 60;
    LoadGenerator generator(options);
    QSignalSpy finished(&generator, &LoadGenerator::finished);
    generator.start();
    // Stopped once the server has seen 50 requests (about half a second in), whenever that is on
    // a busy machine.
    QVERIFY(QTest::qWaitFor([&] { return server.requests.size() >= 50; }, 30000));
    generator.stop();
    QVERIFY(finished.wait(30000));
    QVERIFY(generator.failure().isEmpty());
    const double measured = generator.measuredSeconds();
    const qint64 due = generator.stats().writes().due;
    QVERIFY2(measured > 0 && measured < options.durationSeconds,
             qPrintable(QString::number(measured)));
    QVERIFY2(due >= 50, qPrintable(QString::number(due)));
    // What was due is what the schedule holds up to the stop: 100 a second, due in rounds of 20
    // (one report per device every 0.2 s, no jitter).
    QVERIFY2(qAbs(double(due) - 100 * measured) <= 20,
             qPrintable(QStringLiteral("%1 due in %2 s").arg(due).arg(measured)));
    QCOMPARE(generator.stats().writes().ok, due);
}

QTEST_GUILESS_MAIN(tst_LoadGenerator)
#include "tst_loadgenerator.moc"
