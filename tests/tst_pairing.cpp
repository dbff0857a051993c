// Pairing a device with a code (docs/protocol.md, "Devices and pairing") against the built
// playmark-server in a real process, on each engine: the whole exchange over HTTP and through
// `user approve`, expiry, single use, the wrong-code limits per user and per address (clients on
// 127.0.0.2 and up, all this machine), the bound on pending pairings under a flood, waiting GETs,
// and logs that never hold a secret or a token.
#include "httpconnection.h"
#include "residentmemory.h"
#include "serverprocess.h"
#include "testdatabase.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;

const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray pairingBody(const QString &deviceId = u"phone-1"_s, const QString &name = u"Phone"_s)
{
    return compact({{u"device_id"_s, deviceId}, {u"device_name"_s, name}});
}

QByteArray codeBody(const QString &code)
{
    return compact({{u"code"_s, code}});
}

// Another code than `code`: what a person mistyping it sends.
QString wrongCode(const QString &code, int offset = 1)
{
    return u"%1"_s.arg((code.toInt() + offset) % 1000000, 6, 10, QLatin1Char('0'));
}

} // namespace

class TestPairing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void pairsOverHttp();
    void waitingGetAnswersAtApproval();
    void waitOutlastsTheIdleTimeout();
    void approvedByTheCommandLine();
    void expiredPairing();
    void codeIsSingleUse();
    void badRequests_data();
    void badRequests();
    void wrongCodesPerUser();
    void wrongCodesPerAddress();
    void floodStaysBounded();
    void pendingBoundInAll();
    void trustedProxyNamesTheClient();

private:
    Run server(const QStringList &args)
    {
        return runProcess(kServerBinary, QStringList(args) << u"--db"_s << m_db, m_environment,
                          kTimeoutMs);
    }
    QString addUser(const QString &name);
    // `playmark-server serve` on a free port, debug logs on; null (with the reason) if it failed.
    std::unique_ptr<ServerProcess> serve(const QStringList &extra = {});
    // Users added (tokens in m_tokens, by name), the server started with `serveArgs` (m_process)
    // and, unless `device` is empty, a pairing created for it from 127.0.0.1 (m_phone,
    // m_created). False, with a warning, when any of it failed.
    bool setUp(const QStringList &users, const QStringList &serveArgs = {},
               const QStringList &device = {u"phone-1"_s, u"Phone"_s});
    QString pairingCode() const { return m_created.value(u"code"_s).toString(); }
    QString pairingSecret() const { return m_created.value(u"secret"_s).toString(); }
    // POST /v1/pairings from `connection`; the answer's JSON, empty when it was not 201.
    QJsonObject createPairing(HttpConnection &connection, const QString &deviceId = u"phone-1"_s,
                              const QString &name = u"Phone"_s);
    qint64 storedPairings()
    {
        return m_database->value(u"SELECT COUNT(*) FROM pairings"_s).toLongLong();
    }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<QTemporaryDir> m_dir;
    QHash<QString, QString> m_tokens;
    std::unique_ptr<ServerProcess> m_process;
    std::unique_ptr<HttpConnection> m_phone;
    QJsonObject m_created;
    QString m_db;
    QProcessEnvironment m_environment;
};

void TestPairing::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QFileInfo(kServerBinary).isExecutable(), qPrintable(kServerBinary));
}

void TestPairing::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = std::make_unique<TestDatabase>(u"pairing"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    m_db = m_database->location();
    m_environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"QT_LOGGING_RULES"_s})
        m_environment.remove(name);
    m_environment.insert(u"HOME"_s, m_dir->filePath(u"home"_s));
}

void TestPairing::cleanup()
{
    m_phone.reset();
    m_process.reset();
    m_tokens.clear();
    m_created = QJsonObject();
    m_database.reset();
    m_dir.reset();
}

QString TestPairing::addUser(const QString &name)
{
    const Run run = server({u"user"_s, u"add"_s, name});
    if (!run.finished || run.exitCode != 0) {
        qWarning() << "user add failed:" << run.err;
        return {};
    }
    return QString::fromUtf8(run.out).trimmed();
}

std::unique_ptr<ServerProcess> TestPairing::serve(const QStringList &extra)
{
    auto process =
        std::make_unique<ServerProcess>(kServerBinary,
                                        QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s,
                                                    u"--db"_s, m_db, u"--log-level"_s, u"debug"_s}
                                            + extra,
                                        m_environment, kTimeoutMs);
    ServerProcess &started = *process;
    if (!QTest::qWaitFor([&started] { return started.port() != 0 || !started.isRunning(); },
                         kTimeoutMs)
        || started.port() == 0) {
        qWarning() << "the server did not start:" << started.err();
        return nullptr;
    }
    return process;
}

bool TestPairing::setUp(const QStringList &users, const QStringList &serveArgs,
                        const QStringList &device)
{
    for (const QString &name : users) {
        m_tokens.insert(name, addUser(name));
        if (m_tokens.value(name).isEmpty())
            return false;
    }
    m_process = serve(serveArgs);
    if (!m_process)
        return false;
    m_phone = std::make_unique<HttpConnection>(m_process->port());
    if (device.isEmpty())
        return true;
    m_created = createPairing(*m_phone, device.value(0), device.value(1));
    return !m_created.isEmpty();
}

QJsonObject TestPairing::createPairing(HttpConnection &connection, const QString &deviceId,
                                       const QString &name)
{
    const HttpAnswer answer =
        connection.request("POST", u"/v1/pairings"_s, {}, pairingBody(deviceId, name));
    if (answer.status != 201) {
        qWarning() << "POST /v1/pairings answered" << answer.status << answer.body;
        return {};
    }
    return answer.json();
}

void TestPairing::pairsOverHttp()
{
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(setUp({u"alice"_s}));
    const QString alice = m_tokens.value(u"alice"_s);
    const QString code = pairingCode();
    const QString secret = pairingSecret();
    HttpConnection &phone = *m_phone;
    HttpConnection tv(m_process->port());
    QVERIFY2(QRegularExpression(u"^[0-9]{6}$"_s).match(code).hasMatch(), qPrintable(code));
    // At least 128 random bits: 32 bytes in base64url, after "pp_".
    QVERIFY2(QRegularExpression(u"^pp_[A-Za-z0-9_-]{43}$"_s).match(secret).hasMatch(),
             qPrintable(secret));
    // Valid ten minutes by default, on the server's clock.
    const qint64 expiresAt = m_created.value(u"expires_at_ms"_s).toInteger();
    const qint64 serverTime = m_created.value(u"server_time_ms"_s).toInteger();
    QVERIFY(serverTime >= before);
    QVERIFY2(qAbs(expiresAt - serverTime - 600000) < 5000, qPrintable(QString::number(expiresAt)));
    // Only the secret's hash is stored.
    QCOMPARE(storedPairings(), 1);
    QCOMPARE(
        m_database->value(u"SELECT COUNT(*) FROM pairings WHERE secret_hash = '%1'"_s.arg(secret))
            .toInt(),
        0);

    HttpAnswer answer = phone.request("GET", u"/v1/pairings/"_s + secret);
    QCOMPARE(answer.status, 202);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"pending"_s);

    answer = tv.request("POST", u"/v1/pairings/approve"_s, alice, codeBody(code));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"device_name"_s).toString(), u"Phone"_s);

    // The token, once, to the secret's holder.
    answer = phone.request("GET", u"/v1/pairings/"_s + secret);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"approved"_s);
    QCOMPARE(answer.json().value(u"user"_s).toString(), u"alice"_s);
    const QString token = answer.json().value(u"token"_s).toString();
    QVERIFY2(token.startsWith(u"pm_"_s) && token.size() >= 43, qPrintable(token));
    QCOMPARE(storedPairings(), 0);
    answer = phone.request("GET", u"/v1/pairings/"_s + secret);
    QCOMPARE(answer.status, 404);
    QCOMPARE(answer.errorCode(), u"not_found"_s);

    // The new token is a device of alice's, named as the pairing asked, the phone's device_id
    // bound to it.
    answer = phone.request("GET", u"/v1/devices"_s, token);
    QCOMPARE(answer.status, 200);
    const QJsonArray items = answer.json().value(u"items"_s).toArray();
    QCOMPARE(items.size(), 2);
    QJsonObject mine;
    for (const QJsonValue &item : items) {
        if (item[u"this_device"_s].toBool())
            mine = item.toObject();
    }
    QCOMPARE(mine.value(u"device_name"_s).toString(), u"Phone"_s);
    QCOMPARE(mine.value(u"device_id"_s).toString(), u"phone-1"_s);
    QVERIFY(mine.value(u"created_at_ms"_s).toInteger() >= before);
    QVERIFY(mine.value(u"last_seen_ms"_s).toInteger() >= before);
    QVERIFY(mine.value(u"last_content_id"_s).isNull());
    QVERIFY2(
        QRegularExpression(u"^[A-Za-z0-9._-]{1,64}$"_s).match(mine[u"id"_s].toString()).hasMatch(),
        qPrintable(mine[u"id"_s].toString()));
    // It works for everything else too.
    QCOMPARE(phone.request("GET", u"/v1/progress"_s, token).status, 200);
    // The TV sees the phone among its devices, not as itself.
    answer = tv.request("GET", u"/v1/devices"_s, alice);
    QCOMPARE(answer.status, 200);
    bool seen = false;
    for (const QJsonValue &item : answer.json().value(u"items"_s).toArray()) {
        if (item[u"id"_s] == mine.value(u"id"_s)) {
            seen = true;
            QCOMPARE(item[u"this_device"_s].toBool(), false);
        }
    }
    QVERIFY(seen);

    // Debug logs say what happened, never the secret nor a token.
    const QByteArray log = m_process->err();
    QVERIFY2(log.contains("/v1/pairings/{secret}"), log.constData());
    for (const QString &hidden : {secret, token, alice})
        QVERIFY2(!log.contains(hidden.toUtf8()), qPrintable(hidden));
}

void TestPairing::waitingGetAnswersAtApproval()
{
    QVERIFY(setUp({u"alice"_s}));
    const QString waiting = u"/v1/pairings/%1?wait="_s.arg(pairingSecret());

    // A short wait ends pending; a long one (more than 30 s asks for 30) waits for the approval.
    HttpAnswer answer = m_phone->request("GET", waiting + u"1"_s);
    QCOMPARE(answer.status, 202);
    // (Whether it is already waiting when the approval comes or not, the answer is the same;
    // tst_devices sees the waiting one woken by the approval, in-process.)
    m_phone->send("GET", waiting + u"1000"_s);
    HttpConnection tv(m_process->port());
    answer = tv.request("POST", u"/v1/pairings/approve"_s, m_tokens.value(u"alice"_s),
                        codeBody(pairingCode()));
    QCOMPARE(answer.status, 200);
    // Approved, not pending: the wait ended for the approval, not for its time.
    answer = m_phone->next();
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"approved"_s);
    QVERIFY(!answer.json().value(u"token"_s).toString().isEmpty());
}

void TestPairing::waitOutlastsTheIdleTimeout()
{
    // A connection waiting for its answer is not idle: the player waits 25 s, past the 10 s.
    QVERIFY(setUp({}, {u"--idle-timeout"_s, u"1"_s}));
    const HttpAnswer answer =
        m_phone->request("GET", u"/v1/pairings/%1?wait=3"_s.arg(pairingSecret()));
    QCOMPARE(answer.status, 202);
}

void TestPairing::approvedByTheCommandLine()
{
    QVERIFY(setUp({u"alice"_s}, {}, {u"laptop-7"_s, u"Laptop"_s}));
    const QString code = pairingCode();
    const QString secret = pairingSecret();
    HttpConnection &phone = *m_phone;

    // Approved by another process: the waiting GET hears it from its checks of the database.
    phone.send("GET", u"/v1/pairings/%1?wait=30"_s.arg(secret));
    // As a person types it, with a space.
    Run run = server({u"user"_s, u"approve"_s, u"alice"_s, code.left(3) + u' ' + code.mid(3)});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("Laptop"), run.err.constData());
    HttpAnswer answer = phone.next();
    QCOMPARE(answer.status, 200);
    const QString token = answer.json().value(u"token"_s).toString();
    QVERIFY(!token.isEmpty());

    // Used: a clear refusal, exit 1.
    run = server({u"user"_s, u"approve"_s, u"alice"_s, code});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(code.toUtf8()), run.err.constData());
    run = server({u"user"_s, u"approve"_s, u"nobody"_s, code});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("nobody"), run.err.constData());

    // `user devices` lists the laptop: ID NAME DEVICE_ID CREATED LAST-SEEN LAST-VIDEO.
    run = server({u"user"_s, u"devices"_s, u"alice"_s});
    QCOMPARE(run.exitCode, 0);
    const QList<QByteArray> lines = run.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3); // the heading, the first device (user add) and the laptop
    QVERIFY2(lines.at(0).startsWith("ID "), lines.at(0).constData());
    for (const char *column : {"NAME", "DEVICE_ID", "CREATED", "LAST-SEEN", "LAST-VIDEO"})
        QVERIFY2(lines.at(0).contains(column), column);
    QString laptopId;
    for (const QByteArray &line : lines) {
        const QStringList cells = QString::fromUtf8(line).split(u' ', Qt::SkipEmptyParts);
        if (cells.value(1) == u"Laptop"_s) {
            QCOMPARE(cells.value(2), u"laptop-7"_s);
            laptopId = cells.value(0);
        }
    }
    QVERIFY2(laptopId.startsWith(u"d-"_s), run.out.constData());

    // Removed from the command line: the token stops working on the running server (within
    // the few seconds it may remember a token).
    QCOMPARE(phone.request("GET", u"/v1/progress"_s, token).status, 200);
    run = server({u"user"_s, u"remove-device"_s, u"alice"_s, laptopId});
    QCOMPARE(run.exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(phone.request("GET", u"/v1/progress"_s, token).status, 401, 15000);
    run = server({u"user"_s, u"devices"_s, u"alice"_s});
    QVERIFY(!run.out.contains(laptopId.toUtf8()));
    run = server({u"user"_s, u"remove-device"_s, u"alice"_s, laptopId});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(laptopId.toUtf8()), run.err.constData());

    // Bad arguments: exit 2 and a message.
    for (const QStringList &args : {QStringList{u"user"_s, u"approve"_s, u"alice"_s},
                                    {u"user"_s, u"approve"_s, u"alice"_s, u"12ab56"_s},
                                    {u"user"_s, u"approve"_s, u"alice"_s, u"1234567"_s},
                                    {u"user"_s, u"devices"_s},
                                    {u"user"_s, u"remove-device"_s, u"alice"_s},
                                    {u"user"_s, u"remove-device"_s, u"alice"_s, u"not an id"_s}}) {
        run = server(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--help"), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }
}

void TestPairing::expiredPairing()
{
    QVERIFY(setUp({u"alice"_s}));
    // --pairing-ttl is a minute at least: the pairing's time is cut short in the database.
    QVERIFY(m_database->exec(u"UPDATE pairings SET expires_at_ms = %1"_s.arg(
        QDateTime::currentMSecsSinceEpoch() + 1000)));
    const QString alice = m_tokens.value(u"alice"_s);
    const QString code = pairingCode();
    const QString secret = pairingSecret();
    HttpConnection &phone = *m_phone;

    // A waiting GET hears the expiry: 410, which tells the player to offer a new code.
    HttpAnswer answer = phone.request("GET", u"/v1/pairings/%1?wait=30"_s.arg(secret));
    QCOMPARE(answer.status, 410);
    QCOMPARE(answer.errorCode(), u"expired"_s);
    answer = phone.request("POST", u"/v1/pairings/approve"_s, alice, codeBody(code));
    QCOMPARE(answer.status, 404);
    QCOMPARE(phone.request("GET", u"/v1/pairings/"_s + secret).status, 410);
    // An unknown secret is 404, not 410.
    QCOMPARE(phone.request("GET", u"/v1/pairings/pp_nosuchsecret"_s).status, 404);
}

void TestPairing::codeIsSingleUse()
{
    QVERIFY(setUp({u"alice"_s, u"bob"_s}));
    const QString alice = m_tokens.value(u"alice"_s);
    const QString bob = m_tokens.value(u"bob"_s);
    const QString code = pairingCode();
    const QString secret = pairingSecret();
    HttpConnection &phone = *m_phone;
    const QByteArray body = codeBody(code);

    QCOMPARE(phone.request("POST", u"/v1/pairings/approve"_s, alice, body).status, 200);
    // Approved and not yet collected: nobody can take it over.
    QCOMPARE(phone.request("POST", u"/v1/pairings/approve"_s, bob, body).status, 404);
    const HttpAnswer collected = phone.request("GET", u"/v1/pairings/"_s + secret);
    QCOMPARE(collected.status, 200);
    QCOMPARE(collected.json().value(u"user"_s).toString(), u"alice"_s);
    // Collected: the code names nothing any more.
    QCOMPARE(phone.request("POST", u"/v1/pairings/approve"_s, bob, body).status, 404);
    QCOMPARE(phone.request("GET", u"/v1/pairings/"_s + secret).status, 404);
}

void TestPairing::badRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mention");

    const QString pairings = u"/v1/pairings"_s;
    QTest::newRow("not JSON") << QByteArray("POST") << pairings << false << QByteArray("{")
                              << u"JSON"_s;
    QTest::newRow("no device_id") << QByteArray("POST") << pairings << false
                                  << compact({{u"device_name"_s, u"Phone"_s}}) << u"device_id"_s;
    QTest::newRow("bad device_id")
        << QByteArray("POST") << pairings << false << pairingBody(u"a b"_s) << u"device_id"_s;
    QTest::newRow("device_id a number")
        << QByteArray("POST") << pairings << false
        << compact({{u"device_id"_s, 7}, {u"device_name"_s, u"Phone"_s}}) << u"device_id"_s;
    QTest::newRow("no device_name") << QByteArray("POST") << pairings << false
                                    << compact({{u"device_id"_s, u"p"_s}}) << u"device_name"_s;
    QTest::newRow("empty device_name") << QByteArray("POST") << pairings << false
                                       << pairingBody(u"p"_s, u""_s) << u"device_name"_s;
    QTest::newRow("device_name too long")
        << QByteArray("POST") << pairings << false << pairingBody(u"p"_s, QString(65, u'x'))
        << u"device_name"_s;
    QTest::newRow("approve without code")
        << QByteArray("POST") << u"/v1/pairings/approve"_s << true << QByteArray("{}") << u"code"_s;
    QTest::newRow("approve with a number") << QByteArray("POST") << u"/v1/pairings/approve"_s
                                           << true << compact({{u"code"_s, 123456}}) << u"code"_s;
    QTest::newRow("wait not a number") << QByteArray("GET") << u"/v1/pairings/pp_x?wait=soon"_s
                                       << false << QByteArray() << u"wait"_s;
    QTest::newRow("wait negative") << QByteArray("GET") << u"/v1/pairings/pp_x?wait=-1"_s << false
                                   << QByteArray() << u"wait"_s;
}

void TestPairing::badRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(bool, withToken);
    QFETCH(QByteArray, body);
    QFETCH(QString, mention);

    QVERIFY(setUp({u"alice"_s}, {}, {}));
    const HttpAnswer answer =
        m_phone->request(method, path, withToken ? m_tokens.value(u"alice"_s) : QString(), body);
    QCOMPARE(answer.status, 400);
    QCOMPARE(answer.errorCode(), u"bad_request"_s);
    const QString message =
        answer.json().value(u"error"_s).toObject().value(u"message"_s).toString();
    QVERIFY2(message.contains(mention), qPrintable(message));
    QCOMPARE(storedPairings(), 0);
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairing_failures"_s).toInt(), 0);
}

void TestPairing::wrongCodesPerUser()
{
    QVERIFY(setUp({u"alice"_s, u"bob"_s}));
    const QString alice = m_tokens.value(u"alice"_s);
    const QString bob = m_tokens.value(u"bob"_s);
    const auto &process = m_process;
    const QString code = pairingCode();

    // Five wrong codes from one address...
    HttpConnection first(process->port(), QHostAddress(u"127.0.0.2"_s));
    for (int i = 1; i <= 5; ++i) {
        const HttpAnswer answer =
            first.request("POST", u"/v1/pairings/approve"_s, alice, codeBody(wrongCode(code, i)));
        QCOMPARE(answer.status, 404);
        QCOMPARE(answer.errorCode(), u"not_found"_s);
    }
    // ...and alice is refused from anywhere, even with the right code, for up to 10 minutes.
    HttpConnection second(process->port(), QHostAddress(u"127.0.0.3"_s));
    HttpAnswer answer = second.request("POST", u"/v1/pairings/approve"_s, alice, codeBody(code));
    QCOMPARE(answer.status, 429);
    QCOMPARE(answer.errorCode(), u"rate_limited"_s);
    const int retryAfter = answer.header("Retry-After").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 600, answer.header("Retry-After").constData());
    // A refusal is not another wrong code.
    QCOMPARE(m_database->value(u"SELECT COUNT(*) FROM pairing_failures"_s).toInt(), 10);
    // Bob, from that other address, is not alice.
    answer = second.request("POST", u"/v1/pairings/approve"_s, bob, codeBody(code));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"device_name"_s).toString(), u"Phone"_s);
}

void TestPairing::wrongCodesPerAddress()
{
    QStringList users;
    for (int i = 1; i <= 6; ++i)
        users << u"user%1"_s.arg(i);
    QVERIFY(setUp(users));
    QStringList tokens;
    for (const QString &user : users)
        tokens << m_tokens.value(user);
    const auto &process = m_process;
    const QString code = pairingCode();

    // One wrong code each from five users on one address...
    HttpConnection shared(process->port(), QHostAddress(u"127.0.0.4"_s));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(shared
                     .request("POST", u"/v1/pairings/approve"_s, tokens.at(i),
                              codeBody(wrongCode(code, i + 1)))
                     .status,
                 404);
    // ...and the address is refused, whoever asks.
    HttpAnswer answer =
        shared.request("POST", u"/v1/pairings/approve"_s, tokens.at(5), codeBody(code));
    QCOMPARE(answer.status, 429);
    QVERIFY(answer.header("Retry-After").toInt() >= 1);
    HttpConnection elsewhere(process->port(), QHostAddress(u"127.0.0.5"_s));
    answer = elsewhere.request("POST", u"/v1/pairings/approve"_s, tokens.at(5), codeBody(code));
    QCOMPARE(answer.status, 200);
}

void TestPairing::floodStaysBounded()
{
    QVERIFY(setUp({}, {}, {}));
    const auto &process = m_process;
    const qint64 pid = process->process().processId();
    HttpConnection flood(process->port());
    // Pipelined in batches: the answers come back in order.
    constexpr int kRequests = 10000;
    constexpr int kBatch = 250;
    int created = 0;
    int limited = 0;
    qint64 residentAfterFirstBatch = -1;
    for (int sent = 0; sent < kRequests; sent += kBatch) {
        for (int i = 0; i < kBatch; ++i)
            flood.send("POST", u"/v1/pairings"_s, {}, pairingBody(u"flood-%1"_s.arg(sent + i)));
        for (int i = 0; i < kBatch; ++i) {
            const HttpAnswer answer = flood.next();
            if (answer.status == 201) {
                ++created;
            } else {
                QCOMPARE(answer.status, 429);
                QCOMPARE(answer.errorCode(), u"rate_limited"_s);
                QVERIFY(answer.header("Retry-After").toInt() >= 1);
                ++limited;
            }
        }
        if (sent == 0)
            residentAfterFirstBatch = residentKiB(pid);
    }
    QCOMPARE(created, 10);
    QCOMPARE(limited, kRequests - 10);
    QCOMPARE(storedPairings(), 10);
    // Nothing is kept per refused request: the memory after 40 times as many requests is what
    // it was (a few MiB of slack for the allocator).
    const qint64 residentAfter = residentKiB(pid);
    QVERIFY(residentAfterFirstBatch > 0);
    QVERIFY2(residentAfter - residentAfterFirstBatch < 8 * 1024,
             qPrintable(u"%1 KiB then %2 KiB"_s.arg(residentAfterFirstBatch).arg(residentAfter)));
}

void TestPairing::pendingBoundInAll()
{
    QVERIFY(setUp({}, {}, {}));
    const auto &process = m_process;
    // 100 addresses, 10 each: 1,000 pending in all, the most there may be.
    for (int host = 10; host < 110; ++host) {
        HttpConnection client(process->port(), QHostAddress(u"127.0.0.%1"_s.arg(host)));
        for (int i = 0; i < 10; ++i)
            client.send("POST", u"/v1/pairings"_s, {}, pairingBody(u"d%1-%2"_s.arg(host).arg(i)));
        for (int i = 0; i < 10; ++i)
            QCOMPARE(client.next().status, 201);
    }
    QCOMPARE(storedPairings(), 1000);
    HttpConnection late(process->port(), QHostAddress(u"127.0.0.110"_s));
    HttpAnswer answer = late.request("POST", u"/v1/pairings"_s, {}, pairingBody());
    QCOMPARE(answer.status, 429);
    QVERIFY(answer.header("Retry-After").toInt() >= 1);
    QVERIFY2(answer.body.contains("on this server"), answer.body.constData());
    HttpConnection busy(process->port(), QHostAddress(u"127.0.0.10"_s));
    answer = busy.request("POST", u"/v1/pairings"_s, {}, pairingBody());
    QCOMPARE(answer.status, 429);
    QVERIFY2(answer.body.contains("this address"), answer.body.constData());
    QCOMPARE(storedPairings(), 1000);
}

void TestPairing::trustedProxyNamesTheClient()
{
    // nginx on 127.0.0.1 in front of the server, as docs/deployment.md sets it up.
    QVERIFY(setUp({}, {u"--trusted-proxy"_s, u"127.0.0.1,::1"_s}, {}));
    HttpConnection proxy(m_process->port());
    const auto create = [](HttpConnection &from, const QByteArray &headers) {
        return from.request("POST", u"/v1/pairings"_s, {}, pairingBody(), headers).status;
    };
    const auto forwardedFor = [](const QByteArray &chain) -> QByteArray {
        return "X-Forwarded-For: " + chain + "\r\n";
    };
    // Ten from one client fill its bound, not everyone's.
    for (int i = 0; i < 10; ++i)
        QCOMPARE(create(proxy, forwardedFor("198.51.100.1")), 201);
    QCOMPARE(create(proxy, forwardedFor("198.51.100.1")), 429);
    QCOMPARE(create(proxy, forwardedFor("198.51.100.2")), 201);
    // The client is the last hop no trusted proxy added; what it wrote before that is its own
    // claim, not believed.
    QCOMPARE(create(proxy, forwardedFor("198.51.100.2, 198.51.100.1, 127.0.0.1")), 429);
    QCOMPARE(create(proxy, forwardedFor("198.51.100.1, 198.51.100.3")), 201);
    // X-Real-IP when there is no X-Forwarded-For.
    QCOMPARE(create(proxy, "X-Real-IP: 198.51.100.4\r\n"), 201);
    // IPv6 counts by the /64: a host cannot rotate its way past the bound.
    for (int i = 1; i <= 10; ++i)
        QCOMPARE(create(proxy, forwardedFor(QByteArray("2001:db8:1:2::") + QByteArray::number(i))),
                 201);
    QCOMPARE(create(proxy, forwardedFor("2001:db8:1:2:ffff:ffff:ffff:ffff")), 429);
    QCOMPARE(create(proxy, forwardedFor("2001:db8:1:3::1")), 201);

    // Anyone else is not believed: 127.0.0.2 is counted as itself, whatever it claims.
    HttpConnection direct(m_process->port(), QHostAddress(u"127.0.0.2"_s));
    for (int i = 0; i < 10; ++i)
        QCOMPARE(create(direct, forwardedFor("203.0.113." + QByteArray::number(i))), 201);
    QCOMPARE(create(direct, forwardedFor("203.0.113.99")), 429);
    QCOMPARE(create(direct, "X-Real-IP: 203.0.113.98\r\n"), 429);
}

QTEST_GUILESS_MAIN(TestPairing)
#include "tst_pairing.moc"
