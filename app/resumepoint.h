#pragma once

#include "progressrecord.h"

#include <QString>

#include <optional>

// Where playback of a video starts, and why.
struct ResumePoint
{
    enum class Source { None, Server, Local };

    qint64 positionMs = 0;
    Source source = Source::None;
    std::optional<ProgressRecord> record; // the record it came from

    QString sourceName() const;

    // The newer of the server's and the local record by the ordering rule (the server's on a
    // tie: it is the same observation). A record in state `ended` starts from 0, and so does
    // everything with `fromStart`.
    static ResumePoint choose(const std::optional<ProgressRecord> &server,
                              const std::optional<ProgressRecord> &local, bool fromStart);
};
