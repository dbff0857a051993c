#include "client/tlstrust.h"

#include <QFile>

namespace TlsTrust {

bool loadCertificates(const QString &path, QList<QSslCertificate> *certificates, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    QList<QSslCertificate> found = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    found.removeIf([](const QSslCertificate &certificate) { return certificate.isNull(); });
    if (found.isEmpty()) {
        *error = QStringLiteral("no PEM certificate in %1 (it should start with "
                                "'-----BEGIN CERTIFICATE-----')")
                     .arg(path);
        return false;
    }
    *certificates = found;
    return true;
}

QSslConfiguration configuration(const QList<QSslCertificate> &extra)
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    if (extra.isEmpty())
        return tls;
    // Adding to the default set would replace the system's authorities, which are otherwise
    // loaded on demand: list them explicitly.
    tls.setCaCertificates(QSslConfiguration::systemCaCertificates() + extra);
    return tls;
}

} // namespace TlsTrust
