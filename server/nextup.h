#pragma once

#include "protocol/progressrecord.h"

#include <QList>

#include <optional>

// Which episode of a show Next Up follows, from the show's episodes that were finished
// (docs/protocol.md, GET /v1/continue): in the order of their last finish, an episode moves the
// place when it is the first, or comes after the place, or comes after the episode finished just
// before it. So rewatching an older episode leaves the place where it was, and finishing the
// episode after that rewatch moves it there ("continuing from there").
namespace NextUp {

// The index in `finished` (records with lastFinishedMs > 0 of one show, any order) of the episode
// Next Up follows; none when `finished` is empty.
std::optional<qsizetype> follows(const QList<ProgressRecord> &finished);

} // namespace NextUp
