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
    // Set by the server when it applies the update; 0 on records a client made.
    qint64 receivedAtMs = 0;

    friend bool operator==(const ProgressRecord &a, const ProgressRecord &b);
    friend bool operator!=(const ProgressRecord &a, const ProgressRecord &b) { return !(a == b); }
};

Q_DECLARE_METATYPE(ProgressRecord)
