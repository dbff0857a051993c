#pragma once

#include "protocol/progressrecord.h"

// The ordering rule of docs/protocol.md, the one place it is written down in code.
// An update replaces a stored record exactly when its (observed_at_ms, device_id) pair is greater,
// device_id compared by bytes. An equal pair is a replay.
namespace ProgressOrder {

// <0, 0 or >0 as a's pair is less than, equal to or greater than b's.
int compare(qint64 aObservedAtMs, const QString &aDeviceId, qint64 bObservedAtMs,
            const QString &bDeviceId);
inline int compare(const ProgressRecord &a, const ProgressRecord &b)
{
    return compare(a.observedAtMs, a.deviceId, b.observedAtMs, b.deviceId);
}

// True when `update` should replace `stored`.
inline bool supersedes(const ProgressRecord &update, const ProgressRecord &stored)
{
    return compare(update, stored) > 0;
}

} // namespace ProgressOrder
