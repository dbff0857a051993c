// GETs of a pairing that wait for a change (?wait=N), against an in-process server on each
// engine, where the test can see how many are waiting: a client that leaves is dropped and never
// spends the pairing, a secret has one waiter (the newer GET answers the older), the waiters are
// capped, and the look every second reads all of them in one query.
#include "devicesapi.h"
#include "httpconnection.h"
#include "inprocessserver.h"
#include "pairingstore.h"
#include "remoteconnection.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;

} // namespace

class TestPairingWaits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void clientThatLeftDoesNotSpendThePairing();
    void newerGetAnswersTheOlder();
    void waitersAreCapped();
    void approvalsElsewhereAreSeenTogether();
    void answeredGetsLeaveNoStandIn();
    void stopAnswersAWaitingGet();

private:
    PairingStore::Created createPairing(const QString &address)
    {
        PairingStore::Created created;
        QString error;
        if (!m_server->storage().pairings().create(u"phone-1"_s, u"Phone"_s, address,
                                                   QDateTime::currentMSecsSinceEpoch(), 600000,
                                                   &created, &error))
            qWarning() << error;
        return created;
    }
    HttpAnswer approve(const QString &code)
    {
        HttpConnection tv(m_server->port());
        return tv.request(
            "POST", u"/v1/pairings/approve"_s, m_alice,
            QJsonDocument(QJsonObject{{u"code"_s, code}}).toJson(QJsonDocument::Compact));
    }
    static QString waiting(const PairingStore::Created &created)
    {
        return u"/v1/pairings/%1?wait=30"_s.arg(created.secret);
    }
    DevicesApi &devices() { return m_server->devices(); }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<SyncServer> m_server;
    QString m_alice;
};

void TestPairingWaits::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestPairingWaits::init()
{
    if (!m_database) {
        m_database = std::make_unique<TestDatabase>(u"pairingwaits"_s);
        QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    }
    QVERIFY(m_database->clearData());
    QString error;
    m_server = startInProcessServer(m_database->location(), &error);
    QVERIFY2(m_server, qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_alice, &error), qPrintable(error));
    // Only this server's approvals wake the waiters, unless a test says otherwise.
    devices().setRecheckInterval(3600 * 1000);
}

void TestPairingWaits::cleanup()
{
    m_server.reset();
}

void TestPairingWaits::clientThatLeftDoesNotSpendThePairing()
{
    const PairingStore::Created created = createPairing(u"127.0.0.1"_s);
    auto left = std::make_unique<HttpConnection>(m_server->port());
    left->send("GET", waiting(created));
    QTRY_COMPARE_WITH_TIMEOUT(devices().waiting(), 1, kTimeoutMs);
    QSignalSpy dropped(&devices(), &DevicesApi::waiterLeft);
    // The player is closed (or its network changes) while it waits...
    left.reset();
    // Dropped because it left, not because its 30 s ran out (which would answer no one, and
    // so also leave the pairing): the server says why it let the waiter go.
    QVERIFY(dropped.wait(kTimeoutMs));
    QCOMPARE(dropped.count(), 1);
    QCOMPARE(devices().waiting(), 0);
    // ...the code is approved, and the player, asking again, still gets its token.
    QCOMPARE(approve(created.code).status, 200);
    HttpConnection again(m_server->port());
    const HttpAnswer answer = again.request("GET", u"/v1/pairings/"_s + created.secret);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"approved"_s);
}

void TestPairingWaits::newerGetAnswersTheOlder()
{
    const PairingStore::Created created = createPairing(u"127.0.0.1"_s);
    HttpConnection first(m_server->port());
    first.send("GET", waiting(created));
    QTRY_COMPARE_WITH_TIMEOUT(devices().waiting(), 1, kTimeoutMs);
    HttpConnection second(m_server->port());
    second.send("GET", waiting(created));
    // The older is told "pending" at once (long before its 30 s); the newer waits alone.
    const HttpAnswer older = first.next();
    QCOMPARE(older.status, 202);
    QCOMPARE(devices().waiting(), 1);
    QCOMPARE(approve(created.code).status, 200);
    const HttpAnswer newer = second.next();
    QCOMPARE(newer.status, 200);
    QCOMPARE(newer.json().value(u"status"_s).toString(), u"approved"_s);
    QCOMPARE(devices().waiting(), 0);
}

void TestPairingWaits::waitersAreCapped()
{
    devices().setMaxWaiters(2);
    const PairingStore::Created one = createPairing(u"127.0.0.1"_s);
    const PairingStore::Created two = createPairing(u"127.0.0.1"_s);
    const PairingStore::Created three = createPairing(u"127.0.0.1"_s);
    HttpConnection first(m_server->port());
    HttpConnection second(m_server->port());
    HttpConnection third(m_server->port());
    first.send("GET", waiting(one));
    second.send("GET", waiting(two));
    QTRY_COMPARE_WITH_TIMEOUT(devices().waiting(), 2, kTimeoutMs);
    // Full: the third is told "pending" at once and asks again later.
    const HttpAnswer answer = third.request("GET", waiting(three));
    QCOMPARE(answer.status, 202);
    QCOMPARE(devices().waiting(), 2);
}

void TestPairingWaits::approvalsElsewhereAreSeenTogether()
{
    const PairingStore::Created one = createPairing(u"127.0.0.1"_s);
    const PairingStore::Created two = createPairing(u"127.0.0.1"_s);
    HttpConnection first(m_server->port());
    HttpConnection second(m_server->port());
    first.send("GET", waiting(one));
    second.send("GET", waiting(two));
    QTRY_COMPARE_WITH_TIMEOUT(devices().waiting(), 2, kTimeoutMs);
    // Approved by another server (its own connection, as `user approve` is): only the periodic
    // look, one query for both, can see it.
    ServerStorage other;
    QString error;
    QVERIFY2(other.open(m_database->location(), &error), qPrintable(error));
    for (const QString &code : {one.code, two.code}) {
        PairingStore::Approval approval;
        qint64 userId = -1;
        QVERIFY2(other.users().findUser(u"alice"_s, &userId, &error), qPrintable(error));
        QVERIFY2(other.pairings().approve(userId, code, {}, QDateTime::currentMSecsSinceEpoch(),
                                          &approval, &error),
                 qPrintable(error));
        QCOMPARE(approval.outcome, PairingStore::Approval::Outcome::Approved);
    }
    devices().setRecheckInterval(50);
    QCOMPARE(first.next().status, 200);
    QCOMPARE(second.next().status, 200);
    QCOMPARE(devices().waiting(), 0);
}

void TestPairingWaits::answeredGetsLeaveNoStandIn()
{
    // Each GET of a pairing has a stand-in of its connection on the devices' thread
    // (RemoteConnection): once answered, it goes, though the client keeps its connection open
    // (for as long as the test may wait: the stand-ins also go when the connection closes).
    m_server.reset();
    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = m_database->location();
    options.port = 0;
    options.idleTimeoutMs = 3600 * 1000;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    const PairingStore::Created created = createPairing(u"127.0.0.1"_s);
    HttpConnection tv(m_server->port());
    for (int i = 0; i < 5; ++i)
        QCOMPARE(tv.request("GET", u"/v1/pairings/"_s + created.secret).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(RemoteConnection::liveCount(), 0, kTimeoutMs);
    QCOMPARE(tv.request("GET", u"/healthz"_s).status, 200);
}

void TestPairingWaits::stopAnswersAWaitingGet()
{
    // A server stopping (SIGTERM) answers a GET waiting for a change "pending", rather than
    // keep it for the whole grace given to requests under way and then close on it unanswered.
    const PairingStore::Created created = createPairing(u"127.0.0.1"_s);
    HttpConnection waiter(m_server->port());
    waiter.send("GET", waiting(created));
    QTRY_COMPARE_WITH_TIMEOUT(devices().waiting(), 1, kTimeoutMs);
    m_server->stop();
    const HttpAnswer answer = waiter.next();
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"pending"_s);
    QCOMPARE(devices().waiting(), 0);
}

QTEST_GUILESS_MAIN(TestPairingWaits)
#include "tst_pairingwaits.moc"
