#pragma once

#include <QString>

// How times are shown to people: "4:05", "1:02:03"; "just now", "3 min ago".
namespace TimeFormat {

QString clock(qint64 ms);
QString ago(qint64 thenMs, qint64 nowMs);

} // namespace TimeFormat
