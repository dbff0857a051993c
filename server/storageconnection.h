#pragma once

#include "databaselocation.h"
#include "protocol/sqlrecord.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>

#include <functional>

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

// One connection to the server's database, shared by the stores that use it (UserStore,
// ProgressStore): opening it (a SQLite file or a postgresql:// URL) and migrating the schema,
// noticing a lost PostgreSQL connection and opening it again, and the SQL error reporting every
// store uses. Used from one thread.
class StorageConnection final
{
    Q_DISABLE_COPY_MOVE(StorageConnection)
public:
    StorageConnection();
    ~StorageConnection();

    // Opens the database at `location`, applies the pending migrations and refuses a database
    // written by a newer schema.
    bool open(const QString &location, QString *error);
    void close();
    bool isOpen() const;
    SqlRecord::Dialect dialect() const { return m_dialect; }
    QSqlDatabase database() const;

    // Whether the database can be used now. On PostgreSQL a connection the server lost (a
    // restart, a network cut) is opened again here; *reconnected says whether that happened.
    bool reconnectIfLost(bool *reconnected = nullptr);
    // Called before the connection closes or is opened again, so that prepared statements go
    // before their connection.
    void setBeforeClose(std::function<void()> dropStatements);

    static int latestSchemaVersion();
    int schemaVersion() const { return m_schemaVersion; }

    // Runs `query`; on failure logs it and puts the reason in *error.
    static bool exec(QSqlQuery &query, QString *error);
    // Reports a failed `what` (always false). `log`: false where the caller reports it itself.
    static bool fail(QString *error, const QString &what, const QSqlError &sqlError,
                     bool log = true);
    // Reports a conflict the code found itself, which the transaction's next run resolves: as
    // isTransient() as a serialization failure (always false).
    static bool failTransient(QString *error, const QString &what);
    // The SQLSTATE of the last statement that failed on this thread (each connection has its
    // thread), and whether it says "try the transaction again" (a deadlock PostgreSQL broke, a
    // serialization failure).
    static QString lastSqlState();
    static void clearLastSqlState();
    static bool isTransient(const QString &sqlState);
    // Whether it says a unique index or primary key refused the row (PostgreSQL's SQLSTATE 23505;
    // SQLite's extended codes, which Qt turns on: SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY, not
    // the other constraints such as a trigger's RAISE).
    static bool isUniqueViolation(const QString &sqlState);

private:
    bool openConnection(QString *error);
    bool openSqlite(QSqlDatabase &db, QString *error);
    bool openPostgreSql(QSqlDatabase &db, QString *error);
    void dropStatements();

    QString m_connectionName;
    DatabaseLocation m_location;
    SqlRecord::Dialect m_dialect = SqlRecord::Dialect::SQLite;
    int m_schemaVersion = 0;
    std::function<void()> m_beforeClose;
};
