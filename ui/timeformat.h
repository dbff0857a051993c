#pragma once

#include <QString>

// How times are shown to people: "4:05", "1:02:03"; "just now", "3 min ago"; "2 min left";
// speeds and delays ("1.25×", "+300 ms").
namespace TimeFormat {

QString clock(qint64 ms);
QString ago(qint64 thenMs, qint64 nowMs);
// What is left of a video: to the nearest minute, "under a minute left" below one; "at 4:05"
// when the duration is unknown.
QString left(qint64 positionMs, qint64 durationMs);
// A playback speed as menus and messages show it: "1.25×", "2×", "0.5×".
QString speed(double speed);
// A subtitle delay: "+300 ms", "-100 ms", "0 ms".
QString delay(qint64 ms);
// Which day `thenMs` was, seen from `nowMs` (local time): "today", "yesterday", "on Monday" within
// the week, "on 3 March" this year, else "on 3 March 2024".
QString day(qint64 thenMs, qint64 nowMs);
// How often a video was finished and when last: "watched today", "watched twice, last on Monday",
// "watched 3 times, last yesterday"; "" for never.
QString plays(int count, qint64 lastFinishedMs, qint64 nowMs);

} // namespace TimeFormat
