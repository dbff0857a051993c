#include "watchedrule.h"

bool WatchedRule::passes(qint64 positionMs, qint64 durationMs) const
{
    // Integers: 90 % of 100000 ms is exactly 90000, with no rounding to argue about.
    return durationMs > 0 && positionMs * 100 >= durationMs * m_percent;
}

bool WatchedRule::isStarted(qint64 positionMs, qint64 durationMs)
{
    if (positionMs < kStartedMs)
        return false;
    return durationMs <= 0 || positionMs * 100 >= durationMs * kStartedPercent;
}
