#include "progressstore.h"

#include "protocol/nextup.h"
#include "protocol/sqlmigrator.h"
#include "sqlitestatement.h"
#include "storageconnection.h"

#include <QHash>
#include <QMap>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <numeric>

namespace {

// A row of history selected as progressRow().columns(), or of progress selected as
// recordColumns() (`withCounts`).
ProgressRecord readRecord(const QSqlQuery &query, bool withCounts)
{
    const SqlRecord::Row &row = ProgressStore::progressRow();
    ProgressRecord record = row.read(query);
    record.receivedAtMs = query.value(row.index(QStringLiteral("received_at_ms"))).toLongLong();
    if (withCounts) {
        record.playCount = query.value(row.count()).toInt();
        record.lastFinishedMs = query.value(row.count() + 1).toLongLong();
    }
    return record;
}

// A progress row's columns: the record's, then its counts (readRecord).
QString recordColumns()
{
    return ProgressStore::progressRow().columns() + QStringLiteral(", ")
        + ProgressStore::countColumns().join(QStringLiteral(", "));
}

// Runs a query selecting progressRow().columns() (or recordColumns()) and reads every row.
bool selectRecords(QSqlQuery &query, bool withCounts, QList<ProgressRecord> *records,
                   QString *error)
{
    if (!StorageConnection::exec(query, error))
        return false;
    records->clear();
    while (query.next())
        records->append(readRecord(query, withCounts));
    return true;
}

// Whether the record counts the video as watched (ProgressRecord::isWatched()), in SQL.
// (COALESCE, never NULL: NOT of a NULL would leave out every record that does not say.)
const QString kWatched =
    QStringLiteral("(COALESCE(watched, CASE WHEN state = 'ended' THEN 1 ELSE 0 END) = 1)");

qint64 finishedAt(const ProgressRecord &update)
{
    return update.finishedAtMs > 0 ? update.finishedAtMs : update.observedAtMs;
}

void bindRecord(QSqlQuery &query, qint64 userId, const QVariantList &fields, qint64 receivedAtMs)
{
    ProgressStore::progressRow().bind(query, {userId}, fields, {receivedAtMs});
}

void bindVideo(QSqlQuery &query, qint64 userId, const QString &contentId, int times)
{
    for (int i = 0; i < times; ++i) {
        query.addBindValue(userId);
        query.addBindValue(contentId);
    }
}

void bindVideo(SqliteStatement &statement, qint64 userId, const QString &contentId, int times)
{
    for (int i = 0; i < times; ++i) {
        statement.bind(userId);
        statement.bind(contentId);
    }
}

// The history entry the record that stands followed: history's newest (none when the record is
// the video's first, or its first after a forget). Bound to (user, video).
QString entryBefore(SqlRecord::Dialect dialect)
{
    return QStringLiteral("SELECT observed_at_ms, device_id, position_ms, state FROM history"
                          " WHERE user_id = ? AND content_id = ?%1 LIMIT 1")
        .arg(SqlRecord::newestFirst(dialect));
}

// Whether the playing position moved more than kSeekMs away from where playing on from the row
// `from` would have taken it, by the time of the row `to`: a seek, in SQL.
QString seeked(const QString &from, const QString &to)
{
    return QStringLiteral("abs(%2.position_ms - %1.position_ms - CASE WHEN %1.state = 'playing' "
                          "THEN %2.observed_at_ms - %1.observed_at_ms ELSE 0 END) > %3")
        .arg(from, to)
        .arg(ProgressStore::kSeekMs);
}

// The `kept` flag (1: kept older than the newest kHistoryNewest) of the record `n` going to
// history, superseded by the update `excluded`, after the entry `p` (docs/protocol.md,
// "History"): the video's first, not playing, another device than before, the first report of
// its minute, the landing of a seek, or the place a seek jumped from. Decided once, here, when
// all three are at hand, so that pruning never reads history back. One text for both engines.
QString keptFlag()
{
    return QStringLiteral("CASE WHEN p.observed_at_ms IS NULL OR n.state <> 'playing' OR "
                          "n.device_id <> p.device_id OR n.observed_at_ms / %1 <> "
                          "p.observed_at_ms / %1 OR %2 OR %3 THEN 1 ELSE 0 END")
        .arg(ProgressStore::kPeriodicMs)
        .arg(seeked(QStringLiteral("p"), QStringLiteral("n")),
             seeked(QStringLiteral("n"), QStringLiteral("excluded")));
}

// History's pruning after one applied update, after `condition`. The newest kHistoryNewest
// applied updates are the record and the newest kHistoryNewest - 1 entries; `newer` is how many
// entries newer than the ones the statement sees there are (1: PostgreSQL's statement sees
// history as it was before its own insert; 0: SQLite's runs after it). It drops the entry leaving
// the newest unless it is kept, and when that one stays, the entry beyond kHistoryAtMost (the
// record counted in), if any: with one entry added each time, never more than one. Found on the
// primary key's index alone (the one beyond only when there is one). Bound to (user, video) five
// times.
QString pruneHistory(SqlRecord::Dialect dialect, int newer, const QString &condition)
{
    const QString at =
        QStringLiteral("(observed_at_ms, device_id) = (SELECT observed_at_ms, device_id FROM "
                       "history WHERE user_id = ? AND content_id = ?%1 LIMIT 1 OFFSET %2)")
            .arg(SqlRecord::newestFirst(dialect));
    const QString leaving = at.arg(ProgressStore::kHistoryNewest - 1 - newer);
    return QStringLiteral("DELETE FROM history WHERE %1 user_id = ? AND content_id = ? AND ((kept "
                          "= 0 AND %2) OR (%3 AND NOT EXISTS (SELECT 1 FROM history WHERE "
                          "user_id = ? AND content_id = ? AND kept = 0 AND %2)))")
        .arg(condition, leaving, at.arg(ProgressStore::kHistoryAtMost - 1 - newer));
}

// "n.user_id, n.content_id, ...": the history columns of a row selected as `n`.
QString columnsOf(const QString &alias)
{
    QStringList columns = ProgressStore::progressRow().names();
    for (QString &column : columns)
        column.prepend(alias + u'.');
    return columns.join(QStringLiteral(", "));
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

QStringList ProgressStore::countColumns()
{
    return {QStringLiteral("play_count"), QStringLiteral("last_finished_ms")};
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
    if (!prepareStatements(error))
        return false;
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
        bool ok = true;
        if (op.kind == WriteOp::Kind::Apply)
            ok = applyInTransaction(op.userId, op.update, op.receivedAtMs, &outcome, error);
        else if (op.kind == WriteOp::Kind::Remove)
            ok = removeInTransaction(op.userId, op.update.contentId, op.update.observedAtMs,
                                     &outcome.applied, error);
        if (!ok)
            return false;
    }
    if (!writeDevices(ops, outcomes, error))
        return false;
    *changes = committedChanges(ops, *outcomes);
    if (!m_changeChannel.isEmpty() && !announce(*changes, error))
        return false;
    // One commit (and one fsync, with synchronous=FULL) for the whole group.
    return transaction.commit(error);
}

bool ProgressStore::changedSince(const QSqlDatabase &db, qint64 sinceMs, int limit,
                                 QList<CommittedChange> *changes, bool *complete, QString *error)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    // The newest `limit` and one more, to tell whether there were more.
    query.prepare(QStringLiteral("SELECT %1 FROM progress WHERE received_at_ms >= ? "
                                 "ORDER BY received_at_ms DESC LIMIT ?")
                      .arg(recordColumns()));
    query.addBindValue(sinceMs);
    query.addBindValue(limit + 1);
    if (!StorageConnection::exec(query, error))
        return false;
    changes->clear();
    const int user = progressRow().index(QStringLiteral("user_id"));
    while (query.next())
        changes->append({CommittedChange::Kind::Applied, query.value(user).toLongLong(),
                         readRecord(query, true)});
    *complete = changes->size() <= limit;
    if (!*complete)
        changes->removeLast();
    std::reverse(changes->begin(), changes->end()); // oldest receipt first
    return true;
}

QList<CommittedChange> ProgressStore::committedChanges(const QList<WriteOp> &ops,
                                                       const QList<ApplyOutcome> &outcomes)
{
    QList<CommittedChange> changes;
    for (qsizetype i = 0; i < ops.size(); ++i) {
        const WriteOp &op = ops.at(i);
        const ApplyOutcome &outcome = outcomes.at(i);
        if (op.kind == WriteOp::Kind::Apply) {
            // A stale finish changed the standing record's count: caches must hear of it.
            if (outcome.applied || outcome.counted)
                changes.append({CommittedChange::Kind::Applied, op.userId, outcome.record});
        } else if (op.kind == WriteOp::Kind::Remove && outcome.applied) {
            // Also when a record observed after the forget stays: its history and count may have
            // changed, and other servers read it again rather than be told what it is now.
            changes.append({CommittedChange::Kind::Removed, op.userId, op.update});
        }
    }
    return changes;
}

bool ProgressStore::writeDevices(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                                 QString *error)
{
    // Steady state: no op binds, a touch only now and then (DeviceActivity), so this is mostly
    // one pass over the group and nothing else.
    struct Work
    {
        QList<qsizetype> binds;
        std::optional<DeviceTouch> touch;
    };
    QMap<QString, Work> byDevice; // in key order
    for (qsizetype i = 0; i < ops.size(); ++i) {
        const WriteOp &op = ops.at(i);
        if (op.kind == WriteOp::Kind::Bind)
            byDevice[op.deviceKey].binds.append(i);
        if (!op.touch)
            continue;
        std::optional<DeviceTouch> &touch = byDevice[op.touch->deviceKey].touch;
        if (!touch) {
            touch = op.touch;
            continue;
        }
        // Later ops came later: their video and name are the newer ones.
        touch->seenAtMs = qMax(touch->seenAtMs, op.touch->seenAtMs);
        if (!op.touch->contentId.isEmpty())
            touch->contentId = op.touch->contentId;
        if (!op.touch->deviceName.isEmpty())
            touch->deviceName = op.touch->deviceName;
    }
    for (const Work &work : std::as_const(byDevice)) {
        for (const qsizetype index : work.binds) {
            if (!bindInTransaction(ops.at(index), &(*outcomes)[index].deviceIdTaken, error))
                return false;
        }
        if (!work.touch)
            continue;
        QSqlQuery &touch = statements().touch;
        const auto orKeep = [](const QString &value) {
            return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
        };
        touch.addBindValue(work.touch->seenAtMs);
        touch.addBindValue(work.touch->seenAtMs);
        touch.addBindValue(orKeep(work.touch->contentId));
        touch.addBindValue(orKeep(work.touch->deviceName));
        touch.addBindValue(work.touch->deviceKey);
        if (!StorageConnection::exec(touch, error))
            return false;
        touch.finish();
    }
    return true;
}

bool ProgressStore::bindInTransaction(const WriteOp &op, bool *taken, QString *error)
{
    QSqlDatabase db = m_connection.database();
    const auto run = [&](const QString &text, const QVariantList &values, bool *found = nullptr) {
        QSqlQuery query(db);
        query.prepare(text);
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (!StorageConnection::exec(query, error))
            return false;
        if (found)
            *found = query.next();
        return true;
    };
    // Not prepared: PostgreSQL cannot PREPARE a SAVEPOINT.
    const auto savepoint = [&](const QString &text) {
        QSqlQuery query(db);
        return query.exec(text) || StorageConnection::fail(error, text, query.lastError());
    };
    *taken = false;
    for (const QString &deviceId : op.bindDeviceIds) {
        if (!run(QStringLiteral("SELECT 1 FROM devices WHERE user_id = ? AND device_id = ? AND"
                                " removed_at_ms IS NULL AND id <> ?"),
                 {op.userId, deviceId, op.deviceKey}, taken))
            return false;
        if (*taken)
            return true;
    }
    if (op.bindDeviceIds.isEmpty())
        return true;
    // Another server may bind the same device_id to another device of the user at this very
    // moment: the unique index refuses the later one, which then only loses this statement.
    if (!savepoint(QStringLiteral("SAVEPOINT bind_device")))
        return false;
    if (run(QStringLiteral("UPDATE devices SET device_id = ? WHERE id = ? AND user_id = ?"),
            {op.bindDeviceIds.constLast(), op.deviceKey, op.userId}))
        return savepoint(QStringLiteral("RELEASE SAVEPOINT bind_device"));
    // Only the unique index's refusal means "taken"; anything else is the storage failing, which
    // the request answers as any other (503), not as the client's mistake.
    if (!StorageConnection::isUniqueViolation(StorageConnection::lastSqlState()))
        return false;
    const QString refused = error ? *error : QString();
    if (!savepoint(QStringLiteral("ROLLBACK TO SAVEPOINT bind_device")))
        return false;
    qCInfo(lcStorage).noquote() << "device_id bound elsewhere meanwhile:" << refused;
    *taken = true;
    return true;
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
    // Bound once, to the upsert: history gets the record it supersedes, copied from progress.
    const QVariantList fields = SqlRecord::values(update);
    // The upsert's new row, if it is applied, gives the counts it keeps: no read for them.
    const bool postgres = m_connection.dialect() == SqlRecord::Dialect::PostgreSQL;
    if (postgres) {
        QSqlQuery &upsert = sql.applyAll;
        // The entry before the standing record, and the standing record (statements()).
        bindVideo(upsert, userId, update.contentId, 2);
        bindRecord(upsert, userId, fields, receivedAtMs);
        // Not when the video was forgotten at or after the update was observed.
        upsert.addBindValue(userId);
        upsert.addBindValue(update.contentId);
        upsert.addBindValue(update.observedAtMs);
        // One round trip for what SQLite does in three statements (the prune).
        bindVideo(upsert, userId, update.contentId, 5);
        if (!StorageConnection::exec(upsert, error))
            return false;
        // It returns the counts the row keeps.
        outcome->applied = upsert.next();
        if (outcome->applied && upsert.value(2).toBool()) {
            // It replaced a first record another server inserted meanwhile, without sending it to
            // history: undo it all and run the group again, now that the record is there to lock.
            upsert.finish();
            return StorageConnection::failTransient(
                error,
                QStringLiteral("another server wrote the first record of %1 at the same "
                               "moment")
                    .arg(update.contentId));
        }
        if (outcome->applied) {
            outcome->record = update;
            outcome->record.receivedAtMs = receivedAtMs;
            outcome->record.playCount = upsert.value(0).toInt();
            outcome->record.lastFinishedMs = upsert.value(1).toLongLong();
        }
        upsert.finish();
    } else {
        // The standing record to history first, if the upsert is going to supersede it.
        sql.history.bind(update.observedAtMs);
        sql.history.bind(update.deviceId);
        sql.history.bind(update.positionMs);
        bindVideo(sql.history, userId, update.contentId, 2);
        if (!sql.history.run(nullptr, error))
            return false;
        sql.upsert.bind(userId);
        for (const QVariant &value : fields)
            sql.upsert.bind(value);
        sql.upsert.bind(receivedAtMs);
        sql.upsert.bind(userId);
        sql.upsert.bind(update.contentId);
        sql.upsert.bind(update.observedAtMs);
        int changes = 0;
        if (!sql.upsert.run(&changes, error))
            return false;
        // SQLite's upsert does not return the counts: RETURNING cost a fifth more server CPU per
        // PUT there (measured with playmark-loadgen, 800 PUTs/s), so they are read only when a
        // finish changed them, and the caller has them otherwise.
        outcome->applied = changes > 0;
        if (outcome->applied) {
            outcome->record = update;
            outcome->record.receivedAtMs = receivedAtMs;
            outcome->countsKnown = false;
        }
    }

    if (!outcome->applied) {
        std::optional<ProgressRecord> standing;
        qint64 forgottenAtMs = -1;
        if (!selectRecord(userId, update.contentId, &standing, error, &forgottenAtMs))
            return false;
        // Not applied and nothing stands: only a forget stops an update from being the first.
        if (!standing && !selectForgotten(userId, update.contentId, &forgottenAtMs, error))
            return false;
        if (forgottenAtMs >= update.observedAtMs) {
            outcome->forgottenAtMs = forgottenAtMs;
            outcome->record = ProgressRecord();
            return true;
        }
        if (!standing) {
            *error = QStringLiteral("an update of %1 was neither applied nor stale")
                         .arg(update.contentId);
            return false;
        }
        outcome->record = *standing;
        // A finish observed offline is still a finish, even behind a newer observation.
        if (update.isWatched()) {
            if (!recordFinish(userId, update, &outcome->counted, error))
                return false;
            if (outcome->counted) {
                ++outcome->record.playCount;
                outcome->record.lastFinishedMs =
                    qMax(outcome->record.lastFinishedMs, finishedAt(update));
            }
        }
        return true;
    }
    if (update.isWatched()) {
        bool isNew = false;
        if (!recordFinish(userId, update, &isNew, error))
            return false;
        if (postgres && isNew) {
            ++outcome->record.playCount;
            outcome->record.lastFinishedMs =
                qMax(outcome->record.lastFinishedMs, finishedAt(update));
        } else if (!postgres) {
            sql.counts.addBindValue(userId);
            sql.counts.addBindValue(update.contentId);
            if (!StorageConnection::exec(sql.counts, error))
                return false;
            if (sql.counts.next()) {
                outcome->record.playCount = sql.counts.value(0).toInt();
                outcome->record.lastFinishedMs = sql.counts.value(1).toLongLong();
            }
            sql.counts.finish();
            outcome->countsKnown = true;
        }
    }
    if (postgres)
        return true;

    bindVideo(sql.prune, userId, update.contentId, 5);
    return sql.prune.run(nullptr, error);
}

bool ProgressStore::recordFinish(qint64 userId, const ProgressRecord &update, bool *isNew,
                                 QString *error)
{
    Statements &sql = statements();
    const qint64 finished = finishedAt(update);
    sql.finish.addBindValue(userId);
    sql.finish.addBindValue(update.contentId);
    sql.finish.addBindValue(finished);
    sql.finish.addBindValue(update.deviceId);
    sql.finish.addBindValue(update.observedAtMs);
    if (!StorageConnection::exec(sql.finish, error))
        return false;
    *isNew = sql.finish.numRowsAffected() > 0;
    sql.finish.finish();
    QSqlQuery &next = *isNew ? sql.count : sql.reported;
    if (*isNew) {
        next.addBindValue(finished);
        next.addBindValue(finished);
        next.addBindValue(userId);
        next.addBindValue(update.contentId);
    } else {
        // A forget drops the finishes whose newest report it follows.
        next.addBindValue(update.observedAtMs);
        next.addBindValue(userId);
        next.addBindValue(update.contentId);
        next.addBindValue(finished);
        next.addBindValue(update.observedAtMs);
    }
    if (!StorageConnection::exec(next, error))
        return false;
    next.finish();
    return true;
}

ProgressStore::Statements &ProgressStore::statements()
{
    Q_ASSERT(m_statements); // prepareStatements() succeeded
    return *m_statements;
}

bool ProgressStore::prepareStatements(QString *error)
{
    if (m_statements)
        return true;
    m_statements = std::make_unique<Statements>(m_connection.database());
    // The first failure is the one told; none stays prepared half, so the next call tries again
    // (a schema another program changed, a connection lost in between).
    QString failed;
    const auto prepare = [&failed](QSqlQuery &query, const QString &text) {
        // Read row by row once: a scrollable query makes Qt's SQLite driver construct and destroy
        // a cache of 128 rows of QVariants at every run (measured: 7% of a PUT's instructions).
        query.setForwardOnly(true);
        if (!query.prepare(text) && failed.isEmpty())
            StorageConnection::fail(&failed, QStringLiteral("cannot prepare"), query.lastError());
    };
    const auto prepareSqlite = [&failed](SqliteStatement &statement, sqlite3 *handle,
                                         const QString &text) {
        QString why;
        if (!statement.prepare(handle, text, &why) && failed.isEmpty())
            failed = why;
    };
    {
        // The ordering rule of docs/protocol.md, applied by the database in one statement, so it
        // holds whatever other writers do at the same moment; and not at all when the video was
        // forgotten after the update was observed (one index lookup in the same statement).
        const SqlRecord::Row &row = progressRow();
        // %1: a condition before the rest (PostgreSQL: one reading `standing` first).
        const QString upsert =
            QStringLiteral("INSERT INTO progress (%2) SELECT %3 WHERE %1NOT EXISTS (SELECT 1 FROM "
                           "forgotten WHERE user_id = ? AND content_id = ? AND forgotten_at_ms >= "
                           "?) ON CONFLICT (user_id, content_id)")
                .arg(QStringLiteral("%1"), row.columns(), row.placeholders())
            + row.updateAll()
            + SqlRecord::whereNewer(QStringLiteral("progress"), m_connection.dialect());
        const QString counts = countColumns().join(QStringLiteral(", "));
        // The record `n` an applied update `excluded` supersedes goes to history with its flag,
        // judged against the entry `p` before it and the update.
        const QString toHistory =
            QStringLiteral("INSERT INTO history (%1, kept) SELECT %2, %3 FROM %4 LEFT JOIN (%5) AS "
                           "p ON 1 = 1")
                .arg(row.columns(), columnsOf(QStringLiteral("n")), keptFlag());
        const SqlRecord::Dialect dialect = m_connection.dialect();
        if (dialect == SqlRecord::Dialect::PostgreSQL) {
            prepare(m_statements->notify, QStringLiteral("SELECT pg_notify(?, ?)"));
            // Each statement is a round trip: the record the upsert supersedes, if it applies,
            // goes to history and history is pruned, in one. The parts see the database as it was
            // when the statement began (`before`, the entry the record followed; the prune counts
            // the new entry in without seeing it), except `standing`, the record the upsert
            // supersedes: another server may be superseding it at this moment, and the upsert
            // then waits for its row lock and supersedes what that one committed. So `standing`
            // locks the row (FOR UPDATE), before the upsert runs (the upsert reads it), waiting
            // as the upsert would, and is the newest committed record; not the statement's
            // snapshot, which the other server has sent to history already (a unique violation
            // that failed the group, and the record in between lost). Materialized: read once.
            // A row FOR UPDATE cannot lock is one not there yet: when another server inserts a
            // video's first record at the same moment, `standing` is empty and the upsert, after
            // waiting for that insert, replaces it unseen. The last column says so (an upsert's
            // row with an xmax replaced one), and the group runs again (applyInTransaction).
            prepare(
                m_statements->applyAll,
                QStringLiteral(
                    "WITH before AS (%1), standing AS MATERIALIZED (SELECT %2 FROM progress WHERE"
                    " user_id = ? AND content_id = ? FOR UPDATE), applied AS (%3 RETURNING %4,"
                    " observed_at_ms, position_ms, xmax <> 0 AS replaced), written AS (%5 ON"
                    " CONFLICT DO NOTHING), pruned AS (%6) SELECT %4, replaced AND NOT EXISTS"
                    " (SELECT 1 FROM standing) FROM applied")
                    .arg(entryBefore(dialect), row.columns(),
                         upsert.arg(QStringLiteral("(SELECT COUNT(*) FROM standing) < 2 AND ")),
                         counts,
                         toHistory.arg(QStringLiteral("standing AS n JOIN applied AS excluded ON "
                                                      "1 = 1"),
                                       QStringLiteral("SELECT * FROM before")),
                         pruneHistory(dialect, 1,
                                      QStringLiteral("EXISTS (SELECT 1 FROM applied) AND"))));
        } else {
            // The hot path's three through SQLite's API (SqliteStatement), the rest through Qt's.
            sqlite3 *handle = SqliteStatement::handleOf(m_connection.database());
            prepareSqlite(m_statements->upsert, handle, upsert.arg(QString()));
            prepare(m_statements->counts,
                    QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND content_id = ?")
                        .arg(counts));
            // Before the upsert: the record that stands goes to history if the update (bound as
            // `excluded`, as the upsert sees it) will supersede it: newer by the ordering rule
            // and not forgotten after it was observed.
            const QString history =
                toHistory.arg(QStringLiteral("(SELECT ? AS observed_at_ms, ? AS device_id, ? AS "
                                             "position_ms) AS excluded JOIN progress AS n ON "
                                             "n.user_id = ? AND n.content_id = ?"),
                              entryBefore(dialect))
                + QStringLiteral(" WHERE EXISTS (SELECT 1%1) AND NOT EXISTS (SELECT 1 FROM "
                                 "forgotten f WHERE f.user_id = n.user_id AND f.content_id = "
                                 "n.content_id AND f.forgotten_at_ms >= excluded.observed_at_ms)")
                      .arg(SqlRecord::whereNewer(QStringLiteral("n"), dialect));
            prepareSqlite(m_statements->history, handle, history);
            prepareSqlite(m_statements->prune, handle, pruneHistory(dialect, 0, QString()));
        }
        prepare(m_statements->touch,
                QStringLiteral(
                    "UPDATE devices SET last_seen_ms = CASE WHEN last_seen_ms < ? THEN ? ELSE"
                    " last_seen_ms END, last_content_id = COALESCE(?, last_content_id),"
                    " device_name = COALESCE(?, device_name) WHERE id = ?"));
        prepare(
            m_statements->select,
            QStringLiteral("SELECT %1, (SELECT forgotten_at_ms FROM forgotten f WHERE f.user_id = "
                           "progress.user_id AND f.content_id = progress.content_id)"
                           " FROM progress WHERE user_id = ? AND content_id = ?")
                .arg(recordColumns()));
        prepare(
            m_statements->finish,
            QStringLiteral(
                "INSERT INTO plays (user_id, content_id, finished_at_ms, device_id, reported_at_ms)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, content_id, finished_at_ms) DO NOTHING"));
        prepare(m_statements->count,
                QStringLiteral(
                    "UPDATE progress SET play_count = play_count + 1, last_finished_ms = CASE WHEN"
                    " last_finished_ms < ? THEN ? ELSE last_finished_ms END"
                    " WHERE user_id = ? AND content_id = ?"));
        prepare(
            m_statements->reported,
            QStringLiteral("UPDATE plays SET reported_at_ms = ? WHERE user_id = ? AND content_id = "
                           "? AND finished_at_ms = ? AND reported_at_ms < ?"));
    }
    if (failed.isEmpty())
        return true;
    m_statements.reset(); // each failure was logged where it happened
    if (error)
        *error = failed;
    return false;
}

bool ProgressStore::record(qint64 userId, const QString &contentId,
                           std::optional<ProgressRecord> *record, QString *error)
{
    m_connection.reconnectIfLost();
    return prepareStatements(error) && selectRecord(userId, contentId, record, error);
}

bool ProgressStore::selectRecord(qint64 userId, const QString &contentId,
                                 std::optional<ProgressRecord> *record, QString *error,
                                 qint64 *forgottenAtMs)
{
    QSqlQuery &query = statements().select;
    query.addBindValue(userId);
    query.addBindValue(contentId);
    if (!StorageConnection::exec(query, error))
        return false;
    if (query.next()) {
        *record = readRecord(query, true);
        if (forgottenAtMs)
            *forgottenAtMs = query.isNull(progressRow().count() + 2)
                ? -1
                : query.value(progressRow().count() + 2).toLongLong();
    } else {
        record->reset();
    }
    query.finish();
    return true;
}

bool ProgressStore::selectForgotten(qint64 userId, const QString &contentId, qint64 *forgottenAtMs,
                                    QString *error)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral(
        "SELECT forgotten_at_ms FROM forgotten WHERE user_id = ? AND content_id = ?"));
    query.addBindValue(userId);
    query.addBindValue(contentId);
    if (!StorageConnection::exec(query, error))
        return false;
    *forgottenAtMs = query.next() ? query.value(0).toLongLong() : -1;
    return true;
}

bool ProgressStore::remove(qint64 userId, const QString &contentId, qint64 observedAtMs,
                           bool *existed, QString *error)
{
    WriteOp op;
    op.kind = WriteOp::Kind::Remove;
    op.userId = userId;
    op.update.contentId = contentId;
    op.update.observedAtMs = observedAtMs;
    QList<ApplyOutcome> outcomes;
    if (!applyBatch({op}, &outcomes, error))
        return false;
    *existed = outcomes.constFirst().applied;
    return true;
}

bool ProgressStore::removeInTransaction(qint64 userId, const QString &contentId,
                                        qint64 observedAtMs, bool *existed, QString *error)
{
    QSqlDatabase db = m_connection.database();
    // Runs `text` bound to (user, video, then `more`); `affected` gets the rows it changed.
    const auto run = [&](const QString &text, const QVariantList &more, int *affected = nullptr,
                         qint64 *first = nullptr) {
        QSqlQuery query(db);
        query.prepare(text);
        query.addBindValue(userId);
        query.addBindValue(contentId);
        for (const QVariant &value : more)
            query.addBindValue(value);
        if (!StorageConnection::exec(query, error))
            return false;
        if (affected)
            *affected = query.numRowsAffected();
        if (first)
            *first = query.next() ? query.value(0).toLongLong() : -1;
        return true;
    };
    // The newest forget is kept: an update observed at or before it is stale from now on.
    qint64 standingAtMs = -1;
    int dropped = 0;
    if (!run(QStringLiteral("INSERT INTO forgotten (user_id, content_id, forgotten_at_ms)"
                            " VALUES (?, ?, ?) ON CONFLICT (user_id, content_id) DO UPDATE SET"
                            " forgotten_at_ms = excluded.forgotten_at_ms"
                            " WHERE excluded.forgotten_at_ms > forgotten.forgotten_at_ms"),
             {observedAtMs})
        || !run(QStringLiteral(
                    "SELECT observed_at_ms FROM progress WHERE user_id = ? AND content_id = ?"),
                {}, nullptr, &standingAtMs))
        return false;
    *existed = standingAtMs >= 0;
    const bool removed = *existed && standingAtMs <= observedAtMs;
    if (removed
        && !run(QStringLiteral("DELETE FROM progress WHERE user_id = ? AND content_id = ?"), {}))
        return false;
    if (!run(QStringLiteral("DELETE FROM history WHERE user_id = ? AND content_id = ?"
                            " AND observed_at_ms <= ?"),
             {observedAtMs})
        || !run(QStringLiteral("DELETE FROM plays WHERE user_id = ? AND content_id = ?"
                               " AND reported_at_ms <= ?"),
                {observedAtMs}, &dropped))
        return false;
    if (!*existed || removed || dropped <= 0)
        return true;
    // A record observed after the forget stays, with the finishes reported after it alone.
    return run(QStringLiteral("UPDATE progress SET"
                              " play_count = (SELECT COUNT(*) FROM plays WHERE plays.user_id ="
                              " progress.user_id AND plays.content_id = progress.content_id),"
                              " last_finished_ms = COALESCE((SELECT MAX(finished_at_ms) FROM"
                              " plays WHERE plays.user_id = progress.user_id AND"
                              " plays.content_id = progress.content_id), 0)"
                              " WHERE user_id = ? AND content_id = ?"),
               {});
}

bool ProgressStore::dropForgottenBefore(qint64 cutoffMs, int *dropped, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("DELETE FROM forgotten WHERE forgotten_at_ms < ?"));
    query.addBindValue(cutoffMs);
    if (!StorageConnection::exec(query, error))
        return false;
    *dropped = query.numRowsAffected();
    return true;
}

bool ProgressStore::continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records,
                                     QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND NOT %2%3 LIMIT ?")
            .arg(recordColumns(), kWatched, SqlRecord::newestFirst(m_connection.dialect())));
    query.addBindValue(userId);
    query.addBindValue(limit);
    return selectRecords(query, true, records, error);
}

bool ProgressStore::continueByShow(qint64 userId, int limit, QList<ContinueItem> *items,
                                   QString *error)
{
    m_connection.reconnectIfLost();
    items->clear();
    // Newest first until `limit` items: a show's first row is its newest record, watched or not.
    QSqlQuery query(m_connection.database());
    query.setForwardOnly(true);
    query.prepare(
        QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND (show_id IS NOT NULL OR NOT "
                       "%2)%3")
            .arg(recordColumns(), kWatched, SqlRecord::newestFirst(m_connection.dialect())));
    query.addBindValue(userId);
    if (!StorageConnection::exec(query, error))
        return false;
    QHash<QString, qsizetype> shows; // show_id -> its item
    while (items->size() < limit && query.next()) {
        ProgressRecord record = readRecord(query, true);
        if (!record.showId.isEmpty()) {
            if (shows.contains(record.showId))
                continue;
            shows.insert(record.showId, items->size());
        }
        items->append({std::move(record), std::nullopt});
    }
    query.finish();
    if (shows.isEmpty())
        return true;

    // Every finished episode of the user's shows, for Next Up.
    QSqlQuery finished(m_connection.database());
    finished.setForwardOnly(true);
    finished.prepare(QStringLiteral("SELECT %1 FROM progress WHERE user_id = ? AND show_id IS NOT "
                                    "NULL AND play_count > 0")
                         .arg(recordColumns()));
    finished.addBindValue(userId);
    QList<ProgressRecord> episodes;
    if (!selectRecords(finished, true, &episodes, error))
        return false;
    QHash<QString, QList<ProgressRecord>> byShow;
    for (ProgressRecord &episode : episodes) {
        if (shows.contains(episode.showId))
            byShow[episode.showId].append(std::move(episode));
    }
    for (auto it = byShow.cbegin(); it != byShow.cend(); ++it) {
        if (const std::optional<qsizetype> place = NextUp::follows(it.value()))
            (*items)[shows.value(it.key())].nextAfter = it.value().at(*place);
    }
    return true;
}

bool ProgressStore::history(qint64 userId, const QString &contentId, int limit,
                            QList<ProgressRecord> *records, QString *error)
{
    m_connection.reconnectIfLost();
    // The record that stands is the newest entry; history holds the ones it superseded.
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("SELECT %1 FROM (SELECT %1 FROM progress WHERE user_id = ? AND "
                       "content_id = ? UNION ALL SELECT %1 FROM history WHERE user_id = "
                       "? AND content_id = ?) AS entries%2 LIMIT ?")
            .arg(progressRow().columns(), SqlRecord::newestFirst(m_connection.dialect())));
    bindVideo(query, userId, contentId, 2);
    query.addBindValue(limit);
    return selectRecords(query, false, records, error);
}
