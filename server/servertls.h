#pragma once

#include <QSslConfiguration>
#include <QString>

// HTTPS served directly: the certificate and key files, loaded and checked once at startup.
namespace ServerTls {

// Reads a PEM certificate (a full chain is fine: the server's own first, as Let's Encrypt's
// fullchain.pem has it) and its unencrypted PEM private key (RSA or EC), and checks that they
// belong together. On success `configuration` is what every connection uses: TLS 1.2 or later,
// no client certificates asked for. On failure `error` says which file is wrong and why.
bool load(const QString &certificatePath, const QString &keyPath, QSslConfiguration *configuration,
          QString *error);

} // namespace ServerTls
