#pragma once

#include "protocol/progressrecord.h"

#include <QString>

#include <optional>

// One entry of Continue Watching as this device offers it (ContinueWatchingModel makes them from
// the server's or the local copy's items):
// - Resume: a film or a show's episode in progress, opened where it was.
// - NextUp: a show's next episode, found in the folder where this device last had the show's
//   episodes (or the one chosen with "Locate…"), opened from the start.
// - Locate: a show never opened here: the person is asked for the folder of its episodes.
struct ContinueWatchingItem
{
    enum class Kind { Resume, NextUp, Locate };

    Kind kind = Kind::Resume;
    // What the entry is about: the video's content id (Resume, NextUp: the next episode's), or
    // "show:" + show_id (Locate).
    QString key;
    // Resume: the video's record. NextUp and Locate: the show's newest record.
    ProgressRecord record;
    // NextUp: the finished episode it follows (none: the newest record's episode from the start).
    std::optional<ProgressRecord> nextAfter;
    QString path; // NextUp: the next episode's file
    QString title; // what the entry is called: the file's name, or the show's (Locate)
    QString episodeLabel; // NextUp: "S01E03"

    static QString showKey(const QString &showId) { return QStringLiteral("show:") + showId; }
};
