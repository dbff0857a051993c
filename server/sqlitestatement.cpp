#include "sqlitestatement.h"

#include "storageconnection.h"

#include <QSqlDriver>
#include <QSqlError>

#include <sqlite3.h>

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement); // a no-op for null
}

sqlite3 *SqliteStatement::handleOf(const QSqlDatabase &db)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.data());
}

bool SqliteStatement::prepare(sqlite3 *db, const QString &sql, QString *error)
{
    sqlite3_finalize(m_statement);
    m_statement = nullptr;
    m_db = db;
    m_sql = sql;
    m_next = 1;
    if (!db) {
        if (error)
            *error = QStringLiteral("no SQLite connection to prepare on");
        return false;
    }
    // Kept for the connection's life: SQLITE_PREPARE_PERSISTENT tells SQLite so.
    const QByteArray text = sql.toUtf8();
    if (sqlite3_prepare_v3(db, text.constData(), int(text.size()), SQLITE_PREPARE_PERSISTENT,
                           &m_statement, nullptr)
        != SQLITE_OK)
        return fail(QStringLiteral("cannot prepare"), error);
    return true;
}

void SqliteStatement::bind(const QVariant &value)
{
    if (value.isNull()) {
        sqlite3_bind_null(m_statement, m_next++);
        return;
    }
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Bool:
        bind(value.toLongLong());
        return;
    case QMetaType::Double:
        sqlite3_bind_double(m_statement, m_next++, value.toDouble());
        return;
    default:
        bind(value.toString());
        return;
    }
}

void SqliteStatement::bind(qint64 value)
{
    // A null statement: SQLite refuses (SQLITE_MISUSE) and run() tells.
    sqlite3_bind_int64(m_statement, m_next++, value);
}

void SqliteStatement::bind(const QString &text)
{
    // UTF-16 as QString holds it, copied by SQLite (the QString may go before the statement runs).
    sqlite3_bind_text16(m_statement, m_next++, text.utf16(), int(text.size() * sizeof(char16_t)),
                        SQLITE_TRANSIENT);
}

bool SqliteStatement::run(int *changes, QString *error)
{
    m_next = 1;
    // Never prepared, or its prepare failed: SQLite's calls below would take a null statement
    // (sqlite3_clear_bindings dereferences it).
    if (!m_statement) {
        if (error)
            *error = QStringLiteral("statement not prepared: ") + m_sql;
        return false;
    }
    int result = SQLITE_ROW;
    while (result == SQLITE_ROW)
        result = sqlite3_step(m_statement);
    const bool ok = result == SQLITE_DONE;
    if (ok && changes)
        *changes = sqlite3_changes(m_db);
    if (!ok)
        fail(QStringLiteral("query failed"), error);
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    return ok;
}

bool SqliteStatement::fail(const QString &what, QString *error)
{
    // As Qt's driver reports it: the extended result code is the native error code.
    return StorageConnection::fail(error, what,
                                   QSqlError(QString::fromUtf8(sqlite3_errmsg(m_db)), m_sql,
                                             QSqlError::StatementError,
                                             QString::number(sqlite3_extended_errcode(m_db))));
}
