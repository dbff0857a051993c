#pragma once

#include <QSqlDatabase>
#include <QStringList>

// Whether a PostgreSQL connection makes commits durable: the server answers 2xx only for an update
// that survives a crash, which PostgreSQL keeps only with fsync on (the whole cluster; a session
// cannot change it) and synchronous_commit on for the session (the server sets it, but a setting
// it cannot override, such as a pooler's, would still show here).
class PostgresDurability
{
public:
    // What is not durable about `db` (open), one sentence each; empty when commits are durable
    // or the settings cannot be read (then the statements that follow report the real error).
    static QStringList problems(QSqlDatabase &db);
    // Logs the problems of `db` as warnings (stderr), once per process: each server opens
    // several connections to one database, and one warning says it.
    static void warnOnce(QSqlDatabase &db, const QString &displayName);
};
