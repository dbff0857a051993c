#include "storageconnection.h"

#include "postgresdurability.h"
#include "protocol/sqlmigrator.h"
#include "sqlitestatement.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlDriver>
#include <QVariant>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>

Q_LOGGING_CATEGORY(lcStorage, "playmark.server.storage")

namespace {

SqlMigrator migrator()
{
    return SqlMigrator(QStringLiteral(":/playmark/server/migrations"));
}

thread_local QString lastState;

} // namespace

bool StorageConnection::fail(QString *error, const QString &what, const QSqlError &sqlError,
                             bool log)
{
    lastState = sqlError.nativeErrorCode();
    const QString message = what + QStringLiteral(": ") + sqlError.text();
    if (log)
        qCWarning(lcStorage).noquote() << message;
    if (error)
        *error = message;
    return false;
}

bool StorageConnection::failTransient(QString *error, const QString &what)
{
    lastState = QStringLiteral("40001");
    if (error)
        *error = what;
    return false;
}

bool StorageConnection::exec(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    return fail(error, QStringLiteral("query failed"), query.lastError());
}

QString StorageConnection::lastSqlState()
{
    return lastState;
}

void StorageConnection::clearLastSqlState()
{
    lastState.clear();
}

bool StorageConnection::isTransient(const QString &sqlState)
{
    return sqlState == QLatin1String("40P01") || sqlState == QLatin1String("40001");
}

bool StorageConnection::isUniqueViolation(const QString &sqlState)
{
    return sqlState == QLatin1String("23505") || sqlState == QLatin1String("2067")
        || sqlState == QLatin1String("1555");
}

StorageConnection::StorageConnection()
{
    static std::atomic<int> counter{0};
    m_connectionName = QStringLiteral("playmark-server-%1").arg(counter++);
}

StorageConnection::~StorageConnection()
{
    close();
}

int StorageConnection::latestSchemaVersion()
{
    return migrator().latestVersion();
}

bool StorageConnection::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName)
        && QSqlDatabase::database(m_connectionName, false).isOpen();
}

QSqlDatabase StorageConnection::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

void StorageConnection::setBeforeClose(std::function<void()> dropStatements)
{
    m_beforeClose = std::move(dropStatements);
}

void StorageConnection::dropStatements()
{
    if (m_beforeClose)
        m_beforeClose();
}

bool StorageConnection::open(const QString &location, QString *error)
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

bool StorageConnection::openConnection(QString *error)
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

bool StorageConnection::openSqlite(QSqlDatabase &db, QString *error)
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
    // PostgreSQL's "C" collation (byte order) under its name, so that a migration can order
    // device_id by bytes on both engines in one text: what SQLite's BINARY does for UTF-8 text.
    const auto byBytes = [](void *, int leftSize, const void *left, int rightSize,
                            const void *right) {
        const int common = std::memcmp(left, right, size_t(qMin(leftSize, rightSize)));
        return common != 0 ? common : leftSize - rightSize;
    };
    if (sqlite3_create_collation_v2(SqliteStatement::handleOf(db), "C", SQLITE_UTF8, nullptr,
                                    byBytes, nullptr)
        != SQLITE_OK) {
        if (error)
            *error = QStringLiteral("cannot define the collation \"C\" on %1").arg(path);
        return false;
    }
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

bool StorageConnection::openPostgreSql(QSqlDatabase &db, QString *error)
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
    // That setting prices every plan that still scans (a table with no index, schema_version)
    // above jit_above_cost, so PostgreSQL compiled each such statement with LLVM: 100-160 ms of
    // the database's CPU for a 0.02 ms query (measured: 0.6 s of every server start, three
    // connections reading schema_version). None of the server's short statements gains from JIT.
    const QStringList settings{QStringLiteral("SET synchronous_commit = on"),
                               QStringLiteral("SET client_min_messages = warning"),
                               QStringLiteral("SET enable_seqscan = off")};
    for (const QString &setting : settings) {
        QSqlQuery query(db);
        if (!query.exec(setting))
            return fail(error, setting, query.lastError());
    }
    // PostgreSQL before 11 has no JIT, nor the setting: nothing to turn off there.
    QSqlQuery(db).exec(QStringLiteral("SET jit = off"));
    PostgresDurability::warnOnce(db, m_location.displayName());
    return true;
}

bool StorageConnection::reconnectIfLost(bool *reconnected)
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
    dropStatements();
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

void StorageConnection::close()
{
    dropStatements(); // prepared queries go before their connection
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    QSqlDatabase::database(m_connectionName, false).close();
    QSqlDatabase::removeDatabase(m_connectionName);
}
