#pragma once

// The database a server test runs on, so one suite checks both engines. CTest runs such a suite
// twice: PLAYMARK_TEST_DATABASE=sqlite gives a SQLite file in a temporary folder, =postgresql a
// new database on the private cluster that scripts/test-postgres started (its URL is the first
// line of the file PLAYMARK_TEST_POSTGRES_STATE names), dropped when the test is done.
#include <QCoreApplication>
#include <QDebug>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QUrl>
#include <QVariant>

#include <atomic>
#include <memory>

class TestDatabase
{
    Q_DISABLE_COPY_MOVE(TestDatabase)
public:
    enum class Kind { SQLite, PostgreSQL };

    static Kind kind()
    {
        return qEnvironmentVariable("PLAYMARK_TEST_DATABASE") == QLatin1String("postgresql")
            ? Kind::PostgreSQL
            : Kind::SQLite;
    }
    static bool isPostgreSql() { return kind() == Kind::PostgreSQL; }

    // The cluster's URL (its `postgres` database), or empty with the reason in *error.
    static QString clusterUrl(QString *error)
    {
        const QString stateFile = qEnvironmentVariable("PLAYMARK_TEST_POSTGRES_STATE");
        QFile state(stateFile);
        if (stateFile.isEmpty() || !state.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("no PostgreSQL test cluster: PLAYMARK_TEST_POSTGRES_STATE "
                                    "('%1') names no file written by 'scripts/test-postgres "
                                    "start' (CTest's postgres fixture starts one)")
                         .arg(stateFile);
            return {};
        }
        return QString::fromUtf8(state.readLine().trimmed());
    }

    // `tag` names the database for whoever looks at the cluster while the test runs.
    // `kind`: the engine CTest chose, unless the test needs one in particular.
    explicit TestDatabase(const QString &tag = QStringLiteral("test"),
                          Kind kind = TestDatabase::kind())
        : m_kind(kind)
    {
        static std::atomic<int> counter{0};
        const int number = counter++;
        if (m_kind == Kind::SQLite) {
            m_dir = std::make_unique<QTemporaryDir>();
            if (!m_dir->isValid())
                m_error = QStringLiteral("cannot make a temporary folder");
            m_location = m_dir->filePath(QStringLiteral("%1-%2.sqlite").arg(tag).arg(number));
            return;
        }
        const QString cluster = clusterUrl(&m_error);
        if (cluster.isEmpty())
            return;
        m_database = QStringLiteral("pm_%1_%2_%3")
                         .arg(tag.toLower().remove(QRegularExpression(QStringLiteral("[^a-z0-9]"))))
                         .arg(QCoreApplication::applicationPid())
                         .arg(number);
        QUrl url(cluster);
        // With a linguistic collation, as most real databases have (en_US.UTF-8 and the like),
        // under which 'a' sorts before 'B': the server must still compare device_id by bytes.
        if (!admin([&](QSqlQuery &query) {
                return query.exec(QStringLiteral("CREATE DATABASE %1 TEMPLATE template0 "
                                                 "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
                                                 "LOCALE 'C.UTF-8'")
                                      .arg(m_database));
            }))
            return;
        url.setPath(u'/' + m_database);
        m_location = url.toString();
    }

    ~TestDatabase()
    {
        closeRaw();
        if (!m_database.isEmpty()) {
            admin([&](QSqlQuery &query) {
                return query.exec(
                    QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_database));
            });
        }
    }

    // Empties the database, schema and all, for the next test function (cheaper than a new
    // PostgreSQL database each time). Nothing else may have it open.
    bool reset()
    {
        if (m_kind == Kind::SQLite) {
            closeRaw();
            for (const char *suffix : {"", "-wal", "-shm", "-journal"})
                QFile::remove(m_location + QLatin1String(suffix));
            return true;
        }
        return exec(QStringLiteral("DROP SCHEMA public CASCADE"))
            && exec(QStringLiteral("CREATE SCHEMA public"));
    }

    // Empties the server's tables but keeps the schema: the quick way between test functions
    // that are not about migrations (a fresh file on SQLite, which is just as quick).
    bool clearData()
    {
        if (m_kind == Kind::SQLite || !raw().tables().contains(QStringLiteral("users")))
            return reset();
        return exec(QStringLiteral(
            "TRUNCATE history, progress, plays, forgotten, tokens, devices, pairings, "
            "pairing_failures, revocations, users"));
    }

    bool isValid() const { return m_error.isEmpty() && !m_location.isEmpty(); }
    QString error() const { return m_error; }
    // What `--db` and ServerOptions::databasePath take: a file path or a postgresql:// URL.
    QString location() const { return m_location; }
    // SQLite: the folder the file is in (empty on PostgreSQL).
    QString folder() const { return m_dir ? m_dir->path() : QString(); }

    // A connection of the test's own, to look at what the server wrote.
    QSqlDatabase raw()
    {
        if (!QSqlDatabase::contains(rawName())) {
            QSqlDatabase db;
            if (m_kind == Kind::SQLite) {
                db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), rawName());
                db.setDatabaseName(m_location);
            } else {
                db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), rawName());
                configure(db, QUrl(m_location));
            }
            if (!db.open())
                qWarning("TestDatabase: %s", qPrintable(db.lastError().text()));
        }
        return QSqlDatabase::database(rawName(), false);
    }
    void closeRaw()
    {
        if (!QSqlDatabase::contains(rawName()))
            return;
        QSqlDatabase::database(rawName(), false).close();
        QSqlDatabase::removeDatabase(rawName());
    }
    // The first column of the first row of `sql`, or an invalid QVariant.
    QVariant value(const QString &sql)
    {
        QSqlQuery query(raw());
        if (!query.exec(sql) || !query.next())
            return {};
        return query.value(0);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery query(raw());
        const bool ok = query.exec(sql);
        if (!ok)
            qWarning("TestDatabase: %s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        return ok;
    }

    // Runs the statements of the migration file at `path` the way SqlMigrator does, and marks
    // `version` in schema_version: a database as an older server left it.
    static bool runMigration(QSqlDatabase db, const QString &path, int version)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            qWarning() << "TestDatabase: cannot read" << path;
            return false;
        }
        QString script = QString::fromUtf8(file.readAll());
        script.remove(QRegularExpression(QStringLiteral("--[^\n]*")));
        QSqlQuery query(db);
        for (const QString &statement : script.split(QLatin1Char(';'))) {
            if (!statement.trimmed().isEmpty() && !query.exec(statement)) {
                qWarning() << path << query.lastError().text();
                return false;
            }
        }
        return query.exec(QStringLiteral(
                   "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
            && query.exec(
                QStringLiteral("INSERT INTO schema_version (version) VALUES (%1)").arg(version));
    }

    // Copies every row of `tables` from the SQLite file at `from` into `to`, column by column.
    static bool copyRows(const QString &from, QSqlDatabase to, const QStringList &tables)
    {
        bool ok = true;
        {
            QSqlDatabase source =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("copy-source"));
            source.setDatabaseName(from);
            source.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            ok = source.open();
            for (const QString &table : tables) {
                QSqlQuery rows(source);
                ok = ok && rows.exec(QStringLiteral("SELECT * FROM ") + table);
                while (ok && rows.next()) {
                    const QSqlRecord row = rows.record();
                    QStringList columns;
                    for (int i = 0; i < row.count(); ++i)
                        columns.append(row.fieldName(i));
                    QSqlQuery insert(to);
                    insert.prepare(QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
                                       .arg(table, columns.join(QStringLiteral(", ")),
                                            QStringList(columns.size(), QStringLiteral("?"))
                                                .join(QStringLiteral(", "))));
                    for (int i = 0; i < row.count(); ++i)
                        insert.addBindValue(row.value(i));
                    ok = insert.exec();
                    if (!ok)
                        qWarning() << table << insert.lastError().text();
                }
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("copy-source"));
        return ok;
    }

    // PostgreSQL: this (empty) database as a released server would have it, with the rows of its
    // SQLite file `release` (a copy of one in tests/data): the release's migrations (by default
    // 17b723a's, schema 2) from the source tree at `sourceDir`, then the rows of `tables`.
    bool loadRelease(const QString &release, const QString &sourceDir,
                     const QStringList &migrations = {QStringLiteral("0001_initial.sql"),
                                                      QStringLiteral("0002_choices.sql")},
                     const QStringList &tables = {QStringLiteral("users"), QStringLiteral("tokens"),
                                                  QStringLiteral("progress"),
                                                  QStringLiteral("history")})
    {
        const QString folder = sourceDir + QStringLiteral("/server/migrations/");
        for (const QString &migration : migrations) {
            if (!runMigration(raw(), folder + migration, migration.section(u'_', 0, 0).toInt()))
                return false;
        }
        return copyRows(release, raw(), tables);
    }

private:
    static void configure(QSqlDatabase &db, const QUrl &url)
    {
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setUserName(url.userName());
        db.setDatabaseName(url.path().mid(1));
    }

    template<typename Job>
    bool admin(Job job)
    {
        const QString name = QStringLiteral("tst-admin-%1").arg(quintptr(this));
        bool ok = false;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
            configure(db, QUrl(clusterUrl(&m_error)));
            if (db.open()) {
                QSqlQuery query(db);
                ok = job(query);
                if (!ok)
                    m_error = query.lastError().text();
            } else {
                m_error = QStringLiteral("cannot reach the test cluster: ") + db.lastError().text();
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        return ok;
    }

    QString rawName() const { return QStringLiteral("tst-raw-%1").arg(quintptr(this)); }

    Kind m_kind;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_location;
    QString m_database;
    QString m_error;
};
