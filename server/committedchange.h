#pragma once

#include "protocol/progressrecord.h"

#include <QList>

// One change a server committed: the record that stands after an applied update (or after a stale
// finish changed its count), or a forget that found a record (removed, or kept as newer: either
// way other servers drop what they cached and read it again). ProgressStore returns them; the
// change feed carries them between servers.
struct CommittedChange
{
    enum class Kind { Applied, Removed };
    Kind kind = Kind::Applied;
    qint64 userId = -1;
    ProgressRecord record; // for a removal, only contentId counts
};
