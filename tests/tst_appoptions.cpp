// The player's command line (docs/protocol.md, `playmark`): every option parses into AppOptions,
// every bad argument is refused with a message a person can act on, PLAYMARK_TOKEN stands in for
// --token, and --help / --version print instead of running.
#include "appoptions.h"
#include "client/clientprofile.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;

namespace {

// In the tables, %FILE% and %DIR% stand for a real file and folder made by the test.
QStringList expand(const QStringList &arguments, const QString &file, const QString &dir)
{
    QStringList expanded{u"playmark"_s};
    for (QString argument : arguments)
        expanded << argument.replace(u"%FILE%"_s, file).replace(u"%DIR%"_s, dir);
    return expanded;
}

} // namespace

class tst_AppOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void defaults();
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void tokenFromEnvironment_data();
    void tokenFromEnvironment();
    void help();
    void version();

private:
    QTemporaryDir m_dir;
    QString m_file;
    std::optional<QByteArray> m_savedToken;
};

void tst_AppOptions::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_file = m_dir.filePath(u"Some Movie (2001).mkv"_s);
    QFile file(m_file);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.write("not really a video") > 0);
    qunsetenv("PLAYMARK_CA_CERT"); // the person's own must not leak into the tests either
}

void tst_AppOptions::init()
{
    // A PLAYMARK_TOKEN of the person running the tests must not leak into them.
    m_savedToken.reset();
    if (qEnvironmentVariableIsSet("PLAYMARK_TOKEN"))
        m_savedToken = qgetenv("PLAYMARK_TOKEN");
    qunsetenv("PLAYMARK_TOKEN");
}

void tst_AppOptions::cleanup()
{
    if (m_savedToken)
        qputenv("PLAYMARK_TOKEN", *m_savedToken);
    else
        qunsetenv("PLAYMARK_TOKEN");
}

void tst_AppOptions::defaults()
{
    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse({u"playmark"_s}, &options, &text), AppOptions::Outcome::Run);
    QVERIFY(options.file.isEmpty()); // opens on the Continue Watching list
    QCOMPARE(options.profileDir, ClientProfile::defaultFolder());
    QVERIFY(!options.servers); // from the profile's settings
    QVERIFY(!options.token);
    QVERIFY(!options.deviceName);
    QVERIFY(options.quitAfterSeconds < 0); // stays open
    QCOMPARE(options.reportIntervalSeconds, 5);
    QVERIFY(!options.fromStart);
    QVERIFY(!options.events);
    QVERIFY(!options.windowGeometry); // where the profile says
}

void tst_AppOptions::parses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value"); // the field's value as text; %FILE%/%DIR% expanded

    QTest::newRow("FILE") << QStringList{u"%FILE%"_s} << u"file"_s << u"%FILE%"_s;
    QTest::newRow("FILE after options")
        << QStringList{u"--events"_s, u"%FILE%"_s} << u"file"_s << u"%FILE%"_s;
    QTest::newRow("--server http") << QStringList{u"--server"_s, u"http://127.0.0.1:8787"_s}
                                   << u"server"_s << u"http://127.0.0.1:8787"_s;
    QTest::newRow("--server=https with a path")
        << QStringList{u"--server=https://sync.example.org/playmark"_s} << u"server"_s
        << u"https://sync.example.org/playmark"_s;
    QTest::newRow("--server IPv6") << QStringList{u"--server"_s, u"http://[::1]:8787"_s}
                                   << u"server"_s << u"http://[::1]:8787"_s;
    // Several: in the order given, spaces around each one ignored.
    QTest::newRow("--server two") << QStringList{u"--server"_s, u"http://a:8787,http://b:8787"_s}
                                  << u"server"_s << u"http://a:8787, http://b:8787"_s;
    QTest::newRow("--server= three, spaces, http and https")
        << QStringList{u"--server= https://sync.example.org/playmark , http://[::1]:8787,"
                       "http://192.168.1.20:8787 "_s}
        << u"server"_s
        << u"https://sync.example.org/playmark, http://[::1]:8787, http://192.168.1.20:8787"_s;
    QTest::newRow("--server two, the order kept")
        << QStringList{u"--server"_s, u"http://b:8787, http://a:8787"_s} << u"server"_s
        << u"http://b:8787, http://a:8787"_s;
    QTest::newRow("--token") << QStringList{u"--token"_s, u"s3cr3t-token"_s} << u"token"_s
                             << u"s3cr3t-token"_s;
    QTest::newRow("--device") << QStringList{u"--device"_s, u"Living-room TV"_s} << u"device"_s
                              << u"Living-room TV"_s;
    QTest::newRow("--device of 64 characters")
        << QStringList{u"--device"_s, QString(64, u'x')} << u"device"_s << QString(64, u'x');
    // 64 characters, 128 UTF-16 code units and 256 bytes of UTF-8: characters are what count.
    const QString emoji = QString::fromUcs4(U"\U0001F4FA").repeated(64);
    QTest::newRow("--device of 64 characters outside the BMP")
        << QStringList{u"--device"_s, emoji} << u"device"_s << emoji;
    QTest::newRow("--profile") << QStringList{u"--profile"_s, u"%DIR%/profile-b"_s} << u"profile"_s
                               << u"%DIR%/profile-b"_s;
    QTest::newRow("--quit-after") << QStringList{u"--quit-after"_s, u"30"_s} << u"quit-after"_s
                                  << u"30"_s;
    QTest::newRow("--quit-after 1")
        << QStringList{u"--quit-after=1"_s} << u"quit-after"_s << u"1"_s;
    QTest::newRow("--from-start") << QStringList{u"--from-start"_s} << u"from-start"_s << u"true"_s;
    QTest::newRow("--report-interval")
        << QStringList{u"--report-interval"_s, u"2"_s} << u"report-interval"_s << u"2"_s;
    QTest::newRow("--events") << QStringList{u"--events"_s} << u"events"_s << u"true"_s;
    QTest::newRow("--pair with --server")
        << QStringList{u"--pair"_s, u"--server"_s, u"http://127.0.0.1:8787"_s} << u"pair"_s
        << u"true"_s;
    QTest::newRow("--window-geometry") << QStringList{u"--window-geometry"_s, u"960x540+960+0"_s}
                                       << u"window-geometry"_s << u"960x540+960+0"_s;
    QTest::newRow("--window-geometry= at the corner")
        << QStringList{u"--window-geometry=640x360+0+0"_s} << u"window-geometry"_s
        << u"640x360+0+0"_s;
}

void tst_AppOptions::parses()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, field);
    QFETCH(QString, value);
    value.replace(u"%FILE%"_s, m_file).replace(u"%DIR%"_s, m_dir.path());

    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse(expand(arguments, m_file, m_dir.path()), &options, &text),
             AppOptions::Outcome::Run);
    QVERIFY2(text.isEmpty(), qPrintable(text));

    if (field == u"file"_s) {
        QCOMPARE(options.file, QFileInfo(value).absoluteFilePath());
    } else if (field == u"server"_s) {
        QVERIFY(options.servers);
        QCOMPARE(options.servers->toText(), value);
        QList<QUrl> urls;
        for (const QString &url : value.split(u", "_s))
            urls.append(QUrl(url));
        QCOMPARE(options.servers->urls(), urls);
    } else if (field == u"token"_s) {
        QCOMPARE(options.token, std::optional<QString>(value));
    } else if (field == u"device"_s) {
        QCOMPARE(options.deviceName, std::optional<QString>(value));
    } else if (field == u"profile"_s) {
        QCOMPARE(QDir::cleanPath(options.profileDir), QDir::cleanPath(value));
    } else if (field == u"quit-after"_s) {
        QCOMPARE(options.quitAfterSeconds, value.toInt());
    } else if (field == u"report-interval"_s) {
        QCOMPARE(options.reportIntervalSeconds, value.toInt());
    } else if (field == u"from-start"_s) {
        QVERIFY(options.fromStart);
    } else if (field == u"events"_s) {
        QVERIFY(options.events);
    } else if (field == u"pair"_s) {
        QVERIFY(options.pair);
        QVERIFY(!options.token);
    } else if (field == u"window-geometry"_s) {
        QVERIFY(options.windowGeometry);
        const QRect rect = *options.windowGeometry;
        QCOMPARE(u"%1x%2+%3+%4"_s.arg(rect.width()).arg(rect.height()).arg(rect.x()).arg(rect.y()),
                 value);
    } else {
        QFAIL(qPrintable(u"no such field in the table: "_s + field));
    }
}

void tst_AppOptions::refuses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions"); // the message names what was wrong

    QTest::newRow("unknown option") << QStringList{u"--bogus"_s} << u"bogus"_s;
    QTest::newRow("unknown short option") << QStringList{u"-z"_s} << u"z"_s;
    QTest::newRow("--server without a value") << QStringList{u"--server"_s} << u"server"_s;
    QTest::newRow("--quit-after 0") << QStringList{u"--quit-after"_s, u"0"_s} << u"--quit-after"_s;
    QTest::newRow("--quit-after abc")
        << QStringList{u"--quit-after"_s, u"abc"_s} << u"--quit-after"_s;
    QTest::newRow("--quit-after -5") << QStringList{u"--quit-after=-5"_s} << u"--quit-after"_s;
    QTest::newRow("--quit-after 1.5")
        << QStringList{u"--quit-after"_s, u"1.5"_s} << u"--quit-after"_s;
    QTest::newRow("--quit-after too big")
        << QStringList{u"--quit-after"_s, u"99999999999"_s} << u"--quit-after"_s;
    QTest::newRow("--report-interval -1")
        << QStringList{u"--report-interval=-1"_s} << u"--report-interval"_s;
    QTest::newRow("--report-interval 0")
        << QStringList{u"--report-interval"_s, u"0"_s} << u"--report-interval"_s;
    QTest::newRow("--report-interval empty")
        << QStringList{u"--report-interval="_s} << u"--report-interval"_s;
    QTest::newRow("--server ftp://x") << QStringList{u"--server"_s, u"ftp://x"_s} << u"ftp://x"_s;
    QTest::newRow("--server not-a-url")
        << QStringList{u"--server"_s, u"not-a-url"_s} << u"not-a-url"_s;
    QTest::newRow("--server without a host")
        << QStringList{u"--server"_s, u"http://"_s} << u"--server"_s;
    QTest::newRow("--server host:port without a scheme")
        << QStringList{u"--server"_s, u"127.0.0.1:8787"_s} << u"127.0.0.1:8787"_s;
    QTest::newRow("--server empty") << QStringList{u"--server="_s} << u"--server"_s;
    QTest::newRow("--server blank") << QStringList{u"--server"_s, u"  "_s} << u"--server"_s;
    // In a list, the message names the bad entry.
    QTest::newRow("--server list, the second bad")
        << QStringList{u"--server"_s, u"http://a:8787,ftp://b:8787"_s} << u"'ftp://b:8787'"_s;
    QTest::newRow("--server list, the first bad")
        << QStringList{u"--server"_s, u"nas.local:8787, http://b:8787"_s} << u"'nas.local:8787'"_s;
    QTest::newRow("--server list, a host missing")
        << QStringList{u"--server"_s, u"http://a:8787,http://:8787"_s} << u"'http://:8787'"_s;
    QTest::newRow("--server list, a space in a host")
        << QStringList{u"--server"_s, u"http://a:8787,http://my nas:8787"_s}
        << u"'http://my nas:8787'"_s;
    QTest::newRow("--server list, a comma too many")
        << QStringList{u"--server"_s, u"http://a:8787,,http://b:8787"_s} << u"empty"_s;
    QTest::newRow("--server list, a trailing comma")
        << QStringList{u"--server"_s, u"http://a:8787,"_s} << u"empty"_s;
    QTest::newRow("--server list, one twice")
        << QStringList{u"--server"_s, u"http://a:8787, http://a:8787"_s} << u"twice"_s;
    QTest::newRow("--device with 65 characters")
        << QStringList{u"--device"_s, QString(65, u'x')} << u"--device"_s;
    QTest::newRow("--device empty") << QStringList{u"--device"_s, QString()} << u"--device"_s;
    QTest::newRow("--device blank") << QStringList{u"--device"_s, u"   "_s} << u"--device"_s;
    QTest::newRow("--window-geometry without a position")
        << QStringList{u"--window-geometry"_s, u"960x540"_s} << u"--window-geometry"_s;
    QTest::newRow("--window-geometry of no width")
        << QStringList{u"--window-geometry"_s, u"0x540+0+0"_s} << u"--window-geometry"_s;
    QTest::newRow("--window-geometry negative")
        << QStringList{u"--window-geometry"_s, u"960x540-10+0"_s} << u"--window-geometry"_s;
    QTest::newRow("--window-geometry words")
        << QStringList{u"--window-geometry"_s, u"wide"_s} << u"--window-geometry"_s;
    // Pairing needs a server to pair with, and gets the token itself.
    QTest::newRow("--pair without --server") << QStringList{u"--pair"_s} << u"--server"_s;
    QTest::newRow("--pair with --token")
        << QStringList{u"--pair"_s, u"--server"_s, u"http://127.0.0.1:8787"_s, u"--token"_s, u"t"_s}
        << u"--token"_s;
    QTest::newRow("two FILEs") << QStringList{u"%FILE%"_s, u"%FILE%"_s} << u"FILE"_s;
    QTest::newRow("a FILE that does not exist")
        << QStringList{u"%DIR%/no-such-video.mkv"_s} << u"no-such-video.mkv"_s;
    // Accepted files are tested in tst_tls, which makes a real certificate.
    QTest::newRow("--ca-cert that does not exist")
        << QStringList{u"--ca-cert"_s, u"%DIR%/no-such.pem"_s} << u"no-such.pem"_s;
    QTest::newRow("--ca-cert that is not a certificate")
        << QStringList{u"--ca-cert"_s, u"%FILE%"_s} << u"no PEM certificate"_s;
}

void tst_AppOptions::refuses()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);

    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse(expand(arguments, m_file, m_dir.path()), &options, &text),
             AppOptions::Outcome::Error);
    QVERIFY2(!text.trimmed().isEmpty(), "an error comes with a message");
    QVERIFY2(text.contains(mentions), qPrintable(text));
}

void tst_AppOptions::tokenFromEnvironment_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("environment"); // null: PLAYMARK_TOKEN unset
    QTest::addColumn<QString>("token"); // null: no token given

    QTest::newRow("neither") << QStringList() << QString() << QString();
    QTest::newRow("environment alone") << QStringList() << u"env-token"_s << u"env-token"_s;
    QTest::newRow("--token alone")
        << QStringList{u"--token"_s, u"flag-token"_s} << QString() << u"flag-token"_s;
    QTest::newRow("--token wins over the environment")
        << QStringList{u"--token"_s, u"flag-token"_s} << u"env-token"_s << u"flag-token"_s;
    QTest::newRow("--pair leaves the environment's aside")
        << QStringList{u"--pair"_s, u"--server"_s, u"http://127.0.0.1:8787"_s} << u"env-token"_s
        << QString();
}

void tst_AppOptions::tokenFromEnvironment()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, environment);
    QFETCH(QString, token);

    if (!environment.isNull())
        qputenv("PLAYMARK_TOKEN", environment.toUtf8());

    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse(expand(arguments, m_file, m_dir.path()), &options, &text),
             AppOptions::Outcome::Run);
    if (token.isNull())
        QVERIFY(!options.token);
    else
        QCOMPARE(options.token, std::optional<QString>(token));
}

void tst_AppOptions::help()
{
    for (const QString &flag : {u"--help"_s, u"-h"_s}) {
        AppOptions options;
        QString text;
        QCOMPARE(AppOptions::parse({u"playmark"_s, flag}, &options, &text),
                 AppOptions::Outcome::Help);
        // Every option of the contract is explained.
        for (const char *option :
             {"--server", "--token", "--device", "--profile", "--quit-after", "--from-start",
              "--report-interval", "--events", "--window-geometry", "--pair", "FILE"}) {
            QVERIFY2(text.contains(QLatin1String(option)), option);
        }
        // --server takes a list.
        QVERIFY2(text.contains(u"URL[,URL...]"_s), qPrintable(text));
        QVERIFY2(text.contains(u"commas"_s), qPrintable(text));
        QVERIFY(text.contains(u"PLAYMARK_TOKEN"_s));
        // --pair says how a code is approved, and the events it prints (wrapped as it fits).
        const QString words = text.simplified();
        QVERIFY2(words.contains(u"user approve NAME CODE"_s), qPrintable(text));
        QVERIFY2(words.contains(u"Settings > Devices > Add a Device"_s), qPrintable(text));
        QVERIFY2(words.contains(u"also pairing (the code) and paired"_s), qPrintable(text));
        // Where the token goes, for --token and --pair alike: the keyring, the profile only
        // without one (docs/security.md, "Where the token lives").
        QCOMPARE(words.count(u"in the desktop's keyring, or in the profile where there is none"_s),
                 2);
    }
}

void tst_AppOptions::version()
{
    AppOptions options;
    QString text;
    QCOMPARE(AppOptions::parse({u"playmark"_s, u"--version"_s}, &options, &text),
             AppOptions::Outcome::Version);
    QVERIFY2(text.startsWith(u"playmark "_s), qPrintable(text));
}

QTEST_GUILESS_MAIN(tst_AppOptions)
#include "tst_appoptions.moc"
