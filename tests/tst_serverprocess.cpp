// playmark-server as a person runs it: the built binary in a real process, its command line, its
// output, signals, and HTTP through the real curl.
#include "serverprocess.h"
#include "testdatabase.h"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>
#include <memory>

#include <sys/types.h>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;

const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

// The answer curl printed: the body, then the status on a line of its own (-w).
struct CurlAnswer
{
    int status = -1;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

} // namespace

class TestServerProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void userAddPrintsTheTokenAlone();
    void serveAnswersCurl();
    void acknowledgedUpdateSurvivesSigkill();
    void signalEndsCleanly_data();
    void signalEndsCleanly();
    void userTokenRevokeAndList();
    void revokeTakesEffectOnARunningServer();
    void badArguments_data();
    void badArguments();
    void helpAndVersion();
    void unwritableDatabase_data();
    void unwritableDatabase();
    void environmentVariables();
    void portInUse();

private:
    Run server(const QStringList &args)
    {
        return runProcess(kServerBinary, args, m_environment, kTimeoutMs);
    }
    QString addUser(const QString &name);
    CurlAnswer curl(const QByteArray &method, const QString &url, const QString &token = {},
                    const QByteArray &body = {});

    // Whether the server made its database (SQLite: the file; PostgreSQL: its tables).
    bool databaseExists();

    std::unique_ptr<TestDatabase> m_database; // SQLite or PostgreSQL, as CTest says
    std::unique_ptr<QTemporaryDir> m_dir; // home folders, files of the SQLite-only cases
    QString m_db;
    QProcessEnvironment m_environment;
    QString m_curl;
};

void TestServerProcess::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QFileInfo(kServerBinary).isExecutable(), qPrintable(kServerBinary));
    m_curl = QStandardPaths::findExecutable(u"curl"_s);
    QVERIFY2(!m_curl.isEmpty(), "curl is needed (scripts/setup installs it)");
}

void TestServerProcess::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = std::make_unique<TestDatabase>(u"process"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    m_db = m_database->location();

    // Nothing from the person running the tests leaks in, nothing leaks out.
    m_environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name :
         {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"PLAYMARK_TOKEN"_s, u"QT_LOGGING_RULES"_s})
        m_environment.remove(name);
    m_environment.insert(u"HOME"_s, m_dir->filePath(u"home"_s));
    m_environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"home/data"_s));
    m_environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"home/config"_s));
}

void TestServerProcess::cleanup()
{
    m_database.reset();
    m_dir.reset();
}

bool TestServerProcess::databaseExists()
{
    if (!TestDatabase::isPostgreSql())
        return QFile::exists(m_db);
    return m_database->raw().tables().contains(u"users"_s);
}

QString TestServerProcess::addUser(const QString &name)
{
    const Run run = server({u"user"_s, u"add"_s, name, u"--db"_s, m_db});
    if (!run.finished || run.exitCode != 0) {
        qWarning() << "user add failed:" << run.err;
        return {};
    }
    return QString::fromUtf8(run.out).trimmed();
}

CurlAnswer TestServerProcess::curl(const QByteArray &method, const QString &url,
                                   const QString &token, const QByteArray &body)
{
    QStringList args{u"-sS"_s,
                     u"--noproxy"_s,
                     u"*"_s,
                     u"--max-time"_s,
                     u"30"_s,
                     u"-X"_s,
                     QString::fromLatin1(method),
                     u"-w"_s,
                     u"\n%{http_code}"_s};
    if (!token.isEmpty())
        args << u"-H"_s << u"Authorization: Bearer "_s + token;
    if (!body.isEmpty())
        args << u"-H"_s << u"Content-Type: application/json"_s << u"--data-binary"_s
             << QString::fromUtf8(body);
    args << url;

    CurlAnswer answer;
    const Run run = runProcess(m_curl, args, m_environment, kTimeoutMs);
    if (!run.finished || run.exitCode != 0) {
        qWarning() << "curl failed:" << run.exitCode << run.err;
        return answer;
    }
    const qsizetype newline = run.out.lastIndexOf('\n');
    answer.body = run.out.left(newline);
    answer.status = run.out.mid(newline + 1).toInt();
    return answer;
}

void TestServerProcess::userAddPrintsTheTokenAlone()
{
    const Run run = server({u"user"_s, u"add"_s, u"alice"_s, u"--db"_s, m_db});
    QVERIFY(run.finished);
    QCOMPARE(run.exitStatus, QProcess::NormalExit);
    QCOMPARE(run.exitCode, 0);
    // One line, the token and nothing else, so that `TOKEN=$(playmark-server user add ...)` works.
    QVERIFY2(run.out.endsWith('\n'), run.out.constData());
    QCOMPARE(run.out.count('\n'), 1);
    const QString token = QString::fromUtf8(run.out).trimmed();
    QVERIFY2(QRegularExpression(u"^[A-Za-z0-9_-]{22,}$"_s).match(token).hasMatch(),
             run.out.constData());
    QVERIFY(!run.err.contains(run.out.trimmed()));
    QVERIFY(databaseExists());

    // A second user gets a different token.
    const QString other = addUser(u"bob"_s);
    QVERIFY(!other.isEmpty());
    QVERIFY(other != token);
}

void TestServerProcess::serveAnswersCurl()
{
    const QString token = addUser(u"alice"_s);
    QVERIFY(!token.isEmpty());

    ServerProcess serve(kServerBinary,
                        {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db},
                        m_environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(serve.port() != 0 || !serve.isRunning(), serve.err().constData(),
                              kTimeoutMs);
    QVERIFY2(serve.port() != 0, serve.err().constData());
    QVERIFY(serve.isRunning());
    QVERIFY(serve.process().readAllStandardOutput().isEmpty());

    CurlAnswer answer = curl("GET", serve.url() + u"/healthz"_s);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"status"_s).toString(), u"ok"_s);

    const QByteArray body = R"({"position_ms": 754000, "duration_ms": 1320000,
        "device_id": "laptop-1", "device_name": "Laptop", "observed_at_ms": 1700000000000,
        "state": "paused", "title": "Episode 1"})";
    answer = curl("PUT", serve.url() + u"/v1/progress/pm1-abc"_s, token, body);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"applied"_s), QJsonValue(true));
    const QJsonObject record = answer.json().value(u"record"_s).toObject();
    QCOMPARE(record.value(u"position_ms"_s).toInteger(), 754000);
    QCOMPARE(record.value(u"title"_s).toString(), u"Episode 1"_s);

    answer = curl("GET", serve.url() + u"/v1/progress/pm1-abc"_s, token);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"record"_s).toObject(), record);
    QVERIFY(answer.json().value(u"server_time_ms"_s).isDouble());

    answer = curl("GET", serve.url() + u"/v1/progress/pm1-abc"_s);
    QCOMPARE(answer.status, 401);
    QCOMPARE(answer.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
             u"unauthorized"_s);
}

void TestServerProcess::acknowledgedUpdateSurvivesSigkill()
{
    const QString token = addUser(u"alice"_s);
    QVERIFY(!token.isEmpty());
    const QStringList args{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db};
    QJsonObject acknowledged;
    {
        ServerProcess serve(kServerBinary, args, m_environment, kTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(serve.port() != 0 || !serve.isRunning(), serve.err().constData(),
                                  kTimeoutMs);
        QVERIFY2(serve.port() != 0, serve.err().constData());

        for (int i = 1; i <= 5; ++i) {
            const QByteArray body =
                QJsonDocument(QJsonObject{{u"position_ms"_s, i * 1000},
                                          {u"device_id"_s, u"tv"_s},
                                          {u"observed_at_ms"_s, qint64(1700000000000) + i}})
                    .toJson(QJsonDocument::Compact);
            const CurlAnswer answer =
                curl("PUT", serve.url() + u"/v1/progress/movie"_s, token, body);
            QCOMPARE(answer.status, 200);
            acknowledged = answer.json().value(u"record"_s).toObject();
        }

        // kill -9 right after the acknowledgement: no shutdown code runs.
        QSignalSpy finished(&serve.process(), &QProcess::finished);
        serve.process().kill();
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(serve.process().exitStatus(), QProcess::CrashExit);
    }

    ServerProcess again(kServerBinary, args, m_environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(again.port() != 0 || !again.isRunning(), again.err().constData(),
                              kTimeoutMs);
    QVERIFY2(again.port() != 0, again.err().constData());
    const CurlAnswer answer = curl("GET", again.url() + u"/v1/progress/movie"_s, token);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"record"_s).toObject(), acknowledged);
    QCOMPARE(acknowledged.value(u"position_ms"_s).toInteger(), 5000);
    const CurlAnswer history = curl("GET", again.url() + u"/v1/progress/movie/history"_s, token);
    QCOMPARE(history.status, 200);
    QCOMPARE(history.json().value(u"items"_s).toArray().size(), 5);
}

void TestServerProcess::signalEndsCleanly_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestServerProcess::signalEndsCleanly()
{
    QFETCH(int, signalNumber);
    const QString token = addUser(u"alice"_s);
    QVERIFY(!token.isEmpty());
    const QStringList args{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db};
    {
        ServerProcess serve(kServerBinary, args, m_environment, kTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(serve.port() != 0 || !serve.isRunning(), serve.err().constData(),
                                  kTimeoutMs);
        QVERIFY2(serve.port() != 0, serve.err().constData());
        const CurlAnswer answer =
            curl("PUT", serve.url() + u"/v1/progress/movie"_s, token,
                 R"({"position_ms": 42, "device_id": "tv", "observed_at_ms": 1700000000000})");
        QCOMPARE(answer.status, 200);

        // A client following the event stream does not hold the shutdown up; its stream ends.
        QProcess events;
        events.setProcessEnvironment(m_environment);
        QByteArray eventsOut;
        connect(&events, &QProcess::readyReadStandardOutput, &events,
                [&] { eventsOut += events.readAllStandardOutput(); });
        QSignalSpy eventsFinished(&events, &QProcess::finished);
        events.start(m_curl,
                     {u"-sSN"_s, u"--noproxy"_s, u"*"_s, u"-H"_s,
                      u"Authorization: Bearer "_s + token, serve.url() + u"/v1/events"_s});
        QTRY_VERIFY2_WITH_TIMEOUT(eventsOut.contains(": playmark events"), eventsOut.constData(),
                                  kTimeoutMs);

        QSignalSpy finished(&serve.process(), &QProcess::finished);
        if (signalNumber == SIGTERM)
            serve.process().terminate();
        else
            QCOMPARE(::kill(pid_t(serve.process().processId()), signalNumber), 0);
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(serve.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.process().exitCode(), 0);
        QVERIFY(eventsFinished.count() > 0 || eventsFinished.wait(kTimeoutMs));
        QCOMPARE(events.exitStatus(), QProcess::NormalExit);
    }

    // Shut down cleanly: the write-ahead log was folded into the database.
    if (!TestDatabase::isPostgreSql())
        QVERIFY(!QFile::exists(m_db + u"-wal"_s));
    ServerProcess again(kServerBinary, args, m_environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(again.port() != 0 || !again.isRunning(), again.err().constData(),
                              kTimeoutMs);
    QVERIFY2(again.port() != 0, again.err().constData());
    const CurlAnswer answer = curl("GET", again.url() + u"/v1/progress/movie"_s, token);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"record"_s).toObject().value(u"position_ms"_s).toInteger(), 42);
}

void TestServerProcess::userTokenRevokeAndList()
{
    const QString first = addUser(u"alice"_s);
    QVERIFY(!first.isEmpty());
    QVERIFY(!addUser(u"bob"_s).isEmpty());

    Run run = server({u"user"_s, u"token"_s, u"alice"_s, u"--db"_s, m_db});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out.count('\n'), 1);
    const QString second = QString::fromUtf8(run.out).trimmed();
    QVERIFY(!second.isEmpty());
    QVERIFY(second != first);

    const auto listed = [this](const QString &name) -> QStringList {
        const Run list = server({u"user"_s, u"list"_s, u"--db"_s, m_db});
        if (list.exitCode != 0)
            return {};
        for (const QByteArray &line : list.out.split('\n')) {
            const QStringList columns = QString::fromUtf8(line).split(u' ', Qt::SkipEmptyParts);
            if (columns.value(0) == name)
                return columns;
        }
        return {};
    };
    // NAME TOKENS RECORDS CREATED
    QStringList alice = listed(u"alice"_s);
    QCOMPARE(alice.size(), 4);
    QCOMPARE(alice.at(1), u"2"_s);
    QCOMPARE(alice.at(2), u"0"_s);
    QVERIFY2(alice.at(3).startsWith(QString::number(QDate::currentDate().year())),
             qPrintable(alice.at(3)));
    QCOMPARE(listed(u"bob"_s).value(1), u"1"_s);
    run = server({u"user"_s, u"list"_s, u"--db"_s, m_db});
    QVERIFY(!run.out.contains(first.toUtf8()));

    run = server({u"user"_s, u"revoke"_s, u"alice"_s, u"--db"_s, m_db});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("2"), run.err.constData());
    alice = listed(u"alice"_s);
    QCOMPARE(alice.value(1), u"0"_s);
    QCOMPARE(listed(u"bob"_s).value(1), u"1"_s);

    // Refusals that are not usage errors: a clear message, exit 1, nothing on stdout.
    run = server({u"user"_s, u"add"_s, u"alice"_s, u"--db"_s, m_db});
    QCOMPARE(run.exitCode, 1);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("already exists"), run.err.constData());
    for (const QString &verb : {u"token"_s, u"revoke"_s}) {
        run = server({u"user"_s, verb, u"nobody"_s, u"--db"_s, m_db});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        QVERIFY2(run.err.contains("nobody"), run.err.constData());
    }
}

void TestServerProcess::revokeTakesEffectOnARunningServer()
{
    const QString token = addUser(u"alice"_s);
    QVERIFY(!token.isEmpty());
    ServerProcess serve(kServerBinary,
                        {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db},
                        m_environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(serve.port() != 0 || !serve.isRunning(), serve.err().constData(),
                              kTimeoutMs);
    QVERIFY2(serve.port() != 0, serve.err().constData());

    QCOMPARE(curl("GET", serve.url() + u"/v1/progress"_s, token).status, 200);
    const Run revoke = server({u"user"_s, u"revoke"_s, u"alice"_s, u"--db"_s, m_db});
    QCOMPARE(revoke.exitCode, 0);
    // The server remembers tokens for a few seconds: the revocation takes effect within them.
    QTRY_COMPARE_WITH_TIMEOUT(curl("GET", serve.url() + u"/v1/progress"_s, token).status, 401,
                              15000);
    const CurlAnswer answer = curl("GET", serve.url() + u"/v1/progress"_s, token);
    QCOMPARE(answer.status, 401);
    QCOMPARE(answer.json().value(u"error"_s).toObject().value(u"code"_s).toString(),
             u"unauthorized"_s);

    // A token issued while it runs works at once.
    const Run issue = server({u"user"_s, u"token"_s, u"alice"_s, u"--db"_s, m_db});
    QCOMPARE(issue.exitCode, 0);
    QCOMPARE(
        curl("GET", serve.url() + u"/v1/progress"_s, QString::fromUtf8(issue.out).trimmed()).status,
        200);
}

void TestServerProcess::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mention");

    QTest::newRow("no command") << QStringList() << u"command"_s;
    QTest::newRow("unknown command") << QStringList{u"frobnicate"_s} << u"frobnicate"_s;
    QTest::newRow("unknown option")
        << QStringList{u"serve"_s, u"--frobnicate"_s} << u"frobnicate"_s;
    QTest::newRow("serve with an argument") << QStringList{u"serve"_s, u"now"_s} << u"serve"_s;
    QTest::newRow("user without a verb") << QStringList{u"user"_s} << u"add"_s;
    QTest::newRow("user add without a name") << QStringList{u"user"_s, u"add"_s} << u"NAME"_s;
    QTest::newRow("user add with a bad second name")
        << QStringList{u"user"_s, u"add"_s, u"a"_s, u"b c"_s} << u"name"_s;
    QTest::newRow("user add with a bad name")
        << QStringList{u"user"_s, u"add"_s, u"no spaces"_s} << u"name"_s;
    QTest::newRow("user token without a name") << QStringList{u"user"_s, u"token"_s} << u"NAME"_s;
    QTest::newRow("user revoke without a name") << QStringList{u"user"_s, u"revoke"_s} << u"NAME"_s;
    QTest::newRow("user list with a name")
        << QStringList{u"user"_s, u"list"_s, u"x"_s} << u"list"_s;
    QTest::newRow("unknown user verb")
        << QStringList{u"user"_s, u"delete"_s, u"x"_s} << u"delete"_s;
    QTest::newRow("--listen without a port")
        << QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1"_s} << u"--listen"_s;
    QTest::newRow("--listen port too large")
        << QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:65536"_s} << u"--listen"_s;
    QTest::newRow("--listen port not a number")
        << QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:http"_s} << u"--listen"_s;
    QTest::newRow("--listen bad host")
        << QStringList{u"serve"_s, u"--listen"_s, u"not a host:80"_s} << u"--listen"_s;
    QTest::newRow("--listen empty")
        << QStringList{u"serve"_s, u"--listen"_s, QString()} << u"--listen"_s;
    QTest::newRow("--listen without a value")
        << QStringList{u"serve"_s, u"--listen"_s} << u"listen"_s;
    QTest::newRow("--pairing-ttl 0")
        << QStringList{u"serve"_s, u"--pairing-ttl"_s, u"0"_s} << u"--pairing-ttl"_s;
    QTest::newRow("--pairing-ttl under a minute")
        << QStringList{u"serve"_s, u"--pairing-ttl"_s, u"59"_s} << u"--pairing-ttl"_s;
    QTest::newRow("--trusted-proxy not an address")
        << QStringList{u"serve"_s, u"--trusted-proxy"_s, u"127.0.0.1,nginx"_s}
        << u"--trusted-proxy"_s;
    QTest::newRow("--pairing-ttl not a number")
        << QStringList{u"serve"_s, u"--pairing-ttl"_s, u"ten"_s} << u"--pairing-ttl"_s;
    QTest::newRow("bad --log-level")
        << QStringList{u"serve"_s, u"--log-level"_s, u"loud"_s} << u"--log-level"_s;
    QTest::newRow("postgresql URL without a database")
        << QStringList{u"serve"_s, u"--db"_s, u"postgresql://localhost"_s}
        << u"names no database"_s;
    QTest::newRow("postgresql URL with a stray option")
        << QStringList{u"user"_s, u"list"_s, u"--db"_s,
                       u"postgresql://localhost/pm?options=-c%20x%3Dy"_s}
        << u"options=-c x=y"_s;
    QTest::newRow("another database's URL")
        << QStringList{u"serve"_s, u"--db"_s, u"mysql://localhost/pm"_s} << u"postgresql://"_s;
}

void TestServerProcess::badArguments()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mention);

    // --db first, so a mistaken run could only ever touch the temporary folder.
    QStringList full = args;
    if (!args.contains(u"--db"_s))
        full = QStringList{u"--db"_s, m_db} + args;
    const Run run = server(full);
    QVERIFY(run.finished);
    QCOMPARE(run.exitStatus, QProcess::NormalExit);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.out.isEmpty(), run.out.constData());
    QVERIFY2(run.err.contains(mention.toUtf8()), run.err.constData());
    QVERIFY2(run.err.contains("--help"), run.err.constData());
    QVERIFY2(!run.err.contains("listening on"), run.err.constData());
    // A usage error touches nothing.
    QVERIFY(!databaseExists());
}

void TestServerProcess::helpAndVersion()
{
    Run run = server({u"--help"_s});
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 0);
    for (const char *word :
         {"serve", "user add", "user token", "user revoke", "user list", "user approve",
          "user devices", "user remove-device", "--listen", "--db", "--pairing-ttl"})
        QVERIFY2(run.out.contains(word), word);

    run = server({u"--version"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.startsWith("playmark-server "), run.out.constData());
}

void TestServerProcess::unwritableDatabase_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("serve") << QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s};
    QTest::newRow("user add") << QStringList{u"user"_s, u"add"_s, u"alice"_s};
    QTest::newRow("user list") << QStringList{u"user"_s, u"list"_s};
}

void TestServerProcess::unwritableDatabase()
{
    QFETCH(QStringList, args);

    if (TestDatabase::isPostgreSql()) {
        // A database that is not there, and a port where no PostgreSQL listens: named, exit 1.
        QUrl missing(m_db);
        missing.setPath(u"/no_such_database"_s);
        QUrl nobody(m_db);
        nobody.setPort(1);
        for (const QUrl &url : {missing, nobody}) {
            const Run run = server(QStringList(args) << u"--db"_s << url.toString());
            QVERIFY(run.finished);
            QCOMPARE(run.exitStatus, QProcess::NormalExit);
            QCOMPARE(run.exitCode, 1);
            QVERIFY(run.out.isEmpty());
            QVERIFY2(run.err.startsWith("playmark-server: "), run.err.constData());
            QVERIFY2(run.err.contains(url.toString().toUtf8()), run.err.constData());
            QVERIFY(!run.err.contains("listening on"));
        }
        return;
    }

    // A folder that cannot be made, whoever runs the test (root included): its parent is a file.
    QFile blocker(m_dir->filePath(u"not-a-folder"_s));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const QString path = m_dir->filePath(u"not-a-folder/data/server.sqlite"_s);

    const Run run = server(args << u"--db"_s << path);
    QVERIFY(run.finished);
    QCOMPARE(run.exitStatus, QProcess::NormalExit);
    QVERIFY(run.exitCode != 0);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("not-a-folder"), run.err.constData());
    QVERIFY2(run.err.startsWith("playmark-server: "), run.err.constData());
    QVERIFY(!run.err.contains("listening on"));

    // A folder that is there but is not a database file.
    const QString folder = m_dir->filePath(u"a-folder.sqlite"_s);
    QVERIFY(QDir().mkpath(folder));
    const Run second = server(args.mid(0, args.size() - 1) << folder);
    QVERIFY(second.finished);
    QVERIFY(second.exitCode != 0);
    QVERIFY2(second.err.contains("a-folder.sqlite"), second.err.constData());
}

void TestServerProcess::environmentVariables()
{
    // PLAYMARK_DB stands in for --db, PLAYMARK_LISTEN for --listen.
    QProcessEnvironment environment = m_environment;
    environment.insert(u"PLAYMARK_DB"_s, m_db);
    environment.insert(u"PLAYMARK_LISTEN"_s, u"127.0.0.1:0"_s);
    const Run add =
        runProcess(kServerBinary, {u"user"_s, u"add"_s, u"alice"_s}, environment, kTimeoutMs);
    QCOMPARE(add.exitCode, 0);
    QVERIFY(databaseExists());
    const QString token = QString::fromUtf8(add.out).trimmed();

    ServerProcess serve(kServerBinary, {u"serve"_s}, environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(serve.port() != 0 || !serve.isRunning(), serve.err().constData(),
                              kTimeoutMs);
    QVERIFY2(serve.port() != 0, serve.err().constData());
    QCOMPARE(curl("GET", serve.url() + u"/v1/progress"_s, token).status, 200);

    // An option wins over the variable.
    TestDatabase other(u"other"_s);
    QVERIFY2(other.isValid(), qPrintable(other.error()));
    const Run add2 =
        runProcess(kServerBinary, {u"user"_s, u"add"_s, u"bob"_s, u"--db"_s, other.location()},
                   environment, kTimeoutMs);
    QCOMPARE(add2.exitCode, 0);
    QCOMPARE(other.value(u"SELECT name FROM users"_s).toString(), u"bob"_s);
    other.closeRaw();
}

void TestServerProcess::portInUse()
{
    ServerProcess first(kServerBinary,
                        {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db},
                        m_environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(first.port() != 0 || !first.isRunning(), first.err().constData(),
                              kTimeoutMs);
    QVERIFY2(first.port() != 0, first.err().constData());

    const Run second =
        server({u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(first.port()), u"--db"_s, m_db});
    QVERIFY(second.finished);
    QCOMPARE(second.exitCode, 1);
    QVERIFY2(second.err.contains(QByteArray::number(first.port())), second.err.constData());
    QVERIFY(!second.err.contains("listening on"));
    QVERIFY(first.isRunning());
}

QTEST_GUILESS_MAIN(TestServerProcess)
#include "tst_serverprocess.moc"
