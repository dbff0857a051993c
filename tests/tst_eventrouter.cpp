// EventRouter: what another HTTP thread published and queued for a hub is never overtaken by what
// the hub's own thread publishes after it, so a stream never goes back in time and a removed
// device's stream hears nothing after its removal. The other thread runs while the hub's thread
// (the test's) does not process events, the way a busy HTTP thread lets its queue fill up.
#include "eventhub.h"
#include "eventrouter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kUser = 7;
constexpr int kTimeoutMs = 30000;

ProgressRecord update(qint64 observedAtMs)
{
    ProgressRecord record;
    record.contentId = u"film"_s;
    record.positionMs = observedAtMs;
    record.durationMs = 3600000;
    record.deviceId = u"tv"_s;
    record.observedAtMs = observedAtMs;
    return record;
}

// Runs `work` on a thread of its own and waits for it, without processing this thread's events.
void onAnotherThread(const std::function<void()> &work)
{
    std::unique_ptr<QThread> thread(QThread::create(work));
    thread->start();
    thread->wait();
}
} // namespace

class tst_EventRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void laterUpdateNeverOvertakesAQueuedOne();
    void removedDeviceHearsNothingMore();
    void sameRecordAgainIsHeardOnceUnlessCounted();

private:
    // observed_at_ms of every event the client has read so far.
    QList<qint64> heard();

    QTcpServer m_listener;
    std::unique_ptr<QTcpSocket> m_client;
    QTcpSocket *m_stream = nullptr; // the server's end, subscribed to the hub
    std::unique_ptr<EventRouter> m_router;
    std::unique_ptr<EventHub> m_hub;
    QByteArray m_received;
};

void tst_EventRouter::init()
{
    QVERIFY(m_listener.listen(QHostAddress::LocalHost, 0));
    m_client = std::make_unique<QTcpSocket>();
    m_client->connectToHost(QHostAddress::LocalHost, m_listener.serverPort());
    QVERIFY(m_listener.waitForNewConnection(kTimeoutMs));
    m_stream = m_listener.nextPendingConnection();
    QVERIFY(m_client->waitForConnected(kTimeoutMs));
    m_received.clear();
    m_router = std::make_unique<EventRouter>();
    m_hub = std::make_unique<EventHub>(m_router.get());
    m_hub->subscribe(kUser, u"device-1"_s, m_stream);
    QCOMPARE(m_router->subscriberCount(), 1);
}

void tst_EventRouter::cleanup()
{
    m_hub.reset();
    m_router.reset();
    m_client.reset();
    m_listener.close();
}

QList<qint64> tst_EventRouter::heard()
{
    m_received += m_client->readAll();
    QList<qint64> observed;
    for (const QByteArray &line : m_received.split('\n')) {
        if (line.startsWith("data: "))
            observed.append(QJsonDocument::fromJson(line.mid(6))
                                .object()
                                .value(u"observed_at_ms"_s)
                                .toInteger());
    }
    return observed;
}

void tst_EventRouter::laterUpdateNeverOvertakesAQueuedOne()
{
    // Another thread admits the older update and queues it for this thread's hub; then this
    // thread publishes a newer one before its event loop ran.
    onAnotherThread([this] { m_router->publish(kUser, update(1000)); });
    m_router->publish(kUser, update(2000));
    QTRY_COMPARE_WITH_TIMEOUT(heard().size(), 2, kTimeoutMs);
    QCOMPARE(heard(), (QList<qint64>{1000, 2000}));
}

void tst_EventRouter::removedDeviceHearsNothingMore()
{
    // Another thread removed the device (its streams end, queued for this thread's hub); then
    // this thread publishes an update: the removed device's stream must not carry it.
    onAnotherThread([this] { m_router->closeDevice(kUser, u"device-1"_s); });
    m_router->publish(kUser, update(3000));
    QTRY_COMPARE_WITH_TIMEOUT(m_client->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    QCOMPARE(heard(), QList<qint64>{});
    QCOMPARE(m_router->subscriberCount(), 0);
}

void tst_EventRouter::sameRecordAgainIsHeardOnceUnlessCounted()
{
    // A change feed that caught up tells again what the notices told (or will): the stream hears
    // each record once. A stale finish that counted the video again keeps the record's order but
    // not its count: that one goes.
    ProgressRecord record = update(4000);
    m_router->publish(kUser, record);
    m_router->publish(kUser, record);
    record.playCount = 1;
    record.lastFinishedMs = 3500;
    m_router->publish(kUser, record);
    m_router->publish(kUser, record);
    m_router->publish(kUser, update(5000));
    QTRY_COMPARE_WITH_TIMEOUT(heard().size(), 3, kTimeoutMs);
    QCOMPARE(heard(), (QList<qint64>{4000, 4000, 5000}));
}

QTEST_GUILESS_MAIN(tst_EventRouter)
#include "tst_eventrouter.moc"
