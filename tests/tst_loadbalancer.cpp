// Several servers behind nginx, as deploy/nginx/playmark.conf sets it up: real nginx terminating
// TLS in front of two real playmark-server processes on one PostgreSQL database (the test
// cluster), and real players (offscreen) that know only nginx's https:// address. A position
// played through one server is known to both and resumes on another device; killing a server
// mid-session loses nothing (nginx sends its requests to the other one); an event stream held
// through nginx hears an update written on the server that does not hold it; a write whose
// server dies while answering it is sent again to the other; and what nginx answers itself
// (the redirect, the body limit, /metrics) is as the site file says.
//
// The site file is the committed one: the test changes only what must differ on a test machine
// (the servers' ports, nginx's own ports on 127.0.0.1, the certificate paths; see siteConfig())
// and wraps it in the `main` and `http` settings that Debian's /etc/nginx/nginx.conf otherwise
// gives it (pid file, logs, temporary folders inside the test's folder).
#include "metricsample.h"
#include "playerposition.h"
#include "serverprocess.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include <csignal>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_SAMPLE_VIDEO);
const QString kSiteConfig = QStringLiteral(PLAYMARK_NGINX_CONF);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
constexpr int kPlayerTimeoutMs = 60000;
// As tst_endtoend: a resume lands on the reported position within one frame or so.
constexpr qint64 kResumeToleranceMs = 250;

// Two ports the OS has just handed out and taken back: nothing holds them, but something may take
// one before it is used, so whoever binds them must say whether that worked (see startNginx()).
// Both are held open together while they are chosen: one taken back before the next is asked for
// can be handed out again, and nginx given the same port for http and https refuses its
// configuration ("no ssl_certificate is defined for the listen ... ssl directive": CI saw it).
std::pair<quint16, quint16> candidatePorts()
{
    QTcpServer first;
    QTcpServer second;
    first.listen(QHostAddress::LocalHost, 0);
    second.listen(QHostAddress::LocalHost, 0);
    return {first.serverPort(), second.serverPort()};
}

bool accepts(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(1000);
}

QProcessEnvironment offscreen()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    return environment;
}

// A program in the background (offscreen), its stdout collected as it comes as well.
class Process : public ServerProcess
{
public:
    Process(const QString &program, const QStringList &args)
        : ServerProcess(program, args, offscreen(), kTimeoutMs)
    {
        QObject::connect(&process(), &QProcess::readyReadStandardOutput, &process(),
                         [this] { m_out += process().readAllStandardOutput(); });
    }
    // The base kills and waits after m_out is gone: no more collecting by then.
    ~Process()
    {
        QObject::disconnect(&process(), &QProcess::readyReadStandardOutput, nullptr, nullptr);
    }
    Q_DISABLE_COPY_MOVE(Process)

    const QByteArray &out() const { return m_out; }

    // SIGTERM, then wait: the servers and nginx stop cleanly on it (a stopped one once continued).
    void stop()
    {
        if (!isRunning())
            return;
        ::kill(pid_t(process().processId()), SIGCONT);
        process().terminate();
        if (!process().waitForFinished(kTimeoutMs)) {
            process().kill();
            process().waitForFinished(kTimeoutMs);
        }
    }

private:
    QByteArray m_out;
};

// `playmark-server serve` on a port of its own choosing; port() and url() once it listens.
class Server final : public Process
{
public:
    explicit Server(const QString &database)
        : Process(kServerBin, {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, database})
    {
    }
};

// The JSON lines a player prints with --events.
QList<QJsonObject> playerEvents(const QByteArray &out)
{
    QList<QJsonObject> events;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.trimmed().isEmpty())
            events.append(QJsonDocument::fromJson(line).object());
    }
    return events;
}

QList<QJsonObject> eventsNamed(const QList<QJsonObject> &events, const QString &name)
{
    QList<QJsonObject> named;
    for (const QJsonObject &event : events) {
        if (event.value(u"event"_s).toString() == name)
            named.append(event);
    }
    return named;
}

QJsonObject firstNamed(const QList<QJsonObject> &events, const QString &name)
{
    return eventsNamed(events, name).value(0);
}

struct Answer
{
    int status = -1; // -1: no HTTP answer
    QByteArray body;
    QByteArray location;
    QByteArray contentType;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

QByteArray update(qint64 positionMs, const QString &deviceId)
{
    const QJsonObject object{{u"position_ms"_s, positionMs},
                             {u"duration_ms"_s, 3600000},
                             {u"device_id"_s, deviceId},
                             {u"device_name"_s, deviceId},
                             {u"observed_at_ms"_s, QDateTime::currentMSecsSinceEpoch()},
                             {u"state"_s, u"paused"_s}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_LoadBalancer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void playerResumesAcrossServers();
    void serverKilledMidSession();
    void eventStreamHearsTheOtherServer();
    void writeInFlightMovesOn();
    void playerFailsOverWithoutProxy();
    void answersAtTheProxy_data();
    void answersAtTheProxy();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    QString proxyUrl() const { return u"https://127.0.0.1:%1"_s.arg(m_httpsPort); }
    bool siteConfig(QString *config, QString *error) const;
    bool startNginx(QString *error);
    bool startNginxOnce(QString *error);
    Answer send(const QByteArray &verb, const QString &url, const QByteArray &body = {},
                bool followRedirects = true);
    QJsonObject storedRecord(Server &server, const QString &contentId);
    QByteArray metrics(Server &server) { return send("GET", server.url() + u"/metrics"_s).body; }
    QStringList device(const QString &name, int quitAfter) const;
    QList<QJsonObject> runPlayer(const QStringList &arguments, int *exitCode);

    QTemporaryDir m_files; // the certificate, made once
    QString m_nginx;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<Server> m_servers[2];
    std::unique_ptr<Process> m_proxy;
    quint16 m_httpsPort = 0;
    quint16 m_httpPort = 0;
    QString m_token;
    QNetworkAccessManager m_network;
    QSslConfiguration m_tls;
};

void tst_LoadBalancer::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(m_files.isValid());
    QVERIFY2(QFile::exists(kSample), qPrintable(kSample));
    QVERIFY2(QFile::exists(kSiteConfig), qPrintable(kSiteConfig));
    // Several servers share one database only on PostgreSQL; CTest runs this test with
    // PLAYMARK_TEST_DATABASE=postgresql and the cluster of its postgres fixture.
    QVERIFY2(TestDatabase::isPostgreSql(),
             "run it with PLAYMARK_TEST_DATABASE=postgresql and PLAYMARK_TEST_POSTGRES_STATE "
             "(ctest -R tst_loadbalancer does)");
    // scripts/setup installs nginx (Debian puts it in /usr/sbin, not always on a user's PATH).
    m_nginx = QStandardPaths::findExecutable(u"nginx"_s);
    if (m_nginx.isEmpty())
        m_nginx = QStandardPaths::findExecutable(u"nginx"_s, {u"/usr/sbin"_s, u"/sbin"_s});
    QVERIFY2(!m_nginx.isEmpty(), "nginx is not installed (run scripts/setup)");

    // A self-signed certificate for 127.0.0.1, as docs/deployment.md makes one.
    QProcess openssl;
    openssl.start(u"openssl"_s,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                   u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-days"_s, u"1"_s, u"-subj"_s,
                   u"/CN=localhost"_s, u"-addext"_s, u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s,
                   u"-keyout"_s, m_files.filePath(u"tls.key"_s), u"-out"_s,
                   m_files.filePath(u"tls.crt"_s)});
    QVERIFY(openssl.waitForFinished(kTimeoutMs));
    QVERIFY2(openssl.exitCode() == 0, openssl.readAllStandardError().constData());
    m_tls = QSslConfiguration::defaultConfiguration();
    QVERIFY(m_tls.addCaCertificates(m_files.filePath(u"tls.crt"_s)));
}

// Per test: a new database with one user, two servers on it, nginx in front of them.
void tst_LoadBalancer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = std::make_unique<TestDatabase>(u"loadbalancer"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));

    QProcess add;
    add.start(kServerBin, {u"user"_s, u"add"_s, u"family"_s, u"--db"_s, m_database->location()});
    QVERIFY(add.waitForFinished(kTimeoutMs));
    QVERIFY2(add.exitCode() == 0, add.readAllStandardError().constData());
    m_token = QString::fromUtf8(add.readAllStandardOutput().trimmed());
    QVERIFY(!m_token.isEmpty());

    for (auto &server : m_servers) {
        server = std::make_unique<Server>(m_database->location());
        QTRY_VERIFY2_WITH_TIMEOUT(server->port() != 0 || !server->isRunning(),
                                  server->err().constData(), kTimeoutMs);
        QVERIFY2(server->port() != 0, server->err().constData());
    }
    QString error;
    QVERIFY2(startNginx(&error), qPrintable(error));
}

void tst_LoadBalancer::cleanup()
{
    if (QTest::currentTestFailed()) {
        if (m_proxy)
            qWarning("nginx:\n%s", m_proxy->err().constData());
        for (const auto &server : m_servers) {
            if (server)
                qWarning("server:\n%s", server->err().constData());
        }
    }
    if (m_proxy)
        m_proxy->stop();
    m_proxy.reset();
    for (auto &server : m_servers) {
        if (server)
            server->stop();
        server.reset();
    }
    m_database.reset();
    m_dir.reset();
}

// The committed site file with the test machine's ports and certificate. Each replaced piece
// must be there exactly once: if the file changes shape, this fails rather than testing
// something else.
bool tst_LoadBalancer::siteConfig(QString *config, QString *error) const
{
    QFile file(kSiteConfig);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = kSiteConfig + u": "_s + file.errorString();
        return false;
    }
    *config = QString::fromUtf8(file.readAll());
    const QList<std::pair<QString, QString>> replacements{
        {u"server 127.0.0.1:8787 "_s, u"server 127.0.0.1:%1 "_s.arg(m_servers[0]->port())},
        {u"server 127.0.0.1:8788 "_s, u"server 127.0.0.1:%1 "_s.arg(m_servers[1]->port())},
        {u"listen 80;"_s, u"listen 127.0.0.1:%1;"_s.arg(m_httpPort)},
        {u"listen 443 ssl"_s, u"listen 127.0.0.1:%1 ssl"_s.arg(m_httpsPort)},
        {u"/etc/letsencrypt/live/playmark.example.org/fullchain.pem"_s,
         m_files.filePath(u"tls.crt"_s)},
        {u"/etc/letsencrypt/live/playmark.example.org/privkey.pem"_s,
         m_files.filePath(u"tls.key"_s)},
    };
    for (const auto &[from, to] : replacements) {
        if (config->count(from) != 1) {
            *error = u"%1 has '%2' %3 times, not once: update tst_loadbalancer's replacements"_s
                         .arg(kSiteConfig, from)
                         .arg(config->count(from));
            return false;
        }
        config->replace(from, to);
    }
    return true;
}

bool tst_LoadBalancer::startNginx(QString *error)
{
    // nginx cannot listen on port 0 and say which port it got, so the test offers it two ports
    // the OS just handed out and lets nginx say whether it could bind them: nginx writes its pid
    // file only after it has opened its listening sockets, and exits on "Address already in use"
    // when another process took one in between; then it is tried again on others.
    for (int attempt = 1;; ++attempt) {
        std::tie(m_httpsPort, m_httpPort) = candidatePorts();
        if (startNginxOnce(error))
            return true;
        if (attempt == 5 || !m_proxy || !m_proxy->err().contains("Address already in use"))
            return false;
        qInfo("nginx: a port was taken (attempt %d), trying others", attempt);
    }
}

bool tst_LoadBalancer::startNginxOnce(QString *error)
{
    QString site;
    if (!siteConfig(&site, error))
        return false;
    // What Debian's nginx.conf gives a site, pointed into the test's folder; two workers, as a
    // real machine has several. As root the workers would become `nobody`, who cannot enter the
    // test's private folder: keep them the test's own user.
    const QString main = QStringLiteral("%1worker_processes 2;\n"
                                        "pid nginx.pid;\n"
                                        "error_log stderr warn;\n"
                                        "events { worker_connections 256; }\n"
                                        "http {\n"
                                        "    access_log access.log;\n"
                                        "    client_body_temp_path temp/body;\n"
                                        "    proxy_temp_path temp/proxy;\n"
                                        "    fastcgi_temp_path temp/fastcgi;\n"
                                        "    uwsgi_temp_path temp/uwsgi;\n"
                                        "    scgi_temp_path temp/scgi;\n"
                                        "    include playmark.conf;\n"
                                        "}\n")
                             .arg(geteuid() == 0 ? u"user root;\n"_s : QString());
    const std::pair<QString, QString> files[] = {{u"playmark.conf"_s, site},
                                                 {u"nginx.conf"_s, main}};
    for (const auto &[name, text] : files) {
        QFile file(path(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0) {
            *error = path(name) + u": "_s + file.errorString();
            return false;
        }
    }
    if (!QDir().mkpath(path(u"temp"_s))) {
        *error = u"cannot make "_s + path(u"temp"_s);
        return false;
    }
    // Listening once its pid file is written (after it has bound its sockets); an nginx that
    // refused its configuration or could not bind exits.
    QFile::remove(path(u"nginx.pid"_s));
    m_proxy = std::make_unique<Process>(m_nginx,
                                        QStringList{u"-p"_s, m_dir->path() + u'/', u"-c"_s,
                                                    u"nginx.conf"_s, u"-g"_s, u"daemon off;"_s});
    const auto pidWritten = [this] {
        return QFileInfo(path(u"nginx.pid"_s)).size() > 0;
    };
    (void)QTest::qWaitFor([&] { return !m_proxy->isRunning() || pidWritten(); }, kTimeoutMs);
    if (!m_proxy->isRunning() || !pidWritten()) {
        if (m_proxy->isRunning())
            m_proxy->stop();
        m_proxy->process().waitForFinished(kTimeoutMs); // the last of its stderr
        *error = u"nginx did not start:\n"_s + QString::fromUtf8(m_proxy->err());
        return false;
    }
    if (!accepts(m_httpsPort)) {
        *error = u"nginx started but does not accept on its https port"_s;
        return false;
    }
    return true;
}

Answer tst_LoadBalancer::send(const QByteArray &verb, const QString &url, const QByteArray &body,
                              bool followRedirects)
{
    QNetworkRequest request{QUrl(url)};
    request.setSslConfiguration(m_tls);
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    if (!followRedirects)
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(kTimeoutMs);
    std::unique_ptr<QNetworkReply> reply(m_network.sendCustomRequest(request, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return answer;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    answer.status = status.isValid() ? status.toInt() : -1;
    answer.body = reply->readAll();
    answer.location = reply->rawHeader("Location");
    answer.contentType = reply->rawHeader("Content-Type");
    return answer;
}

// The record as one server answers it, asked on that server's own port.
QJsonObject tst_LoadBalancer::storedRecord(Server &server, const QString &contentId)
{
    return send("GET", server.url() + u"/v1/progress/"_s + contentId)
        .json()
        .value(u"record"_s)
        .toObject();
}

// A player that knows only nginx's address.
QStringList tst_LoadBalancer::device(const QString &name, int quitAfter) const
{
    return {u"--profile"_s,
            path(name),
            u"--device"_s,
            name,
            u"--server"_s,
            proxyUrl(),
            u"--ca-cert"_s,
            m_files.filePath(u"tls.crt"_s),
            u"--token"_s,
            m_token,
            u"--events"_s,
            u"--quit-after"_s,
            QString::number(quitAfter),
            kSample};
}

QList<QJsonObject> tst_LoadBalancer::runPlayer(const QStringList &arguments, int *exitCode)
{
    Process player(kPlayerBin, arguments);
    QDeadlineTimer deadline(kPlayerTimeoutMs);
    while (player.isRunning() && !deadline.hasExpired())
        QTest::qWait(50);
    *exitCode = player.isRunning() || player.process().exitStatus() != QProcess::NormalExit
        ? -1
        : player.process().exitCode();
    if (*exitCode != 0)
        qWarning("player:\n%s", player.err().constData());
    return playerEvents(player.out());
}

// a. The TV plays through nginx; both servers know where it stopped (one database, and each
//    server's cache follows the other's writes); the Phone resumes there, through nginx.
void tst_LoadBalancer::playerResumesAcrossServers()
{
    int exitCode = -1;
    const QList<QJsonObject> tv = runPlayer(device(u"TV"_s, 4), &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonObject tvQuit = firstNamed(tv, u"quit"_s);
    QCOMPARE(tvQuit.value(u"pending"_s).toInt(-1), 0);
    const QString contentId = tvQuit.value(u"content_id"_s).toString();
    const qint64 tvPosition = tvQuit.value(u"position_ms"_s).toInteger();
    QVERIFY2(tvPosition >= 3000, qPrintable(QString::number(tvPosition)));

    for (auto &server : m_servers) {
        // The server that did not take the last write hears of it through the database.
        QTRY_COMPARE_WITH_TIMEOUT(
            storedRecord(*server, contentId).value(u"position_ms"_s).toInteger(), tvPosition,
            kTimeoutMs);
        QCOMPARE(storedRecord(*server, contentId).value(u"device_name"_s).toString(), u"TV"_s);
    }

    const QList<QJsonObject> phone = runPlayer(device(u"Phone"_s, 1), &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonObject resumed = firstNamed(phone, u"resumed"_s);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(resumed.value(u"device_name"_s).toString(), u"TV"_s);
    QCOMPARE(resumed.value(u"content_id"_s).toString(), contentId);
    const qint64 phonePosition = resumed.value(u"position_ms"_s).toInteger();
    QVERIFY2(
        qAbs(phonePosition - tvPosition) <= kResumeToleranceMs,
        qPrintable(u"TV quit at %1, Phone resumed at %2"_s.arg(tvPosition).arg(phonePosition)));
    QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
}

// b. A server is killed (SIGKILL) while a player reports through nginx every second: the
//    player's requests go to the other server, its event stream opens again there, every report
//    is delivered, nothing is left in its outbox, and another device resumes where it stopped.
void tst_LoadBalancer::serverKilledMidSession()
{
    QStringList arguments = device(u"TV"_s, 7);
    arguments.insert(arguments.size() - 1, u"--report-interval"_s);
    arguments.insert(arguments.size() - 1, u"1"_s);
    Process tv(kPlayerBin, arguments);
    const auto delivered = [&tv] {
        int count = 0;
        for (const QJsonObject &event : eventsNamed(playerEvents(tv.out()), u"reported"_s))
            count += event.value(u"delivered"_s).toBool() ? 1 : 0;
        return count;
    };
    const auto subscribers = [this](Server &server) {
        return metricSample(metrics(server), "playmark_event_subscribers");
    };
    const auto syncRequests = [this](Server &server) {
        return metricSample(
            metrics(server),
            R"(playmark_http_requests_total{route="/v1/sync",method="POST",status="200"})");
    };

    // Under way: reports delivered to both servers (round robin), the event stream open on one.
    QTRY_VERIFY2_WITH_TIMEOUT(delivered() >= 2 || !tv.isRunning(), tv.err().constData(),
                              kPlayerTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(syncRequests(*m_servers[0]) >= 1 && syncRequests(*m_servers[1]) >= 1,
                             kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(*m_servers[0]) + subscribers(*m_servers[1]), 1.0,
                              kTimeoutMs);
    QVERIFY(tv.isRunning());
    // The one holding the stream goes, so the stream has to move too.
    const int victim = subscribers(*m_servers[0]) == 1.0 ? 0 : 1;
    Server &survivor = *m_servers[1 - victim];
    const QString contentId =
        firstNamed(playerEvents(tv.out()), u"resumed"_s).value(u"content_id"_s).toString();
    QVERIFY(!contentId.isEmpty());

    m_servers[victim]->process().kill();
    QVERIFY(m_servers[victim]->process().waitForFinished(kTimeoutMs));
    const qint64 reportsBefore = eventsNamed(playerEvents(tv.out()), u"reported"_s).size();
    const qint64 positionAtKill =
        storedRecord(survivor, contentId).value(u"position_ms"_s).toInteger();

    // The stream comes back through nginx, on the survivor.
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(survivor), 1.0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!tv.isRunning(), kPlayerTimeoutMs);
    QCOMPARE(tv.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(tv.process().exitCode() == 0, tv.err().constData());

    const QList<QJsonObject> events = playerEvents(tv.out());
    const QList<QJsonObject> reports = eventsNamed(events, u"reported"_s);
    QVERIFY2(reports.size() >= reportsBefore + 2, tv.out().constData());
    for (const QJsonObject &report : reports)
        QVERIFY2(report.value(u"delivered"_s).toBool(), tv.out().constData());
    const QJsonObject quit = firstNamed(events, u"quit"_s);
    QCOMPARE(quit.value(u"pending"_s).toInt(-1), 0);
    const qint64 finalPosition = quit.value(u"position_ms"_s).toInteger();
    QVERIFY2(finalPosition > positionAtKill,
             qPrintable(u"at the kill %1, at the end %2"_s.arg(positionAtKill).arg(finalPosition)));
    QCOMPARE(storedRecord(survivor, contentId).value(u"position_ms"_s).toInteger(), finalPosition);

    int exitCode = -1;
    const QList<QJsonObject> phone = runPlayer(device(u"Phone"_s, 1), &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonObject resumed = firstNamed(phone, u"resumed"_s);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(resumed.value(u"device_name"_s).toString(), u"TV"_s);
    const qint64 phonePosition = resumed.value(u"position_ms"_s).toInteger();
    QVERIFY2(
        qAbs(phonePosition - finalPosition) <= kResumeToleranceMs,
        qPrintable(u"TV quit at %1, Phone resumed at %2"_s.arg(finalPosition).arg(phonePosition)));
    QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
}

// c. An event stream opened through nginx is held by one server; an update written directly on
//    the other one reaches it at once, through the proxy, while the stream stays open.
void tst_LoadBalancer::eventStreamHearsTheOtherServer()
{
    QNetworkRequest request{QUrl(proxyUrl() + u"/v1/events"_s)};
    request.setSslConfiguration(m_tls);
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setRawHeader("Accept", "text/event-stream");
    std::unique_ptr<QNetworkReply> stream(m_network.get(request));
    QByteArray received;
    connect(stream.get(), &QNetworkReply::readyRead, this,
            [&received, &stream] { received += stream->readAll(); });

    // The server's first comment arrives as soon as the stream is open.
    QTRY_VERIFY_WITH_TIMEOUT(received.contains(": playmark events"), kTimeoutMs);
    QCOMPARE(stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const auto subscribers = [this](Server &server) {
        return metricSample(metrics(server), "playmark_event_subscribers");
    };
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(*m_servers[0]) + subscribers(*m_servers[1]), 1.0,
                              kTimeoutMs);
    Server &other = subscribers(*m_servers[0]) == 1.0 ? *m_servers[1] : *m_servers[0];

    const Answer put =
        send("PUT", other.url() + u"/v1/progress/episode-1"_s, update(123456, u"laptop"_s));
    QCOMPARE(put.status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\"position_ms\":123456"), kTimeoutMs);
    QVERIFY(received.contains("event: progress"));
    QVERIFY(stream->isRunning());
}

// d. A write whose server dies after nginx sent it on (here: a server stopped with SIGSTOP, then
//    killed) is sent again to the other server (`non_idempotent`: POST /v1/sync), and answered.
void tst_LoadBalancer::writeInFlightMovesOn()
{
    Server &stopped = *m_servers[0];
    Server &survivor = *m_servers[1];
    QCOMPARE(::kill(pid_t(stopped.process().processId()), SIGSTOP), 0);

    // Round robin: of consecutive requests, every other one goes to the stopped server, where
    // the connection is accepted (by the kernel) and the request sent, but never answered.
    constexpr int kWrites = 4;
    std::vector<std::unique_ptr<QNetworkReply>> replies;
    for (int i = 0; i < kWrites; ++i) {
        QNetworkRequest request{QUrl(proxyUrl() + u"/v1/sync"_s)};
        request.setSslConfiguration(m_tls);
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        QJsonObject change = QJsonDocument::fromJson(update(1000 * (i + 1), u"tv"_s)).object();
        change.insert(u"content_id"_s, u"episode-%1"_s.arg(i));
        const QJsonObject body{{u"updates"_s, QJsonArray{change}}};
        replies.emplace_back(
            m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact)));
    }
    const auto finished = [&replies] {
        return int(std::count_if(replies.begin(), replies.end(),
                                 [](const auto &reply) { return reply->isFinished(); }));
    };
    // The survivor's share is answered; the rest waits on the stopped server.
    QTRY_VERIFY_WITH_TIMEOUT(finished() >= kWrites / 2, kTimeoutMs);
    QVERIFY2(finished() < kWrites, "no request went to the stopped server");

    stopped.process().kill();
    QVERIFY(stopped.process().waitForFinished(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(finished(), kWrites, kTimeoutMs);
    for (int i = 0; i < kWrites; ++i) {
        QNetworkReply &reply = *replies[size_t(i)];
        QCOMPARE(reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QJsonObject result = QJsonDocument::fromJson(reply.readAll())
                                       .object()
                                       .value(u"results"_s)
                                       .toArray()
                                       .at(0)
                                       .toObject();
        QCOMPARE(result.value(u"applied"_s), QJsonValue(true));
        QCOMPARE(storedRecord(survivor, u"episode-%1"_s.arg(i)).value(u"position_ms"_s).toInteger(),
                 1000 * (i + 1));
    }
}

// What nginx answers itself, by the site file's rules.
// The player's own failover, no proxy between: `--server A,B` on the two servers. It uses A, the
// first that answers; A is killed while it plays and reports every second; it carries on with B,
// every report delivered, nothing left in its outbox, and another device resumes where it stopped.
void tst_LoadBalancer::playerFailsOverWithoutProxy()
{
    Server &first = *m_servers[0];
    Server &second = *m_servers[1];
    QStringList arguments = device(u"TV"_s, 7);
    arguments[arguments.indexOf(u"--server"_s) + 1] = first.url() + u',' + second.url();
    arguments.insert(arguments.size() - 1, u"--report-interval"_s);
    arguments.insert(arguments.size() - 1, u"1"_s);
    Process tv(kPlayerBin, arguments);
    const auto reports = [&tv] {
        return eventsNamed(playerEvents(tv.out()), u"reported"_s);
    };
    const auto syncRequests = [this](Server &server) {
        return metricSample(
            metrics(server),
            R"(playmark_http_requests_total{route="/v1/sync",method="POST",status="200"})");
    };

    // Under way, on the first server of the list only.
    QTRY_VERIFY2_WITH_TIMEOUT(reports().size() >= 2 || !tv.isRunning(), tv.err().constData(),
                              kPlayerTimeoutMs);
    QVERIFY(tv.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(syncRequests(first) >= 1, kTimeoutMs);
    QVERIFY(!(syncRequests(second) >= 1));
    const QString contentId =
        firstNamed(playerEvents(tv.out()), u"resumed"_s).value(u"content_id"_s).toString();
    QVERIFY(!contentId.isEmpty());

    first.process().kill();
    QVERIFY(first.process().waitForFinished(kTimeoutMs));
    const qsizetype reportsBefore = reports().size();

    QTRY_VERIFY_WITH_TIMEOUT(!tv.isRunning(), kPlayerTimeoutMs);
    QCOMPARE(tv.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(tv.process().exitCode() == 0, tv.err().constData());
    QVERIFY2(reports().size() >= reportsBefore + 2, tv.out().constData());
    for (const QJsonObject &report : reports())
        QVERIFY2(report.value(u"delivered"_s).toBool(), tv.out().constData());
    QVERIFY(syncRequests(second) >= 1);
    const QJsonObject quit = firstNamed(playerEvents(tv.out()), u"quit"_s);
    QCOMPARE(quit.value(u"pending"_s).toInt(-1), 0);
    const qint64 finalPosition = quit.value(u"position_ms"_s).toInteger();
    QCOMPARE(storedRecord(second, contentId).value(u"position_ms"_s).toInteger(), finalPosition);

    // Another device that only knows the second server resumes there.
    QStringList phoneArguments = device(u"Phone"_s, 1);
    phoneArguments[phoneArguments.indexOf(u"--server"_s) + 1] = second.url();
    int exitCode = -1;
    const QList<QJsonObject> phone = runPlayer(phoneArguments, &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonObject resumed = firstNamed(phone, u"resumed"_s);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    const qint64 phonePosition = resumed.value(u"position_ms"_s).toInteger();
    QVERIFY2(
        qAbs(phonePosition - finalPosition) <= kResumeToleranceMs,
        qPrintable(u"TV quit at %1, Phone resumed at %2"_s.arg(finalPosition).arg(phonePosition)));
    QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
}

void tst_LoadBalancer::answersAtTheProxy_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("address"); // https or http, then the path
    QTest::addColumn<int>("bodyBytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("expected"); // error code, or where a redirect leads

    QTest::newRow("health, through to a server")
        << QByteArray("GET") << u"https /healthz"_s << 0 << 200 << QString();
    QTest::newRow("plain HTTP is redirected")
        << QByteArray("PUT") << u"http /v1/progress/episode-1"_s << 0 << 308
        << u"https://127.0.0.1/v1/progress/episode-1"_s;
    QTest::newRow("body over 64 KiB") << QByteArray("PUT") << u"https /v1/progress/episode-1"_s
                                      << 65 * 1024 << 413 << u"payload_too_large"_s;
    QTest::newRow("metrics stay inside")
        << QByteArray("GET") << u"https /metrics"_s << 0 << 404 << QString();
}

void tst_LoadBalancer::answersAtTheProxy()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, address);
    QFETCH(int, bodyBytes);
    QFETCH(int, status);
    QFETCH(QString, expected);

    const bool https = address.section(u' ', 0, 0) == u"https"_s;
    const QString url =
        (https ? proxyUrl() : u"http://127.0.0.1:%1"_s.arg(m_httpPort)) + address.section(u' ', 1);
    const Answer answer = send(verb, url, QByteArray(bodyBytes, ' '), false);
    QCOMPARE(answer.status, status);
    if (status == 308)
        QCOMPARE(QString::fromUtf8(answer.location), expected);
    else if (status == 413) {
        QCOMPARE(answer.contentType, QByteArray("application/json"));
        QCOMPARE(answer.json().value(u"error"_s).toObject().value(u"code"_s).toString(), expected);
    }
}

QTEST_GUILESS_MAIN(tst_LoadBalancer)
#include "tst_loadbalancer.moc"
