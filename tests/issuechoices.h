#pragma once

// The choices of issue 12's story, for the tests of the code that makes, keeps, sends and applies
// them: Japanese audio (Opus), an English sidecar named `sidecarFile`, +300 ms, 1.25×.
#include "protocol/playbackchoices.h"

inline PlaybackChoices issueChoices(const QString &sidecarFile, qint64 subtitleDelayMs = 300)
{
    PlaybackChoices choices;
    choices.audio = TrackIdentity{QStringLiteral("ja"), QString(), QStringLiteral("Opus")};
    SubtitleChoice subtitles;
    subtitles.source = SubtitleChoice::Source::Sidecar;
    subtitles.track.language = QStringLiteral("en");
    subtitles.fileName = sidecarFile;
    choices.subtitles = subtitles;
    choices.subtitleDelayMs = subtitleDelayMs;
    choices.speed = 1.25;
    return choices;
}
