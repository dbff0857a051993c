#pragma once

#include <QString>

// How times are shown to people: "4:05", "1:02:03"; "just now", "3 min ago"; "2 min left".
namespace TimeFormat {

QString clock(qint64 ms);
QString ago(qint64 thenMs, qint64 nowMs);
// What is left of a video: to the nearest minute, "under a minute left" below one; "at 4:05"
// when the duration is unknown.
QString left(qint64 positionMs, qint64 durationMs);

} // namespace TimeFormat
