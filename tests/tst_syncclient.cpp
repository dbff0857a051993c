// The client half of the protocol against the real server, in-process on a port the OS picks,
// with a real local copy on disk: delivery, the outbox while the server is away and the retry
// that empties it, a previous run's outbox, the clock offset and clock_skew, fetch with its
// timeout (against a real socket that never answers), closing, and refused updates. With a list
// of servers: moving on from one that is away (closed port, no such host, never answers, 502,
// 503) for delivery and fetch, staying on the one that answers, two real servers with one
// stopped mid-session and nothing lost, and answers such as 401 that are no reason to move on.

#include "client/eventstream.h"
#include "client/localcopy.h"
#include "client/syncclient.h"
#include "protocol/progressorder.h"
#include "serverstorage.h"
#include "sqlitefault.h"
#include "syncfixture.h"
#include "syncserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
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

// Generous: the machine is shared. Nothing here asserts how fast anything was.
constexpr int kTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

ProgressRecord progress(const QString &contentId, qint64 positionMs,
                        PlaybackState state = PlaybackState::Playing)
{
    ProgressRecord record;
    record.contentId = contentId;
    record.positionMs = positionMs;
    record.durationMs = 3600000;
    record.state = state;
    return record;
}

// One player: its local copy on disk and its sync client, as the app wires them.
struct Player
{
    LocalCopy local;
    ServerPool servers; // as the app shares it with the event stream
    SyncClient sync{local, servers};
    QObject context; // lives as long as the player: answers to it stop with it

    bool open(const QString &path)
    {
        std::optional<bool> opened;
        local.open(path, &context, [&opened](const StoreResult<void> &result) {
            if (!result.ok())
                qWarning("open: %s", qPrintable(result.error()));
            opened = result.ok();
        });
        return QTest::qWaitFor([&] { return opened.has_value(); }, kTimeoutMs) && *opened;
    }

    // What the outbox holds now, asked of the local copy itself.
    int pendingInOutbox()
    {
        std::optional<int> count;
        local.pendingCount(&context,
                           [&count](const StoreResult<int> &n) { count = n.valueOr(-1); });
        return QTest::qWaitFor([&] { return count.has_value(); }, kTimeoutMs) ? *count : -1;
    }

    std::optional<ProgressRecord> localRecord(const QString &contentId)
    {
        bool answered = false;
        std::optional<ProgressRecord> found;
        local.record(contentId, &context,
                     [&](const StoreResult<std::optional<ProgressRecord>> &record) {
                         if (!record.ok())
                             qWarning("record: %s", qPrintable(record.error()));
                         found = record.valueOr(std::nullopt);
                         answered = true;
                     });
        if (!QTest::qWaitFor([&] { return answered; }, kTimeoutMs))
            qWarning("the local copy did not answer");
        return found;
    }

    QList<PendingUpdate> pending()
    {
        bool answered = false;
        QList<PendingUpdate> updates;
        local.pending(1000, &context, [&](const StoreResult<QList<PendingUpdate>> &list) {
            if (!list.ok())
                qWarning("pending: %s", qPrintable(list.error()));
            updates = list.valueOr({});
            answered = true;
        });
        if (!QTest::qWaitFor([&] { return answered; }, kTimeoutMs))
            qWarning("the local copy did not answer");
        return updates;
    }
};

struct Answer
{
    int status = -1; // -1: no answer
    QJsonObject json;
    QJsonObject record() const { return json.value(u"record"_s).toObject(); }
};

// A socket peer that accepts connections and never answers: a server that hangs.
class SilentServer : public QTcpServer
{
public:
    int connections() const { return int(m_sockets.size()); }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto socket = std::make_unique<QTcpSocket>();
        if (socket->setSocketDescriptor(descriptor))
            m_sockets.push_back(std::move(socket)); // held open, never read, never answered
    }

private:
    std::vector<std::unique_ptr<QTcpSocket>> m_sockets;
};

// A port with nothing listening on it: connections to it are refused.
quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

// Answers every request with the same status, as a reverse proxy does while the server behind it
// is down (502, 504) or as a server that cannot serve (503). Counts the requests.
class StatusServer : public QTcpServer
{
public:
    explicit StatusServer(int status) : m_status(status) { }
    int requests() const { return m_requests; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor))
            return;
        auto head = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, head] {
            // The headers are enough: the answer does not depend on the body.
            const bool complete = head->contains("\r\n\r\n");
            *head += socket->readAll();
            if (!complete && head->contains("\r\n\r\n")) {
                ++m_requests;
                const QByteArray body = R"({"error":{"code":"unavailable","message":"down"}})";
                socket->write("HTTP/1.1 " + QByteArray::number(m_status)
                              + " Unavailable\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: "
                              + QByteArray::number(body.size()) + "\r\n\r\n" + body);
                socket->disconnectFromHost();
            }
        });
    }

private:
    int m_status;
    int m_requests = 0;
};

// The first server of a list, away in the way the test's table says.
struct AwayServer
{
    SilentServer silent;
    std::unique_ptr<StatusServer> answering;
    QUrl url;

    bool start(const QString &kind)
    {
        if (kind == u"closed port") {
            url = QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort()));
        } else if (kind == u"no such host") {
            url = QUrl(u"http://playmark-failover.invalid:8787"_s); // .invalid never resolves
        } else if (kind == u"never answers") {
            if (!silent.listen(QHostAddress::LocalHost, 0))
                return false;
            url = QUrl(u"http://127.0.0.1:%1"_s.arg(silent.serverPort()));
        } else {
            answering = std::make_unique<StatusServer>(kind.toInt());
            if (!answering->listen(QHostAddress::LocalHost, 0))
                return false;
            url = QUrl(u"http://127.0.0.1:%1"_s.arg(answering->serverPort()));
        }
        return true;
    }

    // Requests (or connections) it has seen; -1 when nothing can count them.
    int tries() const
    {
        if (answering)
            return answering->requests();
        return silent.isListening() ? silent.connections() : -1;
    }
};

// A server whose storage is down for each update: every /v1/sync answer is 200 with an
// `unavailable` error per update (as playmark-server gives when a write fails). Counts the tries.
class UnavailableServer : public QTcpServer
{
public:
    int syncRequests() const { return m_requests; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor))
            return;
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            m_buffer += socket->readAll();
            const qsizetype headerEnd = m_buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const qsizetype lengthAt = m_buffer.toLower().indexOf("content-length:");
            const qint64 length = lengthAt < 0
                ? 0
                : m_buffer.mid(lengthAt + 15, 12).split('\r').constFirst().trimmed().toLongLong();
            if (m_buffer.size() < headerEnd + 4 + length)
                return;
            const QJsonArray updates = QJsonDocument::fromJson(m_buffer.mid(headerEnd + 4, length))
                                           .object()
                                           .value(u"updates"_s)
                                           .toArray();
            m_buffer.clear();
            ++m_requests;
            QJsonArray results;
            for (const QJsonValue &update : updates)
                results.append(
                    QJsonObject{{u"content_id"_s, update.toObject().value(u"content_id"_s)},
                                {u"error"_s,
                                 QJsonObject{{u"code"_s, u"unavailable"_s},
                                             {u"message"_s, u"storage is unavailable"_s}}}});
            const QByteArray body =
                QJsonDocument(
                    QJsonObject{{u"results"_s, results},
                                {u"server_time_ms"_s, QDateTime::currentMSecsSinceEpoch()}})
                    .toJson(QJsonDocument::Compact);
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        });
    }

private:
    QByteArray m_buffer;
    int m_requests = 0;
};

} // namespace

class tst_SyncClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void reportDelivers_data();
    void reportDelivers();
    void staleReportLearnsTheStandingRecord();
    void offlineReportsWaitAndTheRetryDeliversThem();
    void deliverAtLaunchSendsAPreviousRunsOutbox_data();
    void deliverAtLaunchSendsAPreviousRunsOutbox();
    void manyVideosAreAllDelivered();
    void anUnreadableOutboxIsNoDelivery();
    void clockSkewIsRestampedAndDelivered();
    void fetchFoundAndNotFound();
    void fetchFailsWithoutAServer_data();
    void fetchFailsWithoutAServer();
    void fetchTimesOut_data();
    void fetchTimesOut();
    void finishNeverHangs_data();
    void finishNeverHangs();
    void stampNowStrictlyIncreases();
    void refusedUpdateIsDropped();
    void unavailableUpdateStaysAndIsRetried();

    void deliveryMovesOnFromAnAwayServer_data();
    void deliveryMovesOnFromAnAwayServer();
    void fetchMovesOnFromAnAwayServer_data();
    void fetchMovesOnFromAnAwayServer();
    void everyServerAwayKeepsTheOutbox();
    void secondServerTakesOverMidSession();
    void unauthorizedIsAnAnswer();
    void notFoundIsAnAnswer();
    void aRefusedTokenIsARemovedDevice();
    void theEventStreamsRefusalIsARemovedDeviceToo();
    void anotherTokenStartsAgain();
    void aCopiedProfileMakesItselfANewDeviceId();

    void markWatchedFromAList();
    void updateStaleByAForgetLeavesTheOutbox_data();
    void updateStaleByAForgetLeavesTheOutbox();

private:
    std::unique_ptr<Player> player(const QString &path, const QString &server,
                                   const QString &deviceId = u"tv"_s);
    // A player whose token (alice's, never used yet: no cache holds it) was revoked.
    std::unique_ptr<Player> playerWithARevokedToken(const QString &path);
    bool startServer(quint16 port);
    Answer get(const QString &contentId);
    Answer put(const QString &contentId, const QJsonObject &body);
    Answer forget(const QString &contentId);
    Answer send(const QByteArray &verb, const QString &contentId, const QByteArray &body);
    void awayKinds();
    // A copy of the server's database (the same user and token) at `name`, for a second server.
    QString copyServerDatabase(const QString &name);
    std::unique_ptr<SyncServer> startAnotherServer(const QString &databasePath);
    // What stands in a server database for alice, read from the file.
    std::optional<ProgressRecord> storedIn(const QString &databasePath, const QString &contentId);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_url; // kept after stop(): a closed port once the server is down
    QString m_token;
    QNetworkAccessManager m_nam;
};

void tst_SyncClient::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // Every request stays on this machine, whatever the environment says about proxies.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    qRegisterMetaType<ProgressRecord>();
}

bool tst_SyncClient::startServer(quint16 port)
{
    return SyncFixture::startServerOn(*m_server, m_dir->filePath(u"server.sqlite"_s), port, &m_url);
}

void tst_SyncClient::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<SyncServer>();
    QVERIFY(startServer(0));
    QString error;
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
}

void tst_SyncClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<Player> tst_SyncClient::player(const QString &path, const QString &server,
                                               const QString &deviceId)
{
    auto result = std::make_unique<Player>();
    if (!result->open(path))
        return nullptr;
    if (!server.isEmpty())
        result->servers.setServers(ServerList({QUrl(server)}), m_token);
    result->sync.setDevice(deviceId, u"Device "_s + deviceId);
    return result;
}

std::unique_ptr<Player> tst_SyncClient::playerWithARevokedToken(const QString &path)
{
    int revoked = 0;
    QString error;
    if (!m_server->storage().users().revokeTokens(u"alice"_s, &revoked, &error)) {
        qWarning("revoke: %s", qPrintable(error));
        return nullptr;
    }
    return player(path, m_url);
}

Answer tst_SyncClient::get(const QString &contentId)
{
    return send("GET", contentId, {});
}

Answer tst_SyncClient::put(const QString &contentId, const QJsonObject &body)
{
    return send("PUT", contentId, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

Answer tst_SyncClient::forget(const QString &contentId)
{
    return send("DELETE", contentId, {});
}

Answer tst_SyncClient::send(const QByteArray &verb, const QString &contentId,
                            const QByteArray &body)
{
    QNetworkRequest request(QUrl(m_url + u"/v1/progress/"_s + contentId));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.json = QJsonDocument::fromJson(reply->readAll()).object();
    return answer;
}

void tst_SyncClient::reportDelivers_data()
{
    QTest::addColumn<ProgressRecord>("record");

    QTest::newRow("playing") << progress(u"pm1-00112233445566778899aabbccddeeff"_s, 61000);
    QTest::newRow("paused at the start") << progress(u"movie"_s, 0, PlaybackState::Paused);
    QTest::newRow("ended") << progress(u"movie"_s, 3600000, PlaybackState::Ended);
    ProgressRecord episode = progress(u"show.s01e02"_s, 1234);
    episode.title = u"Episode 2 \u2014 \u201cThe Return\u201d"_s;
    episode.showId = u"show"_s;
    episode.episodeId = u"s01e02"_s;
    episode.durationMs = 0;
    QTest::newRow("episode, unknown duration") << episode;
}

void tst_SyncClient::reportDelivers()
{
    QFETCH(ProgressRecord, record);

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    QSignalSpy online(&tv->sync, &SyncClient::onlineChanged);

    const qint64 before = nowMs();
    const ProgressRecord sent = tv->sync.report(record);
    // Filled in by the client.
    QCOMPARE(sent.deviceId, u"tv"_s);
    QCOMPARE(sent.deviceName, u"Device tv"_s);
    QVERIFY(sent.observedAtMs >= before);
    QCOMPARE(sent.positionMs, record.positionMs);

    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(0).value<ProgressRecord>(), sent);
    QCOMPARE(settled.at(0).at(1).toBool(), true);
    QVERIFY(tv->sync.isOnline());
    QCOMPARE(online.count(), 1);

    // The server has it, exactly.
    const Answer answer = get(record.contentId);
    QCOMPARE(answer.status, 200);
    const QJsonObject stored = answer.record();
    QCOMPARE(stored.value(u"position_ms"_s).toInteger(), record.positionMs);
    QCOMPARE(stored.value(u"duration_ms"_s).toInteger(), record.durationMs);
    QCOMPARE(stored.value(u"device_id"_s).toString(), u"tv"_s);
    QCOMPARE(stored.value(u"device_name"_s).toString(), u"Device tv"_s);
    QCOMPARE(stored.value(u"observed_at_ms"_s).toInteger(), sent.observedAtMs);
    QCOMPARE(stored.value(u"state"_s).toString(), playbackStateName(record.state));
    QCOMPARE(stored.value(u"title"_s).toString(), record.title);

    // Nothing is left in the outbox, and the local copy has it too.
    QCOMPARE(tv->pendingInOutbox(), 0);
    QTRY_COMPARE(tv->sync.pendingCount(), 0);
    const auto local = tv->localRecord(record.contentId);
    QVERIFY(local);
    QCOMPARE(local->positionMs, record.positionMs);
    QCOMPARE(local->observedAtMs, sent.observedAtMs);
}

void tst_SyncClient::staleReportLearnsTheStandingRecord()
{
    // The phone watched further, later. The TV's older observation (made offline, say) arrives
    // after it: the server keeps the phone's, and the TV's local copy learns it.
    const qint64 now = nowMs();
    const Answer phone = put(u"movie"_s,
                             QJsonObject{{u"position_ms"_s, 900000},
                                         {u"duration_ms"_s, 3600000},
                                         {u"device_id"_s, u"phone"_s},
                                         {u"device_name"_s, u"Phone"_s},
                                         {u"observed_at_ms"_s, now - 1000}});
    QCOMPARE(phone.status, 200);

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy seen(&tv->sync, &SyncClient::serverRecordSeen);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    ProgressRecord old = progress(u"movie"_s, 100000);
    old.observedAtMs = now - 60000;
    tv->sync.report(old);

    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(1).toBool(), true);
    QCOMPARE(seen.count(), 1);
    const auto standing = seen.at(0).at(0).value<ProgressRecord>();
    QCOMPARE(standing.deviceId, u"phone"_s);
    QCOMPARE(standing.positionMs, qint64(900000));

    QCOMPARE(tv->pendingInOutbox(), 0);
    const auto local = tv->localRecord(u"movie"_s);
    QVERIFY(local);
    QCOMPARE(local->deviceId, u"phone"_s);
    QCOMPARE(local->positionMs, qint64(900000));
    QCOMPARE(get(u"movie"_s).record().value(u"device_id"_s).toString(), u"phone"_s);
}

void tst_SyncClient::offlineReportsWaitAndTheRetryDeliversThem()
{
    // The server goes away; its port is closed.
    const quint16 port = m_server->port();
    const QString url = m_url;
    m_server->stop();

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), url);
    QVERIFY(tv);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    QSignalSpy finished(&tv->sync, &SyncClient::deliveryFinished);

    // A person watches two videos while the server is away: many reports each.
    constexpr int kReports = 30;
    ProgressRecord last[2];
    for (int i = 0; i < kReports; ++i) {
        const int video = i % 2;
        last[video] = tv->sync.report(progress(u"video-%1"_s.arg(video), i * 5000));
    }

    // Every report is settled as not delivered; each video has one pending update, its newest.
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), kReports, kTimeoutMs);
    for (const QList<QVariant> &arguments : std::as_const(settled))
        QCOMPARE(arguments.at(1).toBool(), false);
    QVERIFY(!tv->sync.isOnline());
    QCOMPARE(tv->pendingInOutbox(), 2);
    QTRY_COMPARE(tv->sync.pendingCount(), 2);
    const QList<PendingUpdate> pending = tv->pending();
    QCOMPARE(pending.size(), 2);
    for (const PendingUpdate &update : pending)
        QCOMPARE(update.record, last[update.record.contentId.endsWith(u'1') ? 1 : 0]);
    QVERIFY(!finished.isEmpty());
    QCOMPARE(finished.constLast().at(0).toBool(), false);

    // The server comes back on the same port. No new report: the retry alone delivers them.
    QVERIFY(startServer(port));
    QCOMPARE(m_url, url);
    QTRY_COMPARE_WITH_TIMEOUT(tv->pendingInOutbox(), 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(tv->sync.isOnline(), kTimeoutMs);
    QTRY_COMPARE(tv->sync.pendingCount(), 0);
    QCOMPARE(settled.count(), kReports);
    for (const ProgressRecord &record : last) {
        const Answer answer = get(record.contentId);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.record().value(u"position_ms"_s).toInteger(), record.positionMs);
        QCOMPARE(answer.record().value(u"observed_at_ms"_s).toInteger(), record.observedAtMs);
    }
    QTRY_COMPARE(finished.constLast().at(0).toBool(), true);
}

void tst_SyncClient::deliverAtLaunchSendsAPreviousRunsOutbox_data()
{
    QTest::addColumn<bool>("configured");

    QTest::newRow("no server configured last time") << false;
    QTest::newRow("server unreachable last time") << true;
}

void tst_SyncClient::deliverAtLaunchSendsAPreviousRunsOutbox()
{
    QFETCH(bool, configured);
    const QString path = m_dir->filePath(u"tv.sqlite"_s);
    const QString url = m_url;

    QList<ProgressRecord> reported;
    {
        if (configured)
            m_server->stop();
        auto lastRun = player(path, configured ? url : QString());
        QVERIFY(lastRun);
        QSignalSpy settled(&lastRun->sync, &SyncClient::reportSettled);
        for (int i = 0; i < 3; ++i)
            reported << lastRun->sync.report(progress(u"video-%1"_s.arg(i), 1000 * (i + 1)));
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 3, kTimeoutMs);
        QCOMPARE(lastRun->pendingInOutbox(), 3);
        // The player closes with the outbox full.
    }
    if (configured)
        QVERIFY(startServer(quint16(QUrl(url).port())));

    auto thisRun = player(path, url);
    QVERIFY(thisRun);
    QCOMPARE(thisRun->pendingInOutbox(), 3);
    QSignalSpy finished(&thisRun->sync, &SyncClient::deliveryFinished);
    thisRun->sync.deliver();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.constLast().at(0).toBool(), true);
    QCOMPARE(thisRun->pendingInOutbox(), 0);
    QTRY_COMPARE(thisRun->sync.pendingCount(), 0);
    for (const ProgressRecord &record : std::as_const(reported)) {
        const Answer answer = get(record.contentId);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.record().value(u"position_ms"_s).toInteger(), record.positionMs);
        QCOMPARE(answer.record().value(u"observed_at_ms"_s).toInteger(), record.observedAtMs);
    }
}

// An outbox that cannot be read (its table damaged on disk) is not an empty one: the delivery
// attempt fails and is tried again later, and the updates in it stay for when it reads again.
void tst_SyncClient::anUnreadableOutboxIsNoDelivery()
{
    const QString path = m_dir->filePath(u"tv.sqlite"_s);
    {
        auto lastRun = player(path, QString());
        QVERIFY(lastRun);
        lastRun->sync.report(progress(u"movie"_s, 61000));
        QTRY_COMPARE_WITH_TIMEOUT(lastRun->pendingInOutbox(), 1, kTimeoutMs);
    }
    QString error;
    QVERIFY2(damageTable(path, u"outbox"_s, &error), qPrintable(error));

    auto thisRun = player(path, m_url);
    QVERIFY(thisRun);
    QSignalSpy finished(&thisRun->sync, &SyncClient::deliveryFinished);
    thisRun->sync.deliver();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.constFirst().at(0).toBool(), false);
    QVERIFY2(thisRun->local.failure().contains(u"malformed"_s),
             qPrintable(thisRun->local.failure()));
    QCOMPARE(get(u"movie"_s).status, 404); // nothing pretended to go out
}

void tst_SyncClient::manyVideosAreAllDelivered()
{
    // A long time offline: more videos pending than one request may carry, with titles.
    const QString path = m_dir->filePath(u"tv.sqlite"_s);
    constexpr int kVideos = 700;
    {
        auto offline = player(path, QString());
        QVERIFY(offline);
        for (int i = 0; i < kVideos; ++i) {
            ProgressRecord record =
                progress(u"pm1-%1"_s.arg(i, 32, 10, QLatin1Char('0')), 1000 + i);
            record.title = u"A film with a rather long title, part %1 of many"_s.arg(i);
            record.showId = u"collection-of-films"_s;
            offline->sync.report(record);
        }
        QCOMPARE(offline->pendingInOutbox(), kVideos);
    }

    auto online = player(path, m_url);
    QVERIFY(online);
    online->sync.deliver();
    QTRY_COMPARE_WITH_TIMEOUT(online->pendingInOutbox(), 0, kTimeoutMs);
    for (int i : {0, kVideos / 2, kVideos - 1}) {
        const Answer answer = get(u"pm1-%1"_s.arg(i, 32, 10, QLatin1Char('0')));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.record().value(u"position_ms"_s).toInteger(), 1000 + i);
    }
}

void tst_SyncClient::clockSkewIsRestampedAndDelivered()
{
    // A profile kept an offset from a day the local clock was ten minutes slow; it is right now.
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    tv->sync.setClockOffset(600000);
    QSignalSpy offsetChanged(&tv->sync, &SyncClient::clockOffsetChanged);

    const qint64 before = nowMs();
    const ProgressRecord wrong = tv->sync.report(progress(u"movie"_s, 42000));
    QVERIFY(wrong.observedAtMs >= before + 600000);

    // The server refuses it as clock_skew; the client learns the offset from server_time_ms,
    // re-stamps the update and delivers it.
    QTRY_COMPARE_WITH_TIMEOUT(get(u"movie"_s).status, 200, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(tv->pendingInOutbox(), 0, kTimeoutMs);
    const qint64 after = nowMs();
    QVERIFY(!offsetChanged.isEmpty());
    // Server and test share a clock: the estimate is near 0.
    QVERIFY2(qAbs(tv->sync.clock().offsetMs()) < 5000,
             qPrintable(QString::number(tv->sync.clock().offsetMs())));

    const QJsonObject stored = get(u"movie"_s).record();
    const qint64 observedAt = stored.value(u"observed_at_ms"_s).toInteger();
    QCOMPARE(stored.value(u"position_ms"_s).toInteger(), 42000);
    QVERIFY2(observedAt >= before - 5000 && observedAt <= after,
             qPrintable(u"%1 not in [%2, %3]"_s.arg(observedAt).arg(before).arg(after)));
    // The local copy holds the re-stamped observation, not the refused one.
    const auto local = tv->localRecord(u"movie"_s);
    QVERIFY(local);
    QCOMPARE(local->observedAtMs, observedAt);

    // The next report is stamped on the corrected clock and goes through as is.
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    const qint64 beforeNext = nowMs();
    const ProgressRecord next = tv->sync.report(progress(u"movie"_s, 47000));
    const qint64 afterNext = nowMs();
    QVERIFY2(next.observedAtMs > observedAt && next.observedAtMs <= afterNext + 5000,
             qPrintable(u"stamped %1 ms from now"_s.arg(next.observedAtMs - beforeNext)));
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(tv->pendingInOutbox(), 0, kTimeoutMs);
    const QJsonObject nextStored = get(u"movie"_s).record();
    QCOMPARE(nextStored.value(u"position_ms"_s).toInteger(), 47000);
    QCOMPARE(nextStored.value(u"observed_at_ms"_s).toInteger(), next.observedAtMs);
}

void tst_SyncClient::fetchFoundAndNotFound()
{
    const qint64 observedAt = nowMs() - 5000;
    QCOMPARE(put(u"movie"_s,
                 QJsonObject{{u"position_ms"_s, 754000},
                             {u"duration_ms"_s, 3600000},
                             {u"device_id"_s, u"phone"_s},
                             {u"device_name"_s, u"Phone"_s},
                             {u"observed_at_ms"_s, observedAt},
                             {u"state"_s, u"paused"_s}})
                 .status,
             200);

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy seen(&tv->sync, &SyncClient::serverRecordSeen);

    std::optional<FetchResult> found;
    tv->sync.fetch(u"movie"_s, 5000, &tv->context, [&](const FetchResult &r) { found = r; });
    QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), kTimeoutMs);
    QCOMPARE(found->status, FetchResult::Status::Found);
    QVERIFY(found->record);
    QCOMPARE(found->record->positionMs, qint64(754000));
    QCOMPARE(found->record->deviceId, u"phone"_s);
    QCOMPARE(found->record->observedAtMs, observedAt);
    QCOMPARE(found->record->state, PlaybackState::Paused);
    QVERIFY(found->record->receivedAtMs > 0);
    QCOMPARE(seen.count(), 1);
    QVERIFY(tv->sync.isOnline());
    QVERIFY(tv->sync.clock().isKnown());

    std::optional<FetchResult> missing;
    tv->sync.fetch(u"never-watched"_s, 5000, &tv->context,
                   [&](const FetchResult &r) { missing = r; });
    QTRY_VERIFY_WITH_TIMEOUT(missing.has_value(), kTimeoutMs);
    QCOMPARE(missing->status, FetchResult::Status::NotFound);
    QVERIFY(!missing->record);
    QVERIFY(tv->sync.isOnline());
}

void tst_SyncClient::fetchFailsWithoutAServer_data()
{
    QTest::addColumn<bool>("configured");

    QTest::newRow("none configured") << false;
    QTest::newRow("closed port") << true;
}

void tst_SyncClient::fetchFailsWithoutAServer()
{
    QFETCH(bool, configured);
    const QString url = m_url;
    m_server->stop();

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), configured ? url : QString());
    QVERIFY(tv);
    std::optional<FetchResult> result;
    tv->sync.fetch(u"movie"_s, 5000, &tv->context, [&](const FetchResult &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), kTimeoutMs);
    QCOMPARE(result->status, FetchResult::Status::Failed);
    QVERIFY(!result->record);
    QVERIFY(!result->error.isEmpty());
    QVERIFY(!tv->sync.isOnline());
}

void tst_SyncClient::fetchTimesOut_data()
{
    QTest::addColumn<int>("timeoutMs");

    QTest::newRow("300 ms") << 300;
    QTest::newRow("1.5 s") << 1500;
}

void tst_SyncClient::fetchTimesOut()
{
    QFETCH(int, timeoutMs);
    SilentServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));

    auto tv =
        player(m_dir->filePath(u"tv.sqlite"_s), u"http://127.0.0.1:%1"_s.arg(silent.serverPort()));
    QVERIFY(tv);
    std::optional<FetchResult> result;
    QElapsedTimer elapsed;
    elapsed.start();
    tv->sync.fetch(u"movie"_s, timeoutMs, &tv->context, [&](const FetchResult &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), kTimeoutMs);
    const qint64 took = elapsed.elapsed();

    QCOMPARE(result->status, FetchResult::Status::Failed);
    QVERIFY(!result->error.isEmpty());
    // The request reached the peer, which never answered: the timeout ended it...
    QCOMPARE(silent.connections(), 1);
    QVERIFY2(took >= timeoutMs * 8 / 10, qPrintable(QString::number(took)));
    // ...and not the 10 s default or a hang (a generous bound for a shared machine).
    QVERIFY2(took < timeoutMs + 8000, qPrintable(QString::number(took)));
    QVERIFY(!tv->sync.isOnline());
}

void tst_SyncClient::finishNeverHangs_data()
{
    QTest::addColumn<QString>("server"); // "up", "down", "hangs" or "none"
    QTest::addColumn<int>("expectedPending");

    QTest::newRow("server up") << u"up"_s << 0;
    QTest::newRow("server down") << u"down"_s << 3;
    QTest::newRow("server accepts and never answers") << u"hangs"_s << 3;
    QTest::newRow("no server configured") << u"none"_s << 3;
}

void tst_SyncClient::finishNeverHangs()
{
    QFETCH(QString, server);
    QFETCH(int, expectedPending);

    SilentServer silent;
    QString url = m_url;
    if (server == u"down") {
        m_server->stop();
    } else if (server == u"hangs") {
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        url = u"http://127.0.0.1:%1"_s.arg(silent.serverPort());
    } else if (server == u"none") {
        url.clear();
    }

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), url);
    QVERIFY(tv);
    // The person closes the window right after the last reports: no waiting for their delivery.
    for (int i = 0; i < 3; ++i)
        tv->sync.report(progress(u"video-%1"_s.arg(i), 1000 * i));

    std::optional<int> pending;
    int calls = 0;
    QElapsedTimer elapsed;
    elapsed.start();
    tv->sync.finish(1000, &tv->context, [&](int n) {
        pending = n;
        ++calls;
    });
    QTRY_VERIFY_WITH_TIMEOUT(pending.has_value(), kTimeoutMs);
    const qint64 took = elapsed.elapsed();
    QCOMPARE(*pending, expectedPending);
    // At most about its timeout, never the request timeout or longer (generous for a shared
    // machine; the hanging server would take 10 s).
    QVERIFY2(took < 1000 + 5000, qPrintable(QString::number(took)));
    if (server == u"up") {
        for (int i = 0; i < 3; ++i)
            QCOMPARE(get(u"video-%1"_s.arg(i)).status, 200);
    }
    QCOMPARE(tv->pendingInOutbox(), expectedPending);
    // `done` runs once, whichever of the deadline and the delivery comes first.
    QCOMPARE(calls, 1);
}

void tst_SyncClient::stampNowStrictlyIncreases()
{
    LocalCopy local;
    ServerPool servers;
    SyncClient sync(local, servers);
    const qint64 before = nowMs();
    qint64 previous = sync.stampNow();
    QVERIFY(previous >= before);
    for (int i = 0; i < 20000; ++i) {
        const qint64 stamp = sync.stampNow();
        QVERIFY2(stamp > previous,
                 qPrintable(u"call %1: %2 after %3"_s.arg(i).arg(stamp).arg(previous)));
        previous = stamp;
    }
    // On the server's clock: the offset moves the stamps.
    sync.setClockOffset(3600000);
    const qint64 ahead = sync.stampNow();
    QVERIFY(ahead > previous);
    QVERIFY(ahead >= nowMs() + 3600000 - 1000);
    // An offset that moves back does not make a stamp go back.
    sync.setClockOffset(-3600000);
    QVERIFY(sync.stampNow() > ahead);
    QVERIFY(sync.stampNow() > ahead);
}

void tst_SyncClient::refusedUpdateIsDropped()
{
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy finished(&tv->sync, &SyncClient::deliveryFinished);

    // A position past the duration breaks a rule of the record: the server will never take it.
    ProgressRecord broken = progress(u"broken"_s, 5000);
    broken.durationMs = 1000;
    const ProgressRecord good = progress(u"good"_s, 7000);
    tv->sync.report(broken);
    tv->sync.report(good);

    QTRY_COMPARE_WITH_TIMEOUT(tv->pendingInOutbox(), 0, kTimeoutMs);
    QTRY_COMPARE(tv->sync.pendingCount(), 0);
    QCOMPARE(get(u"broken"_s).status, 404);
    QCOMPARE(get(u"good"_s).status, 200);
    // The server was reachable: this was no outage, and nothing is left to retry.
    QVERIFY(tv->sync.isOnline());
    QTRY_VERIFY(!finished.isEmpty());
    QCOMPARE(finished.constLast().at(0).toBool(), true);

    // Nothing keeps sending it: no further attempt ends within a few retry periods.
    const int attempts = int(finished.count());
    QVERIFY(!finished.wait(2500));
    QCOMPARE(int(finished.count()), attempts);
    QCOMPARE(tv->pendingInOutbox(), 0);
}

void tst_SyncClient::unavailableUpdateStaysAndIsRetried()
{
    UnavailableServer down;
    QVERIFY(down.listen(QHostAddress::LocalHost, 0));
    auto tv =
        player(m_dir->filePath(u"tv.sqlite"_s), u"http://127.0.0.1:%1"_s.arg(down.serverPort()));
    QVERIFY(tv);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    tv->sync.report(progress(u"movie"_s, 42000));

    // Not delivered, not dropped: it waits in the outbox...
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.constFirst().at(1).toBool(), false);
    QCOMPARE(tv->pendingInOutbox(), 1);
    // ...and is tried again without any new report (the backoff starts at about a second).
    QTRY_VERIFY_WITH_TIMEOUT(down.syncRequests() >= 2, kTimeoutMs);
    QCOMPARE(tv->pendingInOutbox(), 1);
}

QString tst_SyncClient::copyServerDatabase(const QString &name)
{
    // Stopped, every connection is closed and the file holds everything; then back on its port.
    const quint16 port = m_server->port();
    m_server->stop();
    const QString source = m_dir->filePath(u"server.sqlite"_s);
    const QString copy = m_dir->filePath(name);
    for (const QString &suffix : {QString(), u"-wal"_s}) {
        if (QFile::exists(source + suffix) && !QFile::copy(source + suffix, copy + suffix))
            return {};
    }
    return startServer(port) ? copy : QString();
}

std::unique_ptr<SyncServer> tst_SyncClient::startAnotherServer(const QString &databasePath)
{
    auto server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = databasePath;
    options.port = 0;
    QString error;
    if (!server->start(options, &error)) {
        qWarning("server: %s", qPrintable(error));
        return nullptr;
    }
    return server;
}

std::optional<ProgressRecord> tst_SyncClient::storedIn(const QString &databasePath,
                                                       const QString &contentId)
{
    ServerStorage storage;
    QString error;
    qint64 user = -1;
    std::optional<ProgressRecord> record;
    if (!storage.open(databasePath, &error) || !storage.users().userForToken(m_token, &user, &error)
        || !storage.progress().record(user, contentId, &record, &error))
        qWarning("%s: %s", qPrintable(databasePath), qPrintable(error));
    return record;
}

void tst_SyncClient::awayKinds()
{
    QTest::addColumn<QString>("away");

    QTest::newRow("closed port") << u"closed port"_s;
    QTest::newRow("no such host") << u"no such host"_s;
    QTest::newRow("accepts and never answers") << u"never answers"_s;
    QTest::newRow("502 from a proxy") << u"502"_s;
    QTest::newRow("503") << u"503"_s;
    QTest::newRow("504 from a proxy") << u"504"_s;
}

void tst_SyncClient::deliveryMovesOnFromAnAwayServer_data()
{
    awayKinds();
}

// The first server of the list is away: the report goes to the second in the same attempt, and
// the client stays there.
void tst_SyncClient::deliveryMovesOnFromAnAwayServer()
{
    QFETCH(QString, away);
    AwayServer first;
    QVERIFY(first.start(away));
    const QUrl live(m_url);

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({first.url, live}), m_token);
    QCOMPARE(tv->servers.current(), first.url);
    QSignalSpy moved(&tv->servers, &ServerPool::currentChanged);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);

    const ProgressRecord sent = tv->sync.report(progress(u"movie"_s, 61000));
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(1).toBool(), true); // delivered by the first attempt, no backoff
    QCOMPARE(tv->servers.current(), live);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(moved.at(0).at(0).toUrl(), live);
    QVERIFY(tv->sync.isOnline());
    QCOMPARE(tv->pendingInOutbox(), 0);
    const Answer answer = get(u"movie"_s);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.record().value(u"observed_at_ms"_s).toInteger(), sent.observedAtMs);

    // It stays on the server that answered: later reports and a fetch go straight there.
    const int firstTries = first.tries();
    ProgressRecord last;
    for (int i = 1; i <= 3; ++i) {
        last = tv->sync.report(progress(u"movie"_s, 61000 + i * 5000));
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1 + i, kTimeoutMs);
        QCOMPARE(settled.constLast().at(1).toBool(), true);
    }
    std::optional<FetchResult> fetched;
    tv->sync.fetch(u"movie"_s, kTimeoutMs, &tv->context,
                   [&](const FetchResult &r) { fetched = r; });
    QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), kTimeoutMs);
    QCOMPARE(fetched->status, FetchResult::Status::Found);
    QCOMPARE(fetched->record->positionMs, last.positionMs);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(tv->servers.current(), live);
    QCOMPARE(first.tries(), firstTries);
    QCOMPARE(get(u"movie"_s).record().value(u"position_ms"_s).toInteger(), last.positionMs);
}

void tst_SyncClient::fetchMovesOnFromAnAwayServer_data()
{
    awayKinds();
}

// Where to resume is asked of the next server within the caller's time, even when the first
// one takes its share of it and never answers.
void tst_SyncClient::fetchMovesOnFromAnAwayServer()
{
    QFETCH(QString, away);
    const qint64 observedAt = nowMs() - 5000;
    QCOMPARE(put(u"movie"_s,
                 QJsonObject{{u"position_ms"_s, 754000},
                             {u"duration_ms"_s, 3600000},
                             {u"device_id"_s, u"phone"_s},
                             {u"device_name"_s, u"Phone"_s},
                             {u"observed_at_ms"_s, observedAt}})
                 .status,
             200);
    AwayServer first;
    QVERIFY(first.start(away));
    const QUrl live(m_url);

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({first.url, live}), m_token);
    QSignalSpy moved(&tv->servers, &ServerPool::currentChanged);

    // Generous for a shared machine: a server that never answers takes half of it.
    std::optional<FetchResult> found;
    tv->sync.fetch(u"movie"_s, 10000, &tv->context, [&](const FetchResult &r) { found = r; });
    QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), kTimeoutMs);
    QCOMPARE(found->status, FetchResult::Status::Found);
    QCOMPARE(found->record->positionMs, qint64(754000));
    QCOMPARE(found->record->observedAtMs, observedAt);
    QCOMPARE(tv->servers.current(), live);
    QCOMPARE(moved.count(), 1);
    QVERIFY(tv->sync.isOnline());

    // The Continue Watching list comes from there too, without asking the first again.
    const int firstTries = first.tries();
    std::optional<bool> listed;
    QList<ProgressRecord> items;
    tv->sync.fetchList(20, 4000, &tv->context, [&](bool ok, const QList<ProgressRecord> &list) {
        listed = ok;
        items = list;
    });
    QTRY_VERIFY_WITH_TIMEOUT(listed.has_value(), kTimeoutMs);
    QVERIFY(*listed);
    QCOMPARE(items.size(), 1);
    QCOMPARE(first.tries(), firstTries);
    QCOMPARE(moved.count(), 1);
}

// No server of the list answers: the update waits in the outbox, and the retry goes round the
// list again until one is back.
void tst_SyncClient::everyServerAwayKeepsTheOutbox()
{
    const quint16 port = m_server->port();
    const QUrl second(m_url);
    m_server->stop();
    const QUrl first(u"http://127.0.0.1:%1"_s.arg(closedPort()));

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({first, second}), m_token);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    QSignalSpy finished(&tv->sync, &SyncClient::deliveryFinished);
    const ProgressRecord sent = tv->sync.report(progress(u"movie"_s, 42000));
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(1).toBool(), false);
    QVERIFY(!finished.isEmpty());
    QCOMPARE(finished.constLast().at(0).toBool(), false);
    QVERIFY(!tv->sync.isOnline());
    QCOMPARE(tv->pendingInOutbox(), 1);

    // The second comes back: a retry reaches it, whichever server it starts from.
    QVERIFY(startServer(port));
    QTRY_COMPARE_WITH_TIMEOUT(tv->pendingInOutbox(), 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(tv->sync.isOnline(), kTimeoutMs);
    QCOMPARE(tv->servers.current(), second);
    const Answer answer = get(u"movie"_s);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.record().value(u"observed_at_ms"_s).toInteger(), sent.observedAtMs);
}

// Two real servers A and B, each with its own database, that know the same user. Reports go to
// A; A stops mid-session while reports keep coming; they go to B. No update is lost: every
// video's newest report stands on B, or on A for a video not reported again after the stop.
void tst_SyncClient::secondServerTakesOverMidSession()
{
    const QString aDatabase = m_dir->filePath(u"server.sqlite"_s);
    const QString bDatabase = copyServerDatabase(u"b.sqlite"_s);
    QVERIFY(!bDatabase.isEmpty());
    auto b = startAnotherServer(bDatabase);
    QVERIFY(b);
    const QUrl a(m_url);
    const QUrl bUrl(b->url());

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({a, bUrl}), m_token);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    QSignalSpy moved(&tv->servers, &ServerPool::currentChanged);
    QHash<QString, ProgressRecord> newest; // per video, its newest report
    int reports = 0;
    const auto report = [&](int video, qint64 positionMs) {
        const ProgressRecord sent = tv->sync.report(progress(u"video-%1"_s.arg(video), positionMs));
        newest.insert(sent.contentId, sent);
        ++reports;
    };

    // Three videos on A, each delivered.
    for (int i = 0; i < 6; ++i) {
        report(i % 3, 1000 * (i + 1));
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), reports, kTimeoutMs);
    }
    QCOMPARE(tv->servers.current(), a);
    for (int video = 0; video < 3; ++video) {
        const QString id = u"video-%1"_s.arg(video);
        QCOMPARE(get(id).record().value(u"observed_at_ms"_s).toInteger(),
                 newest.value(id).observedAtMs);
    }

    // A stops right after a report, before its delivery has been answered; more follow, some
    // in a burst, some one at a time, to videos old and new.
    report(0, 20000);
    m_server->stop();
    for (int i = 0; i < 8; ++i)
        report(i % 2 == 0 ? 1 : 3, 30000 + 1000 * i);
    for (int i = 0; i < 4; ++i) {
        report(4, 50000 + 1000 * i);
        QTRY_COMPARE_WITH_TIMEOUT(settled.count(), reports, kTimeoutMs);
    }

    // Every report settled as delivered (the move to B is part of the same attempt), the outbox
    // is empty and B is the server in use.
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), reports, kTimeoutMs);
    for (const QList<QVariant> &arguments : std::as_const(settled))
        QVERIFY(arguments.at(1).toBool());
    QCOMPARE(tv->pendingInOutbox(), 0);
    QTRY_COMPARE(tv->sync.pendingCount(), 0);
    QCOMPARE(tv->servers.current(), bUrl);
    QCOMPARE(moved.count(), 1);

    // What the two databases hold, read from their files.
    for (auto it = newest.cbegin(); it != newest.cend(); ++it) {
        const bool reportedAfterStop = it.key() != u"video-2"_s;
        const std::optional<ProgressRecord> onA = storedIn(aDatabase, it.key());
        const std::optional<ProgressRecord> onB = storedIn(bDatabase, it.key());
        const std::optional<ProgressRecord> &standing = reportedAfterStop ? onB : onA;
        QVERIFY2(standing, qPrintable(it.key()));
        QCOMPARE(standing->positionMs, it->positionMs);
        QCOMPARE(standing->observedAtMs, it->observedAtMs);
        QCOMPARE(standing->deviceId, u"tv"_s);
        // Nothing newer than the newest report anywhere.
        for (const auto &stored : {onA, onB}) {
            if (stored)
                QVERIFY(ProgressOrder::compare(*stored, *it) <= 0);
        }
    }
    // B never saw video-2: it was not reported after the stop.
    QVERIFY(!storedIn(bDatabase, u"video-2"_s));
}

// A 401 is the first server's answer, not an absence: the client stays, and the update waits
// for a token that works there rather than going to another server.
void tst_SyncClient::unauthorizedIsAnAnswer()
{
    // A server with a database of its own, which knows no user: every token is unknown there.
    auto stranger = startAnotherServer(m_dir->filePath(u"stranger.sqlite"_s));
    QVERIFY(stranger);
    const QUrl first(stranger->url());

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({first, QUrl(m_url)}), m_token);
    QSignalSpy moved(&tv->servers, &ServerPool::currentChanged);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);

    tv->sync.report(progress(u"movie"_s, 42000));
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(1).toBool(), false);
    QCOMPARE(tv->pendingInOutbox(), 1);

    std::optional<FetchResult> fetched;
    tv->sync.fetch(u"movie"_s, 4000, &tv->context, [&](const FetchResult &r) { fetched = r; });
    QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), kTimeoutMs);
    QCOMPARE(fetched->status, FetchResult::Status::Failed);
    QVERIFY2(fetched->error.contains(u"401"_s), qPrintable(fetched->error));

    QCOMPARE(tv->servers.current(), first);
    QVERIFY(moved.isEmpty());
    QCOMPARE(get(u"movie"_s).status, 404); // the second server never got it
}

// A 401 means this device was removed (or its token revoked): deviceRemoved() once, nothing is
// sent any more and nothing waits, and the local copy and the outbox keep what was there.
void tst_SyncClient::aRefusedTokenIsARemovedDevice()
{
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    QSignalSpy removed(&tv->sync, &SyncClient::deviceRemoved);
    tv->sync.report(progress(u"movie"_s, 42000));
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.at(0).at(1).toBool(), true);

    // The phone's own token, revoked (with every token of alice's) before the server saw it: no
    // cache holds it.
    QString phoneToken;
    QString error;
    QVERIFY2(m_server->storage().users().issueToken(u"alice"_s, &phoneToken, &error),
             qPrintable(error));
    int revoked = 0;
    QVERIFY2(m_server->storage().users().revokeTokens(u"alice"_s, &revoked, &error),
             qPrintable(error));
    auto phone = player(m_dir->filePath(u"phone.sqlite"_s), QString(), u"phone"_s);
    QVERIFY(phone);
    phone->servers.setServers(ServerList({QUrl(m_url)}), phoneToken);
    QSignalSpy phoneSettled(&phone->sync, &SyncClient::reportSettled);
    QSignalSpy phoneRemoved(&phone->sync, &SyncClient::deviceRemoved);
    phone->sync.report(progress(u"movie"_s, 50000));
    QTRY_COMPARE_WITH_TIMEOUT(phoneRemoved.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(phoneSettled.count(), 1, kTimeoutMs);
    QCOMPARE(phoneSettled.at(0).at(1).toBool(), false);
    QVERIFY(!phone->sync.hasServer());
    QVERIFY(!phone->sync.isOnline());

    // Nothing is sent and nothing waits: the next report settles at once, undelivered; a fetch
    // answers 401 without asking; the outbox and the local copy keep both reports.
    phone->sync.report(progress(u"other"_s, 1000));
    QTRY_COMPARE_WITH_TIMEOUT(phoneSettled.count(), 2, kTimeoutMs);
    QCOMPARE(phoneSettled.at(1).at(1).toBool(), false);
    std::optional<FetchResult> fetched;
    phone->sync.fetch(u"movie"_s, kTimeoutMs, &phone->context,
                      [&](const FetchResult &r) { fetched = r; });
    QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), kTimeoutMs);
    QCOMPARE(fetched->status, FetchResult::Status::Failed);
    QVERIFY2(fetched->error.contains(u"401"_s), qPrintable(fetched->error));
    QCOMPARE(phone->pendingInOutbox(), 2);
    QVERIFY(phone->localRecord(u"other"_s));
    std::optional<int> left;
    phone->sync.finish(kTimeoutMs, &phone->context, [&left](int pending) { left = pending; });
    QTRY_COMPARE_WITH_TIMEOUT(left, std::optional<int>(2), kTimeoutMs);
    QCOMPARE(phoneRemoved.count(), 1);
    // The TV's own token was revoked too, but it has not asked since: it does not know yet.
    QCOMPARE(removed.count(), 0);
}

// The event stream hears it first when the player only listens: the same signal, once.
void tst_SyncClient::theEventStreamsRefusalIsARemovedDeviceToo()
{
    auto tv = playerWithARevokedToken(m_dir->filePath(u"tv.sqlite"_s));
    QVERIFY(tv);
    EventStream stream(tv->servers);
    QSignalSpy removed(&tv->sync, &SyncClient::deviceRemoved);
    QSignalSpy connected(&stream, &EventStream::connectedChanged);
    stream.start();
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 1, kTimeoutMs);
    QVERIFY(tv->servers.isTokenRefused());
    // It does not come back: nothing retries a refused token.
    tv->sync.deliver();
    stream.start();
    QVERIFY(!stream.isConnected());
    QCOMPARE(removed.count(), 1);
    QVERIFY(connected.isEmpty() || !connected.last().at(0).toBool());
}

// Connected again (pairing, or a token typed in Settings): everything works again, and what
// waited in the outbox goes out.
void tst_SyncClient::anotherTokenStartsAgain()
{
    auto tv = playerWithARevokedToken(m_dir->filePath(u"tv.sqlite"_s));
    QVERIFY(tv);
    QSignalSpy removed(&tv->sync, &SyncClient::deviceRemoved);
    tv->sync.report(progress(u"movie"_s, 42000));
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 1, kTimeoutMs);
    QCOMPARE(tv->pendingInOutbox(), 1);

    QString token;
    QString error;
    QVERIFY2(m_server->storage().users().issueToken(u"alice"_s, &token, &error), qPrintable(error));
    tv->servers.setServers(ServerList({QUrl(m_url)}), token);
    QVERIFY(tv->sync.hasServer());
    QSignalSpy delivered(&tv->sync, &SyncClient::deliveryFinished);
    tv->sync.deliver();
    QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty(), kTimeoutMs);
    QCOMPARE(delivered.last().at(0).toBool(), true);
    QCOMPARE(tv->pendingInOutbox(), 0);
    m_token = token;
    QCOMPARE(get(u"movie"_s).status, 200);
    QCOMPARE(removed.count(), 1);
}

// A profile copied to another machine, which got a token of its own: its device_id is the first
// machine's, which the server answers with 409 device_id_taken. It makes itself a new id, its
// outbox takes it, and everything goes out; the first machine goes on as before.
void tst_SyncClient::aCopiedProfileMakesItselfANewDeviceId()
{
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url, u"dev-same"_s);
    QVERIFY(tv);
    QSignalSpy tvSettled(&tv->sync, &SyncClient::reportSettled);
    tv->sync.report(progress(u"movie"_s, 10000));
    QTRY_COMPARE_WITH_TIMEOUT(tvSettled.count(), 1, kTimeoutMs);
    QVERIFY(tvSettled.at(0).at(1).toBool());

    QString copyToken;
    QString error;
    QVERIFY2(m_server->storage().users().issueToken(u"alice"_s, &copyToken, &error),
             qPrintable(error));
    auto copy = player(m_dir->filePath(u"copy.sqlite"_s), QString(), u"dev-same"_s);
    QVERIFY(copy);
    // Two reports wait in its outbox before it reaches the server.
    copy->sync.report(progress(u"movie"_s, 20000));
    copy->sync.report(progress(u"other"_s, 5000));
    QCOMPARE(copy->pendingInOutbox(), 2);
    QSignalSpy renewed(&copy->sync, &SyncClient::deviceIdRenewed);
    QSignalSpy delivered(&copy->sync, &SyncClient::deliveryFinished);
    copy->servers.setServers(ServerList({QUrl(m_url)}), copyToken);
    copy->sync.deliver();
    QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty() && delivered.last().at(0).toBool(), kTimeoutMs);
    QCOMPARE(renewed.count(), 1);
    const QString newId = renewed.first().at(0).toString();
    QVERIFY2(newId.startsWith(u"dev-"_s) && newId != u"dev-same"_s, qPrintable(newId));
    QCOMPARE(copy->sync.deviceId(), newId);
    QCOMPARE(copy->pendingInOutbox(), 0);

    // Nothing lost: both are on the server, from the new id.
    const Answer movie = get(u"movie"_s);
    QCOMPARE(movie.status, 200);
    QCOMPARE(movie.record().value(u"device_id"_s).toString(), newId);
    QCOMPARE(movie.record().value(u"position_ms"_s).toInteger(), 20000);
    const Answer other = get(u"other"_s);
    QCOMPARE(other.status, 200);
    QCOMPARE(other.record().value(u"device_id"_s).toString(), newId);

    // Its next report goes out under the new id at once; the TV keeps its own.
    QSignalSpy copySettled(&copy->sync, &SyncClient::reportSettled);
    copy->sync.report(progress(u"movie"_s, 21000));
    QTRY_COMPARE_WITH_TIMEOUT(copySettled.count(), 1, kTimeoutMs);
    QVERIFY(copySettled.last().at(1).toBool());
    tv->sync.report(progress(u"movie"_s, 30000));
    QTRY_COMPARE_WITH_TIMEOUT(tvSettled.count(), 2, kTimeoutMs);
    QVERIFY(tvSettled.last().at(1).toBool());
    QCOMPARE(get(u"movie"_s).record().value(u"device_id"_s).toString(), u"dev-same"_s);
    QCOMPARE(renewed.count(), 1);
}

// A 404 for a video is the answer "nothing to resume", even when another server of the list
// has a record of it.
void tst_SyncClient::notFoundIsAnAnswer()
{
    const QString copy = copyServerDatabase(u"first.sqlite"_s);
    QVERIFY(!copy.isEmpty());
    auto firstServer = startAnotherServer(copy);
    QVERIFY(firstServer);
    const QUrl first(firstServer->url());
    QCOMPARE(put(u"movie"_s,
                 QJsonObject{{u"position_ms"_s, 754000},
                             {u"device_id"_s, u"phone"_s},
                             {u"observed_at_ms"_s, nowMs() - 5000}})
                 .status,
             200); // on the second server only

    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    tv->servers.setServers(ServerList({first, QUrl(m_url)}), m_token);
    QSignalSpy moved(&tv->servers, &ServerPool::currentChanged);
    std::optional<FetchResult> fetched;
    tv->sync.fetch(u"movie"_s, 4000, &tv->context, [&](const FetchResult &r) { fetched = r; });
    QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), kTimeoutMs);
    QCOMPARE(fetched->status, FetchResult::Status::NotFound);
    QCOMPARE(tv->servers.current(), first);
    QVERIFY(moved.isEmpty());
    QVERIFY(tv->sync.isOnline());
}

// Continue Watching marks a video that is not open: from what is known of it, a report now.
void tst_SyncClient::markWatchedFromAList()
{
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), m_url);
    QVERIFY(tv);
    QSignalSpy settled(&tv->sync, &SyncClient::reportSettled);
    ProgressRecord base = progress(u"show.s01e02"_s, 1234000, PlaybackState::Paused);
    base.deviceId = u"phone"_s;
    base.deviceName = u"Phone"_s;
    base.observedAtMs = nowMs() - 60000;
    base.title = u"Show S01E02"_s;
    base.showId = u"show"_s;
    base.episodeId = u"s01e02"_s;
    base.playCount = 3; // the server's to say

    const ProgressRecord marked = tv->sync.markWatched(base, true);
    QCOMPARE(marked.deviceId, u"tv"_s);
    QCOMPARE(marked.positionMs, base.positionMs);
    QCOMPARE(marked.state, PlaybackState::Stopped);
    QCOMPARE(marked.watched, std::optional<bool>(true));
    QCOMPARE(marked.finishedAtMs, marked.observedAtMs);
    QVERIFY(marked.observedAtMs > base.observedAtMs);
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QVERIFY(settled.first().at(1).toBool());
    QJsonObject stored = get(base.contentId).record();
    QCOMPARE(stored.value(u"watched"_s).toBool(), true);
    QCOMPARE(stored.value(u"finished_at_ms"_s).toInteger(), marked.observedAtMs);
    QCOMPARE(stored.value(u"position_ms"_s).toInteger(), base.positionMs);
    QCOMPARE(stored.value(u"title"_s).toString(), base.title);
    QCOMPARE(stored.value(u"show_id"_s).toString(), base.showId);
    QCOMPARE(stored.value(u"episode_id"_s).toString(), base.episodeId);

    const ProgressRecord unmarked = tv->sync.markWatched(marked, false);
    QCOMPARE(unmarked.positionMs, qint64(0));
    QCOMPARE(unmarked.watched, std::optional<bool>(false));
    QCOMPARE(unmarked.finishedAtMs, qint64(0));
    QVERIFY(unmarked.observedAtMs > marked.observedAtMs);
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 2, kTimeoutMs);
    stored = get(base.contentId).record();
    QCOMPARE(stored.value(u"watched"_s).toBool(true), false);
    QCOMPARE(stored.value(u"position_ms"_s).toInteger(), 0);
    QCOMPARE(stored.value(u"state"_s).toString(), u"stopped"_s);
}

void tst_SyncClient::updateStaleByAForgetLeavesTheOutbox_data()
{
    QTest::addColumn<bool>("newerLocally"); // the local copy heard of a newer observation

    QTest::newRow("nothing newer: the video goes") << false;
    QTest::newRow("a newer observation stays") << true;
}

// Offline, the TV watched a video that was forgotten on another device meanwhile. Its update,
// delivered later, is stale (the server keeps the forget); it leaves the outbox for good, and the
// TV's local copy forgets the video too, unless it knows of something newer than the forget.
void tst_SyncClient::updateStaleByAForgetLeavesTheOutbox()
{
    QFETCH(bool, newerLocally);

    const QString id = u"pm1-00112233445566778899aabbccddeeff"_s;
    auto tv = player(m_dir->filePath(u"tv.sqlite"_s), QString());
    QVERIFY(tv);
    const ProgressRecord offline = tv->sync.report(progress(id, 61000));
    QCOMPARE(tv->pendingInOutbox(), 1);

    const qint64 phoneSaw = nowMs() - 500;
    QCOMPARE(put(id,
                 QJsonObject{{u"position_ms"_s, 900000},
                             {u"device_id"_s, u"phone"_s},
                             {u"observed_at_ms"_s, phoneSaw}})
                 .status,
             200);
    QTRY_VERIFY_WITH_TIMEOUT(nowMs() > offline.observedAtMs, kTimeoutMs);
    QCOMPARE(forget(id).status, 204);
    QCOMPARE(get(id).status, 404);
    if (newerLocally) {
        ProgressRecord later = progress(id, 5000);
        later.deviceId = u"laptop"_s;
        later.observedAtMs = nowMs() + 30000;
        tv->local.save(later, false, 0);
    }

    QSignalSpy forgotten(&tv->sync, &SyncClient::forgottenSeen);
    QSignalSpy finished(&tv->sync, &SyncClient::deliveryFinished);
    tv->servers.setServers(ServerList({QUrl(m_url)}), m_token);
    tv->sync.deliver();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeoutMs);
    QVERIFY(finished.last().first().toBool()); // the outbox is empty: the server answered it
    QCOMPARE(forgotten.count(), 1);
    QCOMPARE(forgotten.first().at(0).toString(), id);
    QVERIFY(forgotten.first().at(1).toLongLong() >= phoneSaw);
    QCOMPARE(tv->pendingInOutbox(), 0);
    QCOMPARE(get(id).status, 404); // not brought back
    const std::optional<ProgressRecord> local = tv->localRecord(id);
    QCOMPARE(local.has_value(), newerLocally);
    if (newerLocally)
        QCOMPARE(local->deviceId, u"laptop"_s);
}

QTEST_GUILESS_MAIN(tst_SyncClient)
#include "tst_syncclient.moc"
