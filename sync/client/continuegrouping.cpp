#include "client/continuegrouping.h"

#include "protocol/episodeid.h"

#include <QHash>

#include <algorithm>

namespace ContinueGrouping {

qint64 finishedAtMs(const ProgressRecord &record)
{
    // A watched record without its finish time (an older player's `ended`) finished when seen.
    const qint64 own =
        record.isWatched() && record.finishedAtMs <= 0 ? record.observedAtMs : record.finishedAtMs;
    return qMax(own, record.lastFinishedMs);
}

std::optional<ProgressRecord> nextAfter(const QList<ProgressRecord> &episodes)
{
    QList<ProgressRecord> finished;
    for (const ProgressRecord &record : episodes) {
        if (finishedAtMs(record) > 0 && EpisodeId::parse(record.episodeId).isValid())
            finished.append(record);
    }
    std::stable_sort(finished.begin(), finished.end(),
                     [](const ProgressRecord &a, const ProgressRecord &b) {
                         return finishedAtMs(a) < finishedAtMs(b);
                     });
    std::optional<ProgressRecord> followed;
    const ProgressRecord *previous = nullptr;
    for (const ProgressRecord &record : finished) {
        const EpisodeId episode = EpisodeId::parse(record.episodeId);
        if (!followed || episode.isAfter(EpisodeId::parse(followed->episodeId))
            || (previous && episode.isAfter(EpisodeId::parse(previous->episodeId))))
            followed = record;
        previous = &record;
    }
    return followed;
}

QList<ContinueEntry> group(const QList<ProgressRecord> &records, int limit)
{
    QHash<QString, QList<ProgressRecord>> shows;
    QList<ContinueEntry> entries;
    for (const ProgressRecord &record : records) {
        if (!record.showId.isEmpty())
            shows[record.showId].append(record);
        else if (!record.isWatched())
            entries.append({record, std::nullopt});
    }
    for (const QList<ProgressRecord> &episodes : std::as_const(shows)) {
        const auto newest = std::max_element(episodes.begin(), episodes.end(),
                                             [](const ProgressRecord &a, const ProgressRecord &b) {
                                                 return a.observedAtMs < b.observedAtMs;
                                             });
        entries.append({*newest, nextAfter(episodes)});
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const ContinueEntry &a, const ContinueEntry &b) {
                         if (a.record.observedAtMs != b.record.observedAtMs)
                             return a.record.observedAtMs > b.record.observedAtMs;
                         return a.record.contentId < b.record.contentId; // the same everywhere
                     });
    if (entries.size() > limit)
        entries.resize(qMax(0, limit));
    return entries;
}

} // namespace ContinueGrouping
