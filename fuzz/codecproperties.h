#pragma once

// What fuzz_recordcodec checks on every input. Header-only so that tests/tst_fuzzregressions.cpp
// replays fuzz/regressions/ through exactly these checks in the normal build.

#include "protocol/recordcodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace CodecProperties {

namespace detail {

// The id rules of the record table, written out without a regular expression.
inline bool matchesIdRule(const QString &text, bool allowColon, qsizetype maxLength)
{
    if (text.isEmpty() || text.size() > maxLength)
        return false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z')
            || (u >= u'0' && u <= u'9') || u == u'.' || u == u'_' || u == u'-'
            || (allowColon && u == u':');
        if (!ok)
            return false;
    }
    return true;
}

inline QString describe(const ProgressRecord &record)
{
    return QString::fromUtf8(RecordCodec::toCompactJson(record));
}

// The rules of docs/protocol.md's `choices`, for choices the codec accepted.
inline QString brokenChoicesRule(const PlaybackChoices &choices)
{
    const auto characters = [](const QString &text) {
        return text.toUcs4().size();
    };
    const auto trackTooLong = [&](const TrackIdentity &track) {
        return characters(track.language) > 16 || characters(track.title) > 128
            || characters(track.codec) > 64;
    };
    if (!(choices.speed >= 0.25 && choices.speed <= 4))
        return QStringLiteral("accepted a speed outside 0.25..4");
    if (choices.subtitleDelayMs < -600000 || choices.subtitleDelayMs > 600000)
        return QStringLiteral("accepted a subtitle delay beyond ten minutes");
    if (choices.audio && trackTooLong(*choices.audio))
        return QStringLiteral("accepted an audio track string over its limit");
    if (!choices.subtitles)
        return {};
    const SubtitleChoice &subtitles = *choices.subtitles;
    if (trackTooLong(subtitles.track))
        return QStringLiteral("accepted a subtitle track string over its limit");
    const bool named = subtitles.source == SubtitleChoice::Source::Sidecar
        || subtitles.source == SubtitleChoice::Source::File;
    if (named
        && (subtitles.fileName.isEmpty() || characters(subtitles.fileName) > 255
            || subtitles.fileName.contains(u'/') || subtitles.fileName.contains(u'\\')
            || subtitles.fileName.contains(QChar(0))))
        return QStringLiteral("accepted a subtitle file that is not a name alone");
    if (!named && !subtitles.fileName.isEmpty())
        return QStringLiteral("kept a file name for subtitles that have none");
    return {};
}

// Every rule of docs/protocol.md's record table holds for a record the codec accepted.
inline QString brokenRule(const ProgressRecord &record, const QString &urlId,
                          RecordCodec::Source source)
{
    const auto characters = [](const QString &text) {
        return text.toUcs4().size();
    };
    if (!RecordCodec::isValidContentId(record.contentId))
        return QStringLiteral("accepted an invalid content_id");
    if (!urlId.isNull() && record.contentId != urlId)
        return QStringLiteral("content_id is not the one from the URL");
    if (!RecordCodec::isValidDeviceId(record.deviceId))
        return QStringLiteral("accepted an invalid device_id");
    if (record.positionMs < 0 || record.durationMs < 0 || record.observedAtMs < 0
        || record.receivedAtMs < 0)
        return QStringLiteral("accepted a negative integer");
    if (record.durationMs > 0 && record.positionMs > record.durationMs)
        return QStringLiteral("accepted position_ms > duration_ms");
    if (characters(record.deviceName) > 64 || characters(record.title) > 256
        || characters(record.showId) > 128 || characters(record.episodeId) > 128)
        return QStringLiteral("accepted a string over its length limit");
    if (source == RecordCodec::Source::Client && record.receivedAtMs != 0)
        return QStringLiteral("kept a client's received_at_ms");
    if (record.choices)
        return brokenChoicesRule(*record.choices);
    return {};
}

// A record the codec accepted comes back equal through toJson and through its JSON text.
inline QString roundTrip(const ProgressRecord &record)
{
    // The server's direct writer gives the very bytes QJsonDocument writes of toJson().
    const QByteArray viaDocument =
        QJsonDocument(RecordCodec::toJson(record)).toJson(QJsonDocument::Compact);
    if (RecordCodec::toCompactJson(record) != viaDocument)
        return QStringLiteral("toCompactJson differs from QJsonDocument's text: %1 against %2")
            .arg(describe(record), QString::fromUtf8(viaDocument));

    ValidationError error;
    const auto viaObject =
        RecordCodec::fromJson(RecordCodec::toJson(record), RecordCodec::Source::Server, &error);
    if (!viaObject)
        return QStringLiteral("toJson gave an object fromJson refuses (%1): %2")
            .arg(error.message, describe(record));
    if (*viaObject != record)
        return QStringLiteral("toJson then fromJson changed the record: %1 became %2")
            .arg(describe(record), describe(*viaObject));

    const auto object = RecordCodec::parseObject(RecordCodec::toCompactJson(record), &error);
    if (!object)
        return QStringLiteral("toCompactJson gave text parseObject refuses (%1)")
            .arg(error.message);
    const auto viaText = RecordCodec::fromJson(*object, RecordCodec::Source::Server, &error);
    if (!viaText || *viaText != record)
        return QStringLiteral("the JSON text of a record does not decode to it: %1")
            .arg(describe(record));

    // As a PUT would send it back: the id in the URL, the body without received_at_ms.
    const auto viaUrl = RecordCodec::fromJson(RecordCodec::toJson(record), record.contentId,
                                              RecordCodec::Source::Client, &error);
    ProgressRecord expected = record;
    expected.receivedAtMs = 0;
    if (!viaUrl || *viaUrl != expected)
        return QStringLiteral("the record does not decode with its id in the URL: %1")
            .arg(describe(record));
    return {};
}

inline QString checkObject(const QJsonObject &object)
{
    const QJsonValue bodyId = object.value(QStringLiteral("content_id"));
    // A null id means "from the body"; the others stand for ids taken from a URL.
    const QList<QString> urlIds{
        QString(),
        QStringLiteral("movie-1"),
        bodyId.isString() ? bodyId.toString() : QStringLiteral("x"),
        QStringLiteral(""),
        QStringLiteral("no/slash"),
    };
    for (const RecordCodec::Source source :
         {RecordCodec::Source::Client, RecordCodec::Source::Server}) {
        for (const QString &urlId : urlIds) {
            ValidationError error;
            const std::optional<ProgressRecord> record =
                RecordCodec::fromJson(object, urlId, source, &error);
            if (!record) {
                if (error.message.trimmed().isEmpty())
                    return QStringLiteral("fromJson refused without saying why");
                continue;
            }
            if (QString broken = brokenRule(*record, urlId, source); !broken.isEmpty())
                return broken + QStringLiteral(": ") + describe(*record);
            if (QString changed = roundTrip(*record); !changed.isEmpty())
                return changed;
        }
    }
    return {};
}

} // namespace detail

// Empty when every property holds for `bytes`, otherwise what broke.
inline QString check(const QByteArray &bytes)
{
    // The input as an id, as a URL or a body would carry it.
    const QString text = QString::fromUtf8(bytes);
    if (RecordCodec::isValidContentId(text) != detail::matchesIdRule(text, true, 128))
        return QStringLiteral("isValidContentId disagrees with the rule on '%1'").arg(text);
    if (RecordCodec::isValidDeviceId(text) != detail::matchesIdRule(text, false, 64))
        return QStringLiteral("isValidDeviceId disagrees with the rule on '%1'").arg(text);

    ValidationError error;
    const std::optional<QJsonObject> object = RecordCodec::parseObject(bytes, &error);
    if (!object) {
        if (error.message.trimmed().isEmpty())
            return QStringLiteral("parseObject refused without saying why");
        return {};
    }
    if (QString broken = detail::checkObject(*object); !broken.isEmpty())
        return broken;
    // A POST /v1/sync body: each update is decoded on its own.
    const QJsonValue updates = object->value(QStringLiteral("updates"));
    if (updates.isArray()) {
        const QJsonArray array = updates.toArray();
        for (const QJsonValue &update : array) {
            if (!update.isObject())
                continue;
            if (QString broken = detail::checkObject(update.toObject()); !broken.isEmpty())
                return broken;
        }
    }
    return {};
}

} // namespace CodecProperties
