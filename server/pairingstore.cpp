#include "pairingstore.h"

#include "protocol/sqlmigrator.h"
#include "storageconnection.h"
#include "tokens.h"
#include "userstore.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QVariant>

namespace {

QString newCode()
{
    return QStringLiteral("%1").arg(QRandomGenerator::system()->bounded(1000000), 6, 10,
                                    QLatin1Char('0'));
}

} // namespace

QString PairingStore::normalizedCode(const QString &code)
{
    QString normalized = code;
    normalized.remove(u' ');
    return normalized;
}

bool PairingStore::isWellFormedCode(const QString &code)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[0-9]{6}")));
    return pattern.match(code).hasMatch();
}

bool PairingStore::countPending(const QString &address, qint64 nowMs, int *count,
                                qint64 *firstExpiryMs, QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT COUNT(*), MIN(expires_at_ms) FROM pairings"
                                 " WHERE expires_at_ms > ?")
                  + (address.isEmpty() ? QString() : QStringLiteral(" AND address = ?")));
    query.addBindValue(nowMs);
    if (!address.isEmpty())
        query.addBindValue(address);
    if (!StorageConnection::exec(query, error))
        return false;
    query.next();
    *count = query.value(0).toInt();
    *firstExpiryMs = query.value(1).toLongLong();
    return true;
}

bool PairingStore::lockSubjects(QStringList subjects, QString *error)
{
    if (m_connection.dialect() != SqlRecord::Dialect::PostgreSQL)
        return true;
    subjects.sort(); // every transaction takes them in one order: no deadlock between two
    QSqlQuery lock(m_connection.database());
    lock.prepare(QStringLiteral("SELECT pg_advisory_xact_lock(hashtext(?))"));
    for (const QString &subject : subjects) {
        lock.addBindValue(QString(QStringLiteral("playmark.pairing:") + subject));
        if (!StorageConnection::exec(lock, error))
            return false;
        lock.finish();
    }
    return true;
}

bool PairingStore::countStored(int *count, QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM pairings"));
    if (!StorageConnection::exec(query, error))
        return false;
    query.next();
    *count = query.value(0).toInt();
    return true;
}

bool PairingStore::create(const QString &deviceId, const QString &deviceName,
                          const QString &address, qint64 nowMs, qint64 ttlMs, Created *created,
                          QString *error)
{
    *created = Created();
    m_connection.reconnectIfLost();
    const QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    // The bounds below are for the whole service: one create at a time checks them.
    if (!lockSubjects({QStringLiteral("create")}, error))
        return false;
    // Refused before anything is written: a flood costs two indexed counts each.
    int pending = 0;
    qint64 firstExpiry = 0;
    if (!countPending(address, nowMs, &pending, &firstExpiry, error))
        return false;
    if (pending >= kMaxPendingPerAddress) {
        created->outcome = Created::Outcome::TooManyFromAddress;
        created->retryAfterMs = firstExpiry - nowMs;
        return true;
    }
    if (!countPending(QString(), nowMs, &pending, &firstExpiry, error))
        return false;
    if (pending >= kMaxPending) {
        created->outcome = Created::Outcome::TooManyPending;
        created->retryAfterMs = firstExpiry - nowMs;
        return true;
    }

    QSqlQuery prune(db);
    prune.prepare(QStringLiteral("DELETE FROM pairings WHERE expires_at_ms < ?"));
    prune.addBindValue(nowMs - kKeepExpiredMs);
    if (!StorageConnection::exec(prune, error))
        return false;
    prune.finish();
    // However short the validity, the rows stay bounded: when full, the expired ones go now
    // (their holders hear 404 instead of 410), and if pending and approved ones fill it, no more.
    int stored = 0;
    if (!countStored(&stored, error))
        return false;
    if (stored >= kMaxStored) {
        prune.prepare(QStringLiteral("DELETE FROM pairings WHERE expires_at_ms <= ?"));
        prune.addBindValue(nowMs);
        if (!StorageConnection::exec(prune, error))
            return false;
        prune.finish();
        if (!countStored(&stored, error))
            return false;
        if (stored >= kMaxStored) {
            created->outcome = Created::Outcome::TooManyPending;
            created->retryAfterMs = firstExpiry - nowMs;
            return true;
        }
    }

    // Unique among the stored ones (at most a few thousand of a million): a few tries at most.
    QString code;
    QSqlQuery taken(db);
    taken.prepare(QStringLiteral("SELECT 1 FROM pairings WHERE code = ?"));
    for (int attempt = 0; code.isEmpty(); ++attempt) {
        if (attempt == 100) {
            if (error)
                *error = QStringLiteral("no free pairing code found");
            return false;
        }
        const QString candidate = newCode();
        taken.addBindValue(candidate);
        if (!StorageConnection::exec(taken, error))
            return false;
        if (!taken.next())
            code = candidate;
        taken.finish();
    }

    const QString secret = Tokens::generate(QLatin1String("pp_"));
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral(
        "INSERT INTO pairings (secret_hash, code, device_id, device_name, address, created_at_ms,"
        " expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    insert.addBindValue(Tokens::hash(secret));
    insert.addBindValue(code);
    insert.addBindValue(deviceId);
    insert.addBindValue(deviceName);
    insert.addBindValue(address);
    insert.addBindValue(nowMs);
    insert.addBindValue(nowMs + ttlMs);
    if (!StorageConnection::exec(insert, error))
        return false;
    insert.finish();
    if (!transaction.commit(error))
        return false;
    created->code = code;
    created->secret = secret;
    created->expiresAtMs = nowMs + ttlMs;
    return true;
}

bool PairingStore::state(const QString &secretHash, qint64 nowMs, State *state, QString *error)
{
    QHash<QString, State> found;
    if (!states({secretHash}, nowMs, &found, error))
        return false;
    *state = found.value(secretHash, State::Unknown);
    return true;
}

bool PairingStore::states(const QStringList &secretHashes, qint64 nowMs,
                          QHash<QString, State> *states, QString *error)
{
    states->clear();
    if (secretHashes.isEmpty())
        return true;
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    // One placeholder a hash: at most DevicesApi::kMaxWaiters, far under either engine's limit.
    QStringList placeholders;
    placeholders.fill(QStringLiteral("?"), secretHashes.size());
    query.prepare(QStringLiteral("SELECT secret_hash, approved_user_id, expires_at_ms FROM pairings"
                                 " WHERE secret_hash IN (%1)")
                      .arg(placeholders.join(u',')));
    for (const QString &hash : secretHashes)
        query.addBindValue(hash);
    if (!StorageConnection::exec(query, error))
        return false;
    while (query.next()) {
        State state = State::Pending;
        if (!query.value(1).isNull())
            state = State::Approved;
        else if (query.value(2).toLongLong() <= nowMs)
            state = State::Expired;
        states->insert(query.value(0).toString(), state);
    }
    return true;
}

bool PairingStore::collect(const QString &secretHash, qint64 nowMs, Collected *collected,
                           QString *error)
{
    Q_UNUSED(nowMs) // an approved pairing can be collected until it is pruned
    *collected = Collected();
    m_connection.reconnectIfLost();
    const QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    QSqlQuery pairing(db);
    pairing.prepare(QStringLiteral("SELECT approved_user_id, device_id, device_name FROM pairings"
                                   " WHERE secret_hash = ? AND approved_user_id IS NOT NULL"));
    pairing.addBindValue(secretHash);
    if (!StorageConnection::exec(pairing, error))
        return false;
    if (!pairing.next())
        return true;
    const qint64 userId = pairing.value(0).toLongLong();
    QString deviceId = pairing.value(1).toString();
    const QString deviceName = pairing.value(2).toString();
    pairing.finish();

    // Exactly once: of two servers collecting at once, the one whose delete found the row.
    QSqlQuery remove(db);
    remove.prepare(QStringLiteral("DELETE FROM pairings WHERE secret_hash = ?"));
    remove.addBindValue(secretHash);
    if (!StorageConnection::exec(remove, error))
        return false;
    if (remove.numRowsAffected() != 1)
        return true;
    remove.finish();

    // A device_id another active device of the user has (a copied profile pairing again) is not
    // bound: the new device's first update gets 409 device_id_taken and it makes itself a new one.
    QSqlQuery taken(db);
    taken.prepare(QStringLiteral("SELECT 1 FROM devices WHERE user_id = ? AND device_id = ?"
                                 " AND removed_at_ms IS NULL"));
    taken.addBindValue(userId);
    taken.addBindValue(deviceId);
    if (!StorageConnection::exec(taken, error))
        return false;
    if (taken.next())
        deviceId.clear();
    taken.finish();

    Collected made;
    if (!m_users.insertDevice(userId, deviceName, deviceId, &made.token, error, &made.deviceKey)
        || !m_users.userName(userId, &made.userName, error) || !transaction.commit(error))
        return false;
    made.collected = true;
    *collected = made;
    return true;
}

bool PairingStore::approve(qint64 userId, const QString &code, const QStringList &subjects,
                           qint64 nowMs, Approval *approval, QString *error)
{
    *approval = Approval();
    m_connection.reconnectIfLost();
    const QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error) || !lockSubjects(subjects, error))
        return false;
    // Refused while a subject has had kMaxWrongCodes wrong codes within the window, before the
    // code is looked at: until the kMaxWrongCodes-th newest of them leaves the window.
    const qint64 windowStart = nowMs - kWrongCodeWindowMs;
    QSqlQuery failures(db);
    failures.prepare(QStringLiteral("SELECT at_ms FROM pairing_failures"
                                    " WHERE subject = ? AND at_ms > ?"
                                    " ORDER BY at_ms DESC LIMIT 1 OFFSET %1")
                         .arg(kMaxWrongCodes - 1));
    for (const QString &subject : subjects) {
        failures.addBindValue(subject);
        failures.addBindValue(windowStart);
        if (!StorageConnection::exec(failures, error))
            return false;
        if (failures.next()) {
            approval->outcome = Approval::Outcome::TooManyWrongCodes;
            approval->retryAfterMs =
                qMax(approval->retryAfterMs, failures.value(0).toLongLong() - windowStart);
        }
        failures.finish();
    }
    if (approval->outcome == Approval::Outcome::TooManyWrongCodes)
        return true;

    const QString wanted = normalizedCode(code);
    QSqlQuery adopt(db);
    adopt.prepare(QStringLiteral("UPDATE pairings SET approved_user_id = ?, approved_at_ms = ?"
                                 " WHERE code = ? AND approved_user_id IS NULL"
                                 " AND expires_at_ms > ?"));
    adopt.addBindValue(userId);
    adopt.addBindValue(nowMs);
    adopt.addBindValue(wanted);
    adopt.addBindValue(nowMs);
    if (!StorageConnection::exec(adopt, error))
        return false;
    const bool adopted = adopt.numRowsAffected() == 1;
    adopt.finish();
    if (adopted) {
        QSqlQuery name(db);
        name.prepare(QStringLiteral("SELECT device_name FROM pairings WHERE code = ?"));
        name.addBindValue(wanted);
        if (!StorageConnection::exec(name, error) || !name.next())
            return StorageConnection::fail(error, QStringLiteral("cannot read the pairing"),
                                           name.lastError());
        approval->outcome = Approval::Outcome::Approved;
        approval->deviceName = name.value(0).toString();
        name.finish();
        return transaction.commit(error);
    }

    if (subjects.isEmpty())
        return true;
    QSqlQuery prune(db);
    prune.prepare(QStringLiteral("DELETE FROM pairing_failures WHERE at_ms <= ?"));
    prune.addBindValue(windowStart);
    if (!StorageConnection::exec(prune, error))
        return false;
    prune.finish();
    QSqlQuery count(db);
    count.prepare(QStringLiteral("INSERT INTO pairing_failures (subject, at_ms) VALUES (?, ?)"));
    for (const QString &subject : subjects) {
        count.addBindValue(subject);
        count.addBindValue(nowMs);
        if (!StorageConnection::exec(count, error))
            return false;
        count.finish();
    }
    return transaction.commit(error);
}
