// Pairing with a code and the devices of a user, from the player's side (PairingClient and
// SyncClient's fetchDevices, removeDevice and approvePairing) against the real server in the
// test's process, on a port the OS picks: a phone pairs and gets its own token once a connected
// TV approves its code; wrong codes, then too many; an expired code; a server away at first or
// in front of another; cancel; the devices listed, one removed (it hears 401 at its next
// request), an unknown one refused.

#include "client/localcopy.h"
#include "client/pairingclient.h"
#include "client/syncclient.h"
#include "serverstorage.h"
#include "syncfixture.h"
#include "syncserver.h"

#include <QDateTime>
#include <QNetworkProxy>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
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

// A connected player as the app wires one: its local copy, server pool and sync client.
struct Player
{
    LocalCopy local;
    ServerPool servers;
    SyncClient sync{local, servers};
    QObject context;

    QList<DeviceEntry> devices()
    {
        std::optional<QList<DeviceEntry>> listed;
        sync.fetchDevices(
            kTimeoutMs, &context,
            [&listed](bool ok, const QList<DeviceEntry> &devices, const QString &why) {
                if (!ok)
                    qWarning("devices: %s", qPrintable(why));
                listed = ok ? devices : QList<DeviceEntry>();
            });
        if (!QTest::qWaitFor([&] { return listed.has_value(); }, kTimeoutMs))
            qWarning("no answer to GET /v1/devices");
        return listed.value_or(QList<DeviceEntry>());
    }

    ApproveResult approve(const QString &code)
    {
        std::optional<ApproveResult> result;
        sync.approvePairing(code, &context, [&result](const ApproveResult &r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, kTimeoutMs))
            qWarning("no answer to the approval");
        return result.value_or(ApproveResult());
    }

    std::pair<bool, QString> remove(const QString &id)
    {
        std::optional<std::pair<bool, QString>> result;
        sync.removeDevice(id, &context, [&result](bool ok, const QString &why) {
            result = std::make_pair(ok, why);
        });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, kTimeoutMs))
            qWarning("no answer to the removal");
        return result.value_or(std::make_pair(false, u"no answer"_s));
    }
};

// Everything the player's sync classes (playmark.sync.*) log while it lives, at every level,
// passed on to the handler before it too.
class SyncLog
{
public:
    SyncLog()
    {
        s_lines.clear();
        s_previous = qInstallMessageHandler(&SyncLog::handle);
    }
    ~SyncLog() { qInstallMessageHandler(s_previous); }
    Q_DISABLE_COPY_MOVE(SyncLog)
    QString text() const { return s_lines.join(u'\n'); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (QByteArrayView(context.category).startsWith("playmark.sync"))
            s_lines.append(message);
        s_previous(type, context, message);
    }
    static inline QStringList s_lines;
    static inline QtMessageHandler s_previous = nullptr;
};

// A port nothing listens on (taken, then let go).
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class tst_PairingClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void aCodeApprovedOnAConnectedPlayerGivesATokenOnce();
    void wrongCodesThenTooMany();
    void anExpiredCodeEndsThePairing();
    void movesOnFromAnAwayServer();
    void waitsForAServerThatIsNotUpYet();
    void cancelledPairingSaysNothing();
    void aRemovedDeviceHearsItAtItsNextRequest();
    void anUnknownDeviceIsNotRemoved();

private:
    bool startServer(quint16 port, qint64 pairingTtlMs = 600000);
    std::unique_ptr<Player> player(const QString &name, const QString &token);
    // Starts `pairing` as device `name` and waits for its code.
    QString codeOf(PairingClient &pairing, const QString &name, const ServerList &servers);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_url;
    QString m_token; // alice's, for the TV
};

void tst_PairingClient::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
}

bool tst_PairingClient::startServer(quint16 port, qint64 pairingTtlMs)
{
    m_server = std::make_unique<SyncServer>();
    return SyncFixture::startServerOn(*m_server, m_dir->filePath(u"server.sqlite"_s), port, &m_url,
                                      pairingTtlMs);
}

void tst_PairingClient::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(startServer(0));
    QString error;
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
}

void tst_PairingClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<Player> tst_PairingClient::player(const QString &name, const QString &token)
{
    auto result = std::make_unique<Player>();
    std::optional<bool> opened;
    result->local.open(m_dir->filePath(name + u".sqlite"_s), &result->context,
                       [&opened](const StoreResult<void> &r) { opened = r.ok(); });
    if (!QTest::qWaitFor([&] { return opened.has_value(); }, kTimeoutMs) || !*opened)
        return nullptr;
    result->servers.setServers(ServerList({QUrl(m_url)}), token);
    result->sync.setDevice(u"dev-"_s + name.toLower(), name);
    return result;
}

QString tst_PairingClient::codeOf(PairingClient &pairing, const QString &name,
                                  const ServerList &servers)
{
    QSignalSpy ready(&pairing, &PairingClient::codeReady);
    pairing.start(servers, {}, u"dev-"_s + name.toLower(), name);
    if (!ready.wait(kTimeoutMs) && ready.isEmpty())
        return QString();
    return ready.first().at(0).toString();
}

void tst_PairingClient::aCodeApprovedOnAConnectedPlayerGivesATokenOnce()
{
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    QSignalSpy tvSettled(&tv->sync, &SyncClient::reportSettled);
    ProgressRecord watched;
    watched.contentId = u"sha256:aa"_s;
    watched.positionMs = 1000;
    watched.durationMs = 60000;
    tv->sync.report(watched);
    QTRY_COMPARE_WITH_TIMEOUT(tvSettled.count(), 1, kTimeoutMs);
    QVERIFY(tvSettled.first().at(1).toBool());

    const SyncLog log;
    PairingClient pairing;
    QSignalSpy ready(&pairing, &PairingClient::codeReady);
    QSignalSpy paired(&pairing, &PairingClient::paired);
    QSignalSpy failed(&pairing, &PairingClient::failed);
    const qint64 startedAt = nowMs();
    pairing.start(ServerList({QUrl(m_url)}), {}, u"dev-phone"_s, u"Phone"_s);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    const QString code = ready.first().at(0).toString();
    QVERIFY2(QRegularExpression(u"^[0-9]{6}$"_s).match(code).hasMatch(), qPrintable(code));
    // Valid ten minutes, counted on this machine's clock from when the code came.
    const qint64 expiresAt = ready.first().at(1).toLongLong();
    QVERIFY2(expiresAt > startedAt + 9 * 60000 && expiresAt <= nowMs() + 10 * 60000,
             qPrintable(QString::number(expiresAt - startedAt)));
    QVERIFY(ready.first().at(2).toLongLong() > 0);
    QVERIFY(pairing.isRunning());

    // Nothing yet: the phone waits (long polls) until the TV approves.
    QVERIFY(paired.isEmpty());
    const ApproveResult approved = tv->approve(code);
    QCOMPARE(approved.outcome, ApproveResult::Approved);
    QCOMPARE(approved.deviceName, u"Phone"_s);
    QTRY_COMPARE_WITH_TIMEOUT(paired.count(), 1, kTimeoutMs);
    QVERIFY(failed.isEmpty());
    QVERIFY(!pairing.isRunning());
    const QString token = paired.first().at(0).toString();
    QCOMPARE(paired.first().at(1).toString(), u"alice"_s);
    QVERIFY(!token.isEmpty() && token != m_token);
    // Neither the code nor the token in the player's logs: whoever reads them could pair.
    QVERIFY2(!log.text().contains(code) && !log.text().contains(token), qPrintable(log.text()));

    // The phone's own token: it lists alice's devices, itself as this device, named as asked.
    auto phone = player(u"Phone"_s, token);
    QVERIFY(phone);
    const QList<DeviceEntry> seenByPhone = phone->devices();
    QCOMPARE(seenByPhone.size(), 2);
    int phoneIndex = -1;
    for (int i = 0; i < seenByPhone.size(); ++i) {
        if (seenByPhone.at(i).thisDevice) {
            QCOMPARE(phoneIndex, -1);
            phoneIndex = i;
        }
    }
    QVERIFY(phoneIndex >= 0);
    const DeviceEntry phoneEntry = seenByPhone.at(phoneIndex);
    QCOMPARE(phoneEntry.deviceName, u"Phone"_s);
    QCOMPARE(phoneEntry.deviceId, u"dev-phone"_s);
    QVERIFY(!phoneEntry.id.isEmpty());
    QVERIFY(phoneEntry.createdAtMs > 0 && phoneEntry.lastSeenMs > 0);

    QCOMPARE(phoneEntry.lastContentId, QString()); // nothing played yet
    // The TV sees the same two, itself as this device, with what it played last.
    const QList<DeviceEntry> seenByTv = tv->devices();
    QCOMPARE(seenByTv.size(), 2);
    for (const DeviceEntry &device : seenByTv) {
        QCOMPARE(device.thisDevice, device.id != phoneEntry.id);
        if (device.thisDevice) {
            QCOMPARE(device.lastContentId, u"sha256:aa"_s);
            QCOMPARE(device.deviceName, u"TV"_s); // named by its first report
        }
    }
    // The same code again approves nothing: it was used.
    QCOMPARE(tv->approve(code).outcome, ApproveResult::WrongCode);
}

void tst_PairingClient::wrongCodesThenTooMany()
{
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    // No pairing is pending: every code is wrong. Five are answered so; the sixth is refused
    // before the code is even looked at, with how long to wait.
    for (int i = 0; i < 5; ++i) {
        const ApproveResult result = tv->approve(u"%1"_s.arg(123450 + i));
        QCOMPARE(result.outcome, ApproveResult::WrongCode);
    }
    const ApproveResult refused = tv->approve(u"123459"_s);
    QCOMPARE(refused.outcome, ApproveResult::TooManyTries);
    QVERIFY2(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 600,
             qPrintable(QString::number(refused.retryAfterSeconds)));

    // A failure that is no answer from the server is neither.
    auto nowhere = std::make_unique<Player>();
    nowhere->servers.setServers(ServerList({QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort()))}),
                                m_token);
    const ApproveResult unanswered = nowhere->approve(u"123456"_s);
    QCOMPARE(unanswered.outcome, ApproveResult::Failed);
    QVERIFY(!unanswered.error.isEmpty());
}

void tst_PairingClient::anExpiredCodeEndsThePairing()
{
    QVERIFY(startServer(0, 1000)); // a code valid one second (--pairing-ttl)
    PairingClient pairing;
    QSignalSpy ready(&pairing, &PairingClient::codeReady);
    QSignalSpy failed(&pairing, &PairingClient::failed);
    QSignalSpy paired(&pairing, &PairingClient::paired);
    pairing.start(ServerList({QUrl(m_url)}), {}, u"dev-phone"_s, u"Phone"_s);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    const QString code = ready.first().at(0).toString();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QCOMPARE(failed.first().at(1).toBool(), true); // expired: the UI offers a new code
    QVERIFY(paired.isEmpty());
    QVERIFY(!pairing.isRunning());
    // Approving it now is too late.
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    QCOMPARE(tv->approve(code).outcome, ApproveResult::WrongCode);
}

void tst_PairingClient::movesOnFromAnAwayServer()
{
    PairingClient pairing;
    const QString code =
        codeOf(pairing, u"Phone"_s,
               ServerList({QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort())), QUrl(m_url)}));
    QVERIFY2(!code.isEmpty(), "no code from the second server");
    QSignalSpy paired(&pairing, &PairingClient::paired);
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    QCOMPARE(tv->approve(code).outcome, ApproveResult::Approved);
    QTRY_COMPARE_WITH_TIMEOUT(paired.count(), 1, kTimeoutMs);
}

void tst_PairingClient::waitsForAServerThatIsNotUpYet()
{
    const quint16 port = m_server->port();
    m_server.reset(); // down; its database stays
    PairingClient pairing;
    QSignalSpy ready(&pairing, &PairingClient::codeReady);
    QSignalSpy failed(&pairing, &PairingClient::failed);
    pairing.start(ServerList({QUrl(m_url)}), {}, u"dev-phone"_s, u"Phone"_s);
    // It keeps trying (backoff) rather than failing.
    QVERIFY(!ready.wait(1500));
    QVERIFY(failed.isEmpty());
    QVERIFY(pairing.isRunning());
    QVERIFY(startServer(port));
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    QVERIFY(failed.isEmpty());
}

void tst_PairingClient::cancelledPairingSaysNothing()
{
    PairingClient pairing;
    const QString code = codeOf(pairing, u"Phone"_s, ServerList({QUrl(m_url)}));
    QVERIFY(!code.isEmpty());
    QSignalSpy paired(&pairing, &PairingClient::paired);
    QSignalSpy failed(&pairing, &PairingClient::failed);
    pairing.cancel();
    QVERIFY(!pairing.isRunning());
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    QCOMPARE(tv->approve(code).outcome, ApproveResult::Approved);
    // The answer to the poll in flight (approved) is dropped: give it the time to come.
    QVERIFY(!paired.wait(2000));
    QVERIFY(failed.isEmpty());
}

void tst_PairingClient::aRemovedDeviceHearsItAtItsNextRequest()
{
    QString phoneToken;
    QString error;
    QVERIFY2(m_server->storage().users().issueToken(u"alice"_s, &phoneToken, &error),
             qPrintable(error));
    auto tv = player(u"TV"_s, m_token);
    auto phone = player(u"Phone"_s, phoneToken);
    QVERIFY(tv && phone);
    // The phone's device is the TV's other one. (The phone asks nothing before it is removed:
    // what a server that saw its token a moment before does is for the server's tests.)
    const QList<DeviceEntry> devices = tv->devices();
    QCOMPARE(devices.size(), 2);
    QString phoneId;
    for (const DeviceEntry &device : devices) {
        if (!device.thisDevice)
            phoneId = device.id;
    }
    QVERIFY(!phoneId.isEmpty());

    QSignalSpy phoneRemoved(&phone->sync, &SyncClient::deviceRemoved);
    const auto [removed, why] = tv->remove(phoneId);
    QVERIFY2(removed, qPrintable(why));
    // Only the TV is left, and it still works.
    const QList<DeviceEntry> left = tv->devices();
    QCOMPARE(left.size(), 1);
    QVERIFY(left.first().thisDevice);
    // The phone hears it at its next request, once; its report stays in its outbox.
    QSignalSpy settled(&phone->sync, &SyncClient::reportSettled);
    ProgressRecord record;
    record.contentId = u"sha256:bb"_s;
    record.positionMs = 5000;
    record.durationMs = 60000;
    phone->sync.report(record);
    QTRY_COMPARE_WITH_TIMEOUT(phoneRemoved.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QCOMPARE(settled.first().at(1).toBool(), false);
    QVERIFY(!phone->sync.hasServer());
    // Removing it again: it is no longer there.
    const auto [again, whyNot] = tv->remove(phoneId);
    QVERIFY(!again);
    QVERIFY2(whyNot.contains(u"404"_s), qPrintable(whyNot));
}

void tst_PairingClient::anUnknownDeviceIsNotRemoved()
{
    auto tv = player(u"TV"_s, m_token);
    QVERIFY(tv);
    const auto [removed, why] = tv->remove(u"d-0000000000000000"_s);
    QVERIFY(!removed);
    QVERIFY2(why.contains(u"404"_s), qPrintable(why));
    QCOMPARE(tv->devices().size(), 1);
    QVERIFY(tv->sync.hasServer());
}

QTEST_GUILESS_MAIN(tst_PairingClient)
#include "tst_pairingclient.moc"
