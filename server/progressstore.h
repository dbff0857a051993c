#pragma once

#include "committedchange.h"
#include "protocol/progressrecord.h"
#include "protocol/sqlrecord.h"

#include <QByteArray>
#include <QList>
#include <QSqlQuery>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class StorageConnection;

struct ApplyOutcome
{
    bool applied = false; // for a removal: whether there was something to remove
    ProgressRecord record; // the record that stands after the update
};

// One change in a group of changes committed together.
struct WriteOp
{
    enum class Kind { Apply, Remove };
    Kind kind = Kind::Apply;
    qint64 userId = -1;
    ProgressRecord update; // for Remove, only contentId counts
    qint64 receivedAtMs = 0;
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
    bool remove(qint64 userId, const QString &contentId, bool *existed, QString *error);
    bool continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records, QString *error);
    bool history(qint64 userId, const QString &contentId, int limit, QList<ProgressRecord> *records,
                 QString *error);

    // What a group of `ops` with these `outcomes` changed: the applied updates and the removals
    // that found something.
    static QList<CommittedChange> committedChanges(const QList<WriteOp> &ops,
                                                   const QList<ApplyOutcome> &outcomes);

private:
    bool applyBatchOnce(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes,
                        QList<CommittedChange> *changes, QString *error);
    // record() without reconnecting: for use inside a transaction.
    bool selectRecord(qint64 userId, const QString &contentId,
                      std::optional<ProgressRecord> *record, QString *error);
    bool announce(const QList<CommittedChange> &changes, QString *error);

    // The statements of the hot path, prepared once per connection.
    struct Statements
    {
        explicit Statements(const QSqlDatabase &db)
            : upsert(db), history(db), prune(db), select(db), applyAll(db), notify(db)
        {
        }
        QSqlQuery upsert;
        QSqlQuery history;
        QSqlQuery prune;
        QSqlQuery select;
        // PostgreSQL: upsert, history and prune in one statement, one round trip.
        QSqlQuery applyAll;
        QSqlQuery notify;
    };
    Statements &statements();
    bool applyInTransaction(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
                            ApplyOutcome *outcome, QString *error);
    bool removeInTransaction(qint64 userId, const QString &contentId, bool *existed,
                             QString *error);

    StorageConnection &m_connection;
    std::unique_ptr<Statements> m_statements;
    QString m_changeChannel;
    Encoder m_encode;
};
