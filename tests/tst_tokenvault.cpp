// Where the player keeps its token (TokenVault), run four times by CTest, once per kind of
// session (PLAYMARK_TEST_KEYRING), each with its own expectations:
//   unlocked    a private session bus with gnome-keyring-daemon on it, unlocked for the test
//               (its password on stdin, HOME and XDG folders in a temporary folder): the token
//               is in the keyring (secret-tool finds it) and not in settings.ini;
//   none        no session bus at all (headless): settings.ini, mode 0600, in a 0700 folder;
//   activatable a private session bus where gnome-keyring could be started by D-Bus activation
//               (its activation file is installed) but runs nowhere: the vault must not start a
//               daemon that was never unlocked, nor wait for one;
//   silent      a bus name of the keyring owned by something that never answers: the vault
//               gives up after TokenVault::kKeyringTimeoutMs and uses the file.
// In every kind of session the local copy (local.sqlite, -wal, -shm) is 0600, and a clear-text
// token of an older version moves into the keyring when there is one. What needs a keyring that
// can go away and come back is a test of the "unlocked" run alone (tst_TokenVaultWithKeyring,
// chosen by main() below): the other runs have no such function rather than one that skips.

#include "client/clientprofile.h"
#include "client/localcopy.h"
#include "client/tokenvault.h"
#include "serverprocess.h"
#include "sessionbus.h"
#include "unlockedkeyring.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVirtualObject>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;

constexpr auto kPrivate = QFile::ReadOwner | QFile::WriteOwner;
constexpr auto kPrivateFolder = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

// The permission bits for "other users" and "group" must be clear; the owner's exactly these.
QFile::Permissions modeOf(const QString &path)
{
    // QFileInfo reports the "user" bits for the current user too: only the owner, group and
    // other bits say what the file's mode is.
    return QFileInfo(path).permissions()
        & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
           | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther
           | QFile::ExeOther);
}

// Answers nothing to anything: a keyring that hangs.
class SilentObject : public QDBusVirtualObject
{
public:
    QString introspect(const QString &) const override { return QString(); }
    bool handleMessage(const QDBusMessage &, const QDBusConnection &) override { return true; }
};

} // namespace

// What every kind of session checks; the two classes below add what their runs check last.
class tst_TokenVault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void savedTokenIsKeptWhereItShouldBe();
    void anOlderClearTextTokenMoves();
    void forgettingRemovesItEverywhere();
    void theLocalCopyIsPrivate();

protected:
    // Last: whatever the vault did before, no keyring daemon runs on a bus where none ran
    // before, and the one that ran is still the only one.
    void verifyNoKeyringDaemonStarted();

    bool keyringExpected() const { return m_kind == u"unlocked"_s; }
    QString expectedReason() const;
    QString load(TokenVault &vault);
    void save(TokenVault &vault, const QString &token);
    // What secret-tool finds in the keyring for the profile (empty when nothing).
    QString inKeyring(const QString &folder);
    QString settingsText(const QString &folder);
    bool secretsNameOwned();

    QString m_kind;
    QTemporaryDir m_home;
    SessionBus m_bus;
    UnlockedKeyring m_keyring;
    std::unique_ptr<QDBusConnection> m_squatter; // "silent": owns the keyring's name
    SilentObject m_silent;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcessEnvironment m_environment;
};

// The runs without a keyring (none, activatable, silent).
class tst_TokenVaultWithoutKeyring : public tst_TokenVault
{
    Q_OBJECT

private Q_SLOTS:
    void noKeyringDaemonIsStarted() { verifyNoKeyringDaemonStarted(); }
};

// The run with an unlocked keyring, which it can stop and start again.
class tst_TokenVaultWithKeyring : public tst_TokenVault
{
    Q_OBJECT

private Q_SLOTS:
    void forgettingWithoutKeyringReachesItLater();
    void noKeyringDaemonIsStarted() { verifyNoKeyringDaemonStarted(); }
};

void tst_TokenVault::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_kind = qEnvironmentVariable("PLAYMARK_TEST_KEYRING");
    QVERIFY2(
        QStringList({u"unlocked"_s, u"none"_s, u"activatable"_s, u"silent"_s}).contains(m_kind),
        "PLAYMARK_TEST_KEYRING: unlocked, none, activatable or silent");
    QVERIFY(m_home.isValid());
    // Everything the keyring daemon, libsecret and libdbus look at, in the temporary folder:
    // nothing of the machine's own session is touched, and libdbus finds no $XDG_RUNTIME_DIR/bus.
    const QString runtime = m_home.filePath(u"run"_s);
    QVERIFY(QDir().mkpath(runtime));
    QFile::setPermissions(runtime, kPrivateFolder);
    m_environment = QProcessEnvironment::systemEnvironment();
    const QList<std::pair<QString, QString>> folders = {
        {u"HOME"_s, m_home.path()},
        {u"XDG_RUNTIME_DIR"_s, runtime},
        {u"XDG_DATA_HOME"_s, m_home.filePath(u"data"_s)},
        {u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s)},
        {u"XDG_CACHE_HOME"_s, m_home.filePath(u"cache"_s)},
    };
    for (const auto &[name, value] : folders) {
        m_environment.insert(name, value);
        qputenv(name.toUtf8(), value.toUtf8());
    }
    m_environment.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    // Neither libdbus nor GLib may find another bus through X11.
    qunsetenv("DISPLAY");
    if (m_kind == u"none"_s)
        return;

    QString error;
    QVERIFY2(m_bus.start(kTimeoutMs, &error), qPrintable(error));
    m_environment = m_bus.environment(m_environment);
    // Before anything in this process touches the session bus: Qt and GLib read it once.
    qputenv("DBUS_SESSION_BUS_ADDRESS", m_bus.address().toUtf8());
    if (m_kind == u"unlocked"_s) {
        QVERIFY2(m_keyring.start(m_environment, kTimeoutMs, &error), qPrintable(error));
    } else if (m_kind == u"silent"_s) {
        m_squatter = std::make_unique<QDBusConnection>(
            QDBusConnection::connectToBus(m_bus.address(), u"squatter"_s));
        QVERIFY(m_squatter->isConnected());
        QVERIFY(m_squatter->registerService(u"org.freedesktop.secrets"_s));
        QVERIFY(m_squatter->registerVirtualObject(u"/"_s, &m_silent, QDBusConnection::SubPath));
    }
}

void tst_TokenVault::cleanupTestCase()
{
    if (m_squatter)
        m_squatter->unregisterObject(u"/"_s, QDBusConnection::UnregisterTree);
}

void tst_TokenVault::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

QString tst_TokenVault::expectedReason() const
{
    if (m_kind == u"none"_s)
        return u"no session bus"_s;
    if (m_kind == u"activatable"_s)
        return u"no keyring runs on the session bus"_s;
    if (m_kind == u"silent"_s)
        return u"did not answer"_s;
    return QString();
}

bool tst_TokenVault::secretsNameOwned()
{
    QDBusConnection probe = QDBusConnection::connectToBus(m_bus.address(), u"probe"_s);
    return probe.isConnected()
        && probe.interface()->isServiceRegistered(u"org.freedesktop.secrets"_s).value();
}

QString tst_TokenVault::load(TokenVault &vault)
{
    std::optional<QString> loaded;
    QObject context;
    vault.load(&context, [&loaded](const QString &token) { loaded = token; });
    if (!QTest::qWaitFor([&loaded] { return loaded.has_value(); }, kTimeoutMs))
        qWarning("the vault did not load");
    return loaded.value_or(u"(no answer)"_s);
}

void tst_TokenVault::save(TokenVault &vault, const QString &token)
{
    bool saved = false;
    QObject context;
    vault.save(token, &context, [&saved] { saved = true; });
    if (!QTest::qWaitFor([&saved] { return saved; }, kTimeoutMs))
        qWarning("the vault did not save");
}

QString tst_TokenVault::inKeyring(const QString &folder)
{
    // Only where a keyring runs: elsewhere secret-tool would start one by D-Bus activation (or
    // wait on the silent one).
    if (!keyringExpected())
        return QString();
    const Run search = runProcess(
        u"secret-tool"_s, {u"lookup"_s, u"server"_s, TokenVault::kService, u"user"_s, folder},
        m_environment, kTimeoutMs);
    return search.exitCode == 0 ? QString::fromUtf8(search.out.trimmed()) : QString();
}

QString tst_TokenVault::settingsText(const QString &folder)
{
    QFile file(folder + u"/settings.ini"_s);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

void tst_TokenVault::savedTokenIsKeptWhereItShouldBe()
{
    const QString folder = m_dir->filePath(u"profile"_s);
    const QString token = u"pm_saved-token-0123456789"_s;
    {
        ClientProfile profile(folder);
        profile.setDeviceName(u"Laptop"_s); // settings.ini is written for more than the token
        TokenVault vault(profile);
        save(vault, token);
        QCOMPARE(vault.token(), token);
        QCOMPARE(vault.place(),
                 keyringExpected() ? TokenVault::Place::Keyring : TokenVault::Place::ProfileFile);
        QVERIFY2(vault.fallbackReason().contains(expectedReason()),
                 qPrintable(vault.fallbackReason()));
    }
    if (keyringExpected()) {
        QCOMPARE(inKeyring(folder), token);
        QVERIFY(!settingsText(folder).contains(token));
    } else {
        QCOMPARE(inKeyring(folder), QString());
        QVERIFY(settingsText(folder).contains(token));
    }
    QCOMPARE(modeOf(folder), kPrivateFolder);
    QCOMPARE(modeOf(folder + u"/settings.ini"_s), kPrivate);

    // The next start finds it.
    ClientProfile again(folder);
    TokenVault vault(again);
    QCOMPARE(load(vault), token);
    QCOMPARE(again.deviceName(), u"Laptop"_s);
}

void tst_TokenVault::anOlderClearTextTokenMoves()
{
    // As an older version left it: the token in settings.ini, readable by everyone.
    const QString folder = m_dir->filePath(u"profile"_s);
    const QString token = u"pm_older-clear-text"_s;
    QVERIFY(QDir().mkpath(folder));
    {
        QSettings settings(folder + u"/settings.ini"_s, QSettings::IniFormat);
        settings.setValue(u"server/token"_s, token);
        settings.setValue(u"device/name"_s, u"Old laptop"_s);
    }
    QFile::setPermissions(folder,
                          kPrivateFolder | QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup
                              | QFile::ExeGroup);
    QFile::setPermissions(folder + u"/settings.ini"_s,
                          kPrivate | QFile::ReadOther | QFile::ReadGroup);

    ClientProfile profile(folder);
    QCOMPARE(modeOf(folder), kPrivateFolder);
    QCOMPARE(modeOf(folder + u"/settings.ini"_s), kPrivate);
    TokenVault vault(profile);
    QCOMPARE(load(vault), token);
    if (keyringExpected()) {
        QCOMPARE(vault.place(), TokenVault::Place::Keyring);
        QCOMPARE(inKeyring(folder), token);
        QVERIFY(!settingsText(folder).contains(token));
    } else {
        QCOMPARE(vault.place(), TokenVault::Place::ProfileFile);
        QVERIFY(settingsText(folder).contains(token));
    }
    QCOMPARE(modeOf(folder + u"/settings.ini"_s), kPrivate);
    QCOMPARE(profile.deviceName(), u"Old laptop"_s);

    // And the next start finds it where it went.
    ClientProfile again(folder);
    TokenVault next(again);
    QCOMPARE(load(next), token);
}

void tst_TokenVault::forgettingRemovesItEverywhere()
{
    const QString folder = m_dir->filePath(u"profile"_s);
    ClientProfile profile(folder);
    TokenVault vault(profile);
    save(vault, u"pm_to-forget"_s);
    save(vault, QString());
    QCOMPARE(vault.token(), QString());
    QCOMPARE(inKeyring(folder), QString());
    QVERIFY(!settingsText(folder).contains(u"pm_to-forget"_s));
    ClientProfile again(folder);
    TokenVault next(again);
    QCOMPARE(load(next), QString());
}

// Forgotten while the keyring is away (not running at that start): the keyring's older token
// must not come back at the next start with a keyring, and leaves the keyring then.
void tst_TokenVaultWithKeyring::forgettingWithoutKeyringReachesItLater()
{
    QVERIFY(keyringExpected());
    const QString folder = m_dir->filePath(u"profile"_s);
    {
        ClientProfile profile(folder);
        TokenVault vault(profile);
        save(vault, u"pm_forgotten-while-away"_s);
        QCOMPARE(vault.place(), TokenVault::Place::Keyring);
    }
    QCOMPARE(inKeyring(folder), u"pm_forgotten-while-away"_s);

    QVERIFY(m_keyring.stop(m_environment, kTimeoutMs));
    {
        ClientProfile profile(folder);
        TokenVault vault(profile);
        save(vault, QString());
        QCOMPARE(vault.place(), TokenVault::Place::ProfileFile);
        QCOMPARE(vault.token(), QString());
    }
    QString error;
    QVERIFY2(m_keyring.start(m_environment, kTimeoutMs, &error), qPrintable(error));

    ClientProfile profile(folder);
    TokenVault vault(profile);
    QCOMPARE(load(vault), QString());
    QCOMPARE(vault.place(), TokenVault::Place::Keyring);
    QCOMPARE(inKeyring(folder), QString());
    ClientProfile again(folder);
    TokenVault next(again);
    QCOMPARE(load(next), QString());
}

void tst_TokenVault::theLocalCopyIsPrivate()
{
    const QString folder = m_dir->filePath(u"profile"_s);
    ClientProfile profile(folder);
    LocalCopy local;
    QObject context;
    std::optional<bool> opened;
    local.open(profile.localDatabasePath(), &context,
               [&opened](const StoreResult<void> &result) { opened = result.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kTimeoutMs);
    QVERIFY(*opened);
    ProgressRecord record;
    record.contentId = u"sha256:0123"_s;
    record.positionMs = 1000;
    record.durationMs = 60000;
    record.deviceId = u"dev-1"_s;
    record.deviceName = u"Laptop"_s;
    record.observedAtMs = 1;
    local.save(record, true, 0);
    local.waitForIdle();
    for (const QString &file :
         QStringList{profile.localDatabasePath(), profile.localDatabasePath() + u"-wal"_s,
                     profile.localDatabasePath() + u"-shm"_s}) {
        QVERIFY2(QFile::exists(file), qPrintable(file));
        QCOMPARE(modeOf(file), kPrivate);
    }
}

void tst_TokenVault::verifyNoKeyringDaemonStarted()
{
    if (m_kind == u"none"_s) {
        QVERIFY(!QDBusConnection::sessionBus().isConnected());
        return;
    }
    QCOMPARE(secretsNameOwned(), m_kind != u"activatable"_s);
}

// As QTEST_GUILESS_MAIN, with the class the run's kind of session calls for.
int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    QTEST_SET_MAIN_SOURCE_PATH
    if (qEnvironmentVariable("PLAYMARK_TEST_KEYRING") == u"unlocked"_s) {
        tst_TokenVaultWithKeyring test;
        return QTest::qExec(&test, argc, argv);
    }
    tst_TokenVaultWithoutKeyring test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_tokenvault.moc"
