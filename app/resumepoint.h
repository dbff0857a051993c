#pragma once

#include "protocol/progressrecord.h"

#include <QString>

#include <optional>

// Where playback of a video starts, and why.
struct ResumePoint
{
    enum class Source { None, Server, Local };

    qint64 positionMs = 0;
    Source source = Source::None;
    std::optional<ProgressRecord> record; // the record it came from
    // The place it was meant to start at when the player could not go there (positionMs is then
    // where it did start); -1 when it went where it was meant to.
    qint64 missedMs = -1;

    QString sourceName() const;

    // The newer of the server's and the local record by the ordering rule (the server's on a
    // tie: it is the same observation). A watched record (ProgressRecord::isWatched: marked, past
    // the threshold, or `ended` from an older player) starts from 0, and so does
    // everything with `fromStart`.
    // The optional rewind after a break: nothing under 10 minutes away, 5 s under an hour,
    // 10 s under a day, 20 s under a week, 30 s beyond.
    static qint64 rewindFor(qint64 awayMs);

    static ResumePoint choose(const std::optional<ProgressRecord> &server,
                              const std::optional<ProgressRecord> &local, bool fromStart);
};
