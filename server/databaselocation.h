#pragma once

#include <QSqlDatabase>
#include <QString>

#include <optional>

// Where the server keeps its data: a SQLite file (a path) or a PostgreSQL database
// (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?libpq-option=value&...]).
struct DatabaseLocation
{
    enum class Kind { SQLite, PostgreSQL };
    Kind kind = Kind::SQLite;

    QString path; // SQLite: the file

    // PostgreSQL. An empty host or user leaves it to libpq's defaults (PGHOST, PGUSER, the
    // Unix socket...); a password is better kept in PGPASSWORD or ~/.pgpass than in the URL.
    QString host;
    int port = -1;
    QString user;
    QString password;
    QString database;
    QString options; // libpq connection options, "key=value;key=value" as QPSQL wants them

    static bool isPostgreSqlUrl(const QString &text);
    // A path, or a postgresql:// URL checked for its parts; nullopt with the reason otherwise.
    static std::optional<DatabaseLocation> parse(const QString &text, QString *error);
    // PostgreSQL: sets `db` (a QPSQL connection, not open yet) to connect here, giving up after
    // 5 s unless the URL says otherwise (connect_timeout).
    void configure(QSqlDatabase &db) const;
    // For messages and logs: the URL without its password, or the path.
    QString displayName() const;
};
