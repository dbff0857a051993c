#pragma once

#include "client/continueentry.h"

#include <QList>

#include <optional>

// The server's Continue Watching rules (docs/protocol.md, GET /v1/continue) for the records this
// device knows, so that the list is grouped the same way when the server cannot be asked (offline,
// or an older server without the route): one item per show and per watched-or-not film, newest
// activity first. The local copy keeps each video's newest record only, not every finish: a
// video counts as finished here when its record says so.
namespace ContinueGrouping {

// `records`: any order, one per video. At most `limit` items, newest record.observedAtMs first.
// Films (no show_id) only while not watched; every show with its newest record and nextAfter.
QList<ContinueEntry> group(const QList<ProgressRecord> &records, int limit);

// Of one show's records, the one Next Up follows (NextUp::follows, the server's rule); nullopt when
// none is watched.
std::optional<ProgressRecord> nextAfter(const QList<ProgressRecord> &episodes);

} // namespace ContinueGrouping
