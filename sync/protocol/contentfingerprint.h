#pragma once

#include <QString>

class QIODevice;

// content_id of a file (docs/protocol.md, "Content identity"): "pm1-" + the first 32 hex digits of
// SHA-256 over the size as 8 bytes little-endian, the first and the last min(size, 64 KiB) bytes.
namespace ContentFingerprint {

constexpr qint64 kSampleBytes = 65536;

// Empty on failure, with the reason in *error when given.
QString ofFile(const QString &path, QString *error = nullptr);
// `device` must be open, readable and random-access.
QString ofDevice(QIODevice &device, QString *error = nullptr);

} // namespace ContentFingerprint
