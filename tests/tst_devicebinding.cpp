// A device's device_id and what the server knows of it (docs/protocol.md, "Devices and
// pairing"): updates bind their device_id to the device of their token, a device_id another
// active device of the user has is answered 409 device_id_taken with nothing written, and each
// device's last_seen_ms, last_content_id and name follow its requests without a statement per
// update. The real server in-process, on each engine.
#include "devicefixture.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using DeviceFixture::Answer;

namespace {

constexpr int kTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QJsonObject update(qint64 positionMs, qint64 observedAtMs, const QString &deviceId,
                   const QString &deviceName = u"Living-room TV"_s)
{
    return QJsonObject{{u"position_ms"_s, positionMs},      {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, deviceId},          {u"device_name"_s, deviceName},
                       {u"observed_at_ms"_s, observedAtMs}, {u"state"_s, u"playing"_s}};
}

} // namespace

class TestDeviceBinding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void firstUpdateBindsTheDeviceId();
    void deviceIdOfAnotherDeviceIsTaken();
    void failedBindingIsAStorageFailure();
    void syncWithATakenDeviceIdWritesNothing();
    void removedDevicesIdMayBeTakenAgain();
    void sameDeviceIdForTwoUsersIsFine();
    void legacyDeviceIsNamedByItsFirstReport();
    void lastSeenAndLastVideoMove();
    void steadyReportsWriteNothingForTheDevice();

private:
    Answer put(const QString &token, const QString &contentId, const QJsonObject &body)
    {
        return m_client.send(m_household.server->url() + u"/v1/progress/"_s + contentId, "PUT",
                             token, body);
    }
    Answer get(const QString &token, const QString &contentId)
    {
        return m_client.send(m_household.server->url() + u"/v1/progress/"_s + contentId, "GET",
                             token);
    }
    // A column of the token's device.
    QVariant device(const QString &token, const QString &column)
    {
        return m_household.database->value(u"SELECT %1 FROM devices WHERE id = '%2'"_s.arg(
            column, DeviceFixture::deviceOf(m_household.database->raw(), token)));
    }

    DeviceFixture::Household m_household;
    DeviceFixture::Client m_client;
    qint64 m_t0 = 0;
};

void TestDeviceBinding::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestDeviceBinding::init()
{
    const QString error = m_household.start(u"binding"_s);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_t0 = nowMs() - 3600000;
}

void TestDeviceBinding::cleanup()
{
    m_household.stop();
}

void TestDeviceBinding::firstUpdateBindsTheDeviceId()
{
    QVERIFY(device(m_household.tv, u"device_id"_s).isNull());
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QCOMPARE(device(m_household.tv, u"device_id"_s).toString(), u"tv-1"_s);
    QVERIFY(device(m_household.phone, u"device_id"_s).isNull());
}

void TestDeviceBinding::deviceIdOfAnotherDeviceIsTaken()
{
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    const int history = m_household.database->value(u"SELECT COUNT(*) FROM history"_s).toInt();

    // A copied profile: the phone's token, the TV's device_id.
    const Answer taken = put(m_household.phone, u"movie"_s, update(9000, m_t0 + 10, u"tv-1"_s));
    QCOMPARE(taken.status, 409);
    QCOMPARE(taken.errorCode(), u"device_id_taken"_s);
    QVERIFY(!taken.json.contains(u"record"_s));
    // Nothing written: the record, its history, the phone's device.
    QCOMPARE(
        get(m_household.tv, u"movie"_s).json.value(u"record"_s).toObject().value(u"position_ms"_s),
        QJsonValue(1000));
    QCOMPARE(m_household.database->value(u"SELECT COUNT(*) FROM history"_s).toInt(), history);
    QVERIFY(device(m_household.phone, u"device_id"_s).isNull());
    QCOMPARE(device(m_household.tv, u"device_id"_s).toString(), u"tv-1"_s);

    // The TV carries on; the phone, with a device_id of its own, too.
    QCOMPARE(put(m_household.tv, u"movie"_s, update(2000, m_t0 + 20, u"tv-1"_s)).status, 200);
    QCOMPARE(put(m_household.phone, u"movie"_s, update(3000, m_t0 + 30, u"phone-1"_s)).status, 200);
    QCOMPARE(device(m_household.phone, u"device_id"_s).toString(), u"phone-1"_s);
    QCOMPARE(
        get(m_household.tv, u"movie"_s).json.value(u"record"_s).toObject().value(u"position_ms"_s),
        QJsonValue(3000));
    // Taken for as long as the TV has it, however often it is tried.
    QCOMPARE(put(m_household.phone, u"other"_s, update(4000, m_t0 + 40, u"tv-1"_s)).status, 409);
    QCOMPARE(get(m_household.phone, u"other"_s).status, 404);
}

void TestDeviceBinding::failedBindingIsAStorageFailure()
{
    // The binding UPDATE refused by something else than the unique index (here a trigger, a
    // constraint too on SQLite): the storage failed, the device_id is not another device's.
    const QStringList refuse = TestDatabase::isPostgreSql()
        ? QStringList{u"CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"_s,
                      u"CREATE TRIGGER refuse BEFORE UPDATE OF device_id ON devices FOR EACH ROW "
                      "EXECUTE FUNCTION refuse()"_s}
        : QStringList{u"CREATE TRIGGER refuse BEFORE UPDATE OF device_id ON devices "
                      "BEGIN SELECT RAISE(ABORT, 'refused'); END"_s};
    for (const QString &statement : refuse)
        QVERIFY(m_household.database->exec(statement));
    const Answer failed = put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s));
    QCOMPARE(failed.status, 503);
    QVERIFY(failed.errorCode() != u"device_id_taken"_s);
    QVERIFY(device(m_household.tv, u"device_id"_s).isNull());
    QCOMPARE(get(m_household.tv, u"movie"_s).status, 404);

    // Once the storage works again, so does the update.
    QVERIFY(m_household.database->exec(
        u"DROP TRIGGER refuse"_s + (TestDatabase::isPostgreSql() ? u" ON devices"_s : QString())));
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QCOMPARE(device(m_household.tv, u"device_id"_s).toString(), u"tv-1"_s);
}

void TestDeviceBinding::syncWithATakenDeviceIdWritesNothing()
{
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QJsonObject first = update(5000, m_t0 + 10, u"phone-1"_s);
    first.insert(u"content_id"_s, u"first"_s);
    QJsonObject second = update(6000, m_t0 + 20, u"tv-1"_s);
    second.insert(u"content_id"_s, u"second"_s);
    const Answer answer =
        m_client.send(m_household.server->url() + u"/v1/sync"_s, "POST", m_household.phone,
                      QJsonObject{{u"updates"_s, QJsonArray{first, second}}});
    QCOMPARE(answer.status, 409);
    QCOMPARE(answer.errorCode(), u"device_id_taken"_s);
    QCOMPARE(get(m_household.phone, u"first"_s).status, 404);
    QCOMPARE(get(m_household.phone, u"second"_s).status, 404);
    QVERIFY(device(m_household.phone, u"device_id"_s).isNull());

    // Without it, the same request is applied whole.
    const Answer applied =
        m_client.send(m_household.server->url() + u"/v1/sync"_s, "POST", m_household.phone,
                      QJsonObject{{u"updates"_s, QJsonArray{first}}});
    QCOMPARE(applied.status, 200);
    QCOMPARE(applied.json.value(u"results"_s).toArray().size(), 1);
    QCOMPARE(get(m_household.phone, u"first"_s).status, 200);
}

void TestDeviceBinding::removedDevicesIdMayBeTakenAgain()
{
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QVERIFY(DeviceFixture::removeDevice(
        m_household.server->storage(),
        DeviceFixture::userOf(m_household.database->raw(), m_household.tv),
        DeviceFixture::deviceOf(m_household.database->raw(), m_household.tv)));
    // The TV was removed (reinstalled, say): its device_id is free for the device now using it.
    QCOMPARE(put(m_household.phone, u"movie"_s, update(2000, m_t0 + 10, u"tv-1"_s)).status, 200);
    QCOMPARE(device(m_household.phone, u"device_id"_s).toString(), u"tv-1"_s);
}

void TestDeviceBinding::sameDeviceIdForTwoUsersIsFine()
{
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QCOMPARE(put(m_household.bob, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
}

void TestDeviceBinding::legacyDeviceIsNamedByItsFirstReport()
{
    // Every device made by `user add` or `user token` (and every token from before devices)
    // has no name until it reports.
    QCOMPARE(device(m_household.tv, u"device_name"_s).toString(), QString());
    QCOMPARE(
        put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s, u"Living-room TV"_s)).status,
        200);
    QCOMPARE(device(m_household.tv, u"device_name"_s).toString(), u"Living-room TV"_s);
    // Renamed in the player: the newest report's name.
    QCOMPARE(
        put(m_household.tv, u"movie"_s, update(2000, m_t0 + 10, u"tv-1"_s, u"Den TV"_s)).status,
        200);
    QCOMPARE(device(m_household.tv, u"device_name"_s).toString(), u"Den TV"_s);
    QCOMPARE(device(m_household.phone, u"device_name"_s).toString(), QString());
}

void TestDeviceBinding::lastSeenAndLastVideoMove()
{
    QVERIFY(m_household.database->exec(u"UPDATE devices SET last_seen_ms = 0"_s));
    const qint64 before = nowMs();
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    QVERIFY(device(m_household.tv, u"last_seen_ms"_s).toLongLong() >= before);
    QCOMPARE(device(m_household.tv, u"last_content_id"_s).toString(), u"movie"_s);
    QCOMPARE(put(m_household.tv, u"series"_s, update(1000, m_t0 + 10, u"tv-1"_s)).status, 200);
    QCOMPARE(device(m_household.tv, u"last_content_id"_s).toString(), u"series"_s);
    // An older update from an outbox is not the last video.
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0 + 5, u"tv-1"_s)).status, 200);
    QCOMPARE(device(m_household.tv, u"last_content_id"_s).toString(), u"series"_s);

    // Any request counts as seen; nobody waits for that write.
    QCOMPARE(device(m_household.phone, u"last_seen_ms"_s).toLongLong(), 0);
    QCOMPARE(get(m_household.phone, u"movie"_s).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(device(m_household.phone, u"last_seen_ms"_s).toLongLong() >= before,
                             kTimeoutMs);
    QVERIFY(device(m_household.phone, u"last_content_id"_s).isNull());
}

void TestDeviceBinding::steadyReportsWriteNothingForTheDevice()
{
    QCOMPARE(put(m_household.tv, u"movie"_s, update(1000, m_t0, u"tv-1"_s)).status, 200);
    // Marked, to see whether anything writes the row again.
    QVERIFY(m_household.database->exec(
        u"UPDATE devices SET last_seen_ms = 1 WHERE device_id = 'tv-1'"_s));
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(put(m_household.tv, u"movie"_s, update(1000 + i, m_t0 + i, u"tv-1"_s)).status,
                 200);
    QCOMPARE(get(m_household.tv, u"movie"_s).status, 200);
    // The same video, the same name, within the minute: the updates were written (the record
    // and the five it superseded, in history), the device was not, whichever HTTP thread each
    // update came through.
    QCOMPARE(m_household.database->value(u"SELECT COUNT(*) FROM history"_s).toInt(), 5);
    QCOMPARE(device(m_household.tv, u"last_seen_ms"_s).toLongLong(), 1);
    // Another video is worth a write at once.
    QCOMPARE(put(m_household.tv, u"series"_s, update(1000, m_t0 + 10, u"tv-1"_s)).status, 200);
    QVERIFY(device(m_household.tv, u"last_seen_ms"_s).toLongLong() > 1);
}

QTEST_GUILESS_MAIN(TestDeviceBinding)
#include "tst_devicebinding.moc"
