#pragma once

#include <QString>

// How times are shown to people: "4:05", "1:02:03"; "just now", "3 min ago"; "2 min left";
// speeds and delays ("1.25×", "+300 ms").
namespace TimeFormat {

QString clock(qint64 ms);
QString ago(qint64 thenMs, qint64 nowMs);
// Which day, in local time, as people say it: "today", "yesterday", the weekday within the last
// week ("Monday"), else the date ("3 Nov").
QString day(qint64 thenMs, qint64 nowMs);
// What is left of a video: to the nearest minute, "under a minute left" below one; "at 4:05"
// when the duration is unknown.
QString left(qint64 positionMs, qint64 durationMs);
// A playback speed as menus and messages show it: "1.25×", "2×", "0.5×".
QString speed(double speed);
// A subtitle delay: "+300 ms", "-100 ms", "0 ms".
QString delay(qint64 ms);

} // namespace TimeFormat
