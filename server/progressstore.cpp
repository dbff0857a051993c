#include "progressstore.h"

#include "protocol/sqlmigrator.h"
#include "storageconnection.h"

#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <numeric>

namespace {

// A row of progress or history selected as progressRow().columns().
ProgressRecord readRecord(const QSqlQuery &query)
{
    const SqlRecord::Row &row = ProgressStore::progressRow();
    ProgressRecord record = row.read(query);
    record.receivedAtMs = query.value(row.index(QStringLiteral("received_at_ms"))).toLongLong();
    return record;
}

// Runs a query selecting progressRow().columns() and reads every row it gives.
bool selectRecords(QSqlQuery &query, QList<ProgressRecord> *records, QString *error)
{
    if (!StorageConnection::exec(query, error))
        return false;
    records->clear();
    while (query.next())
        records->append(readRecord(query));
    return true;
}

void bindRecord(QSqlQuery &query, qint64 userId, const QVariantList &fields, qint64 receivedAtMs)
{
    ProgressStore::progressRow().bind(query, {userId}, fields, {receivedAtMs});
}

} // namespace

ProgressStore::ProgressStore(StorageConnection &connection) : m_connection(connection)
{
    connection.setBeforeClose([this] { m_statements.reset(); });
}

ProgressStore::~ProgressStore()
{
    m_connection.setBeforeClose({});
}

const SqlRecord::Row &ProgressStore::progressRow()
{
    static const SqlRecord::Row row({QStringLiteral("user_id")},
                                    {QStringLiteral("received_at_ms")});
    return row;
}

void ProgressStore::announceChanges(const QString &channel, Encoder encode)
{
    m_changeChannel = channel;
    m_encode = std::move(encode);
}

bool ProgressStore::apply(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
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

bool ProgressStore::applyBatch(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                               QString *error, QList<CommittedChange> *committed)
{
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        StorageConnection::clearLastSqlState();
        QList<CommittedChange> changes;
        if (applyBatchOnce(ops, outcomes, &changes, error)) {
            if (committed)
                *committed = changes;
            return true;
        }
        // Rolled back whole: nothing of it was written, so it can simply run again.
        if (attempt == kAttempts
            || !StorageConnection::isTransient(StorageConnection::lastSqlState()))
            return false;
        qCInfo(lcStorage).noquote()
            << "transaction conflict (SQLSTATE" << StorageConnection::lastSqlState()
            << "); trying the group of" << ops.size() << "again";
    }
}

bool ProgressStore::applyBatchOnce(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                                   QList<CommittedChange> *changes, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlDatabase db = m_connection.database();
    SqlTransaction transaction(db);
    if (!transaction.begun(error))
        return false;
    // Every server locks the records of its group in the same order, (user, video), so two
    // groups touching the same records never wait for each other in a circle (a deadlock).
    // Stable: changes to one record keep the order they came in.
    QList<qsizetype> order(ops.size());
    std::iota(order.begin(), order.end(), 0);
    if (m_connection.dialect() == SqlRecord::Dialect::PostgreSQL) {
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
    *changes = committedChanges(ops, *outcomes);
    if (!m_changeChannel.isEmpty() && !announce(*changes, error))
        return false;
    // One commit (and one fsync, with synchronous=FULL) for the whole group.
    return transaction.commit(error);
}

QList<CommittedChange> ProgressStore::committedChanges(const QList<WriteOp> &ops,
                                                       const QList<ApplyOutcome> &outcomes)
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
    return changes;
}

bool ProgressStore::announce(const QList<CommittedChange> &changes, QString *error)
{
    // PostgreSQL delivers them when (and only if) the transaction commits, in commit order.
    QSqlQuery &notify = statements().notify;
    for (const QByteArray &payload : m_encode(changes)) {
        notify.addBindValue(m_changeChannel);
        notify.addBindValue(QString::fromUtf8(payload));
        if (!StorageConnection::exec(notify, error))
            return false;
        notify.finish();
    }
    return true;
}

bool ProgressStore::applyInTransaction(qint64 userId, const ProgressRecord &update,
                                       qint64 receivedAtMs, ApplyOutcome *outcome, QString *error)
{
    Statements &sql = statements();
    // Once for the upsert and the history row: `choices` is encoded to JSON on the way (measured
    // here: about as long as encoding the rest of the record), on every PUT.
    const QVariantList fields = SqlRecord::values(update);
    if (m_connection.dialect() == SqlRecord::Dialect::PostgreSQL) {
        // One round trip for what SQLite does below in three statements.
        bindRecord(sql.applyAll, userId, fields, receivedAtMs);
        for (int i = 0; i < 2; ++i) {
            sql.applyAll.addBindValue(userId);
            sql.applyAll.addBindValue(update.contentId);
        }
        if (!StorageConnection::exec(sql.applyAll, error))
            return false;
        outcome->applied = sql.applyAll.next() && sql.applyAll.value(0).toInt() > 0;
        sql.applyAll.finish();
    } else {
        bindRecord(sql.upsert, userId, fields, receivedAtMs);
        if (!StorageConnection::exec(sql.upsert, error))
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
    if (m_connection.dialect() == SqlRecord::Dialect::PostgreSQL)
        return true;

    bindRecord(sql.history, userId, fields, receivedAtMs);
    if (!StorageConnection::exec(sql.history, error))
        return false;
    sql.prune.addBindValue(userId);
    sql.prune.addBindValue(update.contentId);
    sql.prune.addBindValue(userId);
    sql.prune.addBindValue(update.contentId);
    if (!StorageConnection::exec(sql.prune, error))
        return false;
    sql.prune.finish();
    return true;
}

ProgressStore::Statements &ProgressStore::statements()
{
    if (!m_statements) {
        m_statements = std::make_unique<Statements>(m_connection.database());
        // The ordering rule of docs/protocol.md, applied by the database in one statement, so it
        // holds whatever other writers do at the same moment.
        const SqlRecord::Row &row = progressRow();
        const QString upsert = row.insertInto(QStringLiteral("progress"))
            + QStringLiteral(" ON CONFLICT (user_id, content_id)") + row.updateAll()
            + SqlRecord::whereNewer(QStringLiteral("progress"), m_connection.dialect());
        // History beyond the newest 64 of a video (the protocol promises at least 50).
        const QString beyondNewest =
            QStringLiteral("user_id = ? AND content_id = ? AND observed_at_ms < ("
                           "SELECT observed_at_ms FROM history WHERE user_id = ? AND content_id = ?"
                           " ORDER BY observed_at_ms DESC LIMIT 1 OFFSET 63)");
        if (m_connection.dialect() == SqlRecord::Dialect::PostgreSQL) {
            m_statements->notify.prepare(QStringLiteral("SELECT pg_notify(?, ?)"));
            // Each statement is a round trip: the upsert's new row, if any, goes to history and
            // the oldest history goes, in one. Every part sees the database as it was when the
            // statement began, so the prune keeps 64 older entries besides the new one.
            m_statements->applyAll.prepare(
                QStringLiteral("WITH applied AS (%1 RETURNING %2),"
                               " kept AS (INSERT INTO history (%2)"
                               " SELECT %2 FROM applied),"
                               " pruned AS (DELETE FROM history WHERE EXISTS (SELECT 1 FROM "
                               "applied) AND %3)"
                               " SELECT COUNT(*) FROM applied")
                    .arg(upsert, row.columns(), beyondNewest));
        } else {
            m_statements->upsert.prepare(upsert);
            m_statements->history.prepare(row.insertInto(QStringLiteral("history")));
            m_statements->prune.prepare(QStringLiteral("DELETE FROM history WHERE ")
                                        + beyondNewest);
        }
        m_statements->select.prepare(
            QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND content_id = ?")
                .arg(progressRow().columns()));
    }
    return *m_statements;
}

bool ProgressStore::record(qint64 userId, const QString &contentId,
                           std::optional<ProgressRecord> *record, QString *error)
{
    m_connection.reconnectIfLost();
    return selectRecord(userId, contentId, record, error);
}

bool ProgressStore::selectRecord(qint64 userId, const QString &contentId,
                                 std::optional<ProgressRecord> *record, QString *error)
{
    QSqlQuery &query = statements().select;
    query.addBindValue(userId);
    query.addBindValue(contentId);
    if (!StorageConnection::exec(query, error))
        return false;
    if (query.next())
        *record = readRecord(query);
    else
        record->reset();
    query.finish();
    return true;
}

bool ProgressStore::remove(qint64 userId, const QString &contentId, bool *existed, QString *error)
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

bool ProgressStore::removeInTransaction(qint64 userId, const QString &contentId, bool *existed,
                                        QString *error)
{
    QSqlDatabase db = m_connection.database();
    QSqlQuery progress(db);
    progress.prepare(QStringLiteral("DELETE FROM progress WHERE user_id = ? AND content_id = ?"));
    progress.addBindValue(userId);
    progress.addBindValue(contentId);
    if (!StorageConnection::exec(progress, error))
        return false;
    *existed = progress.numRowsAffected() > 0;
    QSqlQuery history(db);
    history.prepare(QStringLiteral("DELETE FROM history WHERE user_id = ? AND content_id = ?"));
    history.addBindValue(userId);
    history.addBindValue(contentId);
    return StorageConnection::exec(history, error);
}

bool ProgressStore::continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records,
                                     QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND state <> 'ended'"
                       "%2 LIMIT ?")
            .arg(progressRow().columns(), SqlRecord::newestFirst(m_connection.dialect())));
    query.addBindValue(userId);
    query.addBindValue(limit);
    return selectRecords(query, records, error);
}

bool ProgressStore::history(qint64 userId, const QString &contentId, int limit,
                            QList<ProgressRecord> *records, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("SELECT %1 FROM history WHERE user_id = ? AND content_id = ?"
                       "%2 LIMIT ?")
            .arg(progressRow().columns(), SqlRecord::newestFirst(m_connection.dialect())));
    query.addBindValue(userId);
    query.addBindValue(contentId);
    query.addBindValue(limit);
    return selectRecords(query, records, error);
}
