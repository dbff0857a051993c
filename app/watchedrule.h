#pragma once

#include <QtGlobal>

// When a viewing counts as watched and when it has started, as Jellyfin and Kodi count them:
// watched once playback passes a share of a known duration (the setting, 90 % by default) or
// reaches the end; not started below 5 % of the duration or within the first 60 s. Pure
// arithmetic: PlaybackSession keeps the viewing's state and asks this.
class WatchedRule final
{
public:
    static constexpr int kDefaultPercent = 90;
    // Below half a video is no longer "the credits"; 100 means only the end counts.
    static constexpr int kMinPercent = 50;
    static constexpr int kMaxPercent = 100;
    static constexpr int kStartedPercent = 5;
    static constexpr qint64 kStartedMs = 60 * 1000;

    explicit WatchedRule(int percent = kDefaultPercent) { setPercent(percent); }

    int percent() const { return m_percent; }
    // Bounded to kMinPercent .. kMaxPercent (a hand-edited profile may hold anything).
    void setPercent(int percent) { m_percent = qBound(kMinPercent, percent, kMaxPercent); }

    // Passed the threshold of a known duration. The end itself is told apart (handleEnd): with an
    // unknown duration only the end makes a video watched.
    bool passes(qint64 positionMs, qint64 durationMs) const;
    // At least 5 % of a known duration and at least 60 s in: this viewing has begun.
    static bool isStarted(qint64 positionMs, qint64 durationMs);

private:
    int m_percent = kDefaultPercent;
};
