#include "protocol/progressrecord.h"

#include <array>
#include <utility>

namespace {
constexpr std::array<std::pair<PlaybackState, const char *>, 4> kStateNames{{
    {PlaybackState::Playing, "playing"},
    {PlaybackState::Paused, "paused"},
    {PlaybackState::Stopped, "stopped"},
    {PlaybackState::Ended, "ended"},
}};
} // namespace

QString playbackStateName(PlaybackState state)
{
    for (const auto &[value, name] : kStateNames) {
        if (value == state)
            return QString::fromLatin1(name);
    }
    return {};
}

std::optional<PlaybackState> playbackStateFromName(const QString &name)
{
    for (const auto &[value, stateName] : kStateNames) {
        if (name == QLatin1String(stateName))
            return value;
    }
    return std::nullopt;
}

bool operator==(const ProgressRecord &a, const ProgressRecord &b)
{
    return a.contentId == b.contentId && a.positionMs == b.positionMs
        && a.durationMs == b.durationMs && a.deviceId == b.deviceId && a.deviceName == b.deviceName
        && a.observedAtMs == b.observedAtMs && a.state == b.state && a.title == b.title
        && a.showId == b.showId && a.episodeId == b.episodeId && a.choices == b.choices
        && a.watched == b.watched && a.finishedAtMs == b.finishedAtMs
        && a.receivedAtMs == b.receivedAtMs && a.playCount == b.playCount
        && a.lastFinishedMs == b.lastFinishedMs;
}
