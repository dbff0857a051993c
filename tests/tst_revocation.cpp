// Removing a device takes effect everywhere at once (docs/protocol.md, "Devices and pairing"):
// its token gets 401 and its event streams end, on the server that removed it at once, and on
// every other (RevocationWatch: PostgreSQL's NOTIFY, SQLite's polling of the revocations table),
// whoever removes it (another server's DELETE /v1/devices/{id}, `playmark-server user
// remove-device` or `user revoke`); the user's other devices and other users keep working. On
// each engine, with the real server in-process and, for the command line, as real processes.
// Another server's removal on a shared PostgreSQL database: tst_scaleout.
#include "devicefixture.h"
#include "eventreader.h"
#include "revocationwatch.h"
#include "serverprocess.h"
#include "serverstorage.h"
#include "storageservice.h"
#include "syncserver.h"
#include "testdatabase.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using DeviceFixture::Answer;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QJsonObject update(qint64 positionMs, const QString &deviceId)
{
    return QJsonObject{{u"position_ms"_s, positionMs},
                       {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, deviceId},
                       {u"device_name"_s, deviceId},
                       {u"observed_at_ms"_s, nowMs() - 1000},
                       {u"state"_s, u"playing"_s}};
}

// A RevocationWatch on a connection of its own, as another server's, started (polling as on
// SQLite; PostgreSQL's NOTIFY besides).
struct OwnWatch
{
    explicit OwnWatch(const QString &location) : watch(storage)
    {
        if (storage.open(location, StorageService::CommitMode::Group, &error))
            watch.start(RevocationWatch::kSqlitePollMs);
    }
    StorageService storage;
    RevocationWatch watch;
    QString error;
};

} // namespace

class TestRevocation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void removalReadFromTheDatabaseEndsStreamsAndTokens();
    void removalOfEveryDeviceOfAUser();
    void removerAppliesItAtOnce();
    void watchStartsAfterTheNewestRemoval();
    void oldRemovalsAreDroppedBySweep();
    void commandLineRemovalEndsStreams();

private:
    // Alice's devices and Bob's, each known to the server (their identities in its token cache)
    // and with an event stream open.
    struct Streams
    {
        explicit Streams(TestRevocation &test)
            : known(test.get(test.m_household.tv).status == 404
                    && test.get(test.m_household.phone).status == 404
                    && test.get(test.m_household.bob).status == 404),
              tv(test.m_household.server->url(), test.m_household.tv),
              phone(test.m_household.server->url(), test.m_household.phone),
              bob(test.m_household.server->url(), test.m_household.bob)
        {
        }
        bool areOpen() const { return known && tv.isOpen() && phone.isOpen() && bob.isOpen(); }
        bool known;
        EventReader tv;
        EventReader phone;
        EventReader bob;
    };

    Answer get(const QString &token, const QString &base = {})
    {
        return m_client.send((base.isEmpty() ? m_household.server->url() : base)
                                 + u"/v1/progress/movie"_s,
                             "GET", token);
    }
    Answer put(const QString &token, const QString &deviceId, qint64 positionMs,
               const QString &base = {})
    {
        return m_client.send((base.isEmpty() ? m_household.server->url() : base)
                                 + u"/v1/progress/movie"_s,
                             "PUT", token, update(positionMs, deviceId));
    }
    bool remove(const QString &token, bool everyDevice = false)
    {
        return DeviceFixture::removeDevice(
            m_household.server->storage(),
            DeviceFixture::userOf(m_household.database->raw(), token),
            everyDevice ? QString() : DeviceFixture::deviceOf(m_household.database->raw(), token));
    }

    DeviceFixture::Household m_household;
    DeviceFixture::Client m_client;
};

void TestRevocation::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestRevocation::init()
{
    const QString error = m_household.start(u"revocation"_s);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestRevocation::cleanup()
{
    m_household.stop();
}

void TestRevocation::removalReadFromTheDatabaseEndsStreamsAndTokens()
{
    Streams streams(*this);
    QTRY_VERIFY_WITH_TIMEOUT(streams.areOpen(), kTimeoutMs);
    EventReader &tvStream = streams.tv;
    EventReader &phoneStream = streams.phone;
    EventReader &bobStream = streams.bob;

    // Removed by someone else (another process, as far as this server knows).
    QVERIFY(remove(m_household.tv));
    QTRY_VERIFY_WITH_TIMEOUT(tvStream.isFinished(), kTimeoutMs);
    // The stream ended because the removal was applied: the token is refused from now on, not
    // once its cached identity runs out.
    QCOMPARE(get(m_household.tv).status, 401);
    QCOMPARE(put(m_household.tv, u"tv"_s, 1000).status, 401);

    // The user's other device and other users carry on, streams and all.
    QVERIFY(!phoneStream.isFinished());
    QVERIFY(!bobStream.isFinished());
    QCOMPARE(put(m_household.phone, u"phone"_s, 2000).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(phoneStream.events().size(), 1, kTimeoutMs);
    QCOMPARE(get(m_household.phone).status, 200);
    QCOMPARE(get(m_household.bob).status, 404);
    QVERIFY(!bobStream.isFinished());
    QCOMPARE(bobStream.events().size(), 0);
}

void TestRevocation::removalOfEveryDeviceOfAUser()
{
    Streams streams(*this);
    QTRY_VERIFY_WITH_TIMEOUT(streams.areOpen(), kTimeoutMs);
    EventReader &tvStream = streams.tv;
    EventReader &phoneStream = streams.phone;
    EventReader &bobStream = streams.bob;

    QVERIFY(remove(m_household.tv, true)); // as `playmark-server user revoke alice`
    QTRY_VERIFY_WITH_TIMEOUT(tvStream.isFinished() && phoneStream.isFinished(), kTimeoutMs);
    QCOMPARE(get(m_household.tv).status, 401);
    QCOMPARE(get(m_household.phone).status, 401);
    QVERIFY(!bobStream.isFinished());
    QCOMPARE(put(m_household.bob, u"laptop"_s, 3000).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(bobStream.events().size(), 1, kTimeoutMs);
}

void TestRevocation::removerAppliesItAtOnce()
{
    QCOMPARE(get(m_household.tv).status, 404);
    EventReader tvStream(m_household.server->url(), m_household.tv);
    EventReader phoneStream(m_household.server->url(), m_household.phone);
    QTRY_VERIFY_WITH_TIMEOUT(tvStream.isOpen() && phoneStream.isOpen(), kTimeoutMs);
    // Removed without a revocations row, which RevocationWatch would read: only the remover's
    // own call takes effect (the route that removes calls it once its transaction committed,
    // before answering), and at once, not when the cached identity runs out.
    const qint64 userId = DeviceFixture::userOf(m_household.database->raw(), m_household.tv);
    const QString device = DeviceFixture::deviceOf(m_household.database->raw(), m_household.tv);
    QVERIFY(m_household.database->exec(
        u"UPDATE devices SET removed_at_ms = %1 WHERE id = '%2'"_s.arg(nowMs()).arg(device)));
    QVERIFY(m_household.database->exec(
        u"UPDATE tokens SET revoked_at_ms = %1 WHERE device_key = '%2'"_s.arg(nowMs()).arg(
            device)));
    m_household.server->applyRemoval(userId, device);
    QCOMPARE(get(m_household.tv).status, 401);
    QTRY_VERIFY_WITH_TIMEOUT(tvStream.isFinished(), kTimeoutMs);
    QVERIFY(!phoneStream.isFinished());
    QCOMPARE(get(m_household.phone).status, 404);
}

void TestRevocation::watchStartsAfterTheNewestRemoval()
{
    // Removals from before the start are in the tokens table already: only later ones count,
    // each once, in order.
    const qint64 alice = DeviceFixture::userOf(m_household.database->raw(), m_household.tv);
    const qint64 bob = DeviceFixture::userOf(m_household.database->raw(), m_household.bob);
    QVERIFY(remove(m_household.tv));
    OwnWatch own(m_household.database->location());
    QVERIFY2(own.error.isEmpty(), qPrintable(own.error));
    RevocationWatch &watch = own.watch;
    QSignalSpy revoked(&watch, &RevocationWatch::revoked);
    QTRY_VERIFY_WITH_TIMEOUT(watch.lastSeq() >= 0, kTimeoutMs);
    const qint64 first = watch.lastSeq();
    QCOMPARE(first, 1);

    QVERIFY(remove(m_household.phone));
    QVERIFY(remove(m_household.bob, true));
    QTRY_COMPARE_WITH_TIMEOUT(revoked.size(), 2, kTimeoutMs);
    QCOMPARE(revoked.at(0).at(0).toLongLong(), alice);
    QCOMPARE(revoked.at(0).at(1).toString(),
             DeviceFixture::deviceOf(m_household.database->raw(), m_household.phone));
    QCOMPARE(revoked.at(1).at(0).toLongLong(), bob);
    QCOMPARE(revoked.at(1).at(1).toString(), QString());
    QCOMPARE(watch.lastSeq(), first + 2);
    // Asked again, nothing new: the next removal is the next thing it tells.
    watch.poll();
    QString bobsTablet;
    QString error;
    QVERIFY2(m_household.server->storage().users().issueToken(u"bob"_s, &bobsTablet, &error),
             qPrintable(error));
    QVERIFY(remove(bobsTablet));
    QTRY_VERIFY_WITH_TIMEOUT(revoked.size() >= 3, kTimeoutMs);
    QCOMPARE(revoked.size(), 3);
    QCOMPARE(revoked.at(2).at(1).toString(),
             DeviceFixture::deviceOf(m_household.database->raw(), bobsTablet));
    QCOMPARE(watch.lastSeq(), first + 3);
}

void TestRevocation::oldRemovalsAreDroppedBySweep()
{
    QVERIFY(remove(m_household.tv));
    QVERIFY(remove(m_household.phone));
    // A watch that has read both, as every server's has.
    OwnWatch own(m_household.database->location());
    QVERIFY2(own.error.isEmpty(), qPrintable(own.error));
    RevocationWatch &watch = own.watch;
    QSignalSpy revoked(&watch, &RevocationWatch::revoked);
    QTRY_COMPARE_WITH_TIMEOUT(watch.lastSeq(), 2, kTimeoutMs);

    // Every row older than the sweep keeps: all but the newest go, which the next seq follows.
    QVERIFY(m_household.database->exec(
        u"UPDATE revocations SET at_ms = %1"_s.arg(nowMs() - RevocationStore::kKeepMs - 60000)));
    int dropped = -1;
    m_household.server->dropOldRevocations(
        nowMs(), [&dropped](bool ok, int count) { dropped = ok ? count : -2; });
    QTRY_COMPARE_WITH_TIMEOUT(dropped, 1, kTimeoutMs);
    QCOMPARE(m_household.database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 1);
    QCOMPARE(m_household.database->value(u"SELECT seq FROM revocations"_s).toInt(), 2);

    // A later removal still reaches the running watch (a seq after the one it read last).
    QVERIFY(remove(m_household.bob, true));
    QTRY_COMPARE_WITH_TIMEOUT(revoked.size(), 1, kTimeoutMs);
    QCOMPARE(revoked.at(0).at(0).toLongLong(),
             DeviceFixture::userOf(m_household.database->raw(), m_household.bob));
    QCOMPARE(watch.lastSeq(), 3);
}

void TestRevocation::commandLineRemovalEndsStreams()
{
    Streams streams(*this);
    QTRY_VERIFY_WITH_TIMEOUT(streams.areOpen(), kTimeoutMs);
    const auto user = [this](const QStringList &args) {
        return runProcess(QStringLiteral(PLAYMARK_SERVER_BIN),
                          QStringList{u"user"_s} + args
                              + QStringList{u"--db"_s, m_household.database->location()},
                          QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    };
    const QString tv = DeviceFixture::deviceOf(m_household.database->raw(), m_household.tv);
    const Run removed = user({u"remove-device"_s, u"alice"_s, tv});
    QVERIFY2(removed.exitedNormally() && removed.exitCode == 0, removed.err.constData());
    QTRY_VERIFY_WITH_TIMEOUT(streams.tv.isFinished(), kTimeoutMs);
    QCOMPARE(get(m_household.tv).status, 401);
    QVERIFY(!streams.phone.isFinished());
    QCOMPARE(get(m_household.phone).status, 404);

    const Run revoked = user({u"revoke"_s, u"alice"_s});
    QVERIFY2(revoked.exitedNormally() && revoked.exitCode == 0, revoked.err.constData());
    QTRY_VERIFY_WITH_TIMEOUT(streams.phone.isFinished(), kTimeoutMs);
    QCOMPARE(get(m_household.phone).status, 401);
    QVERIFY(!streams.bob.isFinished());
    QCOMPARE(get(m_household.bob).status, 404);
}

QTEST_GUILESS_MAIN(TestRevocation)
#include "tst_revocation.moc"
