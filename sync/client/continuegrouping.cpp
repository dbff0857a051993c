#include "client/continuegrouping.h"

#include "protocol/nextup.h"

#include <QHash>

#include <algorithm>

namespace ContinueGrouping {

std::optional<ProgressRecord> nextAfter(const QList<ProgressRecord> &episodes)
{
    const std::optional<qsizetype> place = NextUp::follows(episodes);
    if (!place)
        return std::nullopt;
    return episodes.at(*place);
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
