#pragma once

#include <QtGlobal>

// The numbers docs/protocol.md promises, which the server enforces (or defaults to) and the
// player counts on; each is written here once.
namespace ProtocolLimits {
// The server's default request body limit (--max-body-bytes); a larger body gets 413.
constexpr qint64 kMaxBodyBytes = 64 * 1024;
// Updates in one POST /v1/sync at most.
constexpr int kMaxSyncUpdates = 500;
// How far ahead of the server's clock an observed_at_ms may be before 422 clock_skew.
constexpr qint64 kMaxClockAheadMs = 60 * 1000;
// The event stream sends a comment at least this often, so a quiet connection is not a dead one.
constexpr int kKeepAliveMs = 15 * 1000;
} // namespace ProtocolLimits
