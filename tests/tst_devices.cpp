// Devices on the server (docs/protocol.md, "Devices and pairing"): GET /v1/devices and
// DELETE /v1/devices/{id} on the real server in-process on a port the OS picks, on each engine;
// the removal transaction (devices, tokens, revocations; its NOTIFY and a clashing seq are
// tst_scaleout's), `user revoke` removing every device, the tokens of a database from before
// devices becoming devices, and a waiting pairing woken by this server's approval.
#include "devicesapi.h"
#include "httpconnection.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"
#include "tokens.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;

QStringList ids(const QJsonArray &items)
{
    QStringList found;
    for (const QJsonValue &item : items)
        found << item[u"id"_s].toString();
    return found;
}

} // namespace

class TestDevices : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void listsTheUsersDevices();
    void removesOneDevice();
    void anotherUsersDeviceIsNotFound_data();
    void anotherUsersDeviceIsNotFound();
    void ownDeviceSignsItselfOut();
    void revokeRemovesEveryDevice();
    void oldRevocationsAreDropped();
    void tokensFromBeforeDevicesAreDevices();
    void waitingPairingWakesAtApproval();

private:
    bool startServer();
    // The device a token belongs to, as the database says.
    QString deviceOf(const QString &token)
    {
        return m_database
            ->value(
                u"SELECT device_key FROM tokens WHERE token_hash = '%1'"_s.arg(Tokens::hash(token)))
            .toString();
    }
    qint64 userIdOf(const QString &name)
    {
        return m_database->value(u"SELECT id FROM users WHERE name = '%1'"_s.arg(name))
            .toLongLong();
    }
    QJsonArray devices(const QString &token)
    {
        const HttpAnswer answer = m_client->request("GET", u"/v1/devices"_s, token);
        if (answer.status != 200)
            qWarning() << "GET /v1/devices answered" << answer.status << answer.body;
        return answer.json().value(u"items"_s).toArray();
    }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<SyncServer> m_server;
    std::unique_ptr<HttpConnection> m_client;
    // alice has three devices (tokens), bob one.
    QStringList m_alice;
    QString m_bob;
};

void TestDevices::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLoggingCategory::setFilterRules(u"playmark.*.debug=false\nplaymark.*.info=false"_s);
}

void TestDevices::init()
{
    if (!m_database) {
        m_database = std::make_unique<TestDatabase>(u"devices"_s);
        QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    }
    QVERIFY(m_database->clearData());
    QVERIFY(startServer());
    UserStore &users = m_server->storage().users();
    QString error;
    m_alice = QStringList(3);
    QVERIFY2(users.addUser(u"alice"_s, &m_alice[0], &error), qPrintable(error));
    QVERIFY2(users.issueToken(u"alice"_s, &m_alice[1], &error), qPrintable(error));
    QVERIFY2(users.issueToken(u"alice"_s, &m_alice[2], &error), qPrintable(error));
    QVERIFY2(users.addUser(u"bob"_s, &m_bob, &error), qPrintable(error));
}

void TestDevices::cleanup()
{
    m_client.reset();
    m_server.reset();
}

bool TestDevices::startServer()
{
    m_client.reset();
    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = m_database->location();
    options.port = 0;
    QString error;
    if (!m_server->start(options, &error)) {
        qWarning() << "the server did not start:" << error;
        return false;
    }
    m_client = std::make_unique<HttpConnection>(m_server->port());
    return true;
}

void TestDevices::listsTheUsersDevices()
{
    // Seen at different times: the newest first. Times ahead of the clock, so that the asking
    // device's own "seen now", written while the list is read (or not yet), changes none of
    // them: a device's last_seen_ms never goes back.
    const qint64 base = QDateTime::currentMSecsSinceEpoch() + 10LL * 24 * 3600 * 1000;
    const QStringList keys{deviceOf(m_alice[0]), deviceOf(m_alice[1]), deviceOf(m_alice[2])};
    for (int i = 0; i < 3; ++i)
        QVERIFY(m_database->exec(u"UPDATE devices SET last_seen_ms = %1 WHERE id = '%2'"_s
                                     .arg(base + (i == 1 ? 5000 : i * 1000))
                                     .arg(keys[i])));
    QVERIFY(m_database->exec(u"UPDATE devices SET device_name = 'TV', device_id = 'tv-1',"
                             " last_content_id = 'heat' WHERE id = '%1'"_s.arg(keys[2])));

    const QJsonArray items = devices(m_alice[2]);
    QCOMPARE(ids(items), (QStringList{keys[1], keys[2], keys[0]}));
    for (const QJsonValue &item : items) {
        const QJsonObject device = item.toObject();
        const bool tv = device[u"id"_s] == keys[2];
        QCOMPARE(device[u"this_device"_s].toBool(), tv);
        QCOMPARE(device[u"device_name"_s].toString(), tv ? u"TV"_s : QString());
        QCOMPARE(device[u"device_id"_s], tv ? QJsonValue(u"tv-1"_s) : QJsonValue());
        QCOMPARE(device[u"last_content_id"_s], tv ? QJsonValue(u"heat"_s) : QJsonValue());
        QVERIFY(device[u"created_at_ms"_s].isDouble());
        QVERIFY(device[u"last_seen_ms"_s].toInteger() >= base);
        QVERIFY2(QRegularExpression(u"^[A-Za-z0-9._-]{1,64}$"_s)
                     .match(device[u"id"_s].toString())
                     .hasMatch(),
                 qPrintable(device[u"id"_s].toString()));
    }
    // Bob sees his own alone.
    const QJsonArray bobs = devices(m_bob);
    QCOMPARE(ids(bobs), QStringList{deviceOf(m_bob)});
    QVERIFY(bobs.at(0)[u"this_device"_s].toBool());
}

void TestDevices::removesOneDevice()
{
    const QString phone = deviceOf(m_alice[2]);
    // The phone's identity in the server's token cache, as for any device in use.
    QCOMPARE(m_client->request("GET", u"/v1/progress"_s, m_alice[2]).status, 200);
    QSignalSpy removed(&m_server->devices(), &DevicesApi::devicesRemoved);
    const HttpAnswer answer = m_client->request("DELETE", u"/v1/devices/"_s + phone, m_alice[0]);
    QCOMPARE(answer.status, 204);
    QVERIFY(answer.body.isEmpty());
    // Refused from the answer on, not once its cached identity runs out.
    QCOMPARE(m_client->request("GET", u"/v1/progress"_s, m_alice[2]).status, 401);
    // Told once, committed, before the answer.
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).toLongLong(), userIdOf(u"alice"_s));
    QCOMPARE(removed.at(0).at(1).toString(), phone);

    // In one transaction: the device, its token, and a revocation every server reads.
    QVERIFY(!m_database->value(u"SELECT removed_at_ms FROM devices WHERE id = '%1'"_s.arg(phone))
                 .isNull());
    QVERIFY(
        !m_database->value(u"SELECT revoked_at_ms FROM tokens WHERE device_key = '%1'"_s.arg(phone))
             .isNull());
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 1);
    QCOMPARE(m_database->value(u"SELECT device_key FROM revocations WHERE seq = 1"_s).toString(),
             phone);
    QCOMPARE(m_database->value(u"SELECT user_id FROM revocations WHERE seq = 1"_s).toLongLong(),
             userIdOf(u"alice"_s));

    // The others work, and no longer list it.
    QStringList left = ids(devices(m_alice[1]));
    left.sort();
    QStringList expected{deviceOf(m_alice[0]), deviceOf(m_alice[1])};
    expected.sort();
    QCOMPARE(left, expected);
    // Removed is gone: 404, and nothing more written.
    QCOMPARE(m_client->request("DELETE", u"/v1/devices/"_s + phone, m_alice[0]).status, 404);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 1);
    QCOMPARE(removed.size(), 1);

    // A second removal takes the next seq.
    QCOMPARE(
        m_client->request("DELETE", u"/v1/devices/"_s + deviceOf(m_alice[1]), m_alice[0]).status,
        204);
    QCOMPARE(m_database->value(u"SELECT MAX(seq) FROM revocations"_s).toInt(), 2);
}

void TestDevices::anotherUsersDeviceIsNotFound_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("bobs");
    QTest::newRow("bob's device") << QString() << true;
    QTest::newRow("no such device") << u"d-0000000000000000"_s << false;
    QTest::newRow("not a device id") << u"bad%20id"_s << false;
    QTest::newRow("too long") << QString(65, u'd') << false;
}

void TestDevices::anotherUsersDeviceIsNotFound()
{
    QFETCH(QString, id);
    QFETCH(bool, bobs);
    if (bobs)
        id = deviceOf(m_bob);
    QSignalSpy removed(&m_server->devices(), &DevicesApi::devicesRemoved);
    const HttpAnswer answer = m_client->request("DELETE", u"/v1/devices/"_s + id, m_alice[0]);
    QCOMPARE(answer.status, 404);
    QCOMPARE(answer.errorCode(), u"not_found"_s);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 0);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM devices WHERE removed_at_ms IS NOT NULL"_s)
                 .toInt(),
             0);
    // Bob's answers as one that does not exist: the same words but for the id.
    if (bobs) {
        const HttpAnswer none =
            m_client->request("DELETE", u"/v1/devices/d-0000000000000000"_s, m_alice[0]);
        QCOMPARE(answer.json()[u"error"_s][u"message"_s].toString().replace(id, u"ID"_s),
                 none.json()[u"error"_s][u"message"_s].toString().replace(u"d-0000000000000000"_s,
                                                                          u"ID"_s));
    }
    QCOMPARE(m_client->request("GET", u"/v1/progress"_s, m_bob).status, 200);
}

void TestDevices::ownDeviceSignsItselfOut()
{
    QCOMPARE(m_client->request("GET", u"/v1/progress"_s, m_alice[0]).status, 200);
    const HttpAnswer answer =
        m_client->request("DELETE", u"/v1/devices/"_s + deviceOf(m_alice[0]), m_alice[0]);
    QCOMPARE(answer.status, 204);
    // Within the token cache's few seconds at most (the remover forgets it at once,
    // RevocationWatch).
    QTRY_COMPARE_WITH_TIMEOUT(m_client->request("GET", u"/v1/progress"_s, m_alice[0]).status, 401,
                              15000);
    QCOMPARE(devices(m_alice[1]).size(), 2);
}

void TestDevices::revokeRemovesEveryDevice()
{
    int revoked = 0;
    QString error;
    QVERIFY2(m_server->storage().users().revokeTokens(u"alice"_s, &revoked, &error),
             qPrintable(error));
    QCOMPARE(revoked, 3);
    QCOMPARE(
        m_database
            ->value(
                u"SELECT COUNT(*) FROM devices WHERE user_id = %1 AND removed_at_ms IS NULL"_s.arg(
                    userIdOf(u"alice"_s)))
            .toInt(),
        0);
    // One revocation for all of them: device_key NULL.
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 1);
    QVERIFY(m_database->value(u"SELECT device_key FROM revocations"_s).isNull());
    for (const QString &token : std::as_const(m_alice))
        QCOMPARE(m_client->request("GET", u"/v1/devices"_s, token).status, 401);
    QCOMPARE(devices(m_bob).size(), 1);
    // Nothing left to revoke: nothing written.
    QVERIFY(m_server->storage().users().revokeTokens(u"alice"_s, &revoked, &error));
    QCOMPARE(revoked, 0);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM revocations"_s).toInt(), 1);
}

void TestDevices::oldRevocationsAreDropped()
{
    for (const QString &token : {m_alice[1], m_alice[2]})
        QCOMPARE(
            m_client->request("DELETE", u"/v1/devices/"_s + deviceOf(token), m_alice[0]).status,
            204);
    QVERIFY(m_database->exec(u"UPDATE revocations SET at_ms = 1000 WHERE seq = 1"_s));
    int dropped = 0;
    QString error;
    QVERIFY2(m_server->storage().users().dropRevocationsBefore(2000, &dropped, &error),
             qPrintable(error));
    QCOMPARE(dropped, 1);
    QCOMPARE(m_database->value(u"SELECT MIN(seq) FROM revocations"_s).toInt(), 2);
    // The next removal still takes the next seq, not one a server already applied.
    QCOMPARE(m_client->request("DELETE", u"/v1/devices/"_s + deviceOf(m_bob), m_bob).status, 204);
    QCOMPARE(m_database->value(u"SELECT MAX(seq) FROM revocations"_s).toInt(), 3);
}

void TestDevices::tokensFromBeforeDevicesAreDevices()
{
    // The released server's database (schema 2), with two more tokens of its time: one in use,
    // one revoked. Their clear text is known here, so they can be sent. On PostgreSQL, the
    // release's schema with the file's rows (as tst_sqlrecord's upgrade does).
    m_client.reset();
    m_server.reset();
    QTemporaryDir dir;
    const QString copy = dir.filePath(u"release.sqlite"_s);
    QVERIFY(QFile::copy(
        QStringLiteral(PLAYMARK_SOURCE_DIR "/tests/data/server-release-17b723a.sqlite"), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    const QString kept = Tokens::generate();
    const QString revoked = Tokens::generate();
    {
        QSqlDatabase old = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"release"_s);
        old.setDatabaseName(copy);
        QVERIFY(old.open());
        QSqlQuery query(old);
        QVERIFY(query.exec(u"INSERT INTO tokens (token_hash, user_id, created_at_ms) VALUES "
                           "('%1', 1, 1717200000000)"_s.arg(Tokens::hash(kept))));
        QVERIFY(query.exec(u"INSERT INTO tokens (token_hash, user_id, created_at_ms, "
                           "revoked_at_ms) VALUES ('%1', 1, 1717200000000, 1717300000000)"_s.arg(
                               Tokens::hash(revoked))));
        old.close();
    }
    QSqlDatabase::removeDatabase(u"release"_s);
    QString location = copy;
    if (TestDatabase::isPostgreSql()) {
        QVERIFY(m_database->reset());
        QVERIFY(m_database->loadRelease(copy, QStringLiteral(PLAYMARK_SOURCE_DIR)));
        location = m_database->location();
    }

    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = location;
    options.port = 0;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    m_client = std::make_unique<HttpConnection>(m_server->port());

    // The kept token works, and it and the release's own token are unnamed devices; the revoked
    // one is neither.
    const HttpAnswer answer = m_client->request("GET", u"/v1/devices"_s, kept);
    QCOMPARE(answer.status, 200);
    const QJsonArray items = answer.json().value(u"items"_s).toArray();
    QCOMPARE(items.size(), 2);
    const QString keptId = u"d-"_s + Tokens::hash(kept).left(16);
    QVERIFY(ids(items).contains(keptId));
    QVERIFY(!ids(items).contains(u"d-"_s + Tokens::hash(revoked).left(16)));
    for (const QJsonValue &item : items) {
        QCOMPARE(item[u"device_name"_s].toString(), QString());
        QCOMPARE(item[u"this_device"_s].toBool(), item[u"id"_s].toString() == keptId);
        // Seen when the token was made; the asking device may already have been seen again.
        if (item[u"this_device"_s].toBool())
            QVERIFY(item[u"last_seen_ms"_s].toInteger() >= item[u"created_at_ms"_s].toInteger());
        else
            QCOMPARE(item[u"created_at_ms"_s].toInteger(), item[u"last_seen_ms"_s].toInteger());
    }
    QCOMPARE(m_client->request("GET", u"/v1/progress"_s, revoked).status, 401);
    // And it can be removed like any other.
    QCOMPARE(m_client->request("DELETE", u"/v1/devices/"_s + keptId, kept).status, 204);
    m_client.reset();
    m_server.reset();
}

void TestDevices::waitingPairingWakesAtApproval()
{
    // Only this server's approval can answer the wait with 200: the periodic look is an hour
    // away, and the wait's end would answer 202.
    m_server->devices().setRecheckInterval(3600 * 1000);
    PairingStore::Created created;
    QString error;
    QVERIFY2(m_server->storage().pairings().create(u"phone-1"_s, u"Phone"_s, u"127.0.0.1"_s,
                                                   QDateTime::currentMSecsSinceEpoch(), 600000,
                                                   &created, &error),
             qPrintable(error));
    HttpConnection phone(m_server->port());
    phone.send("GET", u"/v1/pairings/%1?wait=30"_s.arg(created.secret));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->devices().waiting(), 1, kTimeoutMs);
    const HttpAnswer approved = m_client->request(
        "POST", u"/v1/pairings/approve"_s, m_alice[0],
        QJsonDocument(QJsonObject{{u"code"_s, created.code}}).toJson(QJsonDocument::Compact));
    QCOMPARE(approved.status, 200);
    const HttpAnswer answer = phone.next();
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"user"_s).toString(), u"alice"_s);
    QCOMPARE(m_server->devices().waiting(), 0);
}

QTEST_GUILESS_MAIN(TestDevices)
#include "tst_devices.moc"
