#include "filelimit.h"

#include <QLoggingCategory>

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

Q_LOGGING_CATEGORY(lcLimits, "playmark.server.limits")

namespace {

bool below(rlim_t limit, qint64 needed)
{
    return limit != RLIM_INFINITY && qint64(limit) < needed;
}

} // namespace

bool FileLimit::ensure(qint64 needed, QString *error)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        *error = QStringLiteral("cannot read the open-file limit: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (below(limit.rlim_max, needed)) {
        const qint64 room = qint64(limit.rlim_max) - kMargin;
        *error = QStringLiteral("--max-connections %1 needs %2 open files (one a connection and "
                                "%3 for the database, listening sockets and event loops), but the "
                                "hard limit is %4. Raise it (LimitNOFILE=%2 in the systemd unit, "
                                "or 'ulimit -Hn %2' as root before starting) or give "
                                "--max-connections %5 or less.")
                     .arg(needed - kMargin)
                     .arg(needed)
                     .arg(kMargin)
                     .arg(qint64(limit.rlim_max))
                     .arg(qMax<qint64>(room, 0));
        return false;
    }
    if (below(limit.rlim_cur, needed)) {
        const qint64 before = qint64(limit.rlim_cur);
        limit.rlim_cur = rlim_t(needed);
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            *error = QStringLiteral("cannot raise the open-file limit to %1: %2")
                         .arg(needed)
                         .arg(QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        qCInfo(lcLimits, "raised the open-file limit from %lld to %lld for the connections", before,
               needed);
    }
    return true;
}

qint64 FileLimit::connectionsWithinHardLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max == RLIM_INFINITY)
        return -1;
    return qMax<qint64>(qint64(limit.rlim_max) - kMargin, 0);
}
