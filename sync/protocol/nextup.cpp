#include "protocol/nextup.h"

#include "protocol/episodeid.h"

#include <algorithm>

namespace NextUp {

qint64 lastFinishedMs(const ProgressRecord &record)
{
    const qint64 own = !record.isWatched() ? 0
        : record.finishedAtMs > 0          ? record.finishedAtMs
                                           : record.observedAtMs;
    return qMax(own, record.lastFinishedMs);
}

std::optional<qsizetype> follows(const QList<ProgressRecord> &episodes)
{
    struct Finish
    {
        qsizetype index;
        EpisodeId episode;
        qint64 atMs;
    };
    QList<Finish> finishes;
    for (qsizetype i = 0; i < episodes.size(); ++i) {
        const ProgressRecord &record = episodes.at(i);
        const EpisodeId episode = EpisodeId::parse(record.episodeId);
        const qint64 atMs = lastFinishedMs(record);
        // Not an episode id this rule can order: it would sort before every episode and let a
        // rewatch after it move Next Up back.
        if (record.isWatched() && atMs > 0 && episode.isValid())
            finishes.append({i, episode, atMs});
    }
    // Finishes at the same millisecond (two files marked together) in episode order, then by id,
    // so every server, every player and every run answers the same.
    std::sort(finishes.begin(), finishes.end(), [&episodes](const Finish &a, const Finish &b) {
        if (a.atMs != b.atMs)
            return a.atMs < b.atMs;
        if (const int byEpisode = EpisodeId::compare(a.episode, b.episode))
            return byEpisode < 0;
        return episodes.at(a.index).contentId < episodes.at(b.index).contentId;
    });
    const Finish *place = nullptr;
    const Finish *previous = nullptr;
    for (const Finish &finish : std::as_const(finishes)) {
        if (!place || finish.episode.isAfter(place->episode)
            || (previous && finish.episode.isAfter(previous->episode)))
            place = &finish;
        previous = &finish;
    }
    if (!place)
        return std::nullopt;
    return place->index;
}

} // namespace NextUp
