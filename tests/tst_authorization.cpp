// Who may read and change what (docs/protocol.md, Auth), as a matrix: every endpoint against every
// kind of credential, on the real server in-process on a port the OS picks. Alice owns a record
// and Bob owns one; whatever a row sends, nobody reads or changes another's data, and nothing a
// client sends can choose the user or the time the server received an update.
// One server for the whole run: each row has users of its own (alice-N, bob-N, carol-N), made
// before it, so no row sees what another did, without a server start and a database reset per
// row (on PostgreSQL those were most of the run's time).
#include "inprocessserver.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"
#include "tokens.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;

const QString kAlicesMovie = u"alices-movie"_s;
const QString kBobsMovie = u"bobs-movie"_s;
// Stored for nobody: what "does not exist" looks like.
const QString kNobodysMovie = u"nobodys-movie"_s;

enum class Endpoint {
    Put,
    Get,
    Delete,
    List,
    History,
    Sync,
    Events,
    Continue,
    Healthz,
    Metrics,
    Devices,
    DeviceDelete, // alice's second device
    PairingCreate,
    PairingStatus, // a pending pairing's
    PairingApprove, // that pairing's code
};
enum class Credential {
    Own, // Alice's token, on Alice's record
    OwnLoose, // Alice's token as "bearer  TOKEN": the scheme is case-insensitive, spaces may repeat
    Other, // Bob's token, on Alice's record
    None,
    Unknown, // well formed, never issued
    Revoked, // Carol's, revoked before the server first saw it
    BearerAlone,
    Basic, // Alice's token in the Basic scheme
    SplitToken, // "bearer  tok en": Alice's token with a space in it
    NewlineInToken, // Alice's token with a bare LF in it, sent byte for byte
    FoldedToken, // Alice's token continued on a folded header line (obs-fold)
};

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject update(qint64 positionMs, qint64 observedAtMs, const QString &deviceId)
{
    return QJsonObject{{u"position_ms"_s, positionMs},      {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, deviceId},          {u"device_name"_s, deviceId},
                       {u"observed_at_ms"_s, observedAtMs}, {u"state"_s, u"playing"_s}};
}

QJsonObject withoutServerTime(QJsonObject object)
{
    object.remove(u"server_time_ms"_s);
    return object;
}

struct Answer
{
    int status = -1; // -1: the connection ended without an answer
    QByteArray body;
    QJsonObject json;
    QByteArray contentType;

    QJsonObject record() const { return json.value(u"record"_s).toObject(); }
    QJsonArray items() const { return json.value(u"items"_s).toArray(); }
    QString errorCode() const
    {
        return json.value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    // The answer as it would read for another content id: the id itself replaced.
    QByteArray normalized(const QString &contentId) const
    {
        return compact(withoutServerTime(json)).replace(contentId.toUtf8(), "{content_id}");
    }
};

QStringList contentIds(const QJsonArray &items)
{
    QStringList ids;
    for (const QJsonValue &item : items)
        ids << item.toObject().value(u"content_id"_s).toString();
    return ids;
}

// The records' ids of GET /v1/continue's items.
QStringList continuedIds(const QJsonArray &items)
{
    QStringList ids;
    for (const QJsonValue &item : items)
        ids << item[u"record"_s][u"content_id"_s].toString();
    return ids;
}

// One GET /v1/events, read as it arrives.
class EventStream : public QObject
{
    Q_OBJECT
public:
    EventStream(QNetworkAccessManager &nam, const QString &url,
                const std::optional<QByteArray> &authorization)
    {
        QNetworkRequest request{QUrl(url)};
        if (authorization)
            request.setRawHeader("Authorization", *authorization);
        request.setRawHeader("Accept", "text/event-stream");
        m_reply = nam.get(request);
        connect(m_reply, &QNetworkReply::readyRead, this, &EventStream::read);
    }
    ~EventStream() override
    {
        disconnect(m_reply, nullptr, this, nullptr);
        m_reply->abort();
        m_reply->deleteLater();
    }
    Q_DISABLE_COPY_MOVE(EventStream)

    // The server registered the stream once its opening comment arrived.
    bool isOpen() const { return m_open; }
    bool isFinished() const { return m_reply->isFinished(); }
    int status() const
    {
        return m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
    QByteArray contentType() const { return m_reply->rawHeader("Content-Type"); }
    QByteArray errorBody() const { return m_buffer; }
    const QList<QJsonObject> &events() const { return m_events; }

private:
    void read()
    {
        m_buffer += m_reply->readAll();
        if (status() != 200)
            return; // an error answer: its body stays in m_buffer
        qsizetype end = -1;
        while ((end = m_buffer.indexOf("\n\n")) >= 0) {
            const QByteArray frame = m_buffer.left(end);
            m_buffer.remove(0, end + 2);
            for (const QByteArray &line : frame.split('\n')) {
                if (line.startsWith(':'))
                    m_open = true;
                else if (line.startsWith("data: "))
                    m_events << QJsonDocument::fromJson(line.mid(6)).object();
            }
        }
    }

    QNetworkReply *m_reply = nullptr;
    QByteArray m_buffer;
    QList<QJsonObject> m_events;
    bool m_open = false;
};

} // namespace

class TestAuthorization : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void matrix_data();
    void matrix();
    void clientCannotChooseTheUser_data();
    void clientCannotChooseTheUser();

private:
    // What the row's credential puts in the Authorization header (nullopt: no header).
    std::optional<QByteArray> authorization(Credential credential) const;
    Answer send(const QByteArray &verb, const QString &path,
                const std::optional<QByteArray> &authorization, const QByteArray &body = {});
    // Exactly these bytes on a connection of its own, for headers QNetworkAccessManager would not
    // send as they are.
    Answer sendRaw(const QByteArray &verb, const QString &path, const QByteArray &authorization,
                   const QByteArray &body = {});
    Answer call(const QByteArray &verb, const QString &path, const QString &token,
                const QByteArray &body = {})
    {
        return send(verb, path, QByteArray("Bearer " + token.toUtf8()), body);
    }
    Answer get(const QString &contentId, const QString &token)
    {
        return call("GET", u"/v1/progress/"_s + contentId, token);
    }
    Answer put(const QString &contentId, const QJsonObject &body, const QString &token)
    {
        return call("PUT", u"/v1/progress/"_s + contentId, token, compact(body));
    }

    QString deviceOf(const QString &token)
    {
        DeviceIdentity identity;
        QString error;
        if (!m_server->storage().users().identityForTokenHash(Tokens::hash(token), &identity,
                                                              &error))
            qWarning() << error;
        return identity.deviceKey;
    }
    // The ids of the devices a user has, as the database says (not through the API under test).
    QStringList devicesOf(const QString &name);
    // Who the pending pairing is approved for: "" while it is pending, "gone" once collected.
    QString pairingApprovedFor();

    // `value` with the names "alice" and "bob" (and their user ids 1 and 2, as a number or a
    // string) replaced by this row's users': what a client would send to name them.
    QJsonValue naming(const QJsonValue &value) const;

    // Everything a user can read of their data, as canonical bytes (server_time_ms left out).
    QByteArray snapshot(const QString &token);
    void verifyEventsRow(Credential credential, int expectedStatus);

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<SyncServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    int m_row = 0; // rows so far: names this row's users
    QString m_aliceName;
    QString m_bobName;
    qint64 m_aliceId = -1;
    qint64 m_bobId = -1;
    QString m_alice;
    QString m_bob;
    QString m_revoked;
    QString m_unknown;
    QString m_alicesSecond; // the token of alice's second device
    QString m_alicesSecondDevice; // its id
    PairingStore::Created m_pairing; // pending, created before each row (the only one stored)
    qint64 m_t0 = 0; // an hour ago: observations in the past are accepted
    QJsonObject m_alicesRecord;
    QJsonObject m_bobsRecord;
};

void TestAuthorization::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // Hundreds of requests: the server's line per request would bury a failure.
    QLoggingCategory::setFilterRules(u"playmark.*.debug=false\nplaymark.*.info=false"_s);
    m_database = std::make_unique<TestDatabase>(u"authorization"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    QVERIFY(m_database->clearData());
    QString error;
    m_server = startInProcessServer(m_database->location(), &error);
    QVERIFY2(m_server, qPrintable(error));
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
}

void TestAuthorization::cleanupTestCase()
{
    m_nam.reset();
    m_server.reset();
}

void TestAuthorization::init()
{
    QVERIFY(m_server);
    // Each row's refused requests answered at once, as by a server of its own: the delay that
    // slows guessing tokens from one address would grow over the rows.
    m_server->forgetAuthFailures();
    ++m_row;
    m_aliceName = u"alice-%1"_s.arg(m_row);
    m_bobName = u"bob-%1"_s.arg(m_row);
    const QString carol = u"carol-%1"_s.arg(m_row);
    ServerStorage &storage = m_server->storage();
    QString error;
    QVERIFY2(storage.users().addUser(m_aliceName, &m_alice, &error), qPrintable(error));
    QVERIFY2(storage.users().addUser(m_bobName, &m_bob, &error), qPrintable(error));
    QVERIFY2(storage.users().findUser(m_aliceName, &m_aliceId, &error), qPrintable(error));
    QVERIFY2(storage.users().findUser(m_bobName, &m_bobId, &error), qPrintable(error));
    // Revoked before the server first sees it, so its token cache cannot remember it as valid.
    QVERIFY2(storage.users().addUser(carol, &m_revoked, &error), qPrintable(error));
    int revoked = 0;
    QVERIFY(storage.users().revokeTokens(carol, &revoked, &error));
    QCOMPARE(revoked, 1);
    m_unknown = Tokens::generate();
    QVERIFY2(storage.users().issueToken(m_aliceName, &m_alicesSecond, &error), qPrintable(error));
    m_alicesSecondDevice = deviceOf(m_alicesSecond);
    QVERIFY(!m_alicesSecondDevice.isEmpty());
    // Earlier rows' pairings (POST /v1/pairings from 127.0.0.1 too) go: the bound on pending
    // pairings per address stays out of the way, and this row's is the only one.
    QVERIFY(m_database->exec(u"DELETE FROM pairings"_s));
    QVERIFY2(storage.pairings().create(u"phone-1"_s, u"Phone"_s, u"192.0.2.1"_s, nowMs(), 600000,
                                       &m_pairing, &error),
             qPrintable(error));

    m_t0 = nowMs() - 3600000;

    // Alice's record with two updates in its history; Bob's record of his own.
    QCOMPARE(put(kAlicesMovie, update(10000, m_t0, u"alices-tv"_s), m_alice).status, 200);
    const Answer alices = put(kAlicesMovie, update(20000, m_t0 + 1000, u"alices-tv"_s), m_alice);
    QCOMPARE(alices.status, 200);
    m_alicesRecord = alices.record();
    const Answer bobs = put(kBobsMovie, update(30000, m_t0, u"bobs-phone"_s), m_bob);
    QCOMPARE(bobs.status, 200);
    m_bobsRecord = bobs.record();
}

std::optional<QByteArray> TestAuthorization::authorization(Credential credential) const
{
    const QByteArray alice = m_alice.toUtf8();
    switch (credential) {
    case Credential::Own:
        return "Bearer " + alice;
    case Credential::OwnLoose:
        return "bearer  " + alice;
    case Credential::Other:
        return "Bearer " + m_bob.toUtf8();
    case Credential::None:
        return std::nullopt;
    case Credential::Unknown:
        return "Bearer " + m_unknown.toUtf8();
    case Credential::Revoked:
        return "Bearer " + m_revoked.toUtf8();
    case Credential::BearerAlone:
        return QByteArray("Bearer");
    case Credential::Basic:
        return "Basic " + QByteArray("alice:" + alice).toBase64();
    case Credential::SplitToken:
        return "bearer  " + alice.left(10) + ' ' + alice.mid(10);
    case Credential::NewlineInToken:
        return "Bearer " + alice.left(10) + '\n' + alice.mid(10);
    case Credential::FoldedToken:
        return "Bearer " + alice.left(10) + "\r\n " + alice.mid(10);
    }
    return std::nullopt;
}

Answer TestAuthorization::send(const QByteArray &verb, const QString &path,
                               const std::optional<QByteArray> &authorization,
                               const QByteArray &body)
{
    if (authorization && (authorization->contains('\n') || authorization->contains('\r')))
        return sendRaw(verb, path, *authorization, body);
    QNetworkRequest request(QUrl(m_server->url() + path));
    if (authorization)
        request.setRawHeader("Authorization", *authorization);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    std::unique_ptr<QNetworkReply> reply(m_nam->sendCustomRequest(request, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return answer;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    answer.status = status.isValid() ? status.toInt() : -1;
    answer.body = reply->readAll();
    answer.contentType = reply->rawHeader("Content-Type");
    answer.json = QJsonDocument::fromJson(answer.body).object();
    return answer;
}

Answer TestAuthorization::sendRaw(const QByteArray &verb, const QString &path,
                                  const QByteArray &authorization, const QByteArray &body)
{
    QTcpSocket socket;
    QByteArray received;
    connect(&socket, &QTcpSocket::readyRead, &socket, [&] { received += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    QByteArray request = verb + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + QByteArray::number(m_server->port()) + "\r\nAuthorization: " + authorization + "\r\n";
    if (!body.isEmpty())
        request += "Content-Type: application/json\r\n";
    request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    socket.write(request);

    // Complete once the head and Content-Length bytes of body are in, or the server hung up.
    const auto complete = [&received] {
        const qsizetype headEnd = received.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        for (const QByteArray &line : received.left(headEnd).split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                return received.size() - headEnd - 4 >= line.mid(15).trimmed().toLongLong();
        }
        return true;
    };
    (void)QTest::qWaitFor(
        [&] { return complete() || socket.state() == QAbstractSocket::UnconnectedState; },
        kTimeoutMs);

    Answer answer;
    const qsizetype headEnd = received.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return answer;
    const QList<QByteArray> head = received.left(headEnd).split('\n');
    answer.status = head.constFirst().split(' ').value(1).toInt();
    for (const QByteArray &line : head) {
        if (line.toLower().startsWith("content-type:"))
            answer.contentType = line.mid(13).trimmed();
    }
    answer.body = received.mid(headEnd + 4);
    answer.json = QJsonDocument::fromJson(answer.body).object();
    return answer;
}

QStringList TestAuthorization::devicesOf(const QString &name)
{
    qint64 userId = -1;
    QList<DeviceSummary> devices;
    QString error;
    if (!m_server->storage().users().findUser(name, &userId, &error)
        || !m_server->storage().users().listDevices(userId, &devices, &error))
        qWarning() << error;
    QStringList ids;
    for (const DeviceSummary &device : std::as_const(devices))
        ids << device.id;
    ids.sort();
    return ids;
}

QString TestAuthorization::pairingApprovedFor()
{
    const Answer answer = send("GET", u"/v1/pairings/"_s + m_pairing.secret, std::nullopt);
    if (answer.status == 202)
        return QString();
    if (answer.status == 200)
        return answer.json.value(u"user"_s).toString();
    return u"gone"_s;
}

QJsonValue TestAuthorization::naming(const QJsonValue &value) const
{
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            it.value() = naming(it.value());
        return object;
    }
    if (value.isString()) {
        const QHash<QString, QString> names{{u"alice"_s, m_aliceName},
                                            {u"bob"_s, m_bobName},
                                            {u"1"_s, QString::number(m_aliceId)},
                                            {u"2"_s, QString::number(m_bobId)}};
        return names.value(value.toString(), value.toString());
    }
    if (value.isDouble() && value.toInteger() == 1)
        return m_aliceId;
    if (value.isDouble() && value.toInteger() == 2)
        return m_bobId;
    return value;
}

QByteArray TestAuthorization::snapshot(const QString &token)
{
    QByteArray all;
    for (const QString &path : QStringList{
             u"/v1/progress/"_s + kAlicesMovie, u"/v1/progress/%1/history"_s.arg(kAlicesMovie),
             u"/v1/progress/"_s + kBobsMovie, u"/v1/progress/%1/history"_s.arg(kBobsMovie),
             u"/v1/progress?limit=200"_s, u"/v1/continue?limit=200"_s}) {
        const Answer answer = call("GET", path, token);
        all += path.toUtf8() + ' ' + QByteArray::number(answer.status) + ' '
            + compact(withoutServerTime(answer.json)) + '\n';
    }
    return all;
}

void TestAuthorization::matrix_data()
{
    QTest::addColumn<Endpoint>("endpoint");
    QTest::addColumn<Credential>("credential");
    QTest::addColumn<int>("expectedStatus");

    const QList<std::pair<const char *, Endpoint>> endpoints{
        {"PUT /v1/progress/{id}", Endpoint::Put},
        {"GET /v1/progress/{id}", Endpoint::Get},
        {"DELETE /v1/progress/{id}", Endpoint::Delete},
        {"GET /v1/progress", Endpoint::List},
        {"GET /v1/progress/{id}/history", Endpoint::History},
        {"POST /v1/sync", Endpoint::Sync},
        {"GET /v1/events", Endpoint::Events},
        {"GET /v1/continue", Endpoint::Continue},
        {"GET /healthz", Endpoint::Healthz},
        {"GET /metrics", Endpoint::Metrics},
        {"GET /v1/devices", Endpoint::Devices},
        {"DELETE /v1/devices/{id}", Endpoint::DeviceDelete},
        {"POST /v1/pairings", Endpoint::PairingCreate},
        {"GET /v1/pairings/{secret}", Endpoint::PairingStatus},
        {"POST /v1/pairings/approve", Endpoint::PairingApprove},
    };
    const QList<std::pair<const char *, Credential>> credentials{
        {"own token", Credential::Own},
        {"own token, lowercase scheme and two spaces", Credential::OwnLoose},
        {"another user's token", Credential::Other},
        {"no token", Credential::None},
        {"unknown token", Credential::Unknown},
        {"revoked token", Credential::Revoked},
        {"'Bearer' alone", Credential::BearerAlone},
        {"Basic scheme", Credential::Basic},
        {"'bearer  tok en'", Credential::SplitToken},
        {"token with a newline", Credential::NewlineInToken},
        {"token on a folded line", Credential::FoldedToken},
    };
    for (const auto &[endpointName, endpoint] : endpoints) {
        for (const auto &[credentialName, credential] : credentials) {
            int status = 401;
            if (endpoint == Endpoint::Healthz || endpoint == Endpoint::Metrics) {
                status = 200; // no token needed, whatever is sent
            } else if (endpoint == Endpoint::PairingCreate) {
                // A device without a token yet: whatever is sent. But a bare LF inside a header
                // ends it for Qt's parser, which then loses Content-Length and with it the body:
                // refused as malformed, nothing made.
                status = credential == Credential::NewlineInToken ? 400 : 201;
            } else if (endpoint == Endpoint::PairingStatus) {
                status = 202;
            } else if (credential == Credential::Own || credential == Credential::OwnLoose) {
                status =
                    endpoint == Endpoint::Delete || endpoint == Endpoint::DeviceDelete ? 204 : 200;
            } else if (credential == Credential::Other) {
                // Alice's record or device answers Bob exactly as one that does not exist; what
                // he writes (or approves) is his own.
                const bool readsAlices = endpoint == Endpoint::Get || endpoint == Endpoint::Delete
                    || endpoint == Endpoint::History || endpoint == Endpoint::DeviceDelete;
                status = readsAlices ? 404 : 200;
            }
            QTest::addRow("%s, %s", endpointName, credentialName)
                << endpoint << credential << status;
        }
    }
}

void TestAuthorization::matrix()
{
    QFETCH(Endpoint, endpoint);
    QFETCH(Credential, credential);
    QFETCH(int, expectedStatus);

    if (endpoint == Endpoint::Events) {
        verifyEventsRow(credential, expectedStatus);
        return;
    }

    const QByteArray alicesBefore = snapshot(m_alice);
    const QByteArray bobsBefore = snapshot(m_bob);
    const QStringList alicesDevices = devicesOf(m_aliceName);
    const QStringList bobsDevices = devicesOf(m_bobName);
    const std::optional<QByteArray> header = authorization(credential);
    const bool perUser = endpoint != Endpoint::Healthz && endpoint != Endpoint::Metrics
        && endpoint != Endpoint::PairingCreate && endpoint != Endpoint::PairingStatus;
    const bool asAlice =
        perUser && (credential == Credential::Own || credential == Credential::OwnLoose);
    const bool asBob = perUser && credential == Credential::Other;

    // Each write carries a newer observation than anything stored, and one Bob's own data
    // would not refuse either: an answer can only be told apart by whose data it reached.
    const QJsonObject newer = update(55000, m_t0 + 5000, u"row-device"_s);
    const QString item = u"/v1/progress/"_s + kAlicesMovie;
    Answer answer;
    switch (endpoint) {
    case Endpoint::Put:
        answer = send("PUT", item, header, compact(newer));
        break;
    case Endpoint::Get:
        answer = send("GET", item, header);
        break;
    case Endpoint::Delete:
        answer = send("DELETE", item, header);
        break;
    case Endpoint::List:
        answer = send("GET", u"/v1/progress?limit=200"_s, header);
        break;
    case Endpoint::History:
        answer = send("GET", item + u"/history"_s, header);
        break;
    case Endpoint::Sync: {
        QJsonObject synced = newer;
        synced.insert(u"content_id"_s, kAlicesMovie);
        answer = send("POST", u"/v1/sync"_s, header, compact({{u"updates"_s, QJsonArray{synced}}}));
        break;
    }
    case Endpoint::Continue:
        answer = send("GET", u"/v1/continue?limit=200"_s, header);
        break;
    case Endpoint::Healthz:
        answer = send("GET", u"/healthz"_s, header);
        break;
    case Endpoint::Metrics:
        answer = send("GET", u"/metrics"_s, header);
        break;
    case Endpoint::Devices:
        answer = send("GET", u"/v1/devices"_s, header);
        break;
    case Endpoint::DeviceDelete:
        answer = send("DELETE", u"/v1/devices/"_s + m_alicesSecondDevice, header);
        break;
    case Endpoint::PairingCreate:
        answer = send("POST", u"/v1/pairings"_s, header,
                      compact({{u"device_id"_s, u"tablet"_s}, {u"device_name"_s, u"Tablet"_s}}));
        break;
    case Endpoint::PairingStatus:
        answer = send("GET", u"/v1/pairings/"_s + m_pairing.secret, header);
        break;
    case Endpoint::PairingApprove:
        answer =
            send("POST", u"/v1/pairings/approve"_s, header, compact({{u"code"_s, m_pairing.code}}));
        break;
    case Endpoint::Events:
        break;
    }

    QVERIFY2(
        answer.status == expectedStatus,
        qPrintable(u"answered %1: %2"_s.arg(answer.status).arg(QString::fromUtf8(answer.body))));
    // Nothing of Alice's leaks into an answer meant for someone else.
    if (!asAlice)
        QVERIFY2(!answer.body.contains("alices-tv"), answer.body.constData());
    if (expectedStatus == 401) {
        QCOMPARE(answer.errorCode(), u"unauthorized"_s);
        QVERIFY(!answer.json.contains(u"record"_s));
        QVERIFY(!answer.json.contains(u"items"_s));
        QVERIFY(!answer.json.contains(u"results"_s));
    }
    if (expectedStatus == 404)
        QCOMPARE(answer.errorCode(), u"not_found"_s);

    // The pairing routes answer as they would without any credential, and change no one's data.
    if (endpoint == Endpoint::PairingCreate) {
        QCOMPARE(answer.json.value(u"secret"_s).toString().isEmpty(), expectedStatus != 201);
    } else if (endpoint == Endpoint::PairingStatus) {
        QCOMPARE(answer.json.value(u"status"_s).toString(), u"pending"_s);
    }
    if (endpoint != Endpoint::DeviceDelete || !asAlice) {
        QCOMPARE(devicesOf(m_aliceName), alicesDevices);
        QCOMPARE(devicesOf(m_bobName), bobsDevices);
    }
    if (endpoint != Endpoint::PairingApprove || (!asAlice && !asBob))
        QCOMPARE(pairingApprovedFor(), QString());

    if (endpoint == Endpoint::Healthz) {
        QCOMPARE(answer.json.value(u"status"_s).toString(), u"ok"_s);
    } else if (endpoint == Endpoint::Metrics) {
        // Counts only: no user's content, names or tokens.
        for (const QString &secret : {kAlicesMovie, kBobsMovie, m_alice, m_bob, u"alice"_s,
                                      u"bob"_s, m_pairing.secret, m_pairing.code})
            QVERIFY2(!answer.body.contains(secret.toUtf8()), qPrintable(secret));
    }

    if (asBob) {
        QCOMPARE(snapshot(m_alice), alicesBefore);
        switch (endpoint) {
        case Endpoint::Get:
        case Endpoint::Delete:
        case Endpoint::History: {
            // Exactly what Bob gets for an id nobody has.
            const QString nobodys = u"/v1/progress/"_s + kNobodysMovie;
            const QByteArray verb = endpoint == Endpoint::Delete ? "DELETE" : "GET";
            const Answer absent = call(
                verb, endpoint == Endpoint::History ? nobodys + u"/history"_s : nobodys, m_bob);
            QCOMPARE(answer.status, absent.status);
            QCOMPARE(answer.contentType, absent.contentType);
            QCOMPARE(answer.normalized(kAlicesMovie), absent.normalized(kNobodysMovie));
            QCOMPARE(snapshot(m_bob), bobsBefore);
            break;
        }
        case Endpoint::Put:
        case Endpoint::Sync: {
            // Bob's write made Bob's record of that id, and nothing else.
            const QJsonObject written = endpoint == Endpoint::Put
                ? answer.record()
                : answer.json.value(u"results"_s)[0].toObject().value(u"record"_s).toObject();
            QCOMPARE(written.value(u"position_ms"_s).toInteger(), 55000);
            const Answer bobs = get(kAlicesMovie, m_bob);
            QCOMPARE(bobs.status, 200);
            QCOMPARE(bobs.record(), written);
            QCOMPARE(get(kAlicesMovie, m_alice).record(), m_alicesRecord);
            break;
        }
        case Endpoint::List:
            QCOMPARE(contentIds(answer.items()), QStringList{kBobsMovie});
            QCOMPARE(snapshot(m_bob), bobsBefore);
            break;
        case Endpoint::Continue:
            QCOMPARE(continuedIds(answer.items()), QStringList{kBobsMovie});
            QCOMPARE(snapshot(m_bob), bobsBefore);
            break;
        case Endpoint::Devices: {
            const QJsonArray items = answer.items();
            QCOMPARE(items.size(), 1);
            QCOMPARE(items.at(0)[u"id"_s].toString(), deviceOf(m_bob));
            QVERIFY(items.at(0)[u"this_device"_s].toBool());
            break;
        }
        case Endpoint::DeviceDelete: {
            // Exactly what Bob gets for an id nobody has.
            const Answer absent = call("DELETE", u"/v1/devices/d-0000000000000000"_s, m_bob);
            QCOMPARE(answer.status, absent.status);
            QCOMPARE(compact(withoutServerTime(answer.json))
                         .replace(m_alicesSecondDevice.toUtf8(), "{id}"),
                     compact(withoutServerTime(absent.json)).replace("d-0000000000000000", "{id}"));
            QCOMPARE(call("GET", u"/v1/progress"_s, m_alicesSecond).status, 200);
            break;
        }
        case Endpoint::PairingApprove:
            QCOMPARE(pairingApprovedFor(), m_bobName);
            break;
        default:
            QFAIL("no such row");
        }
    } else if (asAlice) {
        QCOMPARE(snapshot(m_bob), bobsBefore);
        switch (endpoint) {
        case Endpoint::Get:
            QCOMPARE(answer.record(), m_alicesRecord);
            break;
        case Endpoint::History:
            QCOMPARE(answer.items().size(), 2);
            QCOMPARE(answer.items().at(0).toObject(), m_alicesRecord);
            break;
        case Endpoint::List:
            QCOMPARE(contentIds(answer.items()), QStringList{kAlicesMovie});
            break;
        case Endpoint::Continue:
            QCOMPARE(continuedIds(answer.items()), QStringList{kAlicesMovie});
            QCOMPARE(answer.items().at(0)[u"record"_s].toObject(), m_alicesRecord);
            break;
        case Endpoint::Delete:
            QCOMPARE(get(kAlicesMovie, m_alice).status, 404);
            break;
        case Endpoint::Put:
            QCOMPARE(answer.record().value(u"position_ms"_s).toInteger(), 55000);
            QCOMPARE(get(kAlicesMovie, m_alice).record(), answer.record());
            break;
        case Endpoint::Sync:
            QCOMPARE(get(kAlicesMovie, m_alice).record().value(u"position_ms"_s).toInteger(),
                     55000);
            break;
        case Endpoint::Devices: {
            QStringList listed;
            for (const QJsonValue &device : answer.items())
                listed << device[u"id"_s].toString();
            listed.sort();
            QCOMPARE(listed, alicesDevices);
            break;
        }
        case Endpoint::DeviceDelete:
            QCOMPARE(devicesOf(m_aliceName), QStringList{deviceOf(m_alice)});
            QCOMPARE(devicesOf(m_bobName), bobsDevices);
            QTRY_COMPARE_WITH_TIMEOUT(call("GET", u"/v1/progress"_s, m_alicesSecond).status, 401,
                                      kTimeoutMs);
            QCOMPARE(call("GET", u"/v1/progress"_s, m_alice).status, 200);
            break;
        case Endpoint::PairingApprove:
            QCOMPARE(answer.json.value(u"device_name"_s).toString(), u"Phone"_s);
            QCOMPARE(pairingApprovedFor(), m_aliceName);
            break;
        default:
            QFAIL("no such row");
        }
    } else {
        // Refused, or a route with no user: nobody's data moved.
        QCOMPARE(snapshot(m_alice), alicesBefore);
        QCOMPARE(snapshot(m_bob), bobsBefore);
    }
}

void TestAuthorization::verifyEventsRow(Credential credential, int expectedStatus)
{
    const std::optional<QByteArray> header = authorization(credential);
    const QString url = m_server->url() + u"/v1/events"_s;

    if (expectedStatus == 401) {
        Answer answer;
        if (header && (header->contains('\n') || header->contains('\r'))) {
            answer = sendRaw("GET", u"/v1/events"_s, *header);
        } else {
            EventStream stream(*m_nam, url, header);
            QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), kTimeoutMs);
            answer.status = stream.status();
            answer.json = QJsonDocument::fromJson(stream.errorBody()).object();
            QVERIFY(stream.events().isEmpty());
        }
        QCOMPARE(answer.status, 401);
        QCOMPARE(answer.errorCode(), u"unauthorized"_s);
        QVERIFY(!answer.json.contains(u"record"_s));
        return;
    }

    // Alice's stream, as a control: it gets her update and none of Bob's.
    EventStream alices(*m_nam, url, QByteArray("Bearer " + m_alice.toUtf8()));
    EventStream row(*m_nam, url, header);
    QTRY_VERIFY_WITH_TIMEOUT(alices.isOpen() && row.isOpen(), kTimeoutMs);
    QCOMPARE(row.status(), 200);
    QVERIFY2(row.contentType().startsWith("text/event-stream"), row.contentType().constData());

    // A stream is written in order: the later update arriving first proves the earlier one's
    // event was never sent on it.
    const bool bobsRow = credential == Credential::Other;
    const QString first = bobsRow ? m_alice : m_bob;
    const QString second = bobsRow ? m_bob : m_alice;
    const Answer firstPut =
        put(bobsRow ? kAlicesMovie : kBobsMovie, update(1000, m_t0 + 9000, u"first"_s), first);
    QCOMPARE(firstPut.status, 200);
    const Answer secondPut =
        put(bobsRow ? kBobsMovie : kAlicesMovie, update(2000, m_t0 + 9001, u"second"_s), second);
    QCOMPARE(secondPut.status, 200);

    QTRY_VERIFY_WITH_TIMEOUT(!row.events().isEmpty(), kTimeoutMs);
    QCOMPARE(row.events(), QList<QJsonObject>{secondPut.record()});
    if (bobsRow) {
        QTRY_VERIFY_WITH_TIMEOUT(!alices.events().isEmpty(), kTimeoutMs);
        QCOMPARE(alices.events().constFirst(), firstPut.record());
    }
}

void TestAuthorization::clientCannotChooseTheUser_data()
{
    QTest::addColumn<QByteArray>("route"); // "put" or "sync"
    QTest::addColumn<QJsonObject>("extra");

    const QList<std::pair<const char *, QJsonObject>> extras{
        {"received_at_ms", {{u"received_at_ms"_s, 42}}},
        {"received_at_ms in the future", {{u"received_at_ms"_s, nowMs() + 86400000}}},
        {"user", {{u"user"_s, u"bob"_s}}},
        {"user as an object", {{u"user"_s, QJsonObject{{u"name"_s, u"bob"_s}, {u"id"_s, 2}}}}},
        {"user_id", {{u"user_id"_s, 2}}},
        {"user_id as a string", {{u"user_id"_s, u"2"_s}}},
        {"owner", {{u"owner"_s, u"bob"_s}}},
        {"username", {{u"username"_s, u"bob"_s}}},
        {"all of them",
         {{u"received_at_ms"_s, 42},
          {u"user"_s, u"bob"_s},
          {u"user_id"_s, 2},
          {u"owner"_s, u"bob"_s},
          {u"username"_s, u"bob"_s}}},
    };
    for (const char *route : {"put", "sync"}) {
        for (const auto &[name, extra] : extras)
            QTest::addRow("%s, %s", route, name) << QByteArray(route) << extra;
    }
}

void TestAuthorization::clientCannotChooseTheUser()
{
    QFETCH(QByteArray, route);
    QFETCH(QJsonObject, extra);

    const QString id = u"shared-title"_s;
    const QByteArray bobsBefore = snapshot(m_bob);
    QJsonObject body = update(77000, m_t0 + 7000, u"alices-tv"_s);
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        body.insert(it.key(), naming(it.value()));

    const qint64 before = nowMs();
    QJsonObject written;
    if (route == "put") {
        const Answer answer = put(id, body, m_alice);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
        written = answer.record();
    } else {
        body.insert(u"content_id"_s, id);
        const Answer answer =
            call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, QJsonArray{body}}}));
        QCOMPARE(answer.status, 200);
        const QJsonObject result = answer.json.value(u"results"_s)[0].toObject();
        QVERIFY2(!result.contains(u"error"_s), compact(result).constData());
        QCOMPARE(result.value(u"applied"_s), QJsonValue(true));
        written = result.value(u"record"_s).toObject();
    }
    const qint64 after = nowMs();

    // Applied to the token's user, with the server's own received_at_ms, and the fields that
    // named someone else neither stored nor echoed.
    QCOMPARE(written.value(u"position_ms"_s).toInteger(), 77000);
    const qint64 receivedAt = written.value(u"received_at_ms"_s).toInteger();
    QVERIFY2(receivedAt >= before && receivedAt <= after, qPrintable(QString::number(receivedAt)));
    for (const QString &field : {u"user"_s, u"user_id"_s, u"owner"_s, u"username"_s})
        QVERIFY2(!written.contains(field), qPrintable(field));
    const Answer stored = get(id, m_alice);
    QCOMPARE(stored.status, 200);
    QCOMPARE(stored.record(), written);
    const Answer history = call("GET", u"/v1/progress/%1/history"_s.arg(id), m_alice);
    QCOMPARE(history.items().size(), 1);
    QCOMPARE(history.items().at(0).toObject().value(u"received_at_ms"_s).toInteger(), receivedAt);

    // Bob, whom the fields named, has nothing new.
    QCOMPARE(get(id, m_bob).status, 404);
    QCOMPARE(snapshot(m_bob), bobsBefore);

    // The other way round: Bob's update naming Alice is Bob's, and Alice's record stays.
    QJsonObject bobsBody = update(88000, m_t0 + 8000, u"bobs-phone"_s);
    for (const QString &field : {u"user"_s, u"owner"_s, u"username"_s})
        bobsBody.insert(field, m_aliceName);
    bobsBody.insert(u"user_id"_s, m_aliceId);
    bobsBody.insert(u"received_at_ms"_s, 1);
    const Answer bobs = put(id, bobsBody, m_bob);
    QCOMPARE(bobs.status, 200);
    QCOMPARE(bobs.record().value(u"position_ms"_s).toInteger(), 88000);
    QVERIFY(bobs.record().value(u"received_at_ms"_s).toInteger() >= before);
    QCOMPARE(get(id, m_alice).record(), written);
}

QTEST_GUILESS_MAIN(TestAuthorization)
#include "tst_authorization.moc"
