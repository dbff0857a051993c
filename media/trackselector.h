#pragma once

#include "media/mediastreams.h"
#include "media/sidecarsubtitles.h"
#include "protocol/playbackchoices.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

// A person's standing preferences, for videos with no choices of their own.
struct TrackDefaults
{
    QStringList audioLanguages; // preferred, in order ("ja", "en"); empty: the file's default
    QStringList subtitleLanguages; // preferred, in order
    enum class SubtitleMode { Never, WhenAudioForeign, Always };
    SubtitleMode subtitleMode = SubtitleMode::WhenAudioForeign;
};

// What to play on this device, by index into what this device has.
struct TrackSelection
{
    int audioIndex = -1; // into MediaStreams::audio; -1: the file's default
    SubtitleChoice::Source subtitleSource = SubtitleChoice::Source::Off;
    int embeddedIndex = -1; // Embedded: into MediaStreams::subtitles
    QString subtitlePath; // Sidecar/File: the file to load
    qint64 subtitleDelayMs = 0;
    double speed = 1.0;

    friend bool operator==(const TrackSelection &a, const TrackSelection &b)
    {
        return a.audioIndex == b.audioIndex && a.subtitleSource == b.subtitleSource
            && a.embeddedIndex == b.embeddedIndex && a.subtitlePath == b.subtitlePath
            && a.subtitleDelayMs == b.subtitleDelayMs && a.speed == b.speed;
    }
    friend bool operator!=(const TrackSelection &a, const TrackSelection &b) { return !(a == b); }
};

Q_DECLARE_METATYPE(TrackSelection)

// What to play on this device: the wanted choices where this device has a match (a sidecar/file
// by name, then a sidecar by language; a track by language+title+codec, then language+title, then
// language), else the defaults. Never a track by its index alone: the same index on another
// device may be another language. `videoFolder` is where the video is: a wanted File is looked
// for there by name (empty: only among the sidecars).
TrackSelection selectTracks(const MediaStreams &streams, const QList<SidecarSubtitle> &sidecars,
                            const std::optional<PlaybackChoices> &wanted,
                            const TrackDefaults &defaults, const QString &videoFolder = QString());

// The choices a selection stands for, to report with the position.
PlaybackChoices choicesFor(const TrackSelection &selection, const MediaStreams &streams,
                           const QList<SidecarSubtitle> &sidecars);
