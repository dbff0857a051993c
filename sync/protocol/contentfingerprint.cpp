#include "protocol/contentfingerprint.h"

#include <QCryptographicHash>
#include <QFile>
#include <QtEndian>

#include <array>

namespace ContentFingerprint {

namespace {
bool hashRange(QIODevice &device, qint64 offset, qint64 length, QCryptographicHash &hash,
               QString *error)
{
    if (!device.seek(offset)) {
        if (error)
            *error =
                QStringLiteral("cannot seek to byte %1: %2").arg(offset).arg(device.errorString());
        return false;
    }
    const QByteArray bytes = device.read(length);
    if (bytes.size() != length) {
        if (error)
            *error =
                QStringLiteral("short read at byte %1: %2").arg(offset).arg(device.errorString());
        return false;
    }
    hash.addData(bytes);
    return true;
}
} // namespace

QString ofDevice(QIODevice &device, QString *error)
{
    const qint64 size = device.size();
    const qint64 sample = qMin(size, kSampleBytes);

    std::array<uchar, 8> sizeBytes{};
    qToLittleEndian<quint64>(quint64(size), sizeBytes.data());

    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayView(sizeBytes.data(), qsizetype(sizeBytes.size())));
    if (!hashRange(device, 0, sample, hash, error)
        || !hashRange(device, size - sample, sample, hash, error))
        return {};
    return QStringLiteral("pm1-") + QString::fromLatin1(hash.result().toHex().left(32));
}

QString ofFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2").arg(path, file.errorString());
        return {};
    }
    return ofDevice(file, error);
}

} // namespace ContentFingerprint
