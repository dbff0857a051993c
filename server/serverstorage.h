#pragma once

#include "databaselocation.h"
#include "protocol/progressrecord.h"
#include "protocol/sqlrecord.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>
#include <optional>

struct UserSummary
{
    QString name;
    qint64 createdAtMs = 0;
    int activeTokens = 0;
    int records = 0;
};

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

// All of the server's SQL. Every method returns false on a storage failure with the reason in
// *error; "not there" is not a failure and is told through the output parameters.
// One instance owns one connection and is used from one thread.
class ServerStorage final
{
    Q_DISABLE_COPY_MOVE(ServerStorage)
public:
    ServerStorage();
    ~ServerStorage();

    // Opens the database at `location` (a SQLite file path, created if needed, or a
    // postgresql:// URL), applies the pending migrations and refuses a database written by a
    // newer schema.
    bool open(const QString &location, QString *error);
    void close();
    bool isOpen() const;
    SqlRecord::Dialect dialect() const { return m_dialect; }

    // Whether the database can be used now. On PostgreSQL a connection the server lost (a
    // restart, a network cut) is opened again here; *reconnected says whether that happened.
    // Every operation below calls it first, so the one that found the connection lost fails and
    // the next one works.
    bool reconnectIfLost(bool *reconnected = nullptr);

    // PostgreSQL: every committed change is also announced on this NOTIFY channel, in its
    // transaction, tagged with `origin` (ChangeNotice), so other servers hear of it.
    void announceChanges(const QString &channel, const QString &origin);

    // The columns of the progress and history tables: user_id, the record's, received_at_ms.
    static const SqlRecord::Row &progressRow();

    static int latestSchemaVersion();
    int schemaVersion() const { return m_schemaVersion; }

    // Users and tokens. The returned tokens are the only time they exist outside a hash.
    static bool isValidUserName(const QString &name);
    bool addUser(const QString &name, QString *token, QString *error);
    bool issueToken(const QString &name, QString *token, QString *error);
    bool revokeTokens(const QString &name, int *revoked, QString *error);
    bool listUsers(QList<UserSummary> *users, QString *error);
    // *userId is -1 when the token is unknown or revoked.
    bool userForToken(const QString &token, qint64 *userId, QString *error);
    bool userForTokenHash(const QString &tokenHash, qint64 *userId, QString *error);

    // Progress. `update` must have passed validation.
    bool apply(qint64 userId, const ProgressRecord &update, qint64 receivedAtMs,
               ApplyOutcome *outcome, QString *error);
    // Several changes in one transaction, in order: one commit for all (group commit). On
    // failure nothing of the group is written. A group PostgreSQL rolled back for a conflict
    // with another server's (a deadlock it broke) runs again, up to three times.
    bool applyBatch(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes, QString *error);
    bool record(qint64 userId, const QString &contentId, std::optional<ProgressRecord> *record,
                QString *error);
    bool remove(qint64 userId, const QString &contentId, bool *existed, QString *error);
    bool continueWatching(qint64 userId, int limit, QList<ProgressRecord> *records, QString *error);
    bool history(qint64 userId, const QString &contentId, int limit, QList<ProgressRecord> *records,
                 QString *error);

private:
    bool openConnection(QString *error);
    bool openSqlite(QSqlDatabase &db, QString *error);
    bool openPostgreSql(QSqlDatabase &db, QString *error);
    bool applyBatchOnce(const QList<WriteOp> &ops, QList<ApplyOutcome> *outcomes, QString *error);
    // record() without reconnecting: for use inside a transaction.
    bool selectRecord(qint64 userId, const QString &contentId,
                      std::optional<ProgressRecord> *record, QString *error);
    bool announce(const QList<WriteOp> &ops, const QList<ApplyOutcome> &outcomes, QString *error);
    bool findUser(const QString &name, qint64 *userId, QString *error);
    bool insertToken(qint64 userId, QString *token, QString *error);

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

    QString m_connectionName;
    DatabaseLocation m_location;
    SqlRecord::Dialect m_dialect = SqlRecord::Dialect::SQLite;
    std::unique_ptr<Statements> m_statements;
    int m_schemaVersion = 0;
    QString m_changeChannel;
    QString m_origin;
};
