// playmark-loadgen's command line: bad arguments are refused with a message that names the
// option; --rate, --devices and --interval derive one another; --help answers.

#include "loadoptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {

LoadOptions::Outcome parse(const QStringList &args, LoadOptions *options, QString *error,
                           const QString &environmentToken = QString())
{
    return LoadOptions::parse(QStringList{QStringLiteral("playmark-loadgen")} + args,
                              environmentToken, options, error);
}

QStringList words(const char *text)
{
    return QString::fromUtf8(text).split(u' ', Qt::SkipEmptyParts);
}

} // namespace

class tst_LoadOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badArguments_data();
    void badArguments();
    void derivedLoad_data();
    void derivedLoad();
    void defaults();
    void everyOption();
    void tokenFromTheEnvironment();
    void tokensFile();
    void urlWithABasePath();
    void help();
};

void tst_LoadOptions::badArguments_data()
{
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<QString>("mentions");

    const auto row = [](const char *name, const char *arguments, const char *mentions) {
        QTest::newRow(name) << QString::fromUtf8(arguments) << QString::fromUtf8(mentions);
    };
    row("no load", "--token t", "--devices");
    row("no token", "--devices 5", "token");
    row("unknown option", "--token t --devices 5 --turbo", "turbo");
    row("positional argument", "--token t --devices 5 fast", "fast");
    row("devices not a number", "--token t --devices many", "--devices");
    row("zero devices", "--token t --devices 0", "--devices");
    row("negative devices", "--token t --devices -3", "--devices");
    row("fractional devices", "--token t --devices 2.5", "--devices");
    row("too many devices", "--token t --devices 5000000", "--devices");
    row("zero interval", "--token t --devices 5 --interval 0", "--interval");
    row("interval not a number", "--token t --devices 5 --interval soon", "--interval");
    row("infinite interval", "--token t --devices 5 --interval inf", "--interval");
    row("negative jitter", "--token t --devices 5 --jitter -0.1", "--jitter");
    row("jitter of one", "--token t --devices 5 --jitter 1", "--jitter");
    row("zero rate", "--token t --rate 0", "--rate");
    row("rate not a number", "--token t --rate fast", "--rate");
    row("rate, devices and interval", "--token t --rate 10 --devices 5 --interval 1", "two of");
    row("rate too high for the devices", "--token t --rate 100000 --devices 1", "--devices");
    row("rate too low for the devices", "--token t --rate 0.001 --devices 100", "once an hour");
    row("zero duration", "--token t --devices 5 --duration 0", "--duration");
    row("negative warmup", "--token t --devices 5 --warmup -1", "--warmup");
    row("zero timeout", "--token t --devices 5 --timeout 0", "--timeout");
    row("timeout past the histogram", "--token t --devices 5 --timeout 120", "--timeout");
    row("negative reads", "--token t --devices 5 --reads-per-second -1", "--reads-per-second");
    row("zero connections", "--token t --devices 5 --connections 0", "--connections");
    row("too many connections", "--token t --devices 5 --connections 5000", "--connections");
    row("negative read connections", "--token t --devices 5 --read-connections -1",
        "--read-connections");
    row("too many connections in all",
        "--token t --devices 5 --connections 1000 "
        "--read-connections 100",
        "1100 connections");
    row("zero videos", "--token t --devices 5 --videos 0", "--videos");
    row("too many records", "--token t --devices 100000 --videos 1000", "--videos");
    row("unknown client", "--token t --devices 5 --client curl", "--client");
    row("https", "--token t --devices 5 --url https://127.0.0.1:8787", "--url");
    row("not a URL", "--token t --devices 5 --url 127.0.0.1:8787", "--url");
    row("URL with a query", "--token t --devices 5 --url http://127.0.0.1:1/?a=b", "--url");
    row("URL with credentials", "--token t --devices 5 --url http://u:p@127.0.0.1:1", "--url");
    row("missing value", "--token t --devices", "devices");
    row("token without a value", "--devices 5 --token", "token");
    row("negative seed", "--token t --devices 5 --seed -1", "--seed");
    row("read ids without a file", "--token t --devices 5 --read-ids", "read-ids");
    row("tokens without a file", "--devices 5 --tokens", "tokens");
}

void tst_LoadOptions::badArguments()
{
    QFETCH(QString, arguments);
    QFETCH(QString, mentions);
    LoadOptions options;
    QString error;
    QCOMPARE(parse(arguments.split(u' ', Qt::SkipEmptyParts), &options, &error),
             LoadOptions::Outcome::Error);
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

void tst_LoadOptions::derivedLoad_data()
{
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<int>("devices");
    QTest::addColumn<double>("interval");
    QTest::addColumn<double>("rate");

    QTest::newRow("devices, default interval") << "--devices 100" << 100 << 5.0 << 20.0;
    QTest::newRow("devices and interval") << "--devices 100 --interval 2" << 100 << 2.0 << 50.0;
    QTest::newRow("rate, default interval") << "--rate 1000" << 5000 << 5.0 << 1000.0;
    QTest::newRow("rate and interval") << "--rate 1000 --interval 10" << 10000 << 10.0 << 1000.0;
    QTest::newRow("rate and devices") << "--rate 1000 --devices 2000" << 2000 << 2.0 << 1000.0;
    // 3.5 devices round up to 4, and the interval follows so the rate stays exact.
    QTest::newRow("rate not a multiple") << "--rate 0.7" << 4 << 4.0 / 0.7 << 0.7;
}

void tst_LoadOptions::derivedLoad()
{
    QFETCH(QString, arguments);
    QFETCH(int, devices);
    QFETCH(double, interval);
    QFETCH(double, rate);
    LoadOptions options;
    QString error;
    QCOMPARE(
        parse(QStringList{QStringLiteral("--token"), QStringLiteral("t")} + arguments.split(u' '),
              &options, &error),
        LoadOptions::Outcome::Run);
    QCOMPARE(options.devices, devices);
    QCOMPARE(options.intervalSeconds, interval);
    QCOMPARE(options.writesPerSecond, rate);
}

void tst_LoadOptions::defaults()
{
    LoadOptions options;
    QString error;
    QCOMPARE(parse(words("--token t --devices 10"), &options, &error), LoadOptions::Outcome::Run);
    QCOMPARE(options.url, QUrl(QStringLiteral("http://127.0.0.1:8787")));
    QCOMPARE(options.jitter, 0.1);
    QCOMPARE(options.readsPerSecond, 0.0);
    QCOMPARE(options.durationSeconds, 10.0);
    QCOMPARE(options.warmupSeconds, 0.0);
    QCOMPARE(options.timeoutSeconds, 10.0);
    QCOMPARE(options.connections, 16);
    QCOMPARE(options.readConnections, 0);
    QCOMPARE(options.videos, 3);
    QVERIFY(!options.sharedVideos);
    QCOMPARE(options.client, LoadOptions::Client::Raw);
    QVERIFY(options.jsonPath.isEmpty());
    QVERIFY(options.readIdsPath.isEmpty());
}

void tst_LoadOptions::everyOption()
{
    LoadOptions options;
    QString error;
    QCOMPARE(
        parse(words("--url http://localhost:9000/ --token abc --devices 7 --interval 0.5 "
                    "--jitter 0 --videos 2 --shared-videos --reads-per-second 12.5 "
                    "--duration 3 --warmup 1 --timeout 2 --connections 64 --read-connections 8 "
                    "--client qnam "
                    "--seed 99 --json out.json --read-ids ids.txt --tokens tokens.txt"),
              &options, &error),
        LoadOptions::Outcome::Run);
    QCOMPARE(options.url, QUrl(QStringLiteral("http://localhost:9000")));
    QCOMPARE(options.token, QStringLiteral("abc"));
    QCOMPARE(options.devices, 7);
    QCOMPARE(options.intervalSeconds, 0.5);
    QCOMPARE(options.writesPerSecond, 14.0);
    QCOMPARE(options.jitter, 0.0);
    QCOMPARE(options.videos, 2);
    QVERIFY(options.sharedVideos);
    QCOMPARE(options.readsPerSecond, 12.5);
    QCOMPARE(options.durationSeconds, 3.0);
    QCOMPARE(options.warmupSeconds, 1.0);
    QCOMPARE(options.timeoutSeconds, 2.0);
    QCOMPARE(options.connections, 64);
    QCOMPARE(options.readConnections, 8);
    QCOMPARE(options.client, LoadOptions::Client::Qnam);
    QCOMPARE(options.seed, quint32(99));
    QCOMPARE(options.jsonPath, QStringLiteral("out.json"));
    QCOMPARE(options.readIdsPath, QStringLiteral("ids.txt"));
    QCOMPARE(options.tokensPath, QStringLiteral("tokens.txt"));
}

void tst_LoadOptions::tokenFromTheEnvironment()
{
    LoadOptions options;
    QString error;
    QCOMPARE(parse(words("--devices 1"), &options, &error, QStringLiteral("from-env")),
             LoadOptions::Outcome::Run);
    QCOMPARE(options.token, QStringLiteral("from-env"));
    QCOMPARE(parse(words("--devices 1 --token flag"), &options, &error, QStringLiteral("env")),
             LoadOptions::Outcome::Run);
    QCOMPARE(options.token, QStringLiteral("flag"));
    // --tokens alone is enough: each device has its own.
    QCOMPARE(parse(words("--devices 1 --tokens t.txt"), &options, &error, QString()),
             LoadOptions::Outcome::Run);
    QVERIFY(options.token.isEmpty());
    QCOMPARE(options.tokensPath, QStringLiteral("t.txt"));
}

void tst_LoadOptions::tokensFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto write = [&dir](const QByteArray &text) {
        QFile file(dir.filePath(QStringLiteral("tokens.txt")));
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            return QString();
        return file.fileName();
    };
    QList<QByteArray> tokens;
    QString error;
    QVERIFY(LoadOptions::readTokens(write("pm_a\n\npm_b\r\npm_c"), &tokens, &error));
    QCOMPARE(tokens, (QList<QByteArray>{"pm_a", "pm_b", "pm_c"}));
    QVERIFY(!LoadOptions::readTokens(write("pm_a\npm b\n"), &tokens, &error));
    QVERIFY2(error.contains(QStringLiteral(":2:")), qPrintable(error));
    QVERIFY(!LoadOptions::readTokens(write("\n\n"), &tokens, &error));
    QVERIFY2(error.contains(QStringLiteral("no tokens")), qPrintable(error));
    QVERIFY(!LoadOptions::readTokens(dir.filePath(QStringLiteral("missing")), &tokens, &error));
}

void tst_LoadOptions::urlWithABasePath()
{
    LoadOptions options;
    QString error;
    QCOMPARE(
        parse(words("--token t --devices 1 --url http://127.0.0.1/playmark/"), &options, &error),
        LoadOptions::Outcome::Run);
    QCOMPARE(options.url.port(), 80);
    QCOMPARE(options.url.path(), QStringLiteral("/playmark"));
}

void tst_LoadOptions::help()
{
    LoadOptions options;
    QString error;
    QCOMPARE(parse(words("--help"), &options, &error), LoadOptions::Outcome::Help);
    QCOMPARE(parse(words("-h"), &options, &error), LoadOptions::Outcome::Help);
    // Help wins over what would otherwise be an error.
    QCOMPARE(parse(words("--devices 0 --help"), &options, &error), LoadOptions::Outcome::Help);
    QCOMPARE(parse(words("--version"), &options, &error), LoadOptions::Outcome::Version);
    const QString text = LoadOptions::helpText();
    for (const char *option :
         {"--devices", "--interval", "--jitter", "--rate", "--videos", "--shared-videos",
          "--reads-per-second", "--duration", "--warmup", "--timeout", "--seed", "--url", "--token",
          "PLAYMARK_TOKEN", "--connections", "--read-connections", "--client", "--json", "Example"})
        QVERIFY2(text.contains(QString::fromUtf8(option)), option);
}

QTEST_APPLESS_MAIN(tst_LoadOptions)
#include "tst_loadoptions.moc"
