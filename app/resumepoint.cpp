#include "resumepoint.h"

#include "protocol/progressorder.h"

QString ResumePoint::sourceName() const
{
    switch (source) {
    case Source::Server:
        return QStringLiteral("server");
    case Source::Local:
        return QStringLiteral("local");
    case Source::None:
        break;
    }
    return QStringLiteral("none");
}

qint64 ResumePoint::rewindFor(qint64 awayMs)
{
    constexpr qint64 minute = 60 * 1000;
    if (awayMs < 10 * minute)
        return 0;
    if (awayMs < 60 * minute)
        return 5000;
    if (awayMs < 24 * 60 * minute)
        return 10000;
    if (awayMs < 7 * 24 * 60 * minute)
        return 20000;
    return 30000;
}

ResumePoint ResumePoint::choose(const std::optional<ProgressRecord> &server,
                                const std::optional<ProgressRecord> &local, bool fromStart)
{
    ResumePoint point;
    if (fromStart)
        return point;
    if (server && (!local || ProgressOrder::compare(*server, *local) >= 0)) {
        point.source = Source::Server;
        point.record = server;
    } else if (local) {
        point.source = Source::Local;
        point.record = local;
    } else {
        return point;
    }
    // Watched (past the threshold, the end, or marked): the next viewing is from the start.
    if (!point.record->isWatched())
        point.positionMs = point.record->positionMs;
    return point;
}
