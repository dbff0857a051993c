// The player's token end to end, with real processes: playmark-server, a TV that plays the
// sample with its token, and a Phone (offscreen, no session bus: its token goes to the profile)
// started with `--pair --events` that prints its code, is approved with `playmark-server user
// approve`, prints `paired`, and resumes where the TV stopped; started again without a token, it
// is still connected. `--pair` without a server is a usage error. A player on a private
// session bus with gnome-keyring unlocked keeps its token there, not in its profile. And a
// profile copied to another machine with a token of its own becomes a second device.
#include "serverprocess.h"
#include "sessionbus.h"
#include "unlockedkeyring.h"

#include <QDateTime>
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
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_SAMPLE_VIDEO);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;

QList<QJsonObject> eventsIn(const QByteArray &out)
{
    QList<QJsonObject> events;
    for (const QByteArray &line : out.split('\n')) {
        if (!line.trimmed().isEmpty())
            events.append(QJsonDocument::fromJson(line).object());
    }
    return events;
}

QJsonObject firstEvent(const QList<QJsonObject> &events, const QString &name)
{
    for (const QJsonObject &event : events) {
        if (event.value(u"event"_s).toString() == name)
            return event;
    }
    return {};
}

} // namespace

class tst_PairPlayer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void pairsWithACodeApprovedOnTheServer();
    void pairingLeavesAnOlderTokenUnused();
    void pairWithoutAServerIsAUsageError();
    void theTokenGoesToTheKeyring();
    void aCopiedProfileIsTwoDevices();

private:
    // The player's environment: offscreen, and no session bus (so no keyring): the token is
    // kept in the profile, where this test can see it.
    QProcessEnvironment playerEnvironment() const;
    Run runPlayer(const QStringList &arguments);
    Run runServer(const QStringList &arguments);
    struct Paired
    {
        QJsonObject pairing; // its pairing event (empty: none came)
        QByteArray beforeApproval; // what it printed until then
        Run approve; // playmark-server user approve family CODE
        Run run; // the player to its end (all it printed in out)
    };
    // Starts a player with `arguments` and `--pair --events --quit-after 1` the sample, approves
    // the code it prints for family on the server database `db`, and runs it to its end.
    Paired pairPlayer(const QStringList &arguments, const QString &db);

    QTemporaryDir m_dir;
};

void tst_PairPlayer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSample), qPrintable(kSample));
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
}

QProcessEnvironment tst_PairPlayer::playerEnvironment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
    environment.remove(u"DISPLAY"_s);
    environment.remove(u"PLAYMARK_TOKEN"_s);
    environment.insert(u"XDG_RUNTIME_DIR"_s, m_dir.path()); // no $XDG_RUNTIME_DIR/bus there
    return environment;
}

Run tst_PairPlayer::runPlayer(const QStringList &arguments)
{
    return runProcess(kPlayerBin, arguments, playerEnvironment(), kTimeoutMs);
}

Run tst_PairPlayer::runServer(const QStringList &arguments)
{
    return runProcess(kServerBin,
                      arguments + QStringList{u"--db"_s, m_dir.filePath(u"db.sqlite"_s)},
                      QProcessEnvironment::systemEnvironment(), kTimeoutMs);
}

tst_PairPlayer::Paired tst_PairPlayer::pairPlayer(const QStringList &arguments, const QString &db)
{
    Paired paired;
    QProcess player;
    player.setProcessEnvironment(playerEnvironment());
    QSignalSpy finished(&player, &QProcess::finished);
    player.start(kPlayerBin,
                 arguments
                     + QStringList{u"--pair"_s, u"--events"_s, u"--quit-after"_s, u"1"_s, kSample});
    QByteArray out = readOutputUntil(
        player, [](const QByteArray &read) { return read.contains("\"pairing\""); }, kTimeoutMs);
    paired.beforeApproval = out;
    paired.pairing = firstEvent(eventsIn(out.left(out.lastIndexOf('\n') + 1)), u"pairing"_s);
    if (paired.pairing.isEmpty()) {
        stopProcess(player);
        return paired;
    }
    paired.approve = runProcess(kServerBin,
                                {u"user"_s, u"approve"_s, u"family"_s,
                                 paired.pairing.value(u"code"_s).toString(), u"--db"_s, db},
                                QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    paired.run.finished = finished.wait(kTimeoutMs) || !finished.isEmpty();
    if (!paired.run.finished)
        stopProcess(player);
    paired.run.exitStatus = player.exitStatus();
    paired.run.exitCode = player.exitCode();
    paired.run.out = out + player.readAllStandardOutput();
    paired.run.err = player.readAllStandardError();
    return paired;
}

void tst_PairPlayer::pairsWithACodeApprovedOnTheServer()
{
    const ServedUser served =
        serveNewUser(kServerBin, m_dir.filePath(u"db.sqlite"_s), kTimeoutMs, u"family"_s);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    const QString url = served.server->url();

    // The TV plays a few seconds with its token and stops.
    const Run tv = runPlayer({u"--profile"_s, m_dir.filePath(u"TV"_s), u"--device"_s, u"TV"_s,
                              u"--server"_s, url, u"--token"_s, served.token, u"--events"_s,
                              u"--quit-after"_s, u"3"_s, kSample});
    QVERIFY2(tv.exitedNormally() && tv.exitCode == 0, tv.err.constData());
    const QJsonObject tvQuit = firstEvent(eventsIn(tv.out), u"quit"_s);
    QCOMPARE(tvQuit.value(u"pending"_s).toInt(), 0);
    const qint64 tvPosition = tvQuit.value(u"position_ms"_s).toInteger();
    QVERIFY(tvPosition > 0);

    // The Phone has no token: it pairs.
    const QString phoneProfile = m_dir.filePath(u"Phone"_s);
    const qint64 startedAt = QDateTime::currentMSecsSinceEpoch();
    const Paired phone =
        pairPlayer({u"--profile"_s, phoneProfile, u"--device"_s, u"Phone"_s, u"--server"_s, url},
                   m_dir.filePath(u"db.sqlite"_s));
    QVERIFY2(!phone.pairing.isEmpty(), phone.beforeApproval.constData());
    QCOMPARE(phone.pairing.keys(), (QStringList{u"code"_s, u"event"_s, u"expires_at_ms"_s}));
    const QString code = phone.pairing.value(u"code"_s).toString();
    QVERIFY2(QRegularExpression(u"^[0-9]{6}$"_s).match(code).hasMatch(), qPrintable(code));
    // The server's clock is this machine's: about ten minutes from now.
    const qint64 expiresAt = phone.pairing.value(u"expires_at_ms"_s).toInteger();
    QVERIFY2(expiresAt > startedAt + 9 * 60000 && expiresAt < startedAt + 11 * 60000,
             qPrintable(QString::number(expiresAt - startedAt)));
    // Nothing opened before it is connected.
    QVERIFY(!phone.beforeApproval.contains("\"resumed\""));
    QVERIFY2(phone.approve.exitedNormally() && phone.approve.exitCode == 0,
             phone.approve.err.constData());
    QVERIFY2(phone.run.exitedNormally() && phone.run.exitCode == 0, phone.run.err.constData());
    const QList<QJsonObject> events = eventsIn(phone.run.out);
    QStringList names;
    for (const QJsonObject &event : events)
        names.append(event.value(u"event"_s).toString());
    // Paired, then the file opens and resumes where the TV stopped, from the server.
    QVERIFY2(names.indexOf(u"paired"_s) > names.indexOf(u"pairing"_s),
             qPrintable(names.join(u' ')));
    QVERIFY2(names.indexOf(u"resumed"_s) > names.indexOf(u"paired"_s),
             qPrintable(names.join(u' ')));
    QCOMPARE(firstEvent(events, u"paired"_s).keys(), QStringList{u"event"_s});
    const QJsonObject resumed = firstEvent(events, u"resumed"_s);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(resumed.value(u"device_name"_s).toString(), u"TV"_s);
    QVERIFY(qAbs(resumed.value(u"position_ms"_s).toInteger() - tvPosition) <= 250);
    QCOMPARE(firstEvent(events, u"quit"_s).value(u"pending"_s).toInt(), 0);

    // No keyring here: the token is in the profile, readable by this user alone.
    QFile settings(phoneProfile + u"/settings.ini"_s);
    QVERIFY(settings.open(QIODevice::ReadOnly));
    QVERIFY(settings.readAll().contains("token=pm_"));
    // (Owner, group and other bits: QFileInfo's "user" bits are the current user's.)
    QCOMPARE(int(QFileInfo(settings).permissions() & 0x7077),
             int(QFile::ReadOwner | QFile::WriteOwner));

    // The server lists the Phone among family's devices, named as it asked.
    const Run devices = runServer({u"user"_s, u"devices"_s, u"family"_s});
    QVERIFY2(devices.exitCode == 0, devices.err.constData());
    QVERIFY2(devices.out.contains("Phone"), devices.out.constData());

    // The next start needs neither a code nor a token.
    const Run again = runPlayer(
        {u"--profile"_s, phoneProfile, u"--events"_s, u"--quit-after"_s, u"1"_s, kSample});
    QVERIFY2(again.exitedNormally() && again.exitCode == 0, again.err.constData());
    const QList<QJsonObject> againEvents = eventsIn(again.out);
    QVERIFY(firstEvent(againEvents, u"pairing"_s).isEmpty());
    QCOMPARE(firstEvent(againEvents, u"resumed"_s).value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(firstEvent(againEvents, u"quit"_s).value(u"pending"_s).toInt(), 0);
}

// A profile that held a token (of a device removed since, or another account's) started with
// --pair: until it is paired nothing goes to the server with the older token, and after that
// only the new one is used. The older token's device is never seen.
void tst_PairPlayer::pairingLeavesAnOlderTokenUnused()
{
    const QString db = m_dir.filePath(u"older-db.sqlite"_s);
    const ServedUser served = serveNewUser(kServerBin, db, kTimeoutMs, u"family"_s);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    const Run issued = runProcess(kServerBin, {u"user"_s, u"token"_s, u"family"_s, u"--db"_s, db},
                                  QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY2(issued.exitCode == 0, issued.err.constData());
    const QString older = QString::fromUtf8(issued.out.trimmed());
    const QString profile = m_dir.filePath(u"Repaired"_s);
    QVERIFY(QDir().mkpath(profile));
    QSettings(profile + u"/settings.ini"_s, QSettings::IniFormat)
        .setValue(u"server/token"_s, older);

    const Paired paired = pairPlayer({u"--profile"_s, profile, u"--device"_s, u"Repaired"_s,
                                      u"--server"_s, served.server->url()},
                                     db);
    QVERIFY2(!paired.pairing.isEmpty(), paired.beforeApproval.constData());
    QVERIFY2(paired.run.exitedNormally() && paired.run.exitCode == 0, paired.run.err.constData());
    QCOMPARE(firstEvent(eventsIn(paired.run.out), u"quit"_s).value(u"pending"_s).toInt(), 0);
    const QString token = QSettings(profile + u"/settings.ini"_s, QSettings::IniFormat)
                              .value(u"server/token"_s)
                              .toString();
    QVERIFY(!token.isEmpty() && token != older);

    // The devices as the server has them: the new one seen, the others never.
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(served.server->url() + u"/v1/devices"_s));
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    std::unique_ptr<QNetworkReply> reply(nam.get(request));
    QSignalSpy answered(reply.get(), &QNetworkReply::finished);
    QVERIFY(answered.wait(kTimeoutMs) || reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonArray devices =
        QJsonDocument::fromJson(reply->readAll()).object().value(u"items"_s).toArray();
    QCOMPARE(devices.size(), 3); // user add's, the older token's, the paired one
    for (const QJsonValue &value : devices) {
        const QJsonObject device = value.toObject();
        if (device.value(u"this_device"_s).toBool())
            continue;
        QVERIFY2(device.value(u"last_seen_ms"_s).toInteger()
                     == device.value(u"created_at_ms"_s).toInteger(),
                 QJsonDocument(device).toJson().constData());
    }
}

void tst_PairPlayer::pairWithoutAServerIsAUsageError()
{
    const Run run = runPlayer({u"--profile"_s, m_dir.filePath(u"Nowhere"_s), u"--pair"_s});
    QVERIFY(run.exitedNormally());
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("--pair needs --server"), run.err.constData());
}

void tst_PairPlayer::theTokenGoesToTheKeyring()
{
    // A desktop session of its own: a bus, and a keyring unlocked with a password on stdin, its
    // files in a temporary home.
    QTemporaryDir home;
    QVERIFY(home.isValid());
    SessionBus bus;
    QString error;
    QVERIFY2(bus.start(kTimeoutMs, &error), qPrintable(error));
    QProcessEnvironment session = bus.environment(playerEnvironment());
    QVERIFY(QDir().mkpath(home.filePath(u"run"_s)));
    QFile::setPermissions(home.filePath(u"run"_s),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    session.insert(u"HOME"_s, home.path());
    session.insert(u"XDG_RUNTIME_DIR"_s, home.filePath(u"run"_s));
    session.insert(u"XDG_DATA_HOME"_s, home.filePath(u"data"_s));
    session.insert(u"XDG_CONFIG_HOME"_s, home.filePath(u"config"_s));
    UnlockedKeyring keyring;
    QVERIFY2(keyring.start(session, kTimeoutMs, &error), qPrintable(error));

    const ServedUser served =
        serveNewUser(kServerBin, m_dir.filePath(u"keyring-db.sqlite"_s), kTimeoutMs, u"family"_s);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    const QString profile = m_dir.filePath(u"KeyringTV"_s);
    const Run tv = runProcess(kPlayerBin,
                              {u"--profile"_s, profile, u"--device"_s, u"TV"_s, u"--server"_s,
                               served.server->url(), u"--token"_s, served.token, u"--events"_s,
                               u"--quit-after"_s, u"1"_s, kSample},
                              session, kTimeoutMs);
    QVERIFY2(tv.exitedNormally() && tv.exitCode == 0, tv.err.constData());
    QCOMPARE(firstEvent(eventsIn(tv.out), u"quit"_s).value(u"pending"_s).toInt(), 0);

    // In the keyring under the profile's path; not in the profile.
    const Run lookup =
        runProcess(u"secret-tool"_s, {u"lookup"_s, u"server"_s, u"playmark"_s, u"user"_s, profile},
                   session, kTimeoutMs);
    QCOMPARE(QString::fromUtf8(lookup.out.trimmed()), served.token);
    QFile settings(profile + u"/settings.ini"_s);
    QVERIFY(settings.open(QIODevice::ReadOnly));
    QVERIFY(!settings.readAll().contains(served.token.toUtf8()));

    // The next start reads it from there and is connected.
    const Run again = runProcess(
        kPlayerBin, {u"--profile"_s, profile, u"--events"_s, u"--quit-after"_s, u"1"_s, kSample},
        session, kTimeoutMs);
    QVERIFY2(again.exitedNormally() && again.exitCode == 0, again.err.constData());
    const QList<QJsonObject> events = eventsIn(again.out);
    QCOMPARE(firstEvent(events, u"resumed"_s).value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(firstEvent(events, u"quit"_s).value(u"pending"_s).toInt(), 0);
}

// The TV's profile folder copied to another machine, which gets a token of its own: the same
// device_id from two devices of the user. The copy makes itself a new one (409 device_id_taken)
// and keeps it; nothing it reported is lost, and the TV goes on as before.
void tst_PairPlayer::aCopiedProfileIsTwoDevices()
{
    const ServedUser served =
        serveNewUser(kServerBin, m_dir.filePath(u"copy-db.sqlite"_s), kTimeoutMs, u"family"_s);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    const QString url = served.server->url();
    const QString tvProfile = m_dir.filePath(u"CopiedTV"_s);
    const Run tv =
        runPlayer({u"--profile"_s, tvProfile, u"--device"_s, u"TV"_s, u"--server"_s, url,
                   u"--token"_s, served.token, u"--events"_s, u"--quit-after"_s, u"2"_s, kSample});
    QVERIFY2(tv.exitedNormally() && tv.exitCode == 0, tv.err.constData());
    const QString tvId = QSettings(tvProfile + u"/settings.ini"_s, QSettings::IniFormat)
                             .value(u"device/id"_s)
                             .toString();
    QVERIFY(!tvId.isEmpty());

    const QString copyProfile = m_dir.filePath(u"Copy"_s);
    QVERIFY(QDir().mkpath(copyProfile));
    for (const QFileInfo &file : QDir(tvProfile).entryInfoList(QDir::Files))
        QVERIFY(QFile::copy(file.absoluteFilePath(), copyProfile + u"/"_s + file.fileName()));
    const Run issued = runProcess(
        kServerBin,
        {u"user"_s, u"token"_s, u"family"_s, u"--db"_s, m_dir.filePath(u"copy-db.sqlite"_s)},
        QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY2(issued.exitCode == 0, issued.err.constData());
    const Run copy = runPlayer({u"--profile"_s, copyProfile, u"--device"_s, u"Copy"_s, u"--token"_s,
                                QString::fromUtf8(issued.out.trimmed()), u"--events"_s,
                                u"--quit-after"_s, u"2"_s, kSample});
    QVERIFY2(copy.exitedNormally() && copy.exitCode == 0, copy.err.constData());
    // Everything it reported reached the server, under an id of its own, kept in its profile.
    QCOMPARE(firstEvent(eventsIn(copy.out), u"quit"_s).value(u"pending"_s).toInt(), 0);
    const QString copyId = QSettings(copyProfile + u"/settings.ini"_s, QSettings::IniFormat)
                               .value(u"device/id"_s)
                               .toString();
    QVERIFY2(!copyId.isEmpty() && copyId != tvId, qPrintable(copyId));
    QVERIFY2(copy.err.contains("belongs to another device"), copy.err.constData());
    const Run devices = runProcess(
        kServerBin,
        {u"user"_s, u"devices"_s, u"family"_s, u"--db"_s, m_dir.filePath(u"copy-db.sqlite"_s)},
        QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QVERIFY2(devices.out.contains(tvId.toUtf8()) && devices.out.contains(copyId.toUtf8()),
             devices.out.constData());

    // The TV resumes where the copy stopped, and reports as itself.
    const Run again =
        runPlayer({u"--profile"_s, tvProfile, u"--events"_s, u"--quit-after"_s, u"1"_s, kSample});
    QVERIFY2(again.exitedNormally() && again.exitCode == 0, again.err.constData());
    const QList<QJsonObject> events = eventsIn(again.out);
    QCOMPARE(firstEvent(events, u"resumed"_s).value(u"device_name"_s).toString(), u"Copy"_s);
    QCOMPARE(firstEvent(events, u"quit"_s).value(u"pending"_s).toInt(), 0);
    QVERIFY(!again.err.contains("belongs to another device"));
    QCOMPARE(QSettings(tvProfile + u"/settings.ini"_s, QSettings::IniFormat)
                 .value(u"device/id"_s)
                 .toString(),
             tvId);
}

QTEST_GUILESS_MAIN(tst_PairPlayer)
#include "tst_pairplayer.moc"
