#include "media/subtitletimeline.h"

#include <QStringList>
#include <QtNumeric>

#include <algorithm>
#include <limits>

namespace {

bool cueBefore(const SubtitleCue &a, const SubtitleCue &b)
{
    if (a.startMs != b.startMs)
        return a.startMs < b.startMs;
    if (a.endMs != b.endMs)
        return a.endMs < b.endMs;
    return a.text < b.text;
}

// At most two lines: the third and later are joined onto the second.
QString foldToTwoLines(const QStringList &lines)
{
    if (lines.size() <= 2)
        return lines.join(u'\n');
    return lines.first() + u'\n' + lines.mid(1).join(u' ');
}

} // namespace

void SubtitleTimeline::setCues(QList<SubtitleCue> cues)
{
    m_cues = std::move(cues);
    index();
}

void SubtitleTimeline::addCues(const QList<SubtitleCue> &cues)
{
    m_cues.append(cues);
    index();
}

void SubtitleTimeline::clear()
{
    m_cues.clear();
    m_latestEnd.clear();
}

bool SubtitleTimeline::isEmpty() const
{
    return m_cues.isEmpty();
}

qsizetype SubtitleTimeline::size() const
{
    return m_cues.size();
}

void SubtitleTimeline::index()
{
    std::sort(m_cues.begin(), m_cues.end(), cueBefore);
    m_cues.erase(std::unique(m_cues.begin(), m_cues.end()), m_cues.end());
    m_latestEnd.resize(m_cues.size());
    qint64 latest = std::numeric_limits<qint64>::min();
    for (qsizetype i = 0; i < m_cues.size(); ++i) {
        latest = std::max(latest, m_cues.at(i).endMs);
        m_latestEnd[i] = latest;
    }
}

QString SubtitleTimeline::textAt(qint64 positionMs, qint64 delayMs) const
{
    // Shown from start+delay to end+delay: the cue time on screen is position - delay.
    qint64 cueTime = 0;
    if (qSubOverflow(positionMs, delayMs, &cueTime))
        return QString();
    // The cues that started by cueTime are [0, started); of those, the ones still on screen lie
    // after the last one whose latest end is at or before cueTime.
    const auto started =
        std::upper_bound(m_cues.cbegin(), m_cues.cend(), cueTime,
                         [](qint64 time, const SubtitleCue &cue) { return time < cue.startMs; });
    qsizetype first = started - m_cues.cbegin();
    while (first > 0 && m_latestEnd.at(first - 1) > cueTime)
        --first;
    QStringList lines;
    for (auto cue = m_cues.cbegin() + first; cue != started; ++cue) {
        if (cue->endMs > cueTime)
            lines += cue->text.split(u'\n', Qt::SkipEmptyParts);
    }
    return foldToTwoLines(lines);
}
