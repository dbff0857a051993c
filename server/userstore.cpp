#include "userstore.h"

#include "protocol/sqlmigrator.h"
#include "storageconnection.h"
#include "tokens.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QVariant>

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

bool UserStore::isValidUserName(const QString &name)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9._@-]{1,64}")));
    return pattern.match(name).hasMatch();
}

bool UserStore::findUser(const QString &name, qint64 *userId, QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT id FROM users WHERE name = ?"));
    query.addBindValue(name);
    if (!StorageConnection::exec(query, error))
        return false;
    *userId = query.next() ? query.value(0).toLongLong() : -1;
    return true;
}

bool UserStore::findExistingUser(const QString &name, qint64 *userId, QString *error)
{
    if (!findUser(name, userId, error))
        return false;
    if (*userId >= 0)
        return true;
    if (error)
        *error = QStringLiteral("no user named %1").arg(name);
    return false;
}

QString UserStore::newDeviceKey()
{
    return QStringLiteral("d-%1").arg(QRandomGenerator::system()->generate64(), 16, 16,
                                      QLatin1Char('0'));
}

bool UserStore::insertDevice(qint64 userId, const QString &deviceName, QString *token,
                             QString *error)
{
    const QString issued = Tokens::generate();
    const QString deviceKey = newDeviceKey();
    const qint64 now = nowMs();
    QSqlQuery device(m_connection.database());
    device.prepare(QStringLiteral("INSERT INTO devices (id, user_id, device_name, created_at_ms, "
                                  "last_seen_ms) VALUES (?, ?, ?, ?, ?)"));
    device.addBindValue(deviceKey);
    device.addBindValue(userId);
    device.addBindValue(deviceName.isNull() ? QStringLiteral("") : deviceName); // '', not NULL
    device.addBindValue(now);
    device.addBindValue(now);
    if (!StorageConnection::exec(device, error))
        return false;
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("INSERT INTO tokens (token_hash, user_id, created_at_ms, "
                                 "device_key) VALUES (?, ?, ?, ?)"));
    query.addBindValue(Tokens::hash(issued));
    query.addBindValue(userId);
    query.addBindValue(now);
    query.addBindValue(deviceKey);
    if (!StorageConnection::exec(query, error))
        return false;
    *token = issued;
    return true;
}

bool UserStore::addUser(const QString &name, QString *token, QString *error)
{
    if (!isValidUserName(name)) {
        if (error)
            *error = QStringLiteral("a user name is 1 to 64 of the characters A-Z a-z 0-9 . _ @ -");
        return false;
    }
    QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    qint64 existing = -1;
    if (!findUser(name, &existing, error))
        return false;
    if (existing >= 0) {
        if (error)
            *error = QStringLiteral("user %1 already exists; 'user token %1' issues another token")
                         .arg(name);
        return false;
    }
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(id), 0) + 1 FROM users")) || !query.next())
        return StorageConnection::fail(error, QStringLiteral("cannot pick a user id"),
                                       query.lastError());
    const qint64 userId = query.value(0).toLongLong();
    query.finish();

    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO users (id, name, created_at_ms) VALUES (?, ?, ?)"));
    insert.addBindValue(userId);
    insert.addBindValue(name);
    insert.addBindValue(nowMs());
    if (!StorageConnection::exec(insert, error) || !insertDevice(userId, QString(), token, error))
        return false;
    return transaction.commit(error);
}

bool UserStore::issueToken(const QString &name, QString *token, QString *error)
{
    SqlTransaction transaction(m_connection.database());
    if (!transaction.begun(error))
        return false;
    qint64 userId = -1;
    if (!findExistingUser(name, &userId, error))
        return false;
    return insertDevice(userId, QString(), token, error) && transaction.commit(error);
}

bool UserStore::revokeTokens(const QString &name, int *revoked, QString *error)
{
    SqlTransaction transaction(m_connection.database());
    if (!transaction.begun(error))
        return false;
    qint64 userId = -1;
    if (!findExistingUser(name, &userId, error))
        return false;
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral(
        "UPDATE tokens SET revoked_at_ms = ? WHERE user_id = ? AND revoked_at_ms IS NULL"));
    query.addBindValue(nowMs());
    query.addBindValue(userId);
    if (!StorageConnection::exec(query, error))
        return false;
    *revoked = query.numRowsAffected();
    return transaction.commit(error);
}

bool UserStore::listUsers(QList<UserSummary> *users, QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral(
        "SELECT u.name, u.created_at_ms,"
        " (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at_ms IS NULL),"
        " (SELECT COUNT(*) FROM progress p WHERE p.user_id = u.id)"
        " FROM users u ORDER BY u.name"));
    if (!StorageConnection::exec(query, error))
        return false;
    users->clear();
    while (query.next())
        users->append({query.value(0).toString(), query.value(1).toLongLong(),
                       query.value(2).toInt(), query.value(3).toInt()});
    return true;
}

bool UserStore::userForToken(const QString &token, qint64 *userId, QString *error)
{
    DeviceIdentity identity;
    if (!identityForTokenHash(Tokens::hash(token), &identity, error))
        return false;
    *userId = identity.userId;
    return true;
}

bool UserStore::identityForTokenHash(const QString &tokenHash, DeviceIdentity *identity,
                                     QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT t.user_id, t.device_key, d.device_id FROM tokens t"
                                 " JOIN devices d ON d.id = t.device_key"
                                 " WHERE t.token_hash = ? AND t.revoked_at_ms IS NULL"
                                 " AND d.removed_at_ms IS NULL"));
    query.addBindValue(tokenHash);
    if (!StorageConnection::exec(query, error))
        return false;
    *identity = DeviceIdentity();
    if (query.next()) {
        identity->userId = query.value(0).toLongLong();
        identity->deviceKey = query.value(1).toString();
        identity->boundDeviceId = query.value(2).toString();
    }
    return true;
}
