// HTTPS served directly (--tls-cert, --tls-key), with self-signed certificates openssl makes at
// test time: a client that trusts the certificate is answered, one that does not is refused and
// the server carries on, a plain-HTTP client on the TLS port is cut off without harm, the event
// stream and the player's sync client work over TLS with --ca-cert, wrong files are refused at
// startup with a message, and the real binary prints https and answers curl --cacert.
#include "appoptions.h"
#include "client/eventstream.h"
#include "client/localcopy.h"
#include "client/syncclient.h"
#include "client/tlstrust.h"
#include "metricsample.h"
#include "serverprocess.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <memory>
#include <optional>

#include <csignal>
#include <sys/types.h>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// The server's idle timeout in these tests: a connection that never finishes its handshake is
// closed after it.
constexpr int kIdleTimeoutMs = 2000;

const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

// A self-signed certificate for localhost and 127.0.0.1 and its key, as deployment docs make one.
bool makeCertificate(const QString &certificate, const QString &key,
                     const QString &keyType = u"rsa:2048"_s)
{
    QStringList args{u"req"_s,
                     u"-x509"_s,
                     u"-newkey"_s,
                     keyType,
                     u"-nodes"_s,
                     u"-days"_s,
                     u"1"_s,
                     u"-subj"_s,
                     u"/CN=localhost"_s,
                     u"-addext"_s,
                     u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s,
                     u"-keyout"_s,
                     key,
                     u"-out"_s,
                     certificate};
    if (keyType.startsWith(u"ec"_s))
        args << u"-pkeyopt"_s << u"ec_paramgen_curve:prime256v1"_s;
    const Run run =
        runProcess(u"openssl"_s, args, QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    if (!run.exitedNormally() || run.exitCode != 0) {
        qWarning("openssl: %s", run.err.constData());
        return false;
    }
    return true;
}

QList<QSslCertificate> certificatesIn(const QString &path)
{
    QList<QSslCertificate> certificates;
    QString error;
    if (!TlsTrust::loadCertificates(path, &certificates, &error))
        qWarning("%s", qPrintable(error));
    return certificates;
}

struct Answer
{
    int status = -1; // -1: no HTTP answer
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QSsl::SslProtocol protocol = QSsl::UnknownProtocol;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// A client with its own connections (a QNetworkAccessManager reuses a connection whatever the
// next request's TLS configuration says), trusting the system's authorities and `extra`.
class Client
{
public:
    explicit Client(const QList<QSslCertificate> &extra = {})
        : m_tls(TlsTrust::configuration(extra))
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
    }

    Answer send(const QByteArray &verb, const QString &url, const QString &token = {},
                const QByteArray &body = {})
    {
        QNetworkRequest request{QUrl(url)};
        request.setSslConfiguration(m_tls);
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
        if (!body.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, verb, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        Answer answer;
        if (!reply->isFinished() && !finished.wait(kTimeoutMs))
            return answer;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        answer.status = status.isValid() ? status.toInt() : -1;
        answer.error = reply->error();
        answer.body = reply->readAll();
        answer.protocol = reply->sslConfiguration().sessionProtocol();
        return answer;
    }

private:
    QNetworkAccessManager m_nam;
    QSslConfiguration m_tls;
};

QByteArray update(qint64 positionMs, const QString &deviceId = u"tv"_s)
{
    const QJsonObject object{{u"position_ms"_s, positionMs},
                             {u"duration_ms"_s, 3600000},
                             {u"device_id"_s, deviceId},
                             {u"device_name"_s, u"Living-room TV"_s},
                             {u"observed_at_ms"_s, QDateTime::currentMSecsSinceEpoch() - 1000},
                             {u"state"_s, u"paused"_s}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void urlIsHttps();
    void trustedClientIsAnswered();
    void untrustingClientIsRefused();
    void plainHttpOnTheTlsPortIsCutOff();
    void silentClientIsCutOff();
    void eventStreamOverTls();
    void syncClientDeliversOverTls_data();
    void syncClientDeliversOverTls();
    void acceptedFiles_data();
    void acceptedFiles();
    void refusedFiles_data();
    void refusedFiles();
    void caCertOption();
    void binaryServesHttps_data();
    void binaryServesHttps();
    void binaryRefusesBadTls_data();
    void binaryRefusesBadTls();

private:
    QString path(const QString &name) const { return m_files.filePath(name); }
    bool startServer(SyncServer &server, const QString &certificate, const QString &key,
                     QString *error);

    QTemporaryDir m_files; // certificates and keys, made once
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_token;
};

void tst_Tls::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    qRegisterMetaType<ProgressRecord>();
    qunsetenv("PLAYMARK_CA_CERT");
    QVERIFY(m_files.isValid());
    // scripts/setup installs openssl.
    QVERIFY(makeCertificate(path(u"server.crt"_s), path(u"server.key"_s)));
    QVERIFY(makeCertificate(path(u"other.crt"_s), path(u"other.key"_s)));
    QVERIFY(makeCertificate(path(u"ec.crt"_s), path(u"ec.key"_s), u"ec"_s));

    // A full chain as Let's Encrypt's fullchain.pem has it: the server's own certificate first.
    QFile chain(path(u"chain.crt"_s));
    QFile own(path(u"server.crt"_s));
    QFile issuer(path(u"other.crt"_s));
    QVERIFY(chain.open(QIODevice::WriteOnly) && own.open(QIODevice::ReadOnly)
            && issuer.open(QIODevice::ReadOnly));
    chain.write(own.readAll() + issuer.readAll());
    chain.close();

    QFile garbage(path(u"garbage.pem"_s));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    garbage.close();
    const Run encrypt =
        runProcess(u"openssl"_s,
                   {u"pkey"_s, u"-in"_s, path(u"server.key"_s), u"-aes256"_s, u"-passout"_s,
                    u"pass:secret"_s, u"-out"_s, path(u"encrypted.key"_s)},
                   QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY2(encrypt.exitedNormally() && encrypt.exitCode == 0, encrypt.err.constData());
}

bool tst_Tls::startServer(SyncServer &server, const QString &certificate, const QString &key,
                          QString *error)
{
    ServerOptions options;
    options.databasePath = m_dir->filePath(u"server.sqlite"_s);
    options.port = 0;
    options.idleTimeoutMs = kIdleTimeoutMs;
    options.tlsCertificatePath = certificate;
    options.tlsKeyPath = key;
    return server.start(options, error);
}

void tst_Tls::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<SyncServer>();
    QString error;
    QVERIFY2(startServer(*m_server, path(u"server.crt"_s), path(u"server.key"_s), &error),
             qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
}

void tst_Tls::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

void tst_Tls::urlIsHttps()
{
    QCOMPARE(m_server->url(), u"https://127.0.0.1:%1"_s.arg(m_server->port()));
}

void tst_Tls::trustedClientIsAnswered()
{
    Client client(certificatesIn(path(u"server.crt"_s)));
    const Answer health = client.send("GET", m_server->url() + u"/healthz"_s);
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json().value(u"status"_s).toString(), u"ok"_s);
    QVERIFY2(health.protocol == QSsl::TlsV1_2 || health.protocol == QSsl::TlsV1_3,
             qPrintable(QString::number(int(health.protocol))));

    const QString item = m_server->url() + u"/v1/progress/movie"_s;
    const Answer put = client.send("PUT", item, m_token, update(42000));
    QCOMPARE(put.status, 200);
    QCOMPARE(put.json().value(u"applied"_s), QJsonValue(true));
    const Answer get = client.send("GET", item, m_token);
    QCOMPARE(get.status, 200);
    QCOMPARE(get.json().value(u"record"_s).toObject().value(u"position_ms"_s).toInteger(),
             qint64(42000));
}

void tst_Tls::untrustingClientIsRefused()
{
    for (const auto &[name, trusted] :
         {std::pair{"the system's authorities alone", QList<QSslCertificate>()},
          std::pair{"another certificate", certificatesIn(path(u"other.crt"_s))}}) {
        Client stranger(trusted);
        const Answer refused = stranger.send("GET", m_server->url() + u"/healthz"_s);
        QVERIFY2(refused.status == -1, name);
        QVERIFY2(refused.error == QNetworkReply::SslHandshakeFailedError,
                 qPrintable(u"%1: error %2"_s.arg(QLatin1String(name)).arg(int(refused.error))));
    }
    // The server carries on.
    Client client(certificatesIn(path(u"server.crt"_s)));
    QCOMPARE(client.send("GET", m_server->url() + u"/healthz"_s).status, 200);
}

void tst_Tls::plainHttpOnTheTlsPortIsCutOff()
{
    QTcpSocket plain;
    QByteArray received;
    connect(&plain, &QTcpSocket::readyRead, &plain, [&] { received += plain.readAll(); });
    plain.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(plain.waitForConnected(kTimeoutMs));
    plain.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(plain.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    QVERIFY2(!received.contains("HTTP/1.1"), received.constData());

    // Still serving, and the cut-off connection is gone: only this client's remains.
    Client client(certificatesIn(path(u"server.crt"_s)));
    QCOMPARE(client.send("GET", m_server->url() + u"/healthz"_s).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(metricSample(client.send("GET", m_server->url() + u"/metrics"_s).body,
                                           "playmark_open_connections"),
                              1.0, kTimeoutMs);
}

void tst_Tls::silentClientIsCutOff()
{
    // Connects and never starts the handshake: closed after the idle timeout.
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(silent.waitForConnected(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    Client client(certificatesIn(path(u"server.crt"_s)));
    QCOMPARE(client.send("GET", m_server->url() + u"/healthz"_s).status, 200);
}

void tst_Tls::eventStreamOverTls()
{
    ServerPool servers;
    servers.setServers(ServerList({QUrl(m_server->url())}), m_token);
    servers.setTrustedCertificates(certificatesIn(path(u"server.crt"_s)));
    EventStream stream(servers);
    QSignalSpy received(&stream, &EventStream::progressReceived);
    stream.start();
    QTRY_VERIFY_WITH_TIMEOUT(stream.isConnected(), kTimeoutMs);

    Client client(certificatesIn(path(u"server.crt"_s)));
    QCOMPARE(
        client.send("PUT", m_server->url() + u"/v1/progress/movie"_s, m_token, update(7000)).status,
        200);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, kTimeoutMs);
    const auto record = received.constFirst().constFirst().value<ProgressRecord>();
    QCOMPARE(record.contentId, u"movie"_s);
    QCOMPARE(record.positionMs, qint64(7000));
    stream.stop();
}

void tst_Tls::syncClientDeliversOverTls_data()
{
    QTest::addColumn<QString>("caCertificate"); // empty: the system's authorities alone
    QTest::addColumn<bool>("delivered");

    QTest::newRow("trusting the server's certificate") << u"server.crt"_s << true;
    QTest::newRow("trusting another certificate") << u"other.crt"_s << false;
    QTest::newRow("the system's authorities alone") << QString() << false;
}

void tst_Tls::syncClientDeliversOverTls()
{
    QFETCH(QString, caCertificate);
    QFETCH(bool, delivered);

    LocalCopy local;
    QObject context;
    std::optional<bool> opened;
    local.open(m_dir->filePath(u"local.sqlite"_s), &context,
               [&opened](const StoreResult<void> &result) { opened = result.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kTimeoutMs);
    QVERIFY(*opened);
    ServerPool servers;
    servers.setServers(ServerList({QUrl(m_server->url())}), m_token);
    if (!caCertificate.isEmpty())
        servers.setTrustedCertificates(certificatesIn(path(caCertificate)));
    SyncClient sync(local, servers);
    sync.setDevice(u"phone"_s, u"Phone"_s);

    QSignalSpy settled(&sync, &SyncClient::reportSettled);
    ProgressRecord record;
    record.contentId = u"movie"_s;
    record.positionMs = 61000;
    record.durationMs = 3600000;
    sync.report(record);
    QVERIFY(settled.wait(kTimeoutMs));
    QCOMPARE(settled.constFirst().at(1).toBool(), delivered);
    QCOMPARE(sync.isOnline(), delivered);

    Client client(certificatesIn(path(u"server.crt"_s)));
    const Answer get = client.send("GET", m_server->url() + u"/v1/progress/movie"_s, m_token);
    QCOMPARE(get.status, delivered ? 200 : 404);
    if (delivered)
        QCOMPARE(get.json().value(u"record"_s).toObject().value(u"device_id"_s).toString(),
                 u"phone"_s);
}

void tst_Tls::acceptedFiles_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("trusted");

    QTest::newRow("RSA") << u"server.crt"_s << u"server.key"_s << u"server.crt"_s;
    QTest::newRow("EC (Let's Encrypt's default)") << u"ec.crt"_s << u"ec.key"_s << u"ec.crt"_s;
    QTest::newRow("a full chain") << u"chain.crt"_s << u"server.key"_s << u"server.crt"_s;
}

void tst_Tls::acceptedFiles()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, trusted);

    SyncServer server;
    QString error;
    QVERIFY2(startServer(server, path(certificate), path(key), &error), qPrintable(error));
    Client client(certificatesIn(path(trusted)));
    QCOMPARE(client.send("GET", server.url() + u"/healthz"_s).status, 200);
}

void tst_Tls::refusedFiles_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("mentions"); // the message names what is wrong

    QTest::newRow("no such certificate") << u"none.crt"_s << u"server.key"_s << u"none.crt"_s;
    QTest::newRow("no such key") << u"server.crt"_s << u"none.key"_s << u"none.key"_s;
    QTest::newRow("another certificate's key")
        << u"server.crt"_s << u"other.key"_s << u"does not fit"_s;
    QTest::newRow("an RSA certificate with an EC key")
        << u"server.crt"_s << u"ec.key"_s << u"does not fit"_s;
    QTest::newRow("a broken certificate")
        << u"garbage.pem"_s << u"server.key"_s << u"no PEM certificate"_s;
    QTest::newRow("a certificate as the key")
        << u"server.crt"_s << u"server.crt"_s << u"no unencrypted PEM private key"_s;
    QTest::newRow("an encrypted key")
        << u"server.crt"_s << u"encrypted.key"_s << u"no unencrypted PEM private key"_s;
    QTest::newRow("a certificate without its key") << u"server.crt"_s << QString() << u"both"_s;
}

void tst_Tls::refusedFiles()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, mentions);

    SyncServer server;
    QString error;
    QVERIFY(!startServer(server, path(certificate), key.isEmpty() ? QString() : path(key), &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY(!server.isListening());
}

void tst_Tls::caCertOption()
{
    const QString certificate = path(u"server.crt"_s);
    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse({u"playmark"_s, u"--ca-cert"_s, certificate}, &options, &text),
             AppOptions::Outcome::Run);
    QCOMPARE(options.caCertificate, std::optional<QString>(certificate));

    // An empty value forgets the one saved in the profile.
    options = AppOptions();
    QCOMPARE(AppOptions::parse({u"playmark"_s, u"--ca-cert="_s}, &options, &text),
             AppOptions::Outcome::Run);
    QCOMPARE(options.caCertificate, std::optional<QString>(QString()));

    qputenv("PLAYMARK_CA_CERT", certificate.toUtf8());
    options = AppOptions();
    const AppOptions::Outcome outcome = AppOptions::parse({u"playmark"_s}, &options, &text);
    qunsetenv("PLAYMARK_CA_CERT");
    QCOMPARE(outcome, AppOptions::Outcome::Run);
    QCOMPARE(options.caCertificate, std::optional<QString>(certificate));

    options = AppOptions();
    QCOMPARE(AppOptions::parse({u"playmark"_s}, &options, &text), AppOptions::Outcome::Run);
    QVERIFY(!options.caCertificate); // the profile's stays
}

void tst_Tls::binaryServesHttps_data()
{
    QTest::addColumn<bool>("fromEnvironment");
    QTest::newRow("--tls-cert and --tls-key") << false;
    QTest::newRow("PLAYMARK_TLS_CERT and PLAYMARK_TLS_KEY") << true;
}

void tst_Tls::binaryServesHttps()
{
    QFETCH(bool, fromEnvironment);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QStringList args{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                     m_dir->filePath(u"process.sqlite"_s)};
    if (fromEnvironment) {
        environment.insert(u"PLAYMARK_TLS_CERT"_s, path(u"server.crt"_s));
        environment.insert(u"PLAYMARK_TLS_KEY"_s, path(u"server.key"_s));
    } else {
        args << u"--tls-cert"_s << path(u"server.crt"_s) << u"--tls-key"_s << path(u"server.key"_s);
    }
    ServerProcess server(kServerBinary, args, environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(server.port() != 0, server.err().constData(), kTimeoutMs);
    const QString url = u"https://127.0.0.1:%1/healthz"_s.arg(server.port());

    const QStringList curl{u"-sS"_s, u"--noproxy"_s, u"*"_s, u"--max-time"_s, u"20"_s};
    const Run trusted =
        runProcess(u"curl"_s, curl + QStringList{u"--cacert"_s, path(u"server.crt"_s), url},
                   QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY2(trusted.exitedNormally() && trusted.exitCode == 0, trusted.err.constData());
    QCOMPARE(QJsonDocument::fromJson(trusted.out).object().value(u"status"_s).toString(), u"ok"_s);
    // curl's own trust store does not know a self-signed certificate: 60, "peer certificate".
    const Run untrusted = runProcess(u"curl"_s, curl + QStringList{url},
                                     QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY(untrusted.exitedNormally());
    QCOMPARE(untrusted.exitCode, 60);

    ::kill(pid_t(server.process().processId()), SIGTERM);
    QVERIFY(server.process().waitForFinished(kTimeoutMs));
    QCOMPARE(server.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process().exitCode(), 0);
}

void tst_Tls::binaryRefusesBadTls_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("environment"); // NAME=VALUE, or empty
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("mentions");

    const QString crt = path(u"server.crt"_s);
    // Files that cannot be used: 1, as for a database that cannot be opened.
    QTest::newRow("no such key") << QStringList{u"--tls-cert"_s, crt, u"--tls-key"_s,
                                                path(u"no-such.key"_s)}
                                 << QString() << 1 << u"no-such.key"_s;
    QTest::newRow("another certificate's key")
        << QStringList{u"--tls-cert"_s, crt, u"--tls-key"_s, path(u"other.key"_s)} << QString() << 1
        << u"does not fit"_s;
    // An incomplete command line: 2, bad arguments.
    QTest::newRow("--tls-cert alone")
        << QStringList{u"--tls-cert"_s, crt} << QString() << 2 << u"--tls-key"_s;
    QTest::newRow("PLAYMARK_TLS_KEY alone")
        << QStringList() << u"PLAYMARK_TLS_KEY="_s + path(u"server.key"_s) << 2 << u"--tls-cert"_s;
}

void tst_Tls::binaryRefusesBadTls()
{
    QFETCH(QStringList, args);
    QFETCH(QString, environment);
    QFETCH(int, exitCode);
    QFETCH(QString, mentions);

    QProcessEnvironment variables = QProcessEnvironment::systemEnvironment();
    variables.remove(u"PLAYMARK_TLS_CERT"_s);
    variables.remove(u"PLAYMARK_TLS_KEY"_s);
    if (!environment.isEmpty())
        variables.insert(environment.section(u'=', 0, 0), environment.section(u'=', 1));
    const Run run = runProcess(kServerBinary,
                               QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                                           m_dir->filePath(u"process.sqlite"_s)}
                                   + args,
                               variables, kTimeoutMs);
    QVERIFY2(run.exitedNormally(), "playmark-server should exit by itself");
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(QString::fromUtf8(run.err).contains(mentions), run.err.constData());
    QVERIFY2(!run.err.contains("listening on"), run.err.constData());
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
