#pragma once

#include "protocol/playbackchoices.h"

#include <QMetaType>
#include <QString>

#include <optional>

enum class PlaybackState { Playing, Paused, Stopped, Ended };

QString playbackStateName(PlaybackState state);
std::optional<PlaybackState> playbackStateFromName(const QString &name);

// One device's observation of where a person is in one video (docs/protocol.md, "The progress
// record").
struct ProgressRecord
{
    QString contentId;
    qint64 positionMs = 0;
    qint64 durationMs = 0;
    QString deviceId;
    QString deviceName;
    qint64 observedAtMs = 0;
    PlaybackState state = PlaybackState::Playing;
    QString title;
    QString showId;
    QString episodeId;
    // The tracks, subtitles and speed the device played with; unset when the update has none
    // (an older player, or nothing chosen).
    std::optional<PlaybackChoices> choices;
    // Whether this observation counts the video as watched (passed the player's threshold, the
    // end, or marked); unset when the update does not say (an older player): isWatched() then
    // goes by the state, as `ended` meant watched before.
    std::optional<bool> watched;
    // With watched: when this viewing became watched (the observation that passed the threshold,
    // or the mark). Every later report of the same viewing repeats it, so a finish is counted
    // once however many reports carry it. 0: not given.
    qint64 finishedAtMs = 0;
    // Set by the server when it applies the update; 0 on records a client made.
    qint64 receivedAtMs = 0;
    // Set by the server in its answers, from every finish it knows of the video (a client's values
    // are ignored): how many times it was finished or marked watched, and the newest of those.
    int playCount = 0;
    qint64 lastFinishedMs = 0;

    bool isWatched() const { return watched.value_or(state == PlaybackState::Ended); }

    friend bool operator==(const ProgressRecord &a, const ProgressRecord &b);
    friend bool operator!=(const ProgressRecord &a, const ProgressRecord &b) { return !(a == b); }
};

Q_DECLARE_METATYPE(ProgressRecord)
