#include "protocol/sqlmigrator.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace {

struct Migration
{
    int version;
    QString path;
};

QList<Migration> migrationsIn(const QString &folder)
{
    QList<Migration> result;
    const QStringList files =
        QDir(folder).entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name);
    for (const QString &file : files)
        result.append({file.section(u'_', 0, 0).toInt(), folder + u'/' + file});
    return result;
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

int SqlMigrator::latestVersion() const
{
    const QList<Migration> all = migrationsIn(m_folder);
    return all.isEmpty() ? 0 : all.constLast().version;
}

bool SqlMigrator::checkVersion(const QSqlDatabase &db, int *version, QString *error) const
{
    *version = 0;
    if (db.tables().contains(QStringLiteral("schema_version"))) {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            || !query.next())
            return fail(error,
                        QStringLiteral("cannot read the schema version: ")
                            + query.lastError().text());
        *version = query.value(0).toInt();
    }
    const int latest = latestVersion();
    if (*version > latest)
        return fail(error,
                    QStringLiteral("the database is at schema version %1, newer than this "
                                   "program knows (%2); use a newer version of it")
                        .arg(*version)
                        .arg(latest));
    return true;
}

namespace {

// PostgreSQL: several servers may start on one new database at the same moment. A session lock
// lets one migrate while the others wait, then find nothing left to do.
class MigrationLock final
{
    Q_DISABLE_COPY_MOVE(MigrationLock)
public:
    explicit MigrationLock(const QSqlDatabase &db)
        : m_db(db), m_needed(db.driverName() == QLatin1String("QPSQL"))
    {
    }
    ~MigrationLock()
    {
        if (m_held)
            QSqlQuery(m_db).exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kKey));
    }
    bool take(QString *error)
    {
        if (!m_needed)
            return true;
        QSqlQuery query(m_db);
        m_held = query.exec(QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kKey));
        return m_held
            || fail(error,
                    QStringLiteral("cannot lock the schema for migrations: ")
                        + query.lastError().text());
    }

private:
    static constexpr qint64 kKey = 0x706c61796d61726b; // "playmark"
    QSqlDatabase m_db;
    bool m_needed;
    bool m_held = false;
};

} // namespace

bool SqlMigrator::migrate(QSqlDatabase &db, int *version, QString *error) const
{
    MigrationLock lock(db);
    if (!lock.take(error) || !checkVersion(db, version, error))
        return false;
    QSqlQuery query(db);
    if (!query.exec(
            QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")))
        return fail(error,
                    QStringLiteral("cannot create schema_version: ") + query.lastError().text());
    query.finish();

    for (const Migration &migration : migrationsIn(m_folder)) {
        if (migration.version <= *version)
            continue;
        QFile file(migration.path);
        if (!file.open(QIODevice::ReadOnly))
            return fail(error, QStringLiteral("cannot read migration %1").arg(migration.path));
        // Migrations hold plain statements: no semicolons inside strings or triggers.
        QString script = QString::fromUtf8(file.readAll());
        script.remove(QRegularExpression(QStringLiteral("--[^\n]*")));

        SqlTransaction transaction(db);
        if (!transaction.begun(error))
            return false;
        for (const QString &statement : script.split(u';')) {
            if (statement.trimmed().isEmpty())
                continue;
            QSqlQuery step(db);
            if (!step.exec(statement))
                return fail(error,
                            QStringLiteral("migration %1 failed: %2")
                                .arg(migration.version)
                                .arg(step.lastError().text()));
        }
        QSqlQuery mark(db);
        mark.prepare(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"));
        mark.addBindValue(migration.version);
        if (!mark.exec())
            return fail(error,
                        QStringLiteral("cannot record schema version %1: %2")
                            .arg(migration.version)
                            .arg(mark.lastError().text()));
        if (!transaction.commit(error))
            return false;
        *version = migration.version;
    }
    return true;
}

SqlTransaction::SqlTransaction(const QSqlDatabase &db) : m_db(db)
{
    if (m_db.driverName() != QLatin1String("QSQLITE")) {
        m_open = m_db.transaction();
        return;
    }
    // SQLite: a deferred transaction that reads and then writes fails at once, without waiting
    // (SQLITE_BUSY), when another connection committed in between, as the server does all the
    // time (`playmark-server user add` beside a running server). Taking the write lock first
    // waits for it as long as the busy timeout allows instead.
    QSqlQuery begin(m_db);
    m_open = begin.exec(QStringLiteral("BEGIN IMMEDIATE"));
    if (!m_open)
        m_beginError = begin.lastError().text();
}

SqlTransaction::~SqlTransaction()
{
    if (m_open)
        m_db.rollback();
}

bool SqlTransaction::begun(QString *error) const
{
    return m_open
        || fail(error,
                QStringLiteral("cannot begin a transaction: ")
                    + (m_beginError.isEmpty() ? m_db.lastError().text() : m_beginError));
}

bool SqlTransaction::commit(QString *error)
{
    if (!m_db.commit())
        return fail(error, QStringLiteral("commit failed: ") + m_db.lastError().text());
    m_open = false;
    return true;
}
