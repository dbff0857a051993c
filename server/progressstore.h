#pragma once

#include "committedchange.h"
#include "devicetouch.h"
#include "protocol/progressrecord.h"
#include "protocol/sqlrecord.h"
#include "sqlitestatement.h"

#include <QByteArray>
#include <QList>
#include <QSqlQuery>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class StorageConnection;

struct ApplyOutcome
{
    // Whether the update was applied. For a removal: whether a record was there (removed, or
    // kept because it was observed after the forget).
    bool applied = false;
    // The record that stands after the update, with its play count; none (empty) when the update
    // was stale by a forget.
    ProgressRecord record;
    // >= 0: the update was observed at or before the video's forget at this time: stale, and not
    // a finish either (docs/protocol.md, "Forgetting"). -1: not forgotten.
    qint64 forgottenAtMs = -1;
    // The update was a finish not known before: the record's count changed even if it was stale.
    bool counted = false;
    // For a Bind: another active device of the user has one of the device_ids (nothing bound).
    bool deviceIdTaken = false;
    // Whether record.playCount and lastFinishedMs are the record's. Not for an update SQLite
    // applied that was not a finish: the counts are then the ones the record had before.
    bool countsKnown = true;
};

// One entry of GET /v1/continue: a show's newest record, or a film's, and for a show the record
// of the episode Next Up follows (NextUp::follows).
struct ContinueItem
{
    ProgressRecord record;
    std::optional<ProgressRecord> nextAfter;
};

// One change in a group of changes committed together.
struct WriteOp
{
    enum class Kind {
        Apply,
        Remove,
        // The device `deviceKey` of the user sends `bindDeviceIds` (docs/protocol.md, "Devices
        // and pairing"): unless another active device of the user has one of them
        // (ApplyOutcome::deviceIdTaken), the last becomes the device's device_id.
        Bind,
        Touch, // only `touch`
    };
    Kind kind = Kind::Apply;
    qint64 userId = -1;
    // For Remove, only contentId and observedAtMs (when the forget was observed) count.
    ProgressRecord update;
    qint64 receivedAtMs = 0;
    QString deviceKey; // Bind
    QStringList bindDeviceIds; // Bind
    // The device's activity to write with this change (any kind), if any: a group writes each
    // device's once, after its records.
    std::optional<DeviceTouch> touch;
};

// The progress records and their history, in the server's database: the ordering rule applied by
// the database, history kept and pruned, Continue Watching. Every method returns false on a
// storage failure with the reason in *error; "not there" is not a failure and is told through
// the output parameters.
class ProgressStore final
{
    Q_DISABLE_COPY_MOVE(ProgressStore)
public:
    // What a group of committed changes is told as, to other servers: the payloads of NOTIFYs.
    using Encoder = std::function<QList<QByteArray>(const QList<CommittedChange> &changes)>;

    explicit ProgressStore(StorageConnection &connection);
    ~ProgressStore();

    // The columns of the progress and history tables: user_id, the record's, received_at_ms.
    static const SqlRecord::Row &progressRow();
    // What progress has besides: the server's own counts, changed only when a finish is new.
    static QStringList countColumns();
    // Forgets older than this are dropped (docs/protocol.md: 90 days).
    static constexpr qint64 kKeepForgottenMs = 90LL * 24 * 60 * 60 * 1000;
    // History (docs/protocol.md, "History"): the newest kHistoryNewest applied updates of a video
    // as they came; older, only the entries a person would jump back to, at most
    // kHistoryAtMost entries in all. A position further than kSeekMs from where playing since
    // the update before explains is a seek; of the plain `playing` reports, the first of each
    // kPeriodicMs (of observed_at_ms) is kept.
    static constexpr int kHistoryNewest = 50;
    static constexpr int kHistoryAtMost = 150;
    static constexpr qint64 kSeekMs = 10000;
    static constexpr qint64 kPeriodicMs = 60000;

    // PostgreSQL: every group's committed changes are also sent on this NOTIFY channel, as
    // `encode` makes them, in its transaction, so other servers hear of them in commit order.
    // An empty channel: none.
    void announceChanges(const QString &channel, Encoder encode);

    // `update` must have passed validation.
    bool apply(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
               ApplyOutcome *outcome, QString *error);
    // Several changes in one transaction, in order: one commit for all (group commit). On
    // failure nothing of the group is written. A group PostgreSQL rolled back for a conflict
    // with another server's (a deadlock it broke) runs again, up to three times. `committed`,
    // when given, gets what the group changed.
    bool applyBatch(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes, QString *error,
                    QList<CommittedChange> *committed = nullptr);
    bool record(qint64 userId, const QString &contentId, std::optional<ProgressRecord> *record,
                QString *error);
    // A forget observed at `observedAtMs`: removes the record (and history and finishes) observed
    // at or before it and keeps the forget, so older updates arriving later are stale.
    bool remove(qint64 userId, const QString &contentId, qint64 observedAtMs, bool *existed,
                QString *error);
    // Drops the forgets observed before `cutoffMs`; `dropped` gets how many.
    bool dropForgottenBefore(qint64 cutoffMs, int *dropped, QString *error);
    // GET /v1/progress: the records not watched, newest first.
    bool continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records, QString *error);
    // GET /v1/continue: one item per show and per film not watched, newest first.
    bool continueByShow(qint64 userId, int limit, QList<ContinueItem> *items, QString *error);
    bool history(qint64 userId, const QString &contentId, int limit, QList<ProgressRecord> *records,
                 QString *error);

    // The records that stand and were received at or after `sinceMs` (by the server that took
    // them), as applied changes, oldest receipt first: what a change feed that lost its
    // connection may have missed (ChangeFeed). Reads `db` (a connection of the caller's own);
    // scans progress, which has no index on received_at_ms: this runs once per reconnection,
    // and an index would cost every write.
    // At most `limit` of them, the newest; *complete says whether that was all.
    static bool changedSince(const QSqlDatabase &db, qint64 sinceMs, int limit,
                             QList<CommittedChange> *changes, bool *complete, QString *error);

    // What a group of `ops` with these `outcomes` changed: the applied updates and the removals
    // that found something.
    static QList<CommittedChange> committedChanges(const QList<WriteOp> &ops,
                                                   const QList<ApplyOutcome> &outcomes);

private:
    bool applyBatchOnce(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                        QList<CommittedChange> *changes, QString *error);
    // record() without reconnecting: for use inside a transaction. `forgottenAtMs`, when given,
    // gets the video's forget (-1: none) when there is a record.
    bool selectRecord(qint64 userId, const QString &contentId,
                      std::optional<ProgressRecord> *record, QString *error,
                      qint64 *forgottenAtMs = nullptr);
    bool selectForgotten(qint64 userId, const QString &contentId, qint64 *forgottenAtMs,
                         QString *error);
    // Keeps `update`'s finish (it must be watched); *isNew when it was not known, and then the
    // record's counts have changed.
    bool recordFinish(qint64 userId, const ProgressRecord &update, bool *isNew, QString *error);
    bool announce(const QList<CommittedChange> &changes, QString *error);
    // The group's binds and touches, by device (in one order on every server, after the
    // records, so that two groups never wait for each other's rows in a circle).
    bool writeDevices(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes, QString *error);
    bool bindInTransaction(const WriteOp &op, bool *taken, QString *error);

    // The statements of the hot path, prepared once per connection.
    struct Statements
    {
        explicit Statements(const QSqlDatabase &db)
            : select(db),
              applyAll(db),
              notify(db),
              finish(db),
              count(db),
              reported(db),
              counts(db),
              touch(db)
        {
        }
        // SQLite: prepared through its own API (SqliteStatement: no per-value cost of Qt SQL's).
        SqliteStatement upsert;
        SqliteStatement history;
        SqliteStatement prune;
        QSqlQuery select;
        // PostgreSQL: upsert, history and prune in one statement, one round trip.
        // (SQLite: before the upsert, history writes the record the update supersedes, with its
        // `kept` flag; prune drops the entry leaving the newest kHistoryNewest if it is not kept,
        // and the oldest beyond kHistoryAtMost.)
        QSqlQuery applyAll;
        QSqlQuery notify;
        // Only for updates that count the video as watched: the finish, kept once, and the
        // record's counts when it is new (or when it was last reported, when not).
        QSqlQuery finish;
        QSqlQuery count;
        QSqlQuery reported;
        QSqlQuery counts; // SQLite: the counts after a finish
        QSqlQuery touch; // devices.last_seen_ms and the rest (DeviceTouch)
    };
    // Prepares the statements if they are not (each call tries again after a failure); the
    // first failure in *error, and none prepared. statements() only after it succeeded.
    bool prepareStatements(QString *error);
    Statements &statements();
    bool applyInTransaction(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
                            ApplyOutcome *outcome, QString *error);
    bool removeInTransaction(qint64 userId, const QString &contentId, qint64 observedAtMs,
                             bool *existed, QString *error);

    StorageConnection &m_connection;
    std::unique_ptr<Statements> m_statements;
    QString m_changeChannel;
    Encoder m_encode;
};
