#pragma once

#include <QSqlDatabase>
#include <QString>

// Numbered migrations (NNNN_name.sql files in a Qt resource folder) applied in order, each in its
// own transaction, with the version kept in a schema_version table. Shared by the server's
// database and the player's local copy. A database newer than the code knows is refused.
class SqlMigrator final
{
public:
    explicit SqlMigrator(QString resourceFolder) : m_folder(std::move(resourceFolder)) { }

    int latestVersion() const;
    // Reads the version without writing anything, and refuses a database newer than the code.
    // Call it before anything else touches the file, so a refused database is left as it was.
    bool checkVersion(const QSqlDatabase &db, int *version, QString *error) const;
    // Brings `db` up to latestVersion(); *version gets the version the database is at afterwards.
    bool migrate(QSqlDatabase &db, int *version, QString *error) const;

private:
    QString m_folder;
};

// Rolls back unless committed, so every early return inside a transaction is safe.
class SqlTransaction final
{
    Q_DISABLE_COPY_MOVE(SqlTransaction)
public:
    explicit SqlTransaction(const QSqlDatabase &db);
    ~SqlTransaction();

    bool begun(QString *error) const;
    bool commit(QString *error);

private:
    QSqlDatabase m_db;
    bool m_open = false;
    QString m_beginError;
};
