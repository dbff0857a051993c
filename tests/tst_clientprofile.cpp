// One device's local state in one folder: a device id made once and kept, settings that survive
// a restart, a folder private to its user (it holds the token), and two profiles being two devices.

#include "client/clientprofile.h"
#include "protocol/recordcodec.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace {

// The folder's permission bits as the kernel sees them.
int modeOf(const QString &path)
{
    struct stat info = {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 07777);
}

} // namespace

class tst_ClientProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void deviceIdMadeOnceAndKept();
    void deviceIdFollowsTheProtocol();
    void twoProfilesAreTwoDevices();
    void aRenewedDeviceIdIsKept();
    void settingsPersist();
    void serverListsPersist_data();
    void serverListsPersist();
    void profileWithOneServerStillLoads();
    void deviceNameDefaultsToTheHost();
    void folderIsPrivate_data();
    void folderIsPrivate();
    void localDatabaseLivesInTheFolder();
    void defaultFolderIsPerUser();
};

void tst_ClientProfile::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void tst_ClientProfile::deviceIdMadeOnceAndKept()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(u"profile"_s);

    QString id;
    {
        ClientProfile profile(folder);
        QVERIFY(profile.isWritable());
        id = profile.deviceId();
        QVERIFY(!id.isEmpty());
        // Asking again does not make a new one.
        QCOMPARE(profile.deviceId(), id);
    }
    // A new instance on the same folder (the next launch) reads the same id.
    {
        ClientProfile profile(folder);
        QCOMPARE(profile.deviceId(), id);
    }
    // Through a relative spelling of the same folder, too.
    {
        const QString previous = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        ClientProfile profile(u"profile"_s);
        const QString again = profile.deviceId();
        QVERIFY(QDir::setCurrent(previous));
        QCOMPARE(again, id);
        QCOMPARE(profile.folder(), QDir(folder).absolutePath());
    }
}

void tst_ClientProfile::deviceIdFollowsTheProtocol()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ClientProfile profile(dir.filePath(u"p"_s));
    const QString id = profile.deviceId();
    QVERIFY2(RecordCodec::isValidDeviceId(id), qPrintable(id));
}

void tst_ClientProfile::twoProfilesAreTwoDevices()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ClientProfile first(dir.filePath(u"first"_s));
    ClientProfile second(dir.filePath(u"second"_s));
    QVERIFY(first.deviceId() != second.deviceId());
    QVERIFY(first.localDatabasePath() != second.localDatabasePath());

    // Many fresh profiles never collide.
    QSet<QString> ids;
    for (int i = 0; i < 50; ++i)
        ids.insert(ClientProfile(dir.filePath(u"many/%1"_s.arg(i))).deviceId());
    QCOMPARE(ids.size(), 50);
}

// A copied profile (409 device_id_taken): a new id, kept for the next start, never the old one.
void tst_ClientProfile::aRenewedDeviceIdIsKept()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(u"profile"_s);
    QString renewed;
    {
        ClientProfile profile(folder);
        const QString first = profile.deviceId();
        renewed = profile.renewDeviceId();
        QVERIFY(renewed != first);
        QCOMPARE(profile.deviceId(), renewed);
        QVERIFY(ClientProfile::newDeviceId() != renewed);
    }
    ClientProfile again(folder);
    QCOMPARE(again.deviceId(), renewed);
    const QString chosen = ClientProfile::newDeviceId();
    again.setDeviceId(chosen);
    QCOMPARE(ClientProfile(folder).deviceId(), chosen);
}

void tst_ClientProfile::settingsPersist()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(u"profile"_s);
    const ServerList servers({QUrl(u"http://192.0.2.7:8787"_s)});
    {
        ClientProfile profile(folder);
        profile.setServers(servers);
        profile.setToken(u"s3cr3t-token"_s);
        profile.setDeviceName(u"Living-room TV"_s);
        profile.setClockOffsetMs(-123456);
        profile.settings().setValue(u"ui/volume"_s, 40);
    }
    ClientProfile profile(folder);
    QCOMPARE(profile.servers(), servers);
    QCOMPARE(profile.token(), u"s3cr3t-token"_s);
    QCOMPARE(profile.deviceName(), u"Living-room TV"_s);
    QCOMPARE(profile.clockOffsetMs(), qint64(-123456));
    QCOMPARE(profile.settings().value(u"ui/volume"_s).toInt(), 40);

    // A fresh profile has none of it.
    ClientProfile fresh(dir.filePath(u"fresh"_s));
    QVERIFY(fresh.servers().isEmpty());
    QVERIFY(fresh.token().isEmpty());
    QCOMPARE(fresh.clockOffsetMs(), qint64(0));
}

void tst_ClientProfile::serverListsPersist_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("none") << QString();
    QTest::newRow("one") << u"http://192.0.2.7:8787"_s;
    QTest::newRow("two") << u"http://192.0.2.7:8787, https://sync.example.org/playmark"_s;
    QTest::newRow("three, IPv6 among them")
        << u"http://a.local:8787, http://[::1]:8787, http://b.local:8787"_s;
}

// The whole list, in its order, through a restart.
void tst_ClientProfile::serverListsPersist()
{
    QFETCH(QString, text);
    QString error;
    const auto servers = ServerList::parse(text, &error);
    QVERIFY2(servers, qPrintable(error));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(u"profile"_s);
    {
        ClientProfile profile(folder);
        profile.setServers(ServerList({QUrl(u"http://replaced.local:8787"_s)}));
        profile.setServers(*servers);
    }
    const ClientProfile profile(folder);
    QCOMPARE(profile.servers(), *servers);
    QCOMPARE(profile.servers().toText(), text);
}

// A profile saved by a player from before server lists, with its one server, loads as a list of
// one; saving writes the list and the old key goes.
void tst_ClientProfile::profileWithOneServerStillLoads()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(u"profile"_s);
    QVERIFY(QDir().mkpath(folder));
    QFile ini(folder + u"/settings.ini"_s);
    QVERIFY(ini.open(QIODevice::WriteOnly));
    QVERIFY(ini.write("[device]\nid=dev-0123456789abcdef\n\n[server]\n"
                      "url=http://192.0.2.7:8787\ntoken=s3cr3t-token\n")
            > 0);
    ini.close();

    {
        ClientProfile profile(folder);
        QCOMPARE(profile.servers(), ServerList({QUrl(u"http://192.0.2.7:8787"_s)}));
        QCOMPARE(profile.token(), u"s3cr3t-token"_s);
        QCOMPARE(profile.deviceId(), u"dev-0123456789abcdef"_s);
        profile.setServers(
            ServerList({QUrl(u"http://192.0.2.7:8787"_s), QUrl(u"http://192.0.2.8:8787"_s)}));
    }
    ClientProfile profile(folder);
    QCOMPARE(profile.servers().toText(), u"http://192.0.2.7:8787, http://192.0.2.8:8787"_s);
    QVERIFY(!profile.settings().contains(u"server/url"_s));
}

void tst_ClientProfile::deviceNameDefaultsToTheHost()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ClientProfile profile(dir.filePath(u"p"_s));
    QCOMPARE(profile.deviceName(), QSysInfo::machineHostName().left(64));
    QVERIFY(profile.deviceName().size() <= 64);
}

void tst_ClientProfile::folderIsPrivate_data()
{
    QTest::addColumn<QString>("relative");
    QTest::addColumn<int>("existingMode"); // -1: the folder does not exist yet

    QTest::newRow("new folder") << u"profile"_s << -1;
    QTest::newRow("new folder with new parents") << u"a/b/c/profile"_s << -1;
    QTest::newRow("existing open folder is tightened") << u"profile"_s << 0755;
    QTest::newRow("existing world-writable folder") << u"profile"_s << 0777;
    QTest::newRow("existing private folder") << u"profile"_s << 0700;
}

void tst_ClientProfile::folderIsPrivate()
{
    QFETCH(QString, relative);
    QFETCH(int, existingMode);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(relative);
    if (existingMode >= 0) {
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(::chmod(QFile::encodeName(folder).constData(), mode_t(existingMode)) == 0);
        QCOMPARE(modeOf(folder), existingMode);
    }

    {
        ClientProfile profile(folder);
        QVERIFY(profile.isWritable());
        profile.setToken(u"secret"_s);
        profile.deviceId();
    }
    QVERIFY(QFileInfo(folder).isDir());
    QCOMPARE(modeOf(folder), 0700);
    // The settings file with the token is where the folder protects it, and private itself.
    QVERIFY(QFileInfo::exists(folder + u"/settings.ini"_s));
    QCOMPARE(modeOf(folder + u"/settings.ini"_s), 0600);
}

void tst_ClientProfile::localDatabaseLivesInTheFolder()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ClientProfile profile(dir.filePath(u"p"_s));
    QCOMPARE(QFileInfo(profile.localDatabasePath()).absolutePath(), profile.folder());
}

void tst_ClientProfile::defaultFolderIsPerUser()
{
    // In test mode the standard paths point into the test's own area, never the user's real one.
    const QString folder = ClientProfile::defaultFolder();
    QVERIFY(!folder.isEmpty());
    QVERIFY(QDir::isAbsolutePath(folder));
    QVERIFY2(
        folder.startsWith(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)),
        qPrintable(folder));
}

QTEST_GUILESS_MAIN(tst_ClientProfile)
#include "tst_clientprofile.moc"
