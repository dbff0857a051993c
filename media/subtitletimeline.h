#pragma once

#include "media/subtitlecue.h"

#include <QList>
#include <QString>

// The cues of one subtitle source, asked for the text on screen at a media position. A value
// type. textAt is a binary search (it runs on every position change, about 10 times a second,
// over a film's 1,000-3,000 cues), so the cues are kept sorted by start with, for each, the latest
// end among it and the cues before it.
class SubtitleTimeline
{
public:
    void setCues(QList<SubtitleCue> cues); // replaces
    // Embedded cues arriving in batches, in any order; a cue already there is not added twice.
    void addCues(const QList<SubtitleCue> &cues);
    void clear();
    bool isEmpty() const;
    qsizetype size() const;

    // The text on screen at this media position with this delay (cue shown from start+delay to
    // end+delay, the end excluded); overlapping cues joined in start order; at most two lines:
    // lines past the second are joined onto it with spaces, so nothing is lost.
    QString textAt(qint64 positionMs, qint64 delayMs = 0) const;

private:
    void index();

    QList<SubtitleCue> m_cues; // by start, then end, then text
    QList<qint64> m_latestEnd; // m_latestEnd[i]: the largest endMs of m_cues[0..i]
};
