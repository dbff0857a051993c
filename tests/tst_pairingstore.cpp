// PairingStore on each engine, with the times it is given (no waiting): how long expired
// pairings are kept, when an approved one can still be collected, the wrong-code window sliding,
// the Retry-After times it computes, and the command line's unlimited approvals.
#include "pairingstore.h"
#include "serverstorage.h"
#include "testdatabase.h"
#include "tokens.h"

#include <QStandardPaths>
#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kT0 = 1800000000000; // any time: the store takes the caller's
constexpr qint64 kTtlMs = 600000;
constexpr qint64 kMinuteMs = 60000;

} // namespace

class TestPairingStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void expiredPairingsAreKeptAnHour();
    void approvedPairingCanBeCollectedAfterItsTime();
    void wrongCodeWindowSlides();
    void commandLineIsNotLimited();
    void boundPerAddressSaysWhenTheOldestExpires();
    void codesAreNormalized_data();
    void codesAreNormalized();
    void storedRowsAreBoundedWhateverTheValidity();
    void concurrentWrongCodesStayWithinTheLimit();

private:
    PairingStore::Created create(const QString &address, qint64 nowMs)
    {
        PairingStore::Created created;
        QString error;
        if (!m_storage->pairings().create(u"device-1"_s, u"Phone"_s, address, nowMs, kTtlMs,
                                          &created, &error))
            qWarning() << error;
        return created;
    }
    PairingStore::State state(const QString &secret, qint64 nowMs)
    {
        PairingStore::State found = PairingStore::State::Unknown;
        QString error;
        if (!m_storage->pairings().state(Tokens::hash(secret), nowMs, &found, &error))
            qWarning() << error;
        return found;
    }
    PairingStore::Approval approve(const QString &code, qint64 nowMs,
                                   const QStringList &subjects = {u"user:1"_s,
                                                                  u"address:192.0.2.7"_s})
    {
        PairingStore::Approval approval;
        QString error;
        if (!m_storage->pairings().approve(m_userId, code, subjects, nowMs, &approval, &error))
            qWarning() << error;
        return approval;
    }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<ServerStorage> m_storage;
    qint64 m_userId = -1;
};

void TestPairingStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestPairingStore::init()
{
    if (!m_database) {
        m_database = std::make_unique<TestDatabase>(u"pairingstore"_s);
        QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    }
    QVERIFY(m_database->clearData());
    m_storage = std::make_unique<ServerStorage>();
    QString error;
    QVERIFY2(m_storage->open(m_database->location(), &error), qPrintable(error));
    QString token;
    QVERIFY2(m_storage->users().addUser(u"alice"_s, &token, &error), qPrintable(error));
    QVERIFY(m_storage->users().findUser(u"alice"_s, &m_userId, &error));
}

void TestPairingStore::cleanup()
{
    m_storage.reset();
}

void TestPairingStore::expiredPairingsAreKeptAnHour()
{
    const PairingStore::Created old = create(u"192.0.2.1"_s, kT0);
    QCOMPARE(old.outcome, PairingStore::Created::Outcome::Created);
    QCOMPARE(old.expiresAtMs, kT0 + kTtlMs);
    QCOMPARE(state(old.secret, kT0 + kTtlMs - 1), PairingStore::State::Pending);
    QCOMPARE(state(old.secret, kT0 + kTtlMs), PairingStore::State::Expired);
    // Its code no longer matches.
    QCOMPARE(approve(old.code, kT0 + kTtlMs).outcome, PairingStore::Approval::Outcome::WrongCode);

    // A pairing made within the hour after the expiry leaves it (its holder still hears 410)...
    QCOMPARE(create(u"192.0.2.2"_s, kT0 + kTtlMs + 60 * kMinuteMs).outcome,
             PairingStore::Created::Outcome::Created);
    QCOMPARE(state(old.secret, kT0 + kTtlMs + 60 * kMinuteMs), PairingStore::State::Expired);
    // ...one made after it deletes it.
    QCOMPARE(create(u"192.0.2.2"_s, kT0 + kTtlMs + 60 * kMinuteMs + 1).outcome,
             PairingStore::Created::Outcome::Created);
    QCOMPARE(state(old.secret, kT0 + kTtlMs + 60 * kMinuteMs + 1), PairingStore::State::Unknown);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairings"_s).toInt(), 2);
}

void TestPairingStore::approvedPairingCanBeCollectedAfterItsTime()
{
    const PairingStore::Created created = create(u"192.0.2.1"_s, kT0);
    const PairingStore::Approval approval = approve(created.code, kT0 + kTtlMs - 1);
    QCOMPARE(approval.outcome, PairingStore::Approval::Outcome::Approved);
    QCOMPARE(approval.deviceName, u"Phone"_s);
    // Approved counts, even if the device comes for its token after the code's time.
    QCOMPARE(state(created.secret, kT0 + kTtlMs + kMinuteMs), PairingStore::State::Approved);
    PairingStore::Collected collected;
    QString error;
    QVERIFY(m_storage->pairings().collect(Tokens::hash(created.secret), kT0 + kTtlMs + kMinuteMs,
                                          &collected, &error));
    QVERIFY(collected.collected);
    QCOMPARE(collected.userName, u"alice"_s);
    DeviceIdentity identity;
    QVERIFY(
        m_storage->users().identityForTokenHash(Tokens::hash(collected.token), &identity, &error));
    QCOMPARE(identity.userId, m_userId);
    QCOMPARE(identity.deviceKey, collected.deviceKey);
    QCOMPARE(identity.boundDeviceId, u"device-1"_s);
    // Once.
    QVERIFY(m_storage->pairings().collect(Tokens::hash(created.secret), kT0 + kTtlMs + kMinuteMs,
                                          &collected, &error));
    QVERIFY(!collected.collected);

    // A second pairing with the same device_id for the same user: made, but not bound (the
    // device's first update is told 409 and it makes itself a new id).
    const PairingStore::Created again = create(u"192.0.2.1"_s, kT0 + 2 * kTtlMs);
    QCOMPARE(approve(again.code, kT0 + 2 * kTtlMs).outcome,
             PairingStore::Approval::Outcome::Approved);
    QVERIFY(m_storage->pairings().collect(Tokens::hash(again.secret), kT0 + 2 * kTtlMs, &collected,
                                          &error));
    QVERIFY(collected.collected);
    QVERIFY(
        m_storage->users().identityForTokenHash(Tokens::hash(collected.token), &identity, &error));
    QCOMPARE(identity.boundDeviceId, QString());
}

void TestPairingStore::wrongCodeWindowSlides()
{
    const PairingStore::Created created = create(u"192.0.2.1"_s, kT0);
    // Five wrong codes, a minute apart.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(approve(u"000000"_s, kT0 + i * kMinuteMs).outcome,
                 PairingStore::Approval::Outcome::WrongCode);
    // Refused until the oldest is ten minutes old: at kT0 + 10 min.
    PairingStore::Approval refused = approve(created.code, kT0 + 5 * kMinuteMs);
    QCOMPARE(refused.outcome, PairingStore::Approval::Outcome::TooManyWrongCodes);
    QCOMPARE(refused.retryAfterMs, 5 * kMinuteMs);
    refused = approve(created.code, kT0 + 10 * kMinuteMs - 1);
    QCOMPARE(refused.outcome, PairingStore::Approval::Outcome::TooManyWrongCodes);
    QCOMPARE(refused.retryAfterMs, 1);
    // Refusals were not counted as wrong codes: ten rows, five per subject.
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairing_failures"_s).toInt(), 10);
    // The oldest has left the window: four remain, one more try is allowed (a new pairing, as
    // the first expired meanwhile).
    const PairingStore::Created second = create(u"192.0.2.1"_s, kT0 + 10 * kMinuteMs);
    QCOMPARE(approve(second.code, kT0 + 10 * kMinuteMs).outcome,
             PairingStore::Approval::Outcome::Approved);
}

void TestPairingStore::commandLineIsNotLimited()
{
    const PairingStore::Created created = create(u"192.0.2.1"_s, kT0);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(approve(u"000000"_s, kT0, {}).outcome, PairingStore::Approval::Outcome::WrongCode);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairing_failures"_s).toInt(), 0);
    QCOMPARE(approve(created.code, kT0, {}).outcome, PairingStore::Approval::Outcome::Approved);
}

void TestPairingStore::boundPerAddressSaysWhenTheOldestExpires()
{
    for (int i = 0; i < PairingStore::kMaxPendingPerAddress; ++i)
        QCOMPARE(create(u"192.0.2.1"_s, kT0 + i * 1000).outcome,
                 PairingStore::Created::Outcome::Created);
    const PairingStore::Created refused = create(u"192.0.2.1"_s, kT0 + 20000);
    QCOMPARE(refused.outcome, PairingStore::Created::Outcome::TooManyFromAddress);
    QCOMPARE(refused.retryAfterMs, kTtlMs - 20000);
    QVERIFY(refused.secret.isEmpty());
    // Another address is not this one; and once the oldest expires, this one may again.
    QCOMPARE(create(u"192.0.2.2"_s, kT0 + 20000).outcome, PairingStore::Created::Outcome::Created);
    QCOMPARE(create(u"192.0.2.1"_s, kT0 + kTtlMs).outcome, PairingStore::Created::Outcome::Created);
}

void TestPairingStore::codesAreNormalized_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<bool>("matches");
    QTest::newRow("as shown") << u"%1"_s << true;
    QTest::newRow("with a space") << u"%2 %3"_s << true;
    QTest::newRow("spaces around") << u" %1 "_s << true;
    QTest::newRow("a digit short") << u"%4"_s << false;
    QTest::newRow("empty") << QString() << false;
}

void TestPairingStore::codesAreNormalized()
{
    QFETCH(QString, typed);
    QFETCH(bool, matches);
    const PairingStore::Created created = create(u"192.0.2.1"_s, kT0);
    const QString code = created.code;
    typed = typed.replace(u"%1"_s, code)
                .replace(u"%2"_s, code.left(3))
                .replace(u"%3"_s, code.mid(3))
                .replace(u"%4"_s, code.left(5));
    QCOMPARE(approve(typed, kT0, {}).outcome == PairingStore::Approval::Outcome::Approved, matches);
}

void TestPairingStore::storedRowsAreBoundedWhateverTheValidity()
{
    // A server with a short validity fills the table with expired rows kept for their 410
    // (kKeepExpiredMs): as many as the bound, expired a minute ago, made in one statement.
    const auto fill = [this](const QString &approvedUserId, qint64 expiresAtMs) {
        return m_database->exec(
            u"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1)"
            " INSERT INTO pairings (secret_hash, code, device_id, device_name, address,"
            " created_at_ms, expires_at_ms, approved_user_id)"
            " SELECT 'h' || CAST(i AS TEXT), 'c' || CAST(i AS TEXT), 'd', 'Phone',"
            " 'a' || CAST(i AS TEXT), %2, %2, %3 FROM n"_s.arg(PairingStore::kMaxStored)
                .arg(expiresAtMs)
                .arg(approvedUserId));
    };
    QVERIFY(fill(u"NULL"_s, kT0 - kMinuteMs));
    const PairingStore::Created created = create(u"192.0.2.1"_s, kT0);
    QCOMPARE(created.outcome, PairingStore::Created::Outcome::Created);
    QVERIFY(m_database->value(u"SELECT COUNT(*) FROM pairings"_s).toInt()
            <= PairingStore::kMaxStored);
    QCOMPARE(state(created.secret, kT0), PairingStore::State::Pending);

    // Approved rows waiting for their holders are kept: full of those, no more are made.
    QVERIFY(m_database->exec(u"DELETE FROM pairings"_s));
    QVERIFY(fill(QString::number(m_userId), kT0 + kMinuteMs));
    const PairingStore::Created refused = create(u"192.0.2.1"_s, kT0);
    QCOMPARE(refused.outcome, PairingStore::Created::Outcome::TooManyPending);
    QVERIFY(refused.secret.isEmpty());
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairings"_s).toInt(),
             PairingStore::kMaxStored);
}

void TestPairingStore::concurrentWrongCodesStayWithinTheLimit()
{
    // Several servers' connections try wrong codes for one user at the same moment: however
    // their transactions interleave, no more than kMaxWrongCodes are counted (and so tried).
    constexpr int kConnections = 8;
    constexpr int kTriesEach = 3;
    const QString location = m_database->location();
    const qint64 userId = m_userId;
    std::atomic<int> ready{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < kConnections; ++c) {
        threads.emplace_back([&, c] {
            ServerStorage storage; // a connection is used on the thread that opened it
            QString error;
            const bool opened = storage.open(location, &error);
            ++ready;
            while (ready.load() < kConnections)
                std::this_thread::yield();
            if (!opened)
                return;
            for (int i = 0; i < kTriesEach; ++i) {
                PairingStore::Approval approval;
                if (storage.pairings().approve(userId,
                                               u"%1"_s.arg(c * 10 + i, 6, 10, QLatin1Char('0')),
                                               {u"user:%1"_s.arg(userId)}, kT0, &approval, &error)
                    && approval.outcome == PairingStore::Approval::Outcome::WrongCode)
                    ++wrong;
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY2(wrong.load() >= 1, "no attempt got through at all");
    QVERIFY2(wrong.load() <= PairingStore::kMaxWrongCodes, qPrintable(QString::number(wrong)));
    QVERIFY(m_database->value(u"SELECT COUNT(*) FROM pairing_failures"_s).toInt()
            <= PairingStore::kMaxWrongCodes);
}

QTEST_GUILESS_MAIN(TestPairingStore)
#include "tst_pairingstore.moc"
