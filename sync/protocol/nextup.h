#pragma once

#include "protocol/progressrecord.h"

#include <QList>

#include <optional>

// Which episode of a show Next Up follows (docs/protocol.md, GET /v1/continue), one rule for the
// server's list and for the player's own when the server cannot be asked. Of the show's episodes
// watched now, in the order of their last finish, an episode moves the place when it is the
// first, or comes after the place, or comes after the episode finished just before it. So
// rewatching an older episode leaves the place where it was, finishing the episode after that
// rewatch moves it there ("continuing from there"), and an episode marked unwatched (or being
// rewatched) no longer counts: Next Up offers it again.
namespace NextUp {

// When the record's video was last finished, as far as the record tells: the server's
// last_finished_ms, or the record's own finish (an older player's `ended`: when it was seen);
// 0: never.
qint64 lastFinishedMs(const ProgressRecord &record);

// The index in `episodes` (one show's records, any order) of the episode Next Up follows; none
// when no episode with a valid episode id is watched.
std::optional<qsizetype> follows(const QList<ProgressRecord> &episodes);

} // namespace NextUp
