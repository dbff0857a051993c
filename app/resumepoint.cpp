#include "resumepoint.h"

#include "progressorder.h"

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
    if (point.record->state != PlaybackState::Ended)
        point.positionMs = point.record->positionMs;
    return point;
}
