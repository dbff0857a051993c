// EventHub's keep-alives at many streams: after the first round, spread over the interval
// instead of written to every stream at once (which held the event loop for tens of milliseconds at
// 10,000 streams and delayed every event due meanwhile), and still one per stream every interval
// (PROTOCOL.md: at least every 15 s). Real sockets over 127.0.0.1: the hub writes to the server
// side of each pair, the test reads the client side.
#include "eventhub.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

namespace {

constexpr int kStreams = 64;
// Long enough that the spread is far wider than a loaded machine's timer lateness.
constexpr int kIntervalMs = 3200;
constexpr int kTimeoutMs = 30000;

} // namespace

class TestKeepAliveSpread : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void spreadOverTheIntervalAndEveryStreamInEachRound();
};

void TestKeepAliveSpread::spreadOverTheIntervalAndEveryStreamInEachRound()
{
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    QList<QTcpSocket *> served;
    for (int i = 0; i < kStreams; ++i) {
        clients.push_back(std::make_unique<QTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, listener.serverPort());
        QVERIFY(listener.waitForNewConnection(kTimeoutMs));
        served.append(listener.nextPendingConnection());
    }
    for (const auto &client : clients)
        QTRY_VERIFY_WITH_TIMEOUT(client->state() == QAbstractSocket::ConnectedState, kTimeoutMs);

    EventHub hub;
    hub.setKeepAliveInterval(kIntervalMs);
    for (int i = 0; i < kStreams; ++i)
        hub.subscribe(i + 1, QStringLiteral("d-%1").arg(i), served.at(i));

    // When each client read each of its keep-alives, from one clock.
    QElapsedTimer clock;
    clock.start();
    std::vector<std::vector<qint64>> arrivals(kStreams);
    for (int i = 0; i < kStreams; ++i) {
        QTcpSocket *client = clients[size_t(i)].get();
        connect(client, &QTcpSocket::readyRead, this, [client, &arrivals, &clock, i] {
            const QByteArray bytes = client->readAll();
            for (int n = int(bytes.count(": keep-alive\n\n")); n > 0; --n)
                arrivals[size_t(i)].push_back(clock.elapsed());
        });
    }
    const auto streamsWith = [&arrivals](size_t count) {
        return std::count_if(arrivals.cbegin(), arrivals.cend(),
                             [count](const auto &times) { return times.size() >= count; });
    };

    // The first round goes to every stream (they may have waited an interval already).
    QTRY_VERIFY_WITH_TIMEOUT(streamsWith(1) == kStreams, kTimeoutMs);

    // The second round's first keep-alives: a small part of the streams, not all at once.
    QTRY_VERIFY_WITH_TIMEOUT(streamsWith(2) > 0, kTimeoutMs);
    // A stream opened now, mid-round: its first keep-alive within an interval all the same.
    QTcpSocket late;
    late.connectToHost(QHostAddress::LocalHost, listener.serverPort());
    QVERIFY(listener.waitForNewConnection(kTimeoutMs));
    QTcpSocket *lateServed = listener.nextPendingConnection();
    QTRY_VERIFY_WITH_TIMEOUT(late.state() == QAbstractSocket::ConnectedState, kTimeoutMs);
    qint64 lateFirstMs = -1;
    connect(&late, &QTcpSocket::readyRead, this, [&late, &lateFirstMs, &clock] {
        if (late.readAll().contains(": keep-alive\n\n") && lateFirstMs < 0)
            lateFirstMs = clock.elapsed();
    });
    const qint64 lateOpenedMs = clock.elapsed();
    hub.subscribe(kStreams + 1, QStringLiteral("d-late"), lateServed);

    QTest::qWait(kIntervalMs / 16);
    const auto early = streamsWith(2);
    QVERIFY2(early <= kStreams / 2,
             qPrintable(QStringLiteral("%1 of %2 streams had their second keep-alive within 1/16 "
                                       "of the interval of the first")
                            .arg(early)
                            .arg(kStreams)));

    // Then every stream, and in the next round every stream again, about an interval after its
    // last: each stream keeps its place in the round.
    QTRY_VERIFY_WITH_TIMEOUT(streamsWith(3) == kStreams, kTimeoutMs);
    for (int i = 0; i < kStreams; ++i) {
        const std::vector<qint64> &times = arrivals[size_t(i)];
        const qint64 gap = times[2] - times[1];
        QVERIFY2(gap > kIntervalMs / 2 && gap < kIntervalMs * 3 / 2,
                 qPrintable(QStringLiteral("stream %1: %2 ms between keep-alives, interval %3")
                                .arg(i)
                                .arg(gap)
                                .arg(kIntervalMs)));
    }
    QTRY_VERIFY_WITH_TIMEOUT(lateFirstMs >= 0, kTimeoutMs);
    QVERIFY2(lateFirstMs - lateOpenedMs < kIntervalMs * 3 / 2,
             qPrintable(QStringLiteral("a stream opened mid-round waited %1 ms for its first "
                                       "keep-alive, interval %2")
                            .arg(lateFirstMs - lateOpenedMs)
                            .arg(kIntervalMs)));
}

QTEST_GUILESS_MAIN(TestKeepAliveSpread)
#include "tst_keepalivespread.moc"
