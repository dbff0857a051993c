#include "serverstorage.h"

#include "changefeed.h"
#include "postgresdurability.h"
#include "protocol/sqlmigrator.h"
#include "protocol/sqlrecord.h"
#include "tokens.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <numeric>

Q_LOGGING_CATEGORY(lcStorage, "playmark.server.storage")

namespace {

SqlMigrator migrator()
{
    return SqlMigrator(QStringLiteral(":/playmark/server/migrations"));
}

// The record's columns and the server's own, in the order readRecord() expects them.
QString recordColumns()
{
    return SqlRecord::columns() + QStringLiteral(", received_at_ms");
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The SQLSTATE of the last statement that failed on this thread (each connection has its thread).
thread_local QString lastSqlState;

// PostgreSQL's "try the transaction again": a deadlock it broke, or a serialization failure.
bool isTransient(const QString &sqlState)
{
    return sqlState == QLatin1String("40P01") || sqlState == QLatin1String("40001");
}

// `log`: false where the caller reports the error itself (opening: the command line prints it).
bool fail(QString *error, const QString &what, const QSqlError &sqlError, bool log = true)
{
    lastSqlState = sqlError.nativeErrorCode();
    const QString message = what + QStringLiteral(": ") + sqlError.text();
    if (log)
        qCWarning(lcStorage).noquote() << message;
    if (error)
        *error = message;
    return false;
}

bool exec(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    return fail(error, QStringLiteral("query failed"), query.lastError());
}

ProgressRecord readRecord(const QSqlQuery &query)
{
    ProgressRecord record = SqlRecord::read(query);
    record.receivedAtMs = query.value(SqlRecord::kColumnCount).toLongLong();
    return record;
}

// Binds a record's columns in recordColumns() order, after `userId` at position 0.
void bindRecord(QSqlQuery &query, qint64 userId, const ProgressRecord &record, qint64 receivedAtMs)
{
    query.addBindValue(userId);
    SqlRecord::bind(query, record);
    query.addBindValue(receivedAtMs);
}

} // namespace

ServerStorage::ServerStorage()
{
    static std::atomic<int> counter{0};
    m_connectionName = QStringLiteral("playmark-server-%1").arg(counter++);
}

ServerStorage::~ServerStorage()
{
    close();
}

int ServerStorage::latestSchemaVersion()
{
    return migrator().latestVersion();
}

bool ServerStorage::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName)
        && QSqlDatabase::database(m_connectionName, false).isOpen();
}

bool ServerStorage::open(const QString &location, QString *error)
{
    close();
    const std::optional<DatabaseLocation> parsed = DatabaseLocation::parse(location, error);
    if (!parsed)
        return false;
    m_location = *parsed;
    m_dialect = m_location.kind == DatabaseLocation::Kind::PostgreSQL
        ? SqlRecord::Dialect::PostgreSQL
        : SqlRecord::Dialect::SQLite;
    if (!openConnection(error)) {
        close();
        return false;
    }
    // Before anything writes to the database, not even the journal mode: a database this version
    // refuses is left exactly as it was.
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!migrator().checkVersion(db, &m_schemaVersion, error)
        || !migrator().migrate(db, &m_schemaVersion, error)) {
        close();
        return false;
    }
    qCInfo(lcStorage).noquote() << "opened" << m_location.displayName() << "at schema version"
                                << m_schemaVersion;
    return true;
}

bool ServerStorage::openConnection(QString *error)
{
    const bool postgres = m_dialect == SqlRecord::Dialect::PostgreSQL;
    QSqlDatabase db = QSqlDatabase::addDatabase(
        postgres ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), m_connectionName);
    if (!db.isValid()) {
        if (error)
            *error = postgres ? QStringLiteral("Qt's PostgreSQL driver (QPSQL) is not installed; "
                                               "on Debian it is the package libqt6sql6-psql")
                              : QStringLiteral("Qt's SQLite driver (QSQLITE) is not installed; "
                                               "on Debian it is the package libqt6sql6-sqlite");
        return false;
    }
    return postgres ? openPostgreSql(db, error) : openSqlite(db, error);
}

bool ServerStorage::openSqlite(QSqlDatabase &db, QString *error)
{
    const QString path = m_location.path;
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error)
            *error = QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
        return false;
    }
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open())
        return fail(error, QStringLiteral("cannot open %1").arg(path), db.lastError(), false);
    // Refuse a newer schema before the pragmas below write to the file.
    int version = 0;
    if (!migrator().checkVersion(db, &version, error))
        return false;

    // WAL lets readers work during a write; FULL makes every commit survive power loss, which is
    // what lets the server answer 2xx only for durable updates.
    const QStringList pragmas{QStringLiteral("PRAGMA journal_mode=WAL"),
                              QStringLiteral("PRAGMA synchronous=FULL"),
                              QStringLiteral("PRAGMA foreign_keys=ON")};
    for (const QString &pragma : pragmas) {
        QSqlQuery query(db);
        if (!query.exec(pragma))
            return fail(error, pragma, query.lastError());
        query.finish();
    }
    return true;
}

bool ServerStorage::openPostgreSql(QSqlDatabase &db, QString *error)
{
    m_location.configure(db);
    if (!db.open())
        return fail(error, QStringLiteral("cannot connect to %1").arg(m_location.displayName()),
                    db.lastError(), false);
    // A 2xx answer promises the update survives a crash: commits wait for the WAL flush whatever
    // the database's default is. Notices ("already exists, skipping") are not worth a log line.
    // Every statement of the server finds its rows by an index. PostgreSQL keeps a generic plan
    // for a prepared statement after a few runs, and one made while `history` was small can be a
    // sequential scan, kept as the table grows (measured: seconds per prune). Planning each run
    // for its values cures it too, but doubles the database's CPU per update (measured).
    const QStringList settings{QStringLiteral("SET synchronous_commit = on"),
                               QStringLiteral("SET client_min_messages = warning"),
                               QStringLiteral("SET enable_seqscan = off")};
    for (const QString &setting : settings) {
        QSqlQuery query(db);
        if (!query.exec(setting))
            return fail(error, setting, query.lastError());
    }
    PostgresDurability::warnOnce(db, m_location.displayName());
    return true;
}

bool ServerStorage::reconnectIfLost(bool *reconnected)
{
    if (reconnected)
        *reconnected = false;
    if (m_dialect != SqlRecord::Dialect::PostgreSQL || !QSqlDatabase::contains(m_connectionName))
        return isOpen(); // SQLite has no connection to lose; a closed storage stays closed
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const QVariant handle = db.driver()->handle();
    auto *connection = handle.isValid() ? *static_cast<PGconn *const *>(handle.data()) : nullptr;
    if (db.isOpen() && connection && PQstatus(connection) == CONNECTION_OK)
        return true;
    qCWarning(lcStorage).noquote()
        << "lost the connection to" << m_location.displayName() << "; connecting again";
    m_statements.reset();
    db.close();
    QString error;
    if (!openPostgreSql(db, &error)) {
        qCWarning(lcStorage).noquote() << error;
        return false;
    }
    if (reconnected)
        *reconnected = true;
    return true;
}

void ServerStorage::announceChanges(const QString &channel, const QString &origin)
{
    m_changeChannel = channel;
    m_origin = origin;
}

void ServerStorage::close()
{
    m_statements.reset(); // prepared queries go before their connection
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    QSqlDatabase::database(m_connectionName, false).close();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool ServerStorage::isValidUserName(const QString &name)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9._@-]{1,64}")));
    return pattern.match(name).hasMatch();
}

bool ServerStorage::findUser(const QString &name, qint64 *userId, QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT id FROM users WHERE name = ?"));
    query.addBindValue(name);
    if (!exec(query, error))
        return false;
    *userId = query.next() ? query.value(0).toLongLong() : -1;
    return true;
}

bool ServerStorage::insertToken(qint64 userId, QString *token, QString *error)
{
    const QString issued = Tokens::generate();
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(
        QStringLiteral("INSERT INTO tokens (token_hash, user_id, created_at_ms) VALUES (?, ?, ?)"));
    query.addBindValue(Tokens::hash(issued));
    query.addBindValue(userId);
    query.addBindValue(nowMs());
    if (!exec(query, error))
        return false;
    *token = issued;
    return true;
}

bool ServerStorage::addUser(const QString &name, QString *token, QString *error)
{
    if (!isValidUserName(name)) {
        if (error)
            *error = QStringLiteral("a user name is 1 to 64 of the characters A-Z a-z 0-9 . _ @ -");
        return false;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
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
        return fail(error, QStringLiteral("cannot pick a user id"), query.lastError());
    const qint64 userId = query.value(0).toLongLong();
    query.finish();

    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO users (id, name, created_at_ms) VALUES (?, ?, ?)"));
    insert.addBindValue(userId);
    insert.addBindValue(name);
    insert.addBindValue(nowMs());
    if (!exec(insert, error) || !insertToken(userId, token, error))
        return false;
    return transaction.commit(error);
}

bool ServerStorage::issueToken(const QString &name, QString *token, QString *error)
{
    SqlTransaction transaction(QSqlDatabase::database(m_connectionName, false));
    if (!transaction.begun(error))
        return false;
    qint64 userId = -1;
    if (!findUser(name, &userId, error))
        return false;
    if (userId < 0) {
        if (error)
            *error = QStringLiteral("no user named %1").arg(name);
        return false;
    }
    return insertToken(userId, token, error) && transaction.commit(error);
}

bool ServerStorage::revokeTokens(const QString &name, int *revoked, QString *error)
{
    SqlTransaction transaction(QSqlDatabase::database(m_connectionName, false));
    if (!transaction.begun(error))
        return false;
    qint64 userId = -1;
    if (!findUser(name, &userId, error))
        return false;
    if (userId < 0) {
        if (error)
            *error = QStringLiteral("no user named %1").arg(name);
        return false;
    }
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral(
        "UPDATE tokens SET revoked_at_ms = ? WHERE user_id = ? AND revoked_at_ms IS NULL"));
    query.addBindValue(nowMs());
    query.addBindValue(userId);
    if (!exec(query, error))
        return false;
    *revoked = query.numRowsAffected();
    return transaction.commit(error);
}

bool ServerStorage::listUsers(QList<UserSummary> *users, QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral(
        "SELECT u.name, u.created_at_ms,"
        " (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at_ms IS NULL),"
        " (SELECT COUNT(*) FROM progress p WHERE p.user_id = u.id)"
        " FROM users u ORDER BY u.name"));
    if (!exec(query, error))
        return false;
    users->clear();
    while (query.next())
        users->append({query.value(0).toString(), query.value(1).toLongLong(),
                       query.value(2).toInt(), query.value(3).toInt()});
    return true;
}

bool ServerStorage::userForToken(const QString &token, qint64 *userId, QString *error)
{
    return userForTokenHash(Tokens::hash(token), userId, error);
}

bool ServerStorage::userForTokenHash(const QString &tokenHash, qint64 *userId, QString *error)
{
    reconnectIfLost();
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral(
        "SELECT user_id FROM tokens WHERE token_hash = ? AND revoked_at_ms IS NULL"));
    query.addBindValue(tokenHash);
    if (!exec(query, error))
        return false;
    *userId = query.next() ? query.value(0).toLongLong() : -1;
    return true;
}

bool ServerStorage::apply(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
                          ApplyOutcome *outcome, QString *error)
{
    WriteOp op;
    op.userId = userId;
    op.update = update;
    op.receivedAtMs = receivedAtMs;
    QList<ApplyOutcome> outcomes;
    if (!applyBatch({op}, &outcomes, error))
        return false;
    *outcome = outcomes.constFirst();
    return true;
}

bool ServerStorage::applyBatch(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                               QString *error)
{
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        lastSqlState.clear();
        if (applyBatchOnce(ops, outcomes, error))
            return true;
        // Rolled back whole: nothing of it was written, so it can simply run again.
        if (attempt == kAttempts || !isTransient(lastSqlState))
            return false;
        qCInfo(lcStorage).noquote() << "transaction conflict (SQLSTATE" << lastSqlState
                                    << "); trying the group of" << ops.size() << "again";
    }
}

bool ServerStorage::applyBatchOnce(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                                   QString *error)
{
    reconnectIfLost();
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    // Every server locks the records of its group in the same order, (user, video), so two
    // groups touching the same records never wait for each other in a circle (a deadlock).
    // Stable: changes to one record keep the order they came in.
    QList<qsizetype> order(ops.size());
    std::iota(order.begin(), order.end(), 0);
    if (m_dialect == SqlRecord::Dialect::PostgreSQL) {
        std::stable_sort(order.begin(), order.end(), [&ops](qsizetype a, qsizetype b) {
            const WriteOp &x = ops.at(a);
            const WriteOp &y = ops.at(b);
            return x.userId != y.userId ? x.userId < y.userId
                                        : x.update.contentId < y.update.contentId;
        });
    }
    outcomes->clear();
    outcomes->resize(ops.size());
    for (const qsizetype index : std::as_const(order)) {
        const WriteOp &op = ops.at(index);
        ApplyOutcome &outcome = (*outcomes)[index];
        const bool ok = op.kind == WriteOp::Kind::Apply
            ? applyInTransaction(op.userId, op.update, op.receivedAtMs, &outcome, error)
            : removeInTransaction(op.userId, op.update.contentId, &outcome.applied, error);
        if (!ok)
            return false;
    }
    if (!m_changeChannel.isEmpty() && !announce(ops, *outcomes, error))
        return false;
    // One commit (and one fsync, with synchronous=FULL) for the whole group.
    return transaction.commit(error);
}

bool ServerStorage::announce(const QList<WriteOp> &ops, const QList<ApplyOutcome> &outcomes,
                             QString *error)
{
    QList<CommittedChange> changes;
    for (qsizetype i = 0; i < ops.size(); ++i) {
        const WriteOp &op = ops.at(i);
        if (!outcomes.at(i).applied)
            continue; // nothing changed: nothing to tell
        if (op.kind == WriteOp::Kind::Apply)
            changes.append({CommittedChange::Kind::Applied, op.userId, outcomes.at(i).record});
        else
            changes.append({CommittedChange::Kind::Removed, op.userId, op.update});
    }
    // PostgreSQL delivers them when (and only if) the transaction commits, in commit order.
    QSqlQuery &notify = statements().notify;
    for (const QByteArray &payload : ChangeNotice::encode(m_origin, changes)) {
        notify.addBindValue(m_changeChannel);
        notify.addBindValue(QString::fromUtf8(payload));
        if (!exec(notify, error))
            return false;
        notify.finish();
    }
    return true;
}

bool ServerStorage::applyInTransaction(qint64 userId, const ProgressRecord &update,
                                       qint64 receivedAtMs, ApplyOutcome *outcome, QString *error)
{
    Statements &sql = statements();
    if (m_dialect == SqlRecord::Dialect::PostgreSQL) {
        // One round trip for what SQLite does below in three statements.
        bindRecord(sql.applyAll, userId, update, receivedAtMs);
        for (int i = 0; i < 2; ++i) {
            sql.applyAll.addBindValue(userId);
            sql.applyAll.addBindValue(update.contentId);
        }
        if (!exec(sql.applyAll, error))
            return false;
        outcome->applied = sql.applyAll.next() && sql.applyAll.value(0).toInt() > 0;
        sql.applyAll.finish();
    } else {
        bindRecord(sql.upsert, userId, update, receivedAtMs);
        if (!exec(sql.upsert, error))
            return false;
        outcome->applied = sql.upsert.numRowsAffected() > 0;
        sql.upsert.finish();
    }

    if (!outcome->applied) {
        std::optional<ProgressRecord> standing;
        if (!selectRecord(userId, update.contentId, &standing, error))
            return false;
        outcome->record = standing.value_or(update);
        return true;
    }
    outcome->record = update;
    outcome->record.receivedAtMs = receivedAtMs;
    if (m_dialect == SqlRecord::Dialect::PostgreSQL)
        return true;

    bindRecord(sql.history, userId, update, receivedAtMs);
    if (!exec(sql.history, error))
        return false;
    sql.prune.addBindValue(userId);
    sql.prune.addBindValue(update.contentId);
    sql.prune.addBindValue(userId);
    sql.prune.addBindValue(update.contentId);
    if (!exec(sql.prune, error))
        return false;
    sql.prune.finish();
    return true;
}

ServerStorage::Statements &ServerStorage::statements()
{
    if (!m_statements) {
        const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        m_statements = std::make_unique<Statements>(db);
        // The ordering rule of PROTOCOL.md, applied by the database in one statement, so it
        // holds whatever other writers do at the same moment.
        const QString upsert =
            QStringLiteral("INSERT INTO progress (user_id, %1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "?, ?, ?) ON CONFLICT (user_id, content_id)")
                .arg(recordColumns())
            + SqlRecord::updateAll(QStringLiteral("received_at_ms"))
            + SqlRecord::whereNewer(QStringLiteral("progress"), m_dialect);
        // History beyond the newest 64 of a video (the protocol promises at least 50).
        const QString beyondNewest =
            QStringLiteral("user_id = ? AND content_id = ? AND observed_at_ms < ("
                           "SELECT observed_at_ms FROM history WHERE user_id = ? AND content_id = ?"
                           " ORDER BY observed_at_ms DESC LIMIT 1 OFFSET 63)");
        if (m_dialect == SqlRecord::Dialect::PostgreSQL) {
            m_statements->notify.prepare(QStringLiteral("SELECT pg_notify(?, ?)"));
            // Each statement is a round trip: the upsert's new row, if any, goes to history and
            // the oldest history goes, in one. Every part sees the database as it was when the
            // statement began, so the prune keeps 64 older entries besides the new one.
            m_statements->applyAll.prepare(
                QStringLiteral("WITH applied AS (%1 RETURNING user_id, %2),"
                               " kept AS (INSERT INTO history (user_id, %2)"
                               " SELECT user_id, %2 FROM applied),"
                               " pruned AS (DELETE FROM history WHERE EXISTS (SELECT 1 FROM "
                               "applied) AND %3)"
                               " SELECT COUNT(*) FROM applied")
                    .arg(upsert, recordColumns(), beyondNewest));
        } else {
            m_statements->upsert.prepare(upsert);
            m_statements->history.prepare(QStringLiteral("INSERT INTO history (user_id, %1) VALUES"
                                                         " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                                              .arg(recordColumns()));
            m_statements->prune.prepare(QStringLiteral("DELETE FROM history WHERE ")
                                        + beyondNewest);
        }
        m_statements->select.prepare(
            QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND content_id = ?")
                .arg(recordColumns()));
    }
    return *m_statements;
}

bool ServerStorage::record(qint64 userId, const QString &contentId,
                           std::optional<ProgressRecord> *record, QString *error)
{
    reconnectIfLost();
    return selectRecord(userId, contentId, record, error);
}

bool ServerStorage::selectRecord(qint64 userId, const QString &contentId,
                                 std::optional<ProgressRecord> *record, QString *error)
{
    QSqlQuery &query = statements().select;
    query.addBindValue(userId);
    query.addBindValue(contentId);
    if (!exec(query, error))
        return false;
    if (query.next())
        *record = readRecord(query);
    else
        record->reset();
    query.finish();
    return true;
}

bool ServerStorage::remove(qint64 userId, const QString &contentId, bool *existed, QString *error)
{
    WriteOp op;
    op.kind = WriteOp::Kind::Remove;
    op.userId = userId;
    op.update.contentId = contentId;
    QList<ApplyOutcome> outcomes;
    if (!applyBatch({op}, &outcomes, error))
        return false;
    *existed = outcomes.constFirst().applied;
    return true;
}

bool ServerStorage::removeInTransaction(qint64 userId, const QString &contentId, bool *existed,
                                        QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery progress(db);
    progress.prepare(QStringLiteral("DELETE FROM progress WHERE user_id = ? AND content_id = ?"));
    progress.addBindValue(userId);
    progress.addBindValue(contentId);
    if (!exec(progress, error))
        return false;
    *existed = progress.numRowsAffected() > 0;
    QSqlQuery history(db);
    history.prepare(QStringLiteral("DELETE FROM history WHERE user_id = ? AND content_id = ?"));
    history.addBindValue(userId);
    history.addBindValue(contentId);
    return exec(history, error);
}

bool ServerStorage::continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records,
                                     QString *error)
{
    reconnectIfLost();
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND state <> 'ended'"
                                 "%2 LIMIT ?")
                      .arg(recordColumns(), SqlRecord::newestFirst(m_dialect)));
    query.addBindValue(userId);
    query.addBindValue(limit);
    if (!exec(query, error))
        return false;
    records->clear();
    while (query.next())
        records->append(readRecord(query));
    return true;
}

bool ServerStorage::history(qint64 userId, const QString &contentId, int limit,
                            QList<ProgressRecord> *records, QString *error)
{
    reconnectIfLost();
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT %1 FROM history WHERE user_id = ? AND content_id = ?"
                                 "%2 LIMIT ?")
                      .arg(recordColumns(), SqlRecord::newestFirst(m_dialect)));
    query.addBindValue(userId);
    query.addBindValue(contentId);
    query.addBindValue(limit);
    if (!exec(query, error))
        return false;
    records->clear();
    while (query.next())
        records->append(readRecord(query));
    return true;
}
