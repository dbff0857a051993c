// docs/protocol.md's limits against the real server, in-process on a port the OS picks, through raw
// QTcpSocket clients so each test decides exactly which bytes go out and when: body and header
// sizes, chunked bodies, slow and idle connections, the connection cap, pipelining, the per-token
// rate limit, slowed-down failed authentication and the limits in /metrics. Then the limit flags of
// the playmark-server binary. Nothing here asserts how fast anything is; the few lower bounds on
// time check that a limit does not strike early, and the upper bounds are many times the limit.
#include "metricsample.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared.
constexpr int kTimeoutMs = 30000;
constexpr int kIdleMs = 1000;

const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A valid update, observed an hour ago (past observations are accepted).
QByteArray updateBody(qint64 positionMs, const QJsonObject &extra = {})
{
    QJsonObject object{{u"position_ms"_s, positionMs},
                       {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, u"tv"_s},
                       {u"device_name"_s, u"Living-room TV"_s},
                       {u"observed_at_ms"_s, nowMs() - 3600000},
                       {u"state"_s, u"playing"_s}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        object.insert(it.key(), it.value());
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A valid update of exactly `size` bytes, padded with a field the server ignores.
QByteArray updateBodyOfSize(qint64 positionMs, qsizetype size)
{
    const QByteArray base = updateBody(positionMs, {{u"pad"_s, QString()}});
    return updateBody(positionMs, {{u"pad"_s, QString(size - base.size(), u'x')}});
}

// One HTTP/1.1 request, byte for byte.
QByteArray request(const QByteArray &method, const QByteArray &path, const QString &token = {},
                   const QByteArray &body = {}, const QByteArray &extraHeaders = {})
{
    QByteArray out = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.isEmpty())
        out += "Authorization: Bearer " + token.toUtf8() + "\r\n";
    if (!body.isEmpty() || method == "PUT" || method == "POST")
        out += "Content-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n";
    return out + extraHeaders + "\r\n" + body;
}

double limitSample(const QByteArray &page, const char *name)
{
    return metricSample(page, "playmark_limit{name=\"" + QByteArray(name) + "\"}");
}

double refusedSample(const QByteArray &page, const char *reason)
{
    return metricSample(page, "playmark_refused_total{reason=\"" + QByteArray(reason) + "\"}");
}

struct Answer
{
    int status = -1;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonObject record() const { return json().value(u"record"_s).toObject(); }
    QString errorCode() const
    {
        return json().value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    QString errorMessage() const
    {
        return json().value(u"error"_s).toObject().value(u"message"_s).toString();
    }
};

// An error answer as docs/protocol.md words it.
#define VERIFY_ERROR(answer, expectedStatus, expectedCode) \
    do { \
        const Answer &answer_ = (answer); \
        QCOMPARE(answer_.status, (expectedStatus)); \
        QVERIFY2(answer_.header("Content-Type").startsWith("application/json"), \
                 answer_.body.constData()); \
        QCOMPARE(answer_.errorCode(), QString(expectedCode)); \
        QVERIFY2(!answer_.errorMessage().trimmed().isEmpty(), answer_.body.constData()); \
        QVERIFY2(answer_.json().value(u"server_time_ms"_s).isDouble(), answer_.body.constData()); \
    } while (false)

// A client that writes exactly the bytes it is given and parses what comes back. Waiting runs the
// event loop, so the in-process server keeps working meanwhile.
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        m_socket.setProxy(QNetworkProxy::NoProxy);
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                         [this] { m_buffer += m_socket.readAll(); });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }
    ~RawClient() { m_socket.abort(); }
    Q_DISABLE_COPY_MOVE(RawClient)

    bool waitConnected()
    {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, kTimeoutMs);
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // The next whole answer, or nothing if none came within the time.
    std::optional<Answer> next(int timeoutMs = kTimeoutMs)
    {
        std::optional<Answer> answer;
        if (!QTest::qWaitFor([&] { return (answer = take()).has_value(); }, timeoutMs))
            return std::nullopt;
        return answer;
    }
    // Whether a whole answer is buffered, without taking it.
    bool hasAnswer() const { return parse(m_buffer).has_value(); }
    // Closed by the server (or never connected).
    bool waitClosed(int timeoutMs = kTimeoutMs)
    {
        return QTest::qWaitFor([this] { return !isOpen(); }, timeoutMs);
    }
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QByteArray &buffer() { return m_buffer; }
    QTcpSocket &socket() { return m_socket; }

private:
    struct Parsed
    {
        Answer answer;
        qsizetype length = 0;
    };
    static std::optional<Parsed> parse(const QByteArray &buffer)
    {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        Parsed parsed;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        parsed.answer.status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                parsed.answer.headers.append(
                    {lines.at(i).left(colon).trimmed(), lines.at(i).mid(colon + 1).trimmed()});
        }
        // An event stream has no length: its answer is the headers; events follow in the buffer.
        const qsizetype length = parsed.answer.header("Content-Length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return std::nullopt;
        parsed.answer.body = buffer.mid(end + 4, length);
        parsed.length = end + 4 + length;
        return parsed;
    }
    std::optional<Answer> take()
    {
        std::optional<Parsed> parsed = parse(m_buffer);
        if (!parsed)
            return std::nullopt;
        m_buffer.remove(0, parsed->length);
        return parsed->answer;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// One request on a connection of its own.
std::optional<Answer> exchange(quint16 port, const QByteArray &bytes)
{
    RawClient client(port);
    if (!client.waitConnected())
        return std::nullopt;
    client.send(bytes);
    return client.next();
}

QByteArray metricsPage(quint16 port)
{
    const std::optional<Answer> answer = exchange(port, request("GET", "/metrics"));
    return answer && answer->status == 200 ? answer->body : QByteArray();
}

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

} // namespace

class TestConnectionGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void hugeContentLengthIsRefusedAtOnce_data();
    void hugeContentLengthIsRefusedAtOnce();
    void refusedUploadIsNotRead_data();
    void refusedUploadIsNotRead();
    void bodyAtTheLimit();
    void headersAtTheLimit_data();
    void headersAtTheLimit();
    void chunkedIsRefused();
    void slowRequestTimesOut_data();
    void slowRequestTimesOut();
    void idleKeepAliveIsClosed();
    void idleIsCountedFromTheLastAnswer();
    void eventStreamOutlivesIdleTimeout();
    void connectionCap();
    void pipelinedAnswersInOrder();
    void pipelinedReadAfterWrite();
    void rateLimit();
    void rateLimitZeroIsUnlimited();
    void failedAuthenticationIsSlowed();
    void metricsShowLimitsAndRefusals();
    void connectionCloseIsHonoured();

    void badLimitFlags_data();
    void badLimitFlags();
    void helpListsLimitFlags();
    void limitFlagsAreEnforced();

private:
    // Options for a test: the real defaults, with an idle timeout short enough to wait for.
    static ServerOptions options();
    // A server on a port of its own, with users alice and bob.
    std::unique_ptr<SyncServer> startServer(ServerOptions options, QString *alice = nullptr,
                                            QString *bob = nullptr);
    bool start(const ServerOptions &options)
    {
        m_server = startServer(options, &m_alice, &m_bob);
        return m_server != nullptr;
    }
    quint16 port() const { return m_server->port(); }
    Run runServer(const QStringList &args, int timeoutMs = kTimeoutMs);
    QProcessEnvironment processEnvironment() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_alice;
    QString m_bob;
    int m_servers = 0;
};

void TestConnectionGuard::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestConnectionGuard::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestConnectionGuard::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

ServerOptions TestConnectionGuard::options()
{
    ServerOptions options;
    options.port = 0;
    options.idleTimeoutMs = kIdleMs;
    return options;
}

std::unique_ptr<SyncServer> TestConnectionGuard::startServer(ServerOptions options, QString *alice,
                                                             QString *bob)
{
    auto server = std::make_unique<SyncServer>();
    options.databasePath = m_dir->filePath(u"server-%1.sqlite"_s.arg(++m_servers));
    QString error;
    QString token;
    if (!server->start(options, &error)
        || !server->storage().users().addUser(u"alice"_s, alice ? alice : &token, &error)
        || !server->storage().users().addUser(u"bob"_s, bob ? bob : &token, &error)) {
        qWarning() << "cannot start the server:" << error;
        return nullptr;
    }
    return server;
}

void TestConnectionGuard::hugeContentLengthIsRefusedAtOnce_data()
{
    QTest::addColumn<QByteArray>("length");
    QTest::newRow("2 GiB") << QByteArray("2147483648");
    QTest::newRow("beyond 64 bits") << QByteArray("99999999999999999999999");
    QTest::newRow("negative") << QByteArray("-1");
    QTest::newRow("not a number") << QByteArray("lots");
}

void TestConnectionGuard::hugeContentLengthIsRefusedAtOnce()
{
    QFETCH(QByteArray, length);
    QVERIFY(start(options()));

    RawClient client(port());
    QVERIFY(client.waitConnected());
    // The headers and the first few bytes of a body the server must never wait for.
    client.send("PUT /v1/progress/movie HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + m_alice.toUtf8() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + length + "\r\n\r\n{\"position_ms\":");
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    VERIFY_ERROR(*answer, 413, u"payload_too_large"_s);
    QCOMPARE(answer->header("Connection").toLower(), QByteArray("close"));

    // Another connection is served while the refused one is still being closed.
    const std::optional<Answer> health = exchange(port(), request("GET", "/healthz"));
    QVERIFY(health);
    QCOMPARE(health->status, 200);
    QVERIFY(client.waitClosed());
    QVERIFY2(client.buffer().isEmpty(), client.buffer().constData());

    // Nothing was stored, and the refusal is counted.
    const std::optional<Answer> got =
        exchange(port(), request("GET", "/v1/progress/movie", m_alice));
    QVERIFY(got);
    QCOMPARE(got->status, 404);
    QCOMPARE(refusedSample(metricsPage(port()), "body_too_large"), 1.0);
}

void TestConnectionGuard::refusedUploadIsNotRead_data()
{
    QTest::addColumn<bool>("atTheCap");
    QTest::newRow("413") << false;
    QTest::newRow("503 at the connection cap") << true;
}

void TestConnectionGuard::refusedUploadIsNotRead()
{
    QFETCH(bool, atTheCap);
    ServerOptions limited = options();
    limited.idleTimeoutMs = 60000;
    limited.maxConnections = 1;
    QVERIFY(start(limited));

    // At the cap, the one connection allowed is taken first.
    std::unique_ptr<RawClient> holder;
    if (atTheCap) {
        holder = std::make_unique<RawClient>(port());
        QVERIFY(holder->waitConnected());
        holder->send(request("GET", "/healthz"));
        const std::optional<Answer> health = holder->next();
        QVERIFY(health);
        QCOMPARE(health->status, 200);
    }

    RawClient client(port());
    QVERIFY(client.waitConnected());
    if (!atTheCap)
        client.send("PUT /v1/progress/movie HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    "2147483648\r\n\r\n");
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    QCOMPARE(answer->status, atTheCap ? 503 : 413);

    // Far more than the server would ever hold for a connection, more than the kernel buffers
    // on both sides can take: the server must close the connection before accepting it all.
    constexpr qint64 kTotal = 64LL * 1024 * 1024;
    const QByteArray chunk(1024 * 1024, 'x');
    qint64 queued = 0;
    qint64 accepted = 0;
    QTcpSocket &socket = client.socket();
    QObject::connect(&socket, &QTcpSocket::bytesWritten, &socket,
                     [&accepted](qint64 bytes) { accepted += bytes; });
    const auto feed = [&] {
        while (queued < kTotal && socket.state() == QAbstractSocket::ConnectedState
               && socket.bytesToWrite() < 2 * chunk.size()) {
            socket.write(chunk);
            queued += chunk.size();
        }
    };
    QObject::connect(&socket, &QTcpSocket::bytesWritten, &socket, feed);
    feed();
    QVERIFY2(client.waitClosed(), qPrintable(u"accepted %1 bytes"_s.arg(accepted)));
    QVERIFY2(accepted < kTotal, qPrintable(u"accepted %1 bytes"_s.arg(accepted)));
}

void TestConnectionGuard::bodyAtTheLimit()
{
    QVERIFY(start(options()));
    constexpr qsizetype kLimit = 64 * 1024;

    RawClient client(port());
    QVERIFY(client.waitConnected());
    const QByteArray fits = updateBodyOfSize(1000, kLimit);
    QCOMPARE(fits.size(), kLimit);
    client.send(request("PUT", "/v1/progress/at-limit", m_alice, fits));
    const std::optional<Answer> put = client.next();
    QVERIFY(put);
    QCOMPARE(put->status, 200);
    QCOMPARE(put->json().value(u"applied"_s), QJsonValue(true));
    QCOMPARE(put->record().value(u"position_ms"_s).toInteger(), 1000);
    // The connection goes on.
    client.send(request("GET", "/v1/progress/at-limit", m_alice));
    const std::optional<Answer> got = client.next();
    QVERIFY(got);
    QCOMPARE(got->status, 200);

    const QByteArray over = updateBodyOfSize(2000, kLimit + 1);
    QCOMPARE(over.size(), kLimit + 1);
    RawClient refused(port());
    QVERIFY(refused.waitConnected());
    refused.send(request("PUT", "/v1/progress/over-limit", m_alice, over));
    const std::optional<Answer> tooLarge = refused.next();
    QVERIFY(tooLarge);
    VERIFY_ERROR(*tooLarge, 413, u"payload_too_large"_s);
    QVERIFY(refused.waitClosed());

    const std::optional<Answer> missing =
        exchange(port(), request("GET", "/v1/progress/over-limit", m_alice));
    QVERIFY(missing);
    QCOMPARE(missing->status, 404);
}

void TestConnectionGuard::headersAtTheLimit_data()
{
    QTest::addColumn<qsizetype>("size"); // request line, headers and the blank line
    QTest::addColumn<bool>("split"); // sent in pieces, one cut inside the blank line
    QTest::addColumn<bool>("terminated"); // false: the blank line never comes
    QTest::addColumn<int>("status");

    QTest::newRow("exactly 16 KiB") << qsizetype(16384) << false << true << 200;
    QTest::newRow("exactly 16 KiB, in pieces") << qsizetype(16384) << true << true << 200;
    QTest::newRow("16 KiB + 1") << qsizetype(16385) << false << true << 431;
    QTest::newRow("16 KiB + 1, in pieces") << qsizetype(16385) << true << true << 431;
    QTest::newRow("20 KiB without an end") << qsizetype(20480) << false << false << 431;
}

void TestConnectionGuard::headersAtTheLimit()
{
    QFETCH(qsizetype, size);
    QFETCH(bool, split);
    QFETCH(bool, terminated);
    QFETCH(int, status);
    QVERIFY(start(options()));

    const QByteArray head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ";
    QByteArray bytes;
    if (terminated) {
        bytes = head + QByteArray(size - head.size() - 4, 'p') + "\r\n\r\n";
    } else {
        bytes = head + QByteArray(size - head.size(), 'p');
    }
    QCOMPARE(bytes.size(), size);

    RawClient client(port());
    QVERIFY(client.waitConnected());
    if (split) {
        const qsizetype cuts[] = {10, 5000, size - 2};
        qsizetype from = 0;
        for (const qsizetype cut : cuts) {
            client.send(bytes.mid(from, cut - from));
            // Let the server see each piece on its own.
            QTest::qWait(50);
            from = cut;
        }
        client.send(bytes.mid(from));
    } else {
        client.send(bytes);
    }
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    if (status == 200) {
        QCOMPARE(answer->status, 200);
        QCOMPARE(answer->json().value(u"status"_s).toString(), u"ok"_s);
        // Still open for the next request.
        client.send(request("GET", "/healthz"));
        const std::optional<Answer> again = client.next();
        QVERIFY(again);
        QCOMPARE(again->status, 200);
    } else {
        VERIFY_ERROR(*answer, 431, u"headers_too_large"_s);
        QVERIFY(client.waitClosed());
    }
}

void TestConnectionGuard::chunkedIsRefused()
{
    QVERIFY(start(options()));
    RawClient client(port());
    QVERIFY(client.waitConnected());
    const QByteArray body = updateBody(1000);
    client.send("PUT /v1/progress/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + m_alice.toUtf8()
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n");
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    VERIFY_ERROR(*answer, 411, u"length_required"_s);
    QVERIFY(client.waitClosed());

    const std::optional<Answer> missing =
        exchange(port(), request("GET", "/v1/progress/chunked", m_alice));
    QVERIFY(missing);
    QCOMPARE(missing->status, 404);
}

void TestConnectionGuard::slowRequestTimesOut_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("drip"); // one byte every 100 ms, each one on time

    QTest::newRow("half a request line") << QByteArray("GET /heal") << false;
    QTest::newRow("headers without the blank line")
        << QByteArray("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n") << false;
    QTest::newRow("body short of its length")
        << QByteArray("PUT /v1/progress/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                      "100\r\n\r\n{\"position_ms\":")
        << false;
    QTest::newRow("a byte at a time")
        << QByteArray("GET /healthz?" + QByteArray(1000, 'a') + " HTTP/1.1\r\n\r\n") << true;
}

void TestConnectionGuard::slowRequestTimesOut()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, drip);
    QVERIFY(start(options()));

    RawClient client(port());
    QVERIFY(client.waitConnected());
    QElapsedTimer clock;
    clock.start();
    QTimer dripper;
    qsizetype sent = 0;
    if (drip) {
        dripper.setInterval(100);
        QObject::connect(&dripper, &QTimer::timeout, &dripper, [&] {
            if (sent < bytes.size() && client.isOpen())
                client.send(bytes.mid(sent++, 1));
        });
        client.send(bytes.left(1));
        sent = 1;
        dripper.start();
    } else {
        client.send(bytes);
    }
    const std::optional<Answer> answer = client.next(10 * kIdleMs + kTimeoutMs);
    const qint64 elapsed = clock.elapsed();
    dripper.stop();
    QVERIFY(answer);
    VERIFY_ERROR(*answer, 408, u"request_timeout"_s);
    QVERIFY(client.waitClosed());
    // Not before the limit. (No upper bound: the 408 itself is the event, and a loaded machine
    // may deliver it late.)
    QVERIFY2(elapsed >= kIdleMs - 50, qPrintable(QString::number(elapsed)));
    if (drip)
        QVERIFY2(sent < bytes.size(), "the whole request went out before the timeout");

    // The server is fine.
    const std::optional<Answer> health = exchange(port(), request("GET", "/healthz"));
    QVERIFY(health);
    QCOMPARE(health->status, 200);
}

void TestConnectionGuard::idleKeepAliveIsClosed()
{
    QVERIFY(start(options()));
    RawClient client(port());
    QVERIFY(client.waitConnected());
    client.send(request("GET", "/healthz"));
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    QCOMPARE(answer->status, 200);

    QElapsedTimer clock;
    clock.start();
    QVERIFY(client.waitClosed(10 * kIdleMs + kTimeoutMs));
    // Not before the limit; the close itself is the event waited for.
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= kIdleMs - 50, qPrintable(QString::number(elapsed)));
    // Closed quietly: an idle connection owes nobody an answer.
    QVERIFY2(client.buffer().isEmpty(), client.buffer().constData());
}

void TestConnectionGuard::idleIsCountedFromTheLastAnswer()
{
    QVERIFY(start(options()));
    RawClient client(port());
    QVERIFY(client.waitConnected());
    // Failed authentications from one address are held back more and more: past the fifth, the
    // answers take longer than the idle timeout, with the client quietly waiting.
    for (int i = 0; i < 9; ++i) {
        client.send(request("GET", "/v1/progress/x", u"not-a-token"_s));
        const std::optional<Answer> answer = client.next();
        QVERIFY2(answer, qPrintable(u"answer %1"_s.arg(i + 1)));
        QCOMPARE(answer->status, 401);
    }
    // The ninth answer was held back 100 ms * 2^4 = 1.6 s, longer than the idle timeout: counted
    // from the request, the connection would be closed by now. Counted from the last answer, it
    // still takes a request sent right away (no sleep here: on a loaded machine it could outlast
    // the limit).
    QVERIFY(client.isOpen());
    client.send(request("GET", "/healthz"));
    const std::optional<Answer> health = client.next();
    QVERIFY(health);
    QCOMPARE(health->status, 200);
}

void TestConnectionGuard::eventStreamOutlivesIdleTimeout()
{
    ServerOptions quiet = options();
    quiet.keepAliveMs = 600000; // no keep-alive comments: the stream is really quiet
    QVERIFY(start(quiet));

    RawClient stream(port());
    QVERIFY(stream.waitConnected());
    stream.send(request("GET", "/v1/events", m_alice, {}, "Accept: text/event-stream\r\n"));
    const std::optional<Answer> opened = stream.next();
    QVERIFY(opened);
    QCOMPARE(opened->status, 200);
    QVERIFY(opened->header("Content-Type").startsWith("text/event-stream"));
    QTRY_VERIFY_WITH_TIMEOUT(stream.buffer().contains(": playmark events"), kTimeoutMs);
    stream.buffer().clear();

    // A plain keep-alive connection alongside, to show the idle timeout is running.
    RawClient idle(port());
    QVERIFY(idle.waitConnected());
    idle.send(request("GET", "/healthz"));
    QVERIFY(idle.next());

    // Once the idle connection is closed, the stream (quiet for longer) has outlived the timeout.
    QVERIFY(idle.waitClosed(10 * kIdleMs + kTimeoutMs));
    QVERIFY(stream.isOpen());

    const std::optional<Answer> put =
        exchange(port(), request("PUT", "/v1/progress/live", m_alice, updateBody(4242)));
    QVERIFY(put);
    QCOMPARE(put->status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(stream.buffer().contains("\n\n"), kTimeoutMs);
    QVERIFY2(stream.buffer().startsWith("event: progress\ndata: "), stream.buffer().constData());
    const QByteArray data = stream.buffer().split('\n').value(1).mid(6);
    const QJsonObject record = QJsonDocument::fromJson(data).object();
    QCOMPARE(record.value(u"content_id"_s).toString(), u"live"_s);
    QCOMPARE(record.value(u"position_ms"_s).toInteger(), 4242);
}

void TestConnectionGuard::connectionCap()
{
    ServerOptions capped = options();
    capped.maxConnections = 4;
    capped.idleTimeoutMs = 60000; // the open connections stay open
    QVERIFY(start(capped));

    std::vector<std::unique_ptr<RawClient>> open;
    for (int i = 0; i < capped.maxConnections; ++i) {
        open.push_back(std::make_unique<RawClient>(port()));
        QVERIFY(open.back()->waitConnected());
        open.back()->send(request("GET", "/healthz"));
        const std::optional<Answer> answer = open.back()->next();
        QVERIFY(answer);
        QCOMPARE(answer->status, 200);
    }

    RawClient refused(port());
    QVERIFY(refused.waitConnected());
    const std::optional<Answer> unavailable = refused.next();
    QVERIFY(unavailable);
    VERIFY_ERROR(*unavailable, 503, u"unavailable"_s);
    QVERIFY(refused.waitClosed());

    // Those already in are served as before.
    for (const auto &client : open) {
        client->send(request("GET", "/v1/progress/none", m_alice));
        const std::optional<Answer> answer = client->next();
        QVERIFY(answer);
        QCOMPARE(answer->status, 404);
    }

    // One leaves: once the server has seen it go, a newcomer is admitted.
    open.front().reset();
    RawClient &watcher = *open.back();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            watcher.send(request("GET", "/metrics"));
            const std::optional<Answer> page = watcher.next();
            return page
                && metricSample(page->body, "playmark_open_connections") == double(open.size() - 1);
        }(),
        kTimeoutMs);
    RawClient newcomer(port());
    QVERIFY(newcomer.waitConnected());
    newcomer.send(request("GET", "/healthz"));
    const std::optional<Answer> welcome = newcomer.next();
    QVERIFY(welcome);
    QCOMPARE(welcome->status, 200);
    QVERIFY(newcomer.isOpen());
}

void TestConnectionGuard::pipelinedAnswersInOrder()
{
    QVERIFY(start(options()));
    for (const auto &[id, position] : {std::pair{"pipe-a", 1000}, std::pair{"pipe-b", 2000}}) {
        const std::optional<Answer> put = exchange(
            port(),
            request("PUT", "/v1/progress/" + QByteArray(id), m_alice, updateBody(position)));
        QVERIFY(put);
        QCOMPARE(put->status, 200);
    }

    RawClient client(port());
    QVERIFY(client.waitConnected());
    // The PUT waits for its commit; the GETs after it are answered from memory at once. They
    // still come back behind it, in the order asked.
    client.send(request("PUT", "/v1/progress/pipe-new", m_alice, updateBody(3000))
                + request("GET", "/v1/progress/pipe-a", m_alice)
                + request("GET", "/v1/progress/pipe-b", m_alice));
    const std::optional<Answer> put = client.next();
    const std::optional<Answer> first = client.next();
    const std::optional<Answer> second = client.next();
    QVERIFY(put && first && second);
    QCOMPARE(put->status, 200);
    QCOMPARE(put->json().value(u"applied"_s), QJsonValue(true));
    QCOMPARE(put->record().value(u"content_id"_s).toString(), u"pipe-new"_s);
    QCOMPARE(put->record().value(u"position_ms"_s).toInteger(), 3000);
    QCOMPARE(first->status, 200);
    QCOMPARE(first->record().value(u"content_id"_s).toString(), u"pipe-a"_s);
    QCOMPARE(first->record().value(u"position_ms"_s).toInteger(), 1000);
    QCOMPARE(second->status, 200);
    QCOMPARE(second->record().value(u"content_id"_s).toString(), u"pipe-b"_s);
    QCOMPARE(second->record().value(u"position_ms"_s).toInteger(), 2000);
    QVERIFY(client.buffer().isEmpty());
    QVERIFY(client.isOpen());
}

void TestConnectionGuard::pipelinedReadAfterWrite()
{
    QVERIFY(start(options()));
    RawClient client(port());
    QVERIFY(client.waitConnected());
    // Requests pipelined behind a change see it, as if each had waited for the one before: a GET
    // behind a PUT of the same record, a GET behind its DELETE.
    constexpr int kRecords = 5;
    QByteArray pipeline;
    for (int i = 0; i < kRecords; ++i) {
        const QByteArray path = "/v1/progress/raw-" + QByteArray::number(i);
        pipeline += request("PUT", path, m_alice, updateBody(1000 * (i + 1)))
            + request("GET", path, m_alice);
    }
    pipeline += request("DELETE", "/v1/progress/raw-0", m_alice)
        + request("GET", "/v1/progress/raw-0", m_alice);
    client.send(pipeline);
    for (int i = 0; i < kRecords; ++i) {
        const std::optional<Answer> put = client.next();
        const std::optional<Answer> got = client.next();
        QVERIFY(put && got);
        QCOMPARE(put->status, 200);
        QCOMPARE(got->status, 200);
        QCOMPARE(got->record().value(u"content_id"_s).toString(), u"raw-%1"_s.arg(i));
        QCOMPARE(got->record().value(u"position_ms"_s).toInteger(), 1000 * (i + 1));
    }
    const std::optional<Answer> removed = client.next();
    const std::optional<Answer> gone = client.next();
    QVERIFY(removed && gone);
    QCOMPARE(removed->status, 204);
    VERIFY_ERROR(*gone, 404, u"not_found"_s);
}

void TestConnectionGuard::rateLimit()
{
    ServerOptions limited = options();
    limited.rateLimit = 5;
    limited.rateBurst = 5;
    QVERIFY(start(limited));

    RawClient client(port());
    QVERIFY(client.waitConnected());
    // All at once, so the bucket has little time to refill between them: 20 leave room for a
    // loaded machine to refill a few (5 a second) and still run dry.
    constexpr int kSent = 20;
    QByteArray burst;
    for (int i = 0; i < kSent; ++i)
        burst += request("GET", "/v1/progress/none", m_alice);
    client.send(burst);
    std::vector<Answer> answers;
    for (int i = 0; i < kSent; ++i) {
        const std::optional<Answer> answer = client.next();
        QVERIFY2(answer, qPrintable(u"answer %1"_s.arg(i + 1)));
        answers.push_back(*answer);
    }
    for (int i = 0; i < 5; ++i)
        QCOMPARE(answers.at(i).status, 404);
    const auto limited429 = std::find_if(answers.begin(), answers.end(),
                                         [](const Answer &answer) { return answer.status == 429; });
    QVERIFY2(limited429 != answers.end(), "no 429 after the burst");
    VERIFY_ERROR(*limited429, 429, u"rate_limited"_s);
    bool isNumber = false;
    const int retryAfter = limited429->header("Retry-After").toInt(&isNumber);
    QVERIFY2(isNumber && retryAfter >= 1, limited429->header("Retry-After").constData());
    QVERIFY(client.isOpen());

    // Another user's token has a bucket of its own.
    const std::optional<Answer> bob = exchange(port(), request("GET", "/v1/progress/none", m_bob));
    QVERIFY(bob);
    QCOMPARE(bob->status, 404);

    // Waiting as told is enough (on a new connection: the wait is as long as the idle timeout).
    QTest::qWait(retryAfter * 1000);
    const std::optional<Answer> again =
        exchange(port(), request("GET", "/v1/progress/none", m_alice));
    QVERIFY(again);
    QCOMPARE(again->status, 404);

    const QByteArray page = metricsPage(port());
    QCOMPARE(refusedSample(page, "rate_limited"),
             double(std::count_if(answers.begin(), answers.end(),
                                  [](const Answer &answer) { return answer.status == 429; })));
}

void TestConnectionGuard::rateLimitZeroIsUnlimited()
{
    ServerOptions unlimited = options();
    unlimited.rateLimit = 0;
    unlimited.rateBurst = 1;
    QVERIFY(start(unlimited));

    RawClient client(port());
    QVERIFY(client.waitConnected());
    constexpr int kSent = 50;
    QByteArray many;
    for (int i = 0; i < kSent; ++i)
        many += request("GET", "/v1/progress/none", m_alice);
    client.send(many);
    for (int i = 0; i < kSent; ++i) {
        const std::optional<Answer> answer = client.next();
        QVERIFY2(answer, qPrintable(u"answer %1"_s.arg(i + 1)));
        QCOMPARE(answer->status, 404);
    }
    const QByteArray page = metricsPage(port());
    QCOMPARE(limitSample(page, "rate_limit_per_second"), 0.0);
    QCOMPARE(refusedSample(page, "rate_limited"), 0.0);
}

void TestConnectionGuard::failedAuthenticationIsSlowed()
{
    QVERIFY(start(options()));
    RawClient guesser(port());
    QVERIFY(guesser.waitConnected());
    std::vector<qint64> took;
    for (int i = 0; i < 10; ++i) {
        const QByteArray guess = request("GET", "/v1/progress/x", u"guess-%1"_s.arg(i), {},
                                         "Connection: keep-alive\r\n");
        QElapsedTimer clock;
        clock.start();
        guesser.send(guess);
        if (i == 9) {
            // While the tenth is held back, a good token from the same address is served at once.
            const std::optional<Answer> good =
                exchange(port(), request("GET", "/v1/progress/none", m_alice));
            QVERIFY(good);
            QCOMPARE(good->status, 404);
            QVERIFY(!guesser.hasAnswer());
        }
        const std::optional<Answer> answer = guesser.next();
        took.push_back(clock.elapsed());
        QVERIFY2(answer, qPrintable(u"answer %1"_s.arg(i + 1)));
        VERIFY_ERROR(*answer, 401, u"unauthorized"_s);
    }
    // The tenth is held back 100 ms * 2^5 = 3.2 s (a lower bound: load only adds to it); the
    // first five are free.
    QVERIFY2(took.back() >= 3000,
             qPrintable(u"first %1 ms, tenth %2 ms"_s.arg(took.front()).arg(took.back())));
    QCOMPARE(refusedSample(metricsPage(port()), "auth_failure_delayed"),
             double(10 - 5)); // the first five are free
}

void TestConnectionGuard::metricsShowLimitsAndRefusals()
{
    ServerOptions limits = options();
    limits.maxBodyBytes = 4096;
    limits.maxHeaderBytes = 2048;
    limits.idleTimeoutMs = 1500;
    limits.maxConnections = 6;
    limits.rateLimit = 5;
    limits.rateBurst = 6;
    QVERIFY(start(limits));

    QByteArray page = metricsPage(port());
    QCOMPARE(limitSample(page, "max_body_bytes"), 4096.0);
    QCOMPARE(limitSample(page, "max_header_bytes"), 2048.0);
    QCOMPARE(limitSample(page, "idle_timeout_seconds"), 1.5);
    QCOMPARE(limitSample(page, "max_connections"), 6.0);
    QCOMPARE(limitSample(page, "rate_limit_per_second"), 5.0);
    QCOMPARE(limitSample(page, "rate_burst"), 6.0);
    for (const char *reason : {"body_too_large", "headers_too_large", "length_required", "timeout",
                               "connection_cap", "rate_limited", "auth_failure_delayed"})
        QVERIFY2(refusedSample(page, reason) == 0.0, reason);

    // Each refusal once or twice, each connection closed by the client as soon as it is done.
    const auto refusedWith = [this](const QByteArray &bytes) {
        const std::optional<Answer> answer = exchange(port(), bytes);
        return answer ? answer->status : -1;
    };
    QCOMPARE(refusedWith(request("PUT", "/v1/progress/a", m_alice, QByteArray(4097, '{'))), 413);
    QCOMPARE(refusedWith("PUT /v1/progress/a HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n"), 413);
    QCOMPARE(refusedWith(request("GET", "/healthz", {}, {},
                                 "X-Padding: " + QByteArray(2048, 'p') + "\r\n")),
             431);
    QCOMPARE(refusedWith("POST /v1/sync HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 411);
    QCOMPARE(refusedWith("GET /healthz HTTP/1.1\r\n"), 408);

    // The refused connections are gone before the cap is tried. Counted over one connection that
    // stays open, the first of those that fill the cap: a page fetched on a new connection each
    // time counts the previous one too while the server has not yet seen that one closed (it may
    // be another HTTP thread's), and QTRY_COMPARE fetches again after the count held.
    {
        std::vector<std::unique_ptr<RawClient>> open;
        open.push_back(std::make_unique<RawClient>(port()));
        RawClient &watcher = *open.front();
        QVERIFY(watcher.waitConnected());
        const auto openConnections = [&watcher] {
            watcher.send(request("GET", "/metrics"));
            const std::optional<Answer> answer = watcher.next();
            return answer ? metricSample(answer->body, "playmark_open_connections") : -1.0;
        };
        QTRY_COMPARE_WITH_TIMEOUT(openConnections(), 1.0, kTimeoutMs);
        while (open.size() < size_t(limits.maxConnections)) {
            open.push_back(std::make_unique<RawClient>(port()));
            QVERIFY(open.back()->waitConnected());
            open.back()->send(request("GET", "/healthz"));
            QVERIFY(open.back()->next());
        }
        RawClient refused(port());
        QVERIFY(refused.waitConnected());
        const std::optional<Answer> unavailable = refused.next();
        QVERIFY(unavailable);
        QCOMPARE(unavailable->status, 503);
        QVERIFY(refused.waitClosed());
        // All but the watcher leave; it watches them go, so that no later connection of this
        // test meets the cap.
        open.resize(1);
        QTRY_COMPARE_WITH_TIMEOUT(openConnections(), 1.0, kTimeoutMs);
    }

    RawClient client(port());
    QVERIFY(client.waitConnected());
    QByteArray burst;
    for (int i = 0; i < 9; ++i)
        burst += request("GET", "/v1/progress/none", m_alice);
    client.send(burst);
    int limitedCount = 0;
    for (int i = 0; i < 9; ++i) {
        const std::optional<Answer> answer = client.next();
        QVERIFY(answer);
        limitedCount += answer->status == 429 ? 1 : 0;
    }
    QVERIFY(limitedCount >= 1);
    for (int i = 0; i < 6; ++i) {
        client.send(request("GET", "/v1/progress/none", u"guess-%1"_s.arg(i)));
        const std::optional<Answer> answer = client.next();
        QVERIFY(answer);
        QCOMPARE(answer->status, 401);
    }

    page = metricsPage(port());
    QCOMPARE(refusedSample(page, "body_too_large"), 2.0);
    QCOMPARE(refusedSample(page, "headers_too_large"), 1.0);
    QCOMPARE(refusedSample(page, "length_required"), 1.0);
    QCOMPARE(refusedSample(page, "timeout"), 1.0);
    QCOMPARE(refusedSample(page, "connection_cap"), 1.0);
    QCOMPARE(refusedSample(page, "rate_limited"), double(limitedCount));
    QCOMPARE(refusedSample(page, "auth_failure_delayed"), 1.0);
}

QProcessEnvironment TestConnectionGuard::processEnvironment() const
{
    // Nothing from the person running the tests leaks in, nothing leaks out.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name :
         {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"PLAYMARK_TOKEN"_s, u"QT_LOGGING_RULES"_s})
        environment.remove(name);
    environment.insert(u"HOME"_s, m_dir->filePath(u"home"_s));
    environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"home/data"_s));
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"home/config"_s));
    return environment;
}

Run TestConnectionGuard::runServer(const QStringList &args, int timeoutMs)
{
    Run run;
    QProcess process;
    process.setProcessEnvironment(processEnvironment());
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(kServerBinary, args);
    if (!finished.wait(timeoutMs)) {
        qWarning() << "no exit from" << args;
        process.kill();
        process.waitForFinished(kTimeoutMs);
        return run;
    }
    run.finished = process.exitStatus() == QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

void TestConnectionGuard::connectionCloseIsHonoured()
{
    // A long idle timeout: a close that comes quickly is the answer to "Connection: close".
    ServerOptions longIdle = options();
    longIdle.idleTimeoutMs = 60000;
    QVERIFY(start(longIdle));
    RawClient client(port());
    QVERIFY(client.waitConnected());
    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::optional<Answer> answer = client.next();
    QVERIFY(answer);
    QCOMPARE(answer->status, 200);
    QVERIFY(client.waitClosed(10000));

    // Without it the connection stays for the next request.
    RawClient keep(port());
    QVERIFY(keep.waitConnected());
    keep.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(keep.next());
    QVERIFY(!keep.waitClosed(1000));
    keep.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(keep.next());
}

void TestConnectionGuard::badLimitFlags_data()
{
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("mention");

    const auto row = [](const char *name, const QString &flag, const QString &value) {
        QTest::newRow(name) << QStringList{flag, value} << flag;
    };
    row("body too small", u"--max-body-bytes"_s, u"10"_s);
    row("body not a number", u"--max-body-bytes"_s, u"64k"_s);
    row("body too large", u"--max-body-bytes"_s, u"99999999999"_s);
    row("headers zero", u"--max-header-bytes"_s, u"0"_s);
    row("idle zero", u"--idle-timeout"_s, u"0"_s);
    row("idle fractional", u"--idle-timeout"_s, u"1.5"_s);
    row("connections zero", u"--max-connections"_s, u"0"_s);
    row("rate negative", u"--rate-limit"_s, u"-1"_s);
    row("rate not a number", u"--rate-limit"_s, u"fast"_s);
    row("burst zero", u"--rate-burst"_s, u"0"_s);
}

void TestConnectionGuard::badLimitFlags()
{
    QFETCH(QStringList, flags);
    QFETCH(QString, mention);
    QVERIFY2(QFileInfo(kServerBinary).isExecutable(), qPrintable(kServerBinary));

    const QString db = m_dir->filePath(u"process.sqlite"_s);
    const Run run =
        runServer(QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db} + flags);
    QVERIFY2(run.finished, "the server did not exit on a bad flag");
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(mention.toUtf8()), run.err.constData());
    QVERIFY2(run.err.contains("--help"), run.err.constData());
    QVERIFY2(!run.err.contains("listening on"), run.err.constData());
    QVERIFY(!QFile::exists(db));
}

void TestConnectionGuard::helpListsLimitFlags()
{
    const Run run = runServer({u"--help"_s});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    for (const char *flag : {"--max-body-bytes", "--max-header-bytes", "--idle-timeout",
                             "--max-connections", "--rate-limit", "--rate-burst"})
        QVERIFY2(run.out.contains(flag), flag);
}

void TestConnectionGuard::limitFlagsAreEnforced()
{
    QProcess process;
    process.setProcessEnvironment(processEnvironment());
    QByteArray err;
    QObject::connect(&process, &QProcess::readyReadStandardError, &process,
                     [&] { err += process.readAllStandardError(); });
    process.start(kServerBinary,
                  {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                   m_dir->filePath(u"flags.sqlite"_s), u"--max-body-bytes"_s, u"2048"_s,
                   u"--max-header-bytes"_s, u"4096"_s, u"--idle-timeout"_s, u"7"_s,
                   u"--max-connections"_s, u"9"_s, u"--rate-limit"_s, u"3"_s, u"--rate-burst"_s,
                   u"4"_s});
    static const QRegularExpression listening(u"listening on http://127\\.0\\.0\\.1:(\\d+)"_s);
    QTRY_VERIFY_WITH_TIMEOUT(listening.match(QString::fromUtf8(err)).hasMatch(), kTimeoutMs);
    const auto port = quint16(listening.match(QString::fromUtf8(err)).captured(1).toUInt());

    const QByteArray page = metricsPage(port);
    QCOMPARE(limitSample(page, "max_body_bytes"), 2048.0);
    QCOMPARE(limitSample(page, "max_header_bytes"), 4096.0);
    QCOMPARE(limitSample(page, "idle_timeout_seconds"), 7.0);
    QCOMPARE(limitSample(page, "max_connections"), 9.0);
    QCOMPARE(limitSample(page, "rate_limit_per_second"), 3.0);
    QCOMPARE(limitSample(page, "rate_burst"), 4.0);

    const std::optional<Answer> tooLarge =
        exchange(port, "PUT /v1/progress/a HTTP/1.1\r\nContent-Length: 2049\r\n\r\n");
    QVERIFY(tooLarge);
    QCOMPARE(tooLarge->status, 413);
    const std::optional<Answer> fits = exchange(
        port, request("GET", "/healthz", {}, {}, "X-Padding: " + QByteArray(3000, 'p') + "\r\n"));
    QVERIFY(fits);
    QCOMPARE(fits->status, 200);

    QSignalSpy finished(&process, &QProcess::finished);
    process.terminate();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(process.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestConnectionGuard)
#include "tst_connectionguard.moc"
