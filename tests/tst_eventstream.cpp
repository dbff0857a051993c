// The player's live updates (EventStream): GET /v1/events kept open against the real server,
// in-process, with updates made over HTTP as another device would; the server stopped and started
// again on the same port; a list of servers, where the stream moves on from one it cannot reach
// (and only then) or follows when its ServerPool moves, with a sync client sharing the pool; and
// the event parser against a socket peer that writes exactly the bytes the test says, split where
// the test says.
#include "checkcall.h"
#include "client/eventstream.h"
#include "client/localcopy.h"
#include "client/syncclient.h"
#include "eventhub.h"
#include "eventrouter.h"
#include "protocol/recordcodec.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QNetworkReply>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared, and a reconnection waits out a backoff of a few seconds.
// Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
constexpr int kKeepAliveMs = 200;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QList<bool> connections(const QSignalSpy &spy)
{
    QList<bool> list;
    for (const QList<QVariant> &args : spy)
        list << args.at(0).toBool();
    return list;
}

QList<ProgressRecord> records(const QSignalSpy &spy)
{
    QList<ProgressRecord> list;
    for (const QList<QVariant> &args : spy)
        list << args.at(0).value<ProgressRecord>();
    return list;
}

ProgressRecord record(const QString &contentId, qint64 positionMs,
                      const QString &deviceId = u"tv"_s)
{
    ProgressRecord r;
    r.contentId = contentId;
    r.positionMs = positionMs;
    r.durationMs = 3600000;
    r.deviceId = deviceId;
    r.deviceName = u"Living-room TV"_s;
    r.observedAtMs = 1700000000000;
    r.receivedAtMs = 1700000000100;
    r.state = PlaybackState::Paused;
    r.title = u"Episode 1"_s;
    return r;
}

QByteArray eventFrame(const ProgressRecord &r)
{
    return "event: progress\ndata: " + RecordCodec::toCompactJson(r) + "\n\n";
}

// Answers GET /v1/events with 200 and then writes only what the test gives it.
class FakeEventServer final : public QObject
{
public:
    FakeEventServer()
    {
        connect(&m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    m_head += socket->readAll();
                    if (m_socket || !m_head.contains("\r\n\r\n"))
                        return;
                    m_socket = socket;
                    // A first comment gets the headers to the client at once.
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  "Cache-Control: no-cache\r\n\r\n: hello\n\n");
                });
            }
        });
    }

    bool listen() { return m_listener.listen(QHostAddress::LocalHost, 0); }
    QUrl url(const QString &path = {}) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_listener.serverPort()).arg(path));
    }
    bool isStreaming() const
    {
        return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
    }
    QByteArray head() const { return m_head; }
    void write(const QByteArray &bytes)
    {
        m_socket->write(bytes);
        m_socket->flush();
    }

private:
    QTcpServer m_listener;
    QPointer<QTcpSocket> m_socket;
    QByteArray m_head;
};

} // namespace

class tst_EventStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void receivesItsOwnUsersUpdates();
    void otherUsersUpdatesNeverArrive();
    void reconnectsWhenTheServerComesBack();
    void connectsOnceTheServerIsUp();
    void wrongTokenNeverConnects();
    void stopHangsUpForGood();
    void startNeedsServerAndToken();
    void movesOnFromAServerItCannotReach();
    void movesOnWhenItsServerStops();
    void followsTheServerItIsGiven();
    void refusedIsNoReasonToMoveOn();

    void parsesServerSentEvents_data();
    void parsesServerSentEvents();
    void requestsTheStreamWithTheToken_data();
    void requestsTheStreamWithTheToken();

private:
    void startServer(quint16 port = 0);
    void stopServer();
    // Another server with a copy of the database: the same users and tokens.
    void startSecondServer(std::unique_ptr<SyncServer> *second);
    std::unique_ptr<SyncServer> startServerOn(const QString &databasePath);
    // To m_server, or to `server`.
    void putProgress(const QString &token, const ProgressRecord &update,
                     ProgressRecord *standing = nullptr, SyncServer *server = nullptr);
    int refusedStreams(SyncServer *server = nullptr);
    // Alice's update at `positionMs`, observed now, through m_server or `server`: the stream
    // (`received` spies on it) hears the record that then stands, and nothing else.
    void expectHeard(QSignalSpy &received, qint64 positionMs, SyncServer *server = nullptr);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_alice;
    QString m_bob;
    std::unique_ptr<ServerPool> m_pool;
    std::unique_ptr<EventStream> m_stream;
    QNetworkAccessManager m_network;
};

void tst_EventStream::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // 127.0.0.1 only: a proxy configured on the machine must not sit in between.
    QNetworkProxyFactory::setUseSystemConfiguration(false);
}

void tst_EventStream::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_pool = std::make_unique<ServerPool>();
    m_alice.clear();
    m_bob.clear();
}

void tst_EventStream::cleanup()
{
    m_stream.reset();
    m_server.reset();
    m_dir.reset();
}

// The same database each time: a restarted server knows the same users and tokens.
void tst_EventStream::startServer(quint16 port)
{
    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = m_dir->filePath(u"server.sqlite"_s);
    options.port = port;
    options.keepAliveMs = kKeepAliveMs;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    if (m_alice.isEmpty()) {
        QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_alice, &error),
                 qPrintable(error));
        QVERIFY2(m_server->storage().users().addUser(u"bob"_s, &m_bob, &error), qPrintable(error));
    }
}

void tst_EventStream::stopServer()
{
    m_server.reset(); // stops: ends the streams, closes the port
}

std::unique_ptr<SyncServer> tst_EventStream::startServerOn(const QString &databasePath)
{
    auto server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = databasePath;
    options.port = 0;
    options.keepAliveMs = kKeepAliveMs;
    QString error;
    if (!server->start(options, &error)) {
        qWarning("server: %s", qPrintable(error));
        return nullptr;
    }
    return server;
}

void tst_EventStream::startSecondServer(std::unique_ptr<SyncServer> *second)
{
    // Stopped, every connection is closed and the file holds everything; then back on its port.
    const quint16 port = m_server->port();
    stopServer();
    const QString source = m_dir->filePath(u"server.sqlite"_s);
    const QString copy = m_dir->filePath(u"second.sqlite"_s);
    for (const QString &suffix : {QString(), u"-wal"_s}) {
        if (QFile::exists(source + suffix))
            QVERIFY(QFile::copy(source + suffix, copy + suffix));
    }
    CHECK(startServer(port));
    *second = startServerOn(copy);
    QVERIFY(*second);
}

// PUT /v1/progress/{id} over HTTP, as another device of that user would: events come from the API.
void tst_EventStream::expectHeard(QSignalSpy &received, qint64 positionMs, SyncServer *server)
{
    ProgressRecord update = record(u"pm1-0123456789abcdef0123456789abcdef"_s, positionMs);
    update.observedAtMs = nowMs();
    ProgressRecord standing;
    CHECK(putProgress(m_alice, update, &standing, server));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, kTimeoutMs);
    QCOMPARE(records(received).first(), standing);
}

void tst_EventStream::putProgress(const QString &token, const ProgressRecord &update,
                                  ProgressRecord *standing, SyncServer *server)
{
    if (!server)
        server = m_server.get();
    QNetworkRequest request(QUrl(server->url() + u"/v1/progress/"_s + update.contentId));
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    request.setRawHeader("Content-Type", "application/json");
    std::unique_ptr<QNetworkReply> reply(
        m_network.put(request, RecordCodec::toCompactJson(update)));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kTimeoutMs));
    const QByteArray body = reply->readAll();
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    QVERIFY2(answer.value(u"applied"_s).toBool(), body.constData());
    if (standing) {
        ValidationError error;
        const std::optional<ProgressRecord> stood = RecordCodec::fromJson(
            answer.value(u"record"_s).toObject(), RecordCodec::Source::Server, &error);
        QVERIFY2(stood, qPrintable(error.message));
        *standing = *stood;
    }
}

// How many GET /v1/events the server refused with 401, from its /metrics page.
int tst_EventStream::refusedStreams(SyncServer *server)
{
    if (!server)
        server = m_server.get();
    std::unique_ptr<QNetworkReply> reply(
        m_network.get(QNetworkRequest(QUrl(server->url() + u"/metrics"_s))));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(kTimeoutMs))
        return -1;
    const QByteArray series =
        R"(playmark_http_requests_total{route="/v1/events",method="GET",status="401"} )";
    for (const QByteArray &line : reply->readAll().split('\n')) {
        if (line.startsWith(series))
            return line.mid(series.size()).toInt();
    }
    return 0;
}

void tst_EventStream::receivesItsOwnUsersUpdates()
{
    CHECK(startServer());
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({QUrl(m_server->url())}), m_alice);
    QVERIFY(!m_stream->isConnected());

    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QCOMPARE(connections(connected), QList<bool>{true});
    QVERIFY(m_stream->isConnected());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    ProgressRecord update = record(u"pm1-0123456789abcdef0123456789abcdef"_s, 61000);
    update.observedAtMs = nowMs();
    update.receivedAtMs = 0;
    update.choices =
        PlaybackChoices{TrackIdentity{u"ja"_s, QString(), u"Opus"_s},
                        SubtitleChoice{SubtitleChoice::Source::Sidecar,
                                       TrackIdentity{u"en"_s, {}, {}}, u"Film.en.srt"_s},
                        300, 1.25};
    ProgressRecord standing;
    CHECK(putProgress(m_alice, update, &standing));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, kTimeoutMs);
    const ProgressRecord got = received.first().first().value<ProgressRecord>();
    QCOMPARE(got, standing);
    QCOMPARE(got.contentId, update.contentId);
    QCOMPARE(got.positionMs, qint64(61000));
    QCOMPARE(got.deviceId, u"tv"_s);
    QCOMPARE(got.deviceName, u"Living-room TV"_s);
    QCOMPARE(got.observedAtMs, update.observedAtMs);
    QCOMPARE(got.state, PlaybackState::Paused);
    QVERIFY(got.receivedAtMs > 0);
    QCOMPARE(got.choices, update.choices);

    // Another, in order; keep-alives in between are no records.
    update.positionMs = 65000;
    update.observedAtMs = nowMs() + 1;
    CHECK(putProgress(m_alice, update));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 2, kTimeoutMs);
    QCOMPARE(records(received).last().positionMs, qint64(65000));
    QTest::qWait(3 * kKeepAliveMs);
    QCOMPARE(received.count(), 2);
    QCOMPARE(connections(connected), QList<bool>{true});
}

void tst_EventStream::otherUsersUpdatesNeverArrive()
{
    CHECK(startServer());
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({QUrl(m_server->url())}), m_alice);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    // Bob's update is applied and published first; Alice's after it. Had Bob's reached this
    // stream, it would have come before Alice's.
    ProgressRecord bobs = record(u"pm1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"_s, 5000, u"bob-phone"_s);
    bobs.observedAtMs = nowMs();
    CHECK(putProgress(m_bob, bobs));
    ProgressRecord alices = record(u"pm1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"_s, 7000);
    alices.observedAtMs = nowMs();
    CHECK(putProgress(m_alice, alices));

    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, kTimeoutMs);
    QCOMPARE(records(received).first().contentId, alices.contentId);
    // Even the same content id, when it is Bob's.
    bobs.contentId = alices.contentId;
    bobs.observedAtMs = nowMs() + 1;
    CHECK(putProgress(m_bob, bobs));
    QTest::qWait(3 * kKeepAliveMs);
    QCOMPARE(received.count(), 1);
    QCOMPARE(records(received).first().deviceId, u"tv"_s);
}

// The server goes away (restart, Wi-Fi): the stream says so, and is back by itself once the
// server is, on the same address.
void tst_EventStream::reconnectsWhenTheServerComesBack()
{
    CHECK(startServer());
    const quint16 port = m_server->port();
    QVERIFY(port > 0);
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({QUrl(m_server->url())}), m_alice);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);

    stopServer();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 2, kTimeoutMs);
    QCOMPARE(connections(connected), (QList<bool>{true, false}));
    QVERIFY(!m_stream->isConnected());
    // Away long enough for at least one refused attempt; said once, not once per attempt.
    QTest::qWait(2000);
    QCOMPARE(connected.count(), 2);

    CHECK(startServer(port));
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 3, kTimeoutMs);
    QCOMPARE(connections(connected), (QList<bool>{true, false, true}));
    QVERIFY(m_stream->isConnected());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    CHECK(expectHeard(received, 90000));

    // And again: a second outage starts from a short delay, not where the first one ended.
    stopServer();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 4, kTimeoutMs);
    CHECK(startServer(port));
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 5, kTimeoutMs);
    QCOMPARE(connections(connected), (QList<bool>{true, false, true, false, true}));
}

// Started while the server is down (the player launched first): connects once it is up.
void tst_EventStream::connectsOnceTheServerIsUp()
{
    CHECK(startServer());
    const quint16 port = m_server->port();
    const QUrl url(m_server->url());
    stopServer();

    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    m_pool->setServers(ServerList({url}), m_alice);
    m_stream->start();
    QTest::qWait(1500); // an attempt or two, refused
    QVERIFY(connected.isEmpty());
    QVERIFY(!m_stream->isConnected());

    CHECK(startServer(port));
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QCOMPARE(connections(connected), QList<bool>{true});
}

void tst_EventStream::wrongTokenNeverConnects()
{
    CHECK(startServer());
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    QSignalSpy refused(m_pool.get(), &ServerPool::tokenRefused);
    m_pool->setServers(ServerList({QUrl(m_server->url())}), u"not-a-token"_s);
    m_stream->start();

    // Refused once: the device was removed (issue 15). The pool says so, and nothing asks again:
    // no backoff is pending (so none fires later), not even when asked to start.
    QTRY_COMPARE_WITH_TIMEOUT(refused.count(), 1, kTimeoutMs);
    QVERIFY(m_pool->isTokenRefused());
    QVERIFY(m_stream->isIdle());
    m_stream->start();
    QVERIFY(m_stream->isIdle());
    QCOMPARE(refusedStreams(), 1);
    QVERIFY(connected.isEmpty());
    QVERIFY(!m_stream->isConnected());
    QCOMPARE(m_server->events().subscriberCount(), 0);

    ProgressRecord update = record(u"pm1-0123456789abcdef0123456789abcdef"_s, 1000);
    update.observedAtMs = nowMs();
    CHECK(putProgress(m_alice, update));
    QTest::qWait(3 * kKeepAliveMs);
    QVERIFY(received.isEmpty());
    QVERIFY(connected.isEmpty());
}

void tst_EventStream::stopHangsUpForGood()
{
    CHECK(startServer());
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({QUrl(m_server->url())}), m_alice);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    m_stream->stop();
    QCOMPARE(connections(connected), (QList<bool>{true, false}));
    QVERIFY(!m_stream->isConnected());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 0, kTimeoutMs);

    // No reconnection: well past the first backoff delay, still nobody listening.
    ProgressRecord update = record(u"pm1-0123456789abcdef0123456789abcdef"_s, 1000);
    update.observedAtMs = nowMs();
    CHECK(putProgress(m_alice, update));
    QTest::qWait(2000);
    QCOMPARE(m_server->events().subscriberCount(), 0);
    QCOMPARE(connected.count(), 2);
    QVERIFY(received.isEmpty());

    // And it can be started again.
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 3, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);
}

void tst_EventStream::startNeedsServerAndToken()
{
    CHECK(startServer());
    ServerPool noTokenPool;
    EventStream noToken(noTokenPool);
    QSignalSpy noTokenConnected(&noToken, &EventStream::connectedChanged);
    noTokenPool.setServers(ServerList({QUrl(m_server->url())}), QString());
    noToken.start();
    ServerPool noServerPool;
    EventStream noServer(noServerPool);
    QSignalSpy noServerConnected(&noServer, &EventStream::connectedChanged);
    noServerPool.setServers(ServerList(), m_alice);
    noServer.start();
    QTest::qWait(500);
    QVERIFY(noTokenConnected.isEmpty());
    QVERIFY(noServerConnected.isEmpty());
    QCOMPARE(m_server->events().subscriberCount(), 0);
    QCOMPARE(refusedStreams(), 0); // not even asked
}

// The first server of the list has nothing listening: the stream opens on the second at once.
void tst_EventStream::movesOnFromAServerItCannotReach()
{
    CHECK(startServer());
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const QUrl closed(u"http://127.0.0.1:%1"_s.arg(probe.serverPort()));
    probe.close();
    const QUrl live(m_server->url());

    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({closed, live}), m_alice);
    QSignalSpy moved(m_pool.get(), &ServerPool::currentChanged);
    QCOMPARE(m_pool->current(), closed);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QCOMPARE(connections(connected), QList<bool>{true});
    QCOMPARE(m_pool->current(), live);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(moved.at(0).at(0).toUrl(), live);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    CHECK(expectHeard(received, 61000));
}

// Two real servers that know the same user. The stream is open on the first; it stops. The
// stream tries it once more (a restart looks the same at first), finds it gone and opens on the
// second, where the updates now arrive. A sync client sharing the pool, as the player wires them,
// then delivers there too, and the pool has moved once.
void tst_EventStream::movesOnWhenItsServerStops()
{
    CHECK(startServer());
    std::unique_ptr<SyncServer> second;
    CHECK(startSecondServer(&second));
    const QUrl first(m_server->url());
    const QUrl secondUrl(second->url());

    LocalCopy local;
    std::optional<bool> opened;
    QObject context;
    local.open(m_dir->filePath(u"phone.sqlite"_s), &context,
               [&opened](const StoreResult<void> &result) { opened = result.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kTimeoutMs);
    QVERIFY(*opened);
    SyncClient sync(local, *m_pool);
    sync.setDevice(u"phone"_s, u"Phone"_s);
    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    QSignalSpy received(m_stream.get(), &EventStream::progressReceived);
    m_pool->setServers(ServerList({first, secondUrl}), m_alice);
    QSignalSpy moved(m_pool.get(), &ServerPool::currentChanged);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);
    QCOMPARE(second->events().subscriberCount(), 0);
    QVERIFY(moved.isEmpty());

    stopServer();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 3, kTimeoutMs);
    QCOMPARE(connections(connected), (QList<bool>{true, false, true}));
    QCOMPARE(m_pool->current(), secondUrl);
    QCOMPARE(moved.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(second->events().subscriberCount(), 1, kTimeoutMs);

    CHECK(expectHeard(received, 90000, second.get()));

    QSignalSpy finished(&sync, &SyncClient::deliveryFinished);
    ProgressRecord later = record(u"pm1-0123456789abcdef0123456789abcdef"_s, 91000, u"phone"_s);
    later.observedAtMs = 0; // stamped now by the sync client: newer than the update heard above
    sync.report(later);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), true);
    QCOMPARE(moved.count(), 1);
    // Delivered to the second server, whose stream this is.
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 2, kTimeoutMs);
    QCOMPARE(records(received).constLast().positionMs, qint64(91000));
}

// Told to use another server of its list (the sync client moved there), the stream hangs up and
// opens there; a server not in the list changes nothing.
void tst_EventStream::followsTheServerItIsGiven()
{
    CHECK(startServer());
    std::unique_ptr<SyncServer> second;
    CHECK(startSecondServer(&second));
    const QUrl first(m_server->url());
    const QUrl secondUrl(second->url());

    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    m_pool->setServers(ServerList({first, secondUrl}), m_alice);
    QSignalSpy moved(m_pool.get(), &ServerPool::currentChanged);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 1, kTimeoutMs);

    m_pool->setCurrent(QUrl(u"http://127.0.0.1:1"_s));
    m_pool->setCurrent(first);
    QVERIFY(moved.isEmpty());
    QCOMPARE(connections(connected), QList<bool>{true});

    m_pool->setCurrent(secondUrl);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(m_pool->current(), secondUrl);
    QTRY_COMPARE_WITH_TIMEOUT(second->events().subscriberCount(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->events().subscriberCount(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 3, kTimeoutMs);
    QCOMPARE(connections(connected), (QList<bool>{true, false, true}));
}

// A 401 from the first server is its answer: the device was removed. The stream never goes to
// the second with a token the first refused, and asks the first no more.
void tst_EventStream::refusedIsNoReasonToMoveOn()
{
    CHECK(startServer());
    auto stranger = startServerOn(m_dir->filePath(u"stranger.sqlite"_s)); // knows no user
    QVERIFY(stranger);
    const QUrl first(stranger->url());

    m_stream = std::make_unique<EventStream>(*m_pool);
    QSignalSpy connected(m_stream.get(), &EventStream::connectedChanged);
    m_pool->setServers(ServerList({first, QUrl(m_server->url())}), m_alice);
    QSignalSpy moved(m_pool.get(), &ServerPool::currentChanged);
    QSignalSpy refused(m_pool.get(), &ServerPool::tokenRefused);
    m_stream->start();
    QTRY_COMPARE_WITH_TIMEOUT(refused.count(), 1, kTimeoutMs);
    // No backoff pending, no request open: nothing more will be asked of either server.
    QVERIFY(m_stream->isIdle());
    QCOMPARE(refusedStreams(stranger.get()), 1);
    QVERIFY(connected.isEmpty());
    QVERIFY(moved.isEmpty());
    QCOMPARE(m_pool->current(), first);
    QCOMPARE(m_server->events().subscriberCount(), 0);
}

void tst_EventStream::parsesServerSentEvents_data()
{
    QTest::addColumn<QByteArrayList>("chunks"); // written one after another
    QTest::addColumn<QStringList>("expected"); // content ids received, in order
    QTest::addColumn<int>("malformed"); // events to be ignored with a warning

    const ProgressRecord a = record(u"pm1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"_s, 1000);
    const ProgressRecord b = record(u"pm1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"_s, 2000);
    const QByteArray aFrame = eventFrame(a);
    const QByteArray aJson = RecordCodec::toCompactJson(a);
    const QString aId = a.contentId;
    const QString bId = b.contentId;

    QTest::newRow("one event") << QByteArrayList{aFrame} << QStringList{aId} << 0;
    QTest::newRow("two events in one write")
        << QByteArrayList{aFrame + eventFrame(b)} << QStringList{aId, bId} << 0;
    QTest::newRow("split inside the name, the data and the blank line")
        << QByteArrayList{"event: prog", "ress\ndata: " + aJson.left(20), aJson.mid(20) + "\n",
                          "\n"}
        << QStringList{aId} << 0;
    QTest::newRow("one byte at a time") << [&aFrame] {
        QByteArrayList bytes;
        for (const char c : aFrame)
            bytes << QByteArray(1, c);
        return bytes;
    }() << QStringList{aId} << 0;
    QTest::newRow("CRLF line endings")
        << QByteArrayList{"event: progress\r\ndata: " + aJson + "\r\n\r\n"} << QStringList{aId}
        << 0;
    QTest::newRow("CRLF split between CR and LF")
        << QByteArrayList{"event: progress\r", "\ndata: " + aJson + "\r\n\r", "\n"}
        << QStringList{aId} << 0;
    QTest::newRow("no space after the colons")
        << QByteArrayList{"event:progress\ndata:" + aJson + "\n\n"} << QStringList{aId} << 0;
    QTest::newRow("keep-alive comments around")
        << QByteArrayList{": keep-alive\n\n", aFrame, ": keep-alive\n\n", eventFrame(b)}
        << QStringList{aId, bId} << 0;
    QTest::newRow("data over two lines")
        << QByteArrayList{"event: progress\ndata: " + aJson.left(aJson.indexOf(',') + 1)
                          + "\ndata: " + aJson.mid(aJson.indexOf(',') + 1) + "\n\n"}
        << QStringList{aId} << 0;
    QTest::newRow("another event type is ignored")
        << QByteArrayList{"event: hello\ndata: " + aJson + "\n\n", eventFrame(b)}
        << QStringList{bId} << 0;
    QTest::newRow("an unnamed message is ignored")
        << QByteArrayList{"data: " + aJson + "\n\n", eventFrame(b)} << QStringList{bId} << 0;
    QTest::newRow("a progress event without data is ignored")
        << QByteArrayList{"event: progress\n\n", eventFrame(b)} << QStringList{bId} << 0;
    QTest::newRow("malformed JSON is ignored, the next one kept")
        << QByteArrayList{"event: progress\ndata: {\"content_id\": \n\n", eventFrame(b)}
        << QStringList{bId} << 1;
    ProgressRecord negative = a;
    negative.positionMs = -5;
    QTest::newRow("a record breaking a rule is ignored")
        << QByteArrayList{eventFrame(negative), eventFrame(b)} << QStringList{bId} << 1;
    ProgressRecord noContent = a;
    noContent.contentId.clear();
    QTest::newRow("a record without content_id is ignored")
        << QByteArrayList{eventFrame(noContent), eventFrame(b)} << QStringList{bId} << 1;
}

void tst_EventStream::parsesServerSentEvents()
{
    QFETCH(QByteArrayList, chunks);
    QFETCH(QStringList, expected);
    QFETCH(int, malformed);

    FakeEventServer server;
    QVERIFY(server.listen());
    ServerPool servers;
    EventStream stream(servers);
    QSignalSpy connected(&stream, &EventStream::connectedChanged);
    QSignalSpy received(&stream, &EventStream::progressReceived);
    servers.setServers(ServerList({server.url()}), u"tok"_s);
    stream.start();
    QTRY_VERIFY_WITH_TIMEOUT(server.isStreaming(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);

    for (int i = 0; i < malformed; ++i)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^ignored a malformed event"_s));
    for (const QByteArray &chunk : std::as_const(chunks)) {
        server.write(chunk);
        QTest::qWait(5); // gives each chunk its own read, most of the time
    }
    // The end marker: everything before it has been read by then.
    const QString endId = u"pm1-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"_s;
    server.write(eventFrame(record(endId, 0)));
    QTRY_VERIFY_WITH_TIMEOUT(!received.isEmpty() && records(received).last().contentId == endId,
                             kTimeoutMs);

    QStringList ids;
    for (const ProgressRecord &r : records(received))
        ids << r.contentId;
    ids.removeLast();
    QCOMPARE(ids, expected);
    // Every field arrives as the server sent it, received_at_ms too.
    for (const ProgressRecord &r : records(received)) {
        QCOMPARE(r.durationMs, qint64(3600000));
        QCOMPARE(r.deviceName, u"Living-room TV"_s);
        QCOMPARE(r.observedAtMs, qint64(1700000000000));
        QCOMPARE(r.receivedAtMs, qint64(1700000000100));
        QCOMPARE(r.state, PlaybackState::Paused);
        QCOMPARE(r.title, u"Episode 1"_s);
    }
    QCOMPARE(connections(connected), QList<bool>{true});
}

void tst_EventStream::requestsTheStreamWithTheToken_data()
{
    QTest::addColumn<QString>("serverPath");
    QTest::addColumn<QByteArray>("requestLine");

    QTest::newRow("no path") << QString() << QByteArray("GET /v1/events HTTP/1.1");
    QTest::newRow("root") << u"/"_s << QByteArray("GET /v1/events HTTP/1.1");
    QTest::newRow("behind a proxy path")
        << u"/playmark"_s << QByteArray("GET /playmark/v1/events HTTP/1.1");
    QTest::newRow("behind a proxy path, trailing slash")
        << u"/playmark/"_s << QByteArray("GET /playmark/v1/events HTTP/1.1");
}

void tst_EventStream::requestsTheStreamWithTheToken()
{
    QFETCH(QString, serverPath);
    QFETCH(QByteArray, requestLine);

    FakeEventServer server;
    QVERIFY(server.listen());
    ServerPool servers;
    EventStream stream(servers);
    servers.setServers(ServerList({server.url(serverPath)}), u"tok_0123"_s);
    stream.start();
    QTRY_VERIFY_WITH_TIMEOUT(server.isStreaming(), kTimeoutMs);

    const QByteArray head = server.head();
    QVERIFY2(head.startsWith(QByteArray(requestLine + "\r\n")), head.constData());
    QVERIFY2(head.contains("\r\nAuthorization: Bearer tok_0123\r\n"), head.constData());
    QVERIFY2(head.contains("\r\nAccept: text/event-stream\r\n"), head.constData());
}

QTEST_GUILESS_MAIN(tst_EventStream)
#include "tst_eventstream.moc"
