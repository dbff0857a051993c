#pragma once

#include <QString>
#include <QtGlobal>

// The server's open-file limit (RLIMIT_NOFILE) against what --max-connections needs: one file a
// connection plus a margin for the rest. Raising the soft limit up to the hard limit needs no
// privilege, so the server does it itself; beyond the hard limit only the person starting it can
// help (LimitNOFILE= in the systemd unit, `ulimit -Hn` as root), so the server says so and stops
// instead of failing accept() with EMFILE under load, long after it started.
class FileLimit final
{
public:
    // Files besides the connections: the database (SQLite's file, -wal and -shm per storage
    // connection, or PostgreSQL's sockets), one listening socket per HTTP thread, each thread's
    // event loop, and connections over the limit held open for a moment to be answered 503.
    static constexpr qint64 kMargin = 256;

    static qint64 neededFor(qint64 maxConnections) { return maxConnections + kMargin; }

    // Raises the soft limit to `needed` if it is below (never lowers it). False, with what to do
    // in *error, if the hard limit is below `needed` or the system refuses.
    static bool ensure(qint64 needed, QString *error);

    // How many connections the hard limit has room for (-1: no limit, or it cannot be read).
    static qint64 connectionsWithinHardLimit();
};
