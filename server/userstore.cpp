#include "userstore.h"

#include "protocol/sqlmigrator.h"
#include "storageconnection.h"
#include "tokens.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
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

bool UserStore::isValidDeviceKey(const QString &deviceKey)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9._-]{1,64}")));
    return pattern.match(deviceKey).hasMatch();
}

bool UserStore::insertDevice(qint64 userId, const QString &deviceName, const QString &deviceId,
                             QString *token, QString *error, QString *deviceKeyMade)
{
    const QString issued = Tokens::generate();
    const QString deviceKey = newDeviceKey();
    const qint64 now = nowMs();
    QSqlQuery device(m_connection.database());
    device.prepare(QStringLiteral("INSERT INTO devices (id, user_id, device_name, device_id, "
                                  "created_at_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?)"));
    device.addBindValue(deviceKey);
    device.addBindValue(userId);
    device.addBindValue(deviceName.isNull() ? QStringLiteral("") : deviceName); // '', not NULL
    device.addBindValue(deviceId.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : deviceId);
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
    if (deviceKeyMade)
        *deviceKeyMade = deviceKey;
    return true;
}

bool UserStore::addUser(const QString &name, QString *token, QString *error)
{
    QStringList tokens;
    if (!addUsers({name}, &tokens, error))
        return false;
    *token = tokens.constFirst();
    return true;
}

bool UserStore::addUsers(const QStringList &names, QStringList *tokens, QString *error)
{
    QSet<QString> seen;
    for (const QString &name : names) {
        if (!isValidUserName(name)) {
            if (error)
                *error = QStringLiteral("a user name is 1 to 64 of the characters "
                                        "A-Z a-z 0-9 . _ @ - (got '%1')")
                             .arg(name);
            return false;
        }
        if (seen.contains(name)) {
            if (error)
                *error = QStringLiteral("user %1 is named twice").arg(name);
            return false;
        }
        seen.insert(name);
    }
    QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(id), 0) + 1 FROM users")) || !query.next())
        return StorageConnection::fail(error, QStringLiteral("cannot pick a user id"),
                                       query.lastError());
    qint64 userId = query.value(0).toLongLong();
    query.finish();

    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO users (id, name, created_at_ms) VALUES (?, ?, ?)"));
    QStringList issued;
    issued.reserve(names.size());
    for (const QString &name : names) {
        qint64 existing = -1;
        if (!findUser(name, &existing, error))
            return false;
        if (existing >= 0) {
            if (error)
                *error = QStringLiteral("user %1 already exists; 'user token %1' issues another "
                                        "token")
                             .arg(name);
            return false;
        }
        insert.bindValue(0, userId);
        insert.bindValue(1, name);
        insert.bindValue(2, nowMs());
        QString token;
        if (!StorageConnection::exec(insert, error)
            || !insertDevice(userId, QString(), QString(), &token, error))
            return false;
        issued.append(token);
        ++userId;
    }
    if (!transaction.commit(error))
        return false;
    *tokens = issued;
    return true;
}

bool UserStore::issueToken(const QString &name, QString *token, QString *error)
{
    SqlTransaction transaction(m_connection.database());
    if (!transaction.begun(error))
        return false;
    qint64 userId = -1;
    if (!findExistingUser(name, &userId, error))
        return false;
    return insertDevice(userId, QString(), QString(), token, error) && transaction.commit(error);
}

bool UserStore::revokeTokens(const QString &name, int *revoked, QString *error)
{
    qint64 userId = -1;
    if (!findExistingUser(name, &userId, error))
        return false;
    int devices = 0;
    qint64 seq = 0;
    return removeDevices(userId, QString(), &devices, revoked, &seq, error);
}

bool UserStore::userName(qint64 userId, QString *name, QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT name FROM users WHERE id = ?"));
    query.addBindValue(userId);
    if (!StorageConnection::exec(query, error))
        return false;
    *name = query.next() ? query.value(0).toString() : QString();
    return true;
}

bool UserStore::listDevices(qint64 userId, QList<DeviceSummary> *devices, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT id, device_name, device_id, created_at_ms, last_seen_ms,"
                                 " last_content_id FROM devices"
                                 " WHERE user_id = ? AND removed_at_ms IS NULL"
                                 " ORDER BY last_seen_ms DESC, created_at_ms DESC, id"));
    query.addBindValue(userId);
    if (!StorageConnection::exec(query, error))
        return false;
    devices->clear();
    while (query.next())
        devices->append({query.value(0).toString(), query.value(1).toString(),
                         query.value(2).toString(), query.value(3).toLongLong(),
                         query.value(4).toLongLong(), query.value(5).toString()});
    return true;
}

bool UserStore::removeDevices(qint64 userId, const QString &deviceKey, int *removedDevices,
                              int *revokedTokens, qint64 *seq, QString *error)
{
    // Two servers (or a server and the command line) removing at once may pick the same seq: the
    // later commit fails on the key and tries again with the next one.
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
        m_connection.reconnectIfLost();
        QString failure;
        if (removeDevicesOnce(userId, deviceKey, removedDevices, revokedTokens, seq, &failure))
            return true;
        if (attempt == kAttempts) {
            if (error)
                *error = failure;
            return false;
        }
        qCInfo(lcStorage).noquote() << "removing devices again after:" << failure;
    }
}

bool UserStore::dropRevocationsBefore(qint64 cutoffMs, int *dropped, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("DELETE FROM revocations WHERE at_ms < ?"
                                 " AND seq < (SELECT MAX(seq) FROM revocations)"));
    query.addBindValue(cutoffMs);
    if (!StorageConnection::exec(query, error))
        return false;
    *dropped = query.numRowsAffected();
    return true;
}

bool UserStore::removeDevicesOnce(qint64 userId, const QString &deviceKey, int *removedDevices,
                                  int *revokedTokens, qint64 *seq, QString *error)
{
    *removedDevices = 0;
    *revokedTokens = 0;
    *seq = 0;
    const QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    const qint64 now = nowMs();
    const bool one = !deviceKey.isEmpty();
    // Marks the user's rows of `table` (the one device's, by `keyColumn`) with `column` = now;
    // -1 on failure, else how many.
    const auto mark = [&](const char *table, const char *column, const char *keyColumn) {
        QSqlQuery query(db);
        query.prepare(
            QStringLiteral("UPDATE %1 SET %2 = ? WHERE user_id = ? AND %2 IS NULL")
                .arg(QLatin1String(table), QLatin1String(column))
            + (one ? QStringLiteral(" AND %1 = ?").arg(QLatin1String(keyColumn)) : QString()));
        query.addBindValue(now);
        query.addBindValue(userId);
        if (one)
            query.addBindValue(deviceKey);
        if (!StorageConnection::exec(query, error))
            return -1;
        return query.numRowsAffected();
    };
    const int removed = mark("devices", "removed_at_ms", "id");
    if (removed < 0)
        return false;
    const int revoked = mark("tokens", "revoked_at_ms", "device_key");
    if (revoked < 0)
        return false;
    if (removed == 0 && revoked == 0)
        return true; // nothing of the user's matched: nothing to tell anyone

    QSqlQuery next(db);
    if (!next.exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) + 1 FROM revocations"))
        || !next.next())
        return StorageConnection::fail(error, QStringLiteral("cannot pick a revocation seq"),
                                       next.lastError());
    const qint64 revocation = next.value(0).toLongLong();
    next.finish();
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral(
        "INSERT INTO revocations (seq, user_id, device_key, at_ms) VALUES (?, ?, ?, ?)"));
    insert.addBindValue(revocation);
    insert.addBindValue(userId);
    insert.addBindValue(one ? QVariant(deviceKey) : QVariant(QMetaType::fromType<QString>()));
    insert.addBindValue(now);
    if (!StorageConnection::exec(insert, error))
        return false;
    insert.finish();
    if (m_connection.dialect() == SqlRecord::Dialect::PostgreSQL) {
        // Delivered when (and only if) the transaction commits.
        QSqlQuery notify(db);
        notify.prepare(QStringLiteral("SELECT pg_notify(?, ?)"));
        notify.addBindValue(revocationChannel());
        notify.addBindValue(QString::number(revocation));
        if (!StorageConnection::exec(notify, error))
            return false;
        notify.finish();
    }
    if (!transaction.commit(error))
        return false;
    *removedDevices = removed;
    *revokedTokens = revoked;
    *seq = revocation;
    return true;
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
