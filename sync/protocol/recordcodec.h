#pragma once

#include "protocol/progressrecord.h"
#include "protocol/validationerror.h"

#include <QJsonObject>
#include <QString>

#include <optional>

// JSON form of ProgressRecord, validating every rule of docs/protocol.md's record table.
namespace RecordCodec {

enum class Source {
    Client, // an update from a device: received_at_ms is ignored
    Server, // a record the server sent back: received_at_ms is kept
};

bool isValidContentId(const QString &contentId);
bool isValidDeviceId(const QString &deviceId);

QJsonObject toJson(const ProgressRecord &record);
// The record's JSON text, byte for byte what QJsonDocument writes of toJson(record) in its compact
// form (members in key order, strings escaped the same way), written straight to UTF-8 without
// building a QJsonObject: what the server sends in its answers and events.
QByteArray toCompactJson(const ProgressRecord &record);
void appendJson(QByteArray &out, const ProgressRecord &record);
// A JSON string literal, quotes included, escaped as QJsonDocument escapes it: \" \\ \b \f \n
// \r \t, other controls as \u00xx, a UTF-16 surrogate without its other half as \uxxxx, the
// rest as UTF-8.
void appendJsonString(QByteArray &out, QStringView text);
void appendJsonInteger(QByteArray &out, qint64 number);

// Decodes one record. When `contentId` is non-null it is the id from the URL and the body's
// content_id is ignored; otherwise the body must carry a valid content_id.
std::optional<ProgressRecord> fromJson(const QJsonObject &object, const QString &contentId,
                                       Source source, ValidationError *error);
inline std::optional<ProgressRecord> fromJson(const QJsonObject &object, Source source,
                                              ValidationError *error)
{
    return fromJson(object, QString(), source, error);
}

// Parses a request body that must be one JSON object.
std::optional<QJsonObject> parseObject(const QByteArray &json, ValidationError *error);

} // namespace RecordCodec
