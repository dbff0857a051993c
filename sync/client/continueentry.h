#pragma once

#include "protocol/progressrecord.h"

#include <QMetaType>

#include <optional>

// One item of the server's Continue Watching (GET /v1/continue): a film's record, or a show's
// newest record with, once any episode of the show was finished, the record of the episode Next
// Up follows (docs/protocol.md). The player groups its local copy into the same items offline.
struct ContinueEntry
{
    ProgressRecord record;
    std::optional<ProgressRecord> nextAfter;

    friend bool operator==(const ContinueEntry &a, const ContinueEntry &b)
    {
        return a.record == b.record && a.nextAfter == b.nextAfter;
    }
};

Q_DECLARE_METATYPE(ContinueEntry)
