#pragma once

#include "protocol/validationerror.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QMetaType>
#include <QString>

#include <optional>

// A track named by what survives devices and backends, never by its index alone.
struct TrackIdentity
{
    QString
        language; // ISO 639-1 when one exists ("ja", "en"), else the file's code; "" unknown/und
    QString title; // the track's own title ("Commentary"), "" when it has none
    QString codec; // as GStreamer's discoverer names it ("Opus", "SubRip"), "" unknown

    friend bool operator==(const TrackIdentity &a, const TrackIdentity &b)
    {
        return a.language == b.language && a.title == b.title && a.codec == b.codec;
    }
    friend bool operator!=(const TrackIdentity &a, const TrackIdentity &b) { return !(a == b); }
};

struct SubtitleChoice
{
    enum class Source { Off, Embedded, Sidecar, File };
    Source source = Source::Off;
    TrackIdentity track; // Embedded: the track. Sidecar/File: language from the name ("en")
    QString fileName; // Sidecar/File: the file's name alone ("Film.en.srt"), no folder

    friend bool operator==(const SubtitleChoice &a, const SubtitleChoice &b)
    {
        return a.source == b.source && a.track == b.track && a.fileName == b.fileName;
    }
    friend bool operator!=(const SubtitleChoice &a, const SubtitleChoice &b) { return !(a == b); }
};

// What a person chose for a video besides the place. Travels in the progress record
// (docs/protocol.md, "Choices").
struct PlaybackChoices
{
    std::optional<TrackIdentity> audio; // unset: this device's default
    std::optional<SubtitleChoice> subtitles; // unset: this device's default
    qint64 subtitleDelayMs = 0; // + later, - earlier
    double speed = 1.0;

    friend bool operator==(const PlaybackChoices &a, const PlaybackChoices &b)
    {
        return a.audio == b.audio && a.subtitles == b.subtitles
            && a.subtitleDelayMs == b.subtitleDelayMs && a.speed == b.speed;
    }
    friend bool operator!=(const PlaybackChoices &a, const PlaybackChoices &b) { return !(a == b); }
};

Q_DECLARE_METATYPE(TrackIdentity)
Q_DECLARE_METATYPE(PlaybackChoices)

// The bounds docs/protocol.md gives the members of `choices`, in characters (and milliseconds).
namespace ChoiceLimits {
constexpr qsizetype kMaxLanguage = 16;
constexpr qsizetype kMaxTitle = 128;
constexpr qsizetype kMaxCodec = 64;
constexpr qsizetype kMaxFileName = 255;
constexpr double kMinSpeed = 0.25;
constexpr double kMaxSpeed = 4.0;
constexpr qint64 kMaxSubtitleDelayMs = 10 * 60 * 1000;
} // namespace ChoiceLimits

// The JSON form of the record's `choices` member.
namespace ChoicesCodec {

QJsonObject toJson(const PlaybackChoices &choices);
QByteArray toCompactJson(const PlaybackChoices &choices);

// Decodes the value of a record's `choices`; every rule broken names its member
// ("choices.speed ..."), and members it does not know are ignored.
std::optional<PlaybackChoices> fromJson(const QJsonValue &value, ValidationError *error);
// Reads what toCompactJson() wrote (a stored record); nullopt when it is not valid.
std::optional<PlaybackChoices> fromCompactJson(const QByteArray &json);

} // namespace ChoicesCodec
