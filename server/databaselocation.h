#pragma once

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

// Where the server keeps its data: a SQLite file (a path) or a PostgreSQL database
// (postgresql://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DATABASE[?libpq-option=value&...]).
// Several hosts are libpq's multi-host form: the members of a replicated cluster, of which the
// server uses the one that takes writes (target_session_attrs=read-write unless the URL says
// otherwise), found again after a failover each time a connection is opened. Hosts and ports
// are given there only, not again as options.
struct DatabaseLocation
{
    enum class Kind { SQLite, PostgreSQL };
    Kind kind = Kind::SQLite;

    QString path; // SQLite: the file

    // PostgreSQL. An empty host or user leaves it to libpq's defaults (PGHOST, PGUSER, the
    // Unix socket...); a password is better kept in PGPASSWORD or ~/.pgpass than in the URL.
    struct Host
    {
        QString name; // empty: libpq's default
        int port = -1; // -1: libpq's default
    };
    QList<Host> hosts; // at least one
    QString user;
    QString password;
    QString database;
    QString options; // libpq connection options, "key=value;key=value" as QPSQL wants them

    static bool isPostgreSqlUrl(const QString &text);
    // A path, or a postgresql:// URL checked for its parts; nullopt with the reason otherwise.
    static std::optional<DatabaseLocation> parse(const QString &text, QString *error);
    // PostgreSQL: sets `db` (a QPSQL connection, not open yet) to connect here. Unless the URL
    // says otherwise: it gives up on a host after 5 s (connect_timeout); a database machine that
    // vanished is noticed within about 25 s (keepalives_idle, _interval, _count and
    // tcp_user_timeout); only a host that takes writes will do (target_session_attrs=read-write).
    void configure(QSqlDatabase &db) const;
    // The libpq options configure() passes (QPSQL's "key=value;key=value" form).
    QString connectOptions() const;
    // For messages and logs: the URL without its password, or the path.
    QString displayName() const;
};
