#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

// What the player trusts when it talks to its sync server over HTTPS: the system's certificate
// authorities, plus certificates the person chose to trust (a self-signed server's own
// certificate, or the CA of a private network). Verification is never turned off.
namespace TlsTrust {

// Reads the PEM certificates in `path`; false, with `error` saying why, when it cannot be read
// or holds none.
bool loadCertificates(const QString &path, QList<QSslCertificate> *certificates, QString *error);

// The configuration for every request to the sync server: the system's defaults when `extra` is
// empty, otherwise the system's authorities and `extra`.
QSslConfiguration configuration(const QList<QSslCertificate> &extra);

} // namespace TlsTrust
