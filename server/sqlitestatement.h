#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QVariant>

struct sqlite3;
struct sqlite3_stmt;

// One statement prepared through SQLite's own API on the connection Qt SQL opened (its driver
// handle), for the server's hot path: Qt 6.4's QSqlQuery formats a placeholder name with
// QString::arg for every value it binds, which measured about 12% of a PUT. Values bind by
// position (1-based, in the order of the statement's '?'), as QSqlQuery::addBindValue would.
// Runs inside the transactions Qt SQL begins on the same connection. Used from one thread.
class SqliteStatement final
{
    Q_DISABLE_COPY_MOVE(SqliteStatement)
public:
    SqliteStatement() = default;
    ~SqliteStatement();

    // The handle of `db`, a QSQLITE connection that is open; null if it is not one.
    static sqlite3 *handleOf(const QSqlDatabase &db);

    bool prepare(sqlite3 *db, const QString &sql, QString *error);
    // Appends a value: NULL for a null QVariant, else an integer, a real or text by its type.
    void bind(const QVariant &value);
    void bind(qint64 value);
    void bind(const QString &text);
    // Runs the statement to its end with the values bound since the last run, then clears them.
    // *changes: the rows it inserted, updated or deleted. On failure, the reason in *error and
    // the extended result code as StorageConnection::lastSqlState(). Fails (nothing run) when
    // the statement is not prepared.
    bool run(int *changes, QString *error);

private:
    bool fail(const QString &what, QString *error);

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    QString m_sql;
    int m_next = 1;
};
