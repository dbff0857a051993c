#include "nextup.h"

#include "protocol/episodeid.h"

#include <QList>

#include <algorithm>
#include <numeric>

namespace NextUp {

std::optional<qsizetype> follows(const QList<ProgressRecord> &finished)
{
    QList<EpisodeId> episodes;
    episodes.reserve(finished.size());
    for (const ProgressRecord &record : finished)
        episodes.append(EpisodeId::parse(record.episodeId));
    QList<qsizetype> order(finished.size());
    std::iota(order.begin(), order.end(), 0);
    // Finishes at the same millisecond (two files marked together) in episode order, then by id,
    // so every server and every run answers the same.
    std::sort(order.begin(), order.end(), [&](qsizetype a, qsizetype b) {
        const ProgressRecord &x = finished.at(a);
        const ProgressRecord &y = finished.at(b);
        if (x.lastFinishedMs != y.lastFinishedMs)
            return x.lastFinishedMs < y.lastFinishedMs;
        if (const int byEpisode = EpisodeId::compare(episodes.at(a), episodes.at(b)))
            return byEpisode < 0;
        return x.contentId < y.contentId;
    });
    std::optional<qsizetype> place;
    std::optional<qsizetype> previous;
    for (const qsizetype e : std::as_const(order)) {
        if (!place || episodes.at(e).isAfter(episodes.at(*place))
            || (previous && episodes.at(e).isAfter(episodes.at(*previous))))
            place = e;
        previous = e;
    }
    return place;
}

} // namespace NextUp
