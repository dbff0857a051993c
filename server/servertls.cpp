#include "servertls.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcTls, "playmark.server.tls")

namespace {

constexpr int kSelfCheckTimeoutMs = 10000;

bool readFile(const QString &path, const QString &what, QByteArray *bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error =
            QStringLiteral("cannot read the TLS %1 %2: %3").arg(what, path, file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return true;
}

// OpenSSL checks that a key belongs to its certificate only when a handshake starts, so one is
// made with ourselves over loopback: a wrong pair is refused at startup, not at every connection.
bool handshakeWithSelf(const QSslConfiguration &configuration, QString *error)
{
    QSslServer server;
    server.setSslConfiguration(configuration);
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        qCWarning(lcTls) << "no loopback port to check the certificate and key on:"
                         << server.errorString();
        return true; // the first connection will tell
    }
    QEventLoop loop;
    QString serverError;
    QObject::connect(&server, &QSslServer::errorOccurred, &loop,
                     [&serverError, &loop](QSslSocket *socket, QAbstractSocket::SocketError) {
                         if (serverError.isEmpty())
                             serverError = socket->errorString();
                         loop.quit();
                     });
    QSslSocket client;
    client.setPeerVerifyMode(QSslSocket::VerifyNone); // only the server's half is being checked
    QObject::connect(&client, &QSslSocket::encrypted, &loop, &QEventLoop::quit);
    QObject::connect(&client, &QSslSocket::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(kSelfCheckTimeoutMs, &loop, &QEventLoop::quit);
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
    loop.exec();
    if (client.isEncrypted())
        return true;
    if (serverError.isEmpty() && client.error() == QAbstractSocket::UnknownSocketError) {
        qCWarning(lcTls) << "the certificate and key could not be checked in time";
        return true;
    }
    *error = serverError.isEmpty() ? client.errorString() : serverError;
    return false;
}

} // namespace

namespace ServerTls {

bool load(const QString &certificatePath, const QString &keyPath, QSslConfiguration *configuration,
          QString *error)
{
    if (certificatePath.isEmpty() || keyPath.isEmpty()) {
        *error = QStringLiteral("TLS wants both a certificate and its private key");
        return false;
    }
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral("this build cannot serve TLS: Qt found no TLS library (%1)")
                     .arg(QSslSocket::sslLibraryBuildVersionString());
        return false;
    }
    QByteArray pem;
    if (!readFile(certificatePath, QStringLiteral("certificate"), &pem, error))
        return false;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(pem, QSsl::Pem);
    if (chain.isEmpty() || chain.constFirst().isNull()) {
        *error = QStringLiteral("no PEM certificate in %1 (it should start with "
                                "'-----BEGIN CERTIFICATE-----')")
                     .arg(certificatePath);
        return false;
    }
    if (!readFile(keyPath, QStringLiteral("key"), &pem, error))
        return false;
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec}) {
        key = QSslKey(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error = QStringLiteral("no unencrypted PEM private key (RSA or EC) in %1").arg(keyPath);
        return false;
    }

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates: tokens say who
    QString failure;
    if (!handshakeWithSelf(tls, &failure)) {
        *error = QStringLiteral("the TLS key %1 does not fit the certificate %2: %3")
                     .arg(keyPath, certificatePath, failure);
        return false;
    }
    const QSslCertificate &own = chain.constFirst();
    if (own.expiryDate() < QDateTime::currentDateTimeUtc())
        qCWarning(lcTls).noquote()
            << "the certificate" << certificatePath << "expired on"
            << own.expiryDate().toString(Qt::ISODate) << "; clients will refuse it";
    *configuration = tls;
    return true;
}

} // namespace ServerTls
