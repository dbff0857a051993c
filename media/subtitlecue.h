#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

class QDebug;

// One subtitle on screen: plain text (lines separated by '\n', no markup) from startMs until
// endMs, in media time.
struct SubtitleCue
{
    qint64 startMs = 0;
    qint64 endMs = 0;
    QString text;

    friend bool operator==(const SubtitleCue &a, const SubtitleCue &b)
    {
        return a.startMs == b.startMs && a.endMs == b.endMs && a.text == b.text;
    }
    friend bool operator!=(const SubtitleCue &a, const SubtitleCue &b) { return !(a == b); }
};

// For test failures: "SubtitleCue(2000..5000 "Embedded cue")".
QDebug operator<<(QDebug debug, const SubtitleCue &cue);

Q_DECLARE_METATYPE(SubtitleCue)
