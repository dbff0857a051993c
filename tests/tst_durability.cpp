// What makes an acknowledged update durable, checked where kill -9 cannot tell: every SQLite
// connection the server and the player open runs journal_mode=WAL with synchronous=FULL; on
// PostgreSQL fsync and synchronous_commit are on, and the server warns at start when they are not;
// and, traced with strace on a real playmark-server, the WAL is synced before a PUT is answered.
// Runs on the engine tests/testdatabase.h gives (tst_durability_sqlite, tst_durability_postgresql).
#include "checkcall.h"
#include "client/localstore.h"
#include "databaselocation.h"
#include "serverprocess.h"
#include "serverstorage.h"
#include "testdatabase.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <iterator>
#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 60000;
const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

// The first column of the first row of `sql` on `db`, as text; empty if it failed.
QString valueOf(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return {};
    return query.value(0).toString();
}

// The connections added since `before`, by name.
QStringList addedConnections(const QStringList &before)
{
    QStringList added;
    for (const QString &name : QSqlDatabase::connectionNames()) {
        if (!before.contains(name))
            added << name;
    }
    return added;
}

// Empty when `name` (a connection of this thread) makes every commit durable; otherwise what is
// not.
QString durabilityOf(const QString &name)
{
    QSqlDatabase db = QSqlDatabase::database(name, false);
    if (!db.isOpen())
        return name + u": not open"_s;
    if (db.driverName() == u"QSQLITE"_s) {
        const QString journal = valueOf(db, u"PRAGMA journal_mode"_s);
        const QString synchronous = valueOf(db, u"PRAGMA synchronous"_s);
        if (journal != u"wal"_s || synchronous != u"2"_s) // 2 is FULL
            return u"%1: journal_mode=%2 synchronous=%3"_s.arg(name, journal, synchronous);
        return {};
    }
    const QString fsync = valueOf(db, u"SHOW fsync"_s);
    const QString commit = valueOf(db, u"SHOW synchronous_commit"_s);
    if (fsync != u"on"_s || commit != u"on"_s)
        return u"%1: fsync=%2 synchronous_commit=%3"_s.arg(name, fsync, commit);
    return {};
}

// One line of `strace -f -y` output that matters here.
struct Call
{
    enum class Kind { WalWrite, WalSync, Answer200 };
    Kind kind;
    qsizetype index = 0; // where it completed, in line order
    QString line;
};

// The WAL writes, WAL syncs (where each returned) and "HTTP/1.1 200" writes to a socket in a
// trace, in the order they completed. strace splits a call another thread interrupted into
// "<unfinished ...>" and "<... NAME resumed>"; what counts is the return.
QList<Call> tracedCalls(const QStringList &lines)
{
    static const QRegularExpression call(
        u"^(\\d+)\\s+(fsync|fdatasync|write|pwrite64|writev|sendto|sendmsg)\\((\\d+)<([^>]*)>"_s);
    QList<Call> calls;
    QHash<QString, Call> unfinished; // by pid
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        const QRegularExpressionMatch match = call.match(line);
        if (!match.hasMatch()) {
            static const QRegularExpression resumed(u"^(\\d+)\\s+<\\.\\.\\. \\w+ resumed>"_s);
            const QRegularExpressionMatch again = resumed.match(line);
            if (again.hasMatch() && unfinished.contains(again.captured(1))) {
                Call done = unfinished.take(again.captured(1));
                done.index = i;
                calls << done;
            }
            continue;
        }
        const QString name = match.captured(2);
        const QString path = match.captured(4);
        Call found;
        found.line = line;
        if (path.endsWith(u"-wal"_s))
            found.kind = (name == u"fsync"_s || name == u"fdatasync"_s) ? Call::Kind::WalSync
                                                                        : Call::Kind::WalWrite;
        else if ((path.startsWith(u"socket:"_s) || path.startsWith(u"TCP"_s))
                 && line.contains(u"\"HTTP/1.1 200"_s))
            found.kind = Call::Kind::Answer200;
        else
            continue;
        if (line.contains(u"<unfinished ...>"_s)) {
            unfinished.insert(match.captured(1), found);
            continue;
        }
        found.index = i;
        calls << found;
    }
    std::stable_sort(calls.begin(), calls.end(),
                     [](const Call &a, const Call &b) { return a.index < b.index; });
    return calls;
}

// A PUT on a new connection; the status, or -1.
int put(quint16 port, const QString &token, const QString &contentId, qint64 positionMs)
{
    const QByteArray body = QJsonDocument(QJsonObject{
                                              {u"position_ms"_s, positionMs},
                                              {u"duration_ms"_s, 600000},
                                              {u"device_id"_s, u"tv"_s},
                                              {u"device_name"_s, u"TV"_s},
                                              {u"observed_at_ms"_s, qint64(1'700'000'000'000)},
                                          })
                                .toJson(QJsonDocument::Compact);
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(kTimeoutMs))
        return -1;
    socket.write("PUT /v1/progress/" + contentId.toUtf8()
                 + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer "
                 + token.toUtf8() + "\r\nContent-Type: application/json\r\nContent-Length: "
                 + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray answer;
    while (!answer.contains("\r\n") && socket.waitForReadyRead(kTimeoutMs))
        answer += socket.readAll();
    const QList<QByteArray> status = answer.left(answer.indexOf("\r\n")).split(' ');
    return status.size() >= 2 ? status.at(1).toInt() : -1;
}

} // namespace

class TestDurability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void serverConnectionsAreDurable();
    void playerConnectionsAreDurable();
    void postgresWarnsWhenNotDurable();
    void walIsSyncedBeforeTheAnswer();

private:
    QProcessEnvironment environment() const;
    QString addUser();
    // A superuser's job on the test cluster (ALTER SYSTEM); false with a warning if it failed.
    bool onCluster(const QString &sql);

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestDurability::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QFileInfo(kServerBinary).isExecutable(), qPrintable(kServerBinary));
}

void TestDurability::init()
{
    m_database = std::make_unique<TestDatabase>(u"durability"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestDurability::cleanup()
{
    if (TestDatabase::isPostgreSql()) {
        // Whatever a failed test left, the cluster is durable again for the tests after it.
        onCluster(u"ALTER SYSTEM RESET fsync"_s);
        onCluster(u"SELECT pg_reload_conf()"_s);
    }
    m_database.reset();
    m_dir.reset();
}

QProcessEnvironment TestDurability::environment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"QT_LOGGING_RULES"_s})
        environment.remove(name);
    environment.insert(u"HOME"_s, m_dir->filePath(u"home"_s));
    environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"home/data"_s));
    return environment;
}

QString TestDurability::addUser()
{
    const Run add = runProcess(
        kServerBinary, {u"user"_s, u"add"_s, u"family"_s, u"--db"_s, m_database->location()},
        environment(), kTimeoutMs);
    if (!add.exitedNormally() || add.exitCode != 0) {
        qWarning("user add: %s", add.err.constData());
        return {};
    }
    return QString::fromUtf8(add.out).trimmed();
}

bool TestDurability::onCluster(const QString &sql)
{
    QString error;
    const std::optional<DatabaseLocation> cluster =
        DatabaseLocation::parse(TestDatabase::clusterUrl(&error), &error);
    if (!cluster) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    const QString name = u"tst-durability-cluster"_s;
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        cluster->configure(db);
        if (db.open()) {
            QSqlQuery query(db);
            ok = query.exec(sql);
            if (!ok)
                qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        } else {
            qWarning("cluster: %s", qPrintable(db.lastError().text()));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

void TestDurability::serverConnectionsAreDurable()
{
    // The server's storage opens its connections through ServerStorage (the service runs a writer
    // and a reader, each one of these, on threads of their own): opened here, on this thread,
    // every connection it adds can be asked what it runs with.
    const QStringList before = QSqlDatabase::connectionNames();
    ServerStorage storage;
    QString error;
    QVERIFY2(storage.open(m_database->location(), &error), qPrintable(error));
    const QStringList added = addedConnections(before);
    QVERIFY2(!added.isEmpty(), "ServerStorage opened no connection of its own");
    for (const QString &name : added) {
        const QString problem = durabilityOf(name);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
    // The journal mode is the file's own: what the server leaves is a WAL database.
    if (!TestDatabase::isPostgreSql()) {
        storage.close();
        QCOMPARE(m_database->value(u"PRAGMA journal_mode"_s).toString(), u"wal"_s);
    }
}

void TestDurability::playerConnectionsAreDurable()
{
    if (TestDatabase::isPostgreSql())
        QSKIP("the player's local copy is SQLite whatever the server runs on (the _sqlite run)");
    // LocalCopy runs one LocalStore on a thread of its own; opened here, its connection can be
    // asked.
    const QStringList before = QSqlDatabase::connectionNames();
    LocalStore store;
    QString error;
    const QString path = m_dir->filePath(u"profile/local.sqlite"_s);
    VERIFY_OK(store.open(path));
    const QStringList added = addedConnections(before);
    QVERIFY2(!added.isEmpty(), "LocalStore opened no connection of its own");
    for (const QString &name : added) {
        const QString problem = durabilityOf(name);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
}

void TestDurability::postgresWarnsWhenNotDurable()
{
    if (!TestDatabase::isPostgreSql())
        QSKIP("PostgreSQL's settings (the _postgresql run)");
    QVERIFY(!addUser().isEmpty());
    const QStringList serve{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                            m_database->location()};
    const auto startedErr = [&] {
        ServerProcess server(kServerBinary, serve, environment(), kTimeoutMs);
        (void)QTest::qWaitFor([&] { return server.port() != 0 || !server.isRunning(); },
                              kTimeoutMs);
        return server.port() != 0 ? server.err() : QByteArray("did not start: " + server.err());
    };

    // A database whose default is synchronous_commit=off: the server's own sessions still commit
    // synchronously, so nothing to warn about.
    QVERIFY(m_database->exec(u"ALTER DATABASE %1 SET synchronous_commit = off"_s.arg(
        QUrl(m_database->location()).path().mid(1))));
    m_database->closeRaw();
    QCOMPARE(m_database->value(u"SHOW synchronous_commit"_s).toString(), u"off"_s);
    QByteArray err = startedErr();
    QVERIFY2(err.contains("listening on") && !err.contains("warning:"), err.constData());

    // fsync off is the whole cluster's (ALTER SYSTEM on the private test cluster, undone in
    // cleanup()): the server cannot fix that, and says so at start.
    QVERIFY(onCluster(u"ALTER SYSTEM SET fsync = off"_s));
    QVERIFY(onCluster(u"SELECT pg_reload_conf()"_s));
    QTRY_COMPARE_WITH_TIMEOUT(
        (m_database->closeRaw(), m_database->value(u"SHOW fsync"_s).toString()), u"off"_s,
        kTimeoutMs);
    err = startedErr();
    QVERIFY2(err.contains("listening on"), err.constData());
    QVERIFY2(err.contains("warning:") && err.contains("fsync is off"), err.constData());
    QCOMPARE(err.count("fsync is off"), 1); // once, not once per connection

    QVERIFY(onCluster(u"ALTER SYSTEM RESET fsync"_s));
    QVERIFY(onCluster(u"SELECT pg_reload_conf()"_s));
    QTRY_COMPARE_WITH_TIMEOUT(
        (m_database->closeRaw(), m_database->value(u"SHOW fsync"_s).toString()), u"on"_s,
        kTimeoutMs);
}

void TestDurability::walIsSyncedBeforeTheAnswer()
{
    if (TestDatabase::isPostgreSql())
        QSKIP("the SQLite WAL file (the _sqlite run); PostgreSQL's own fsync is its server's");
    const QString strace = QStandardPaths::findExecutable(u"strace"_s);
    QVERIFY2(!strace.isEmpty(), "strace is not installed (scripts/setup installs it)");
    const QString token = addUser();
    QVERIFY(!token.isEmpty());

    // The real server under strace: -f for its storage threads, -y to show each descriptor's file
    // (or socket), the calls that write data and that flush it.
    const QString trace = m_dir->filePath(u"trace.txt"_s);
    ServerProcess server(strace,
                         {u"-f"_s, u"-y"_s, u"-s"_s, u"32"_s, u"-o"_s, trace, u"-e"_s,
                          u"trace=fsync,fdatasync,write,pwrite64,writev,sendto,sendmsg"_s,
                          kServerBinary, u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                          m_database->location()},
                         environment(), kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(server.port() != 0 || !server.isRunning(), server.err().constData(),
                              kTimeoutMs);
    QVERIFY2(server.port() != 0, server.err().constData());
    QCOMPARE(put(server.port(), token, u"traced"_s, 4242), 200);
    // SIGTERM to the server itself (strace's child): it finishes, and strace with it.
    QFile children(u"/proc/%1/task/%1/children"_s.arg(server.process().processId()));
    QVERIFY(children.open(QIODevice::ReadOnly));
    const pid_t serverPid = pid_t(children.readAll().trimmed().split(' ').value(0).toLongLong());
    QVERIFY(serverPid > 0);
    QCOMPARE(::kill(serverPid, SIGTERM), 0);
    QVERIFY(server.process().waitForFinished(kTimeoutMs));

    QFile file(trace);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(trace));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    const QList<Call> calls = tracedCalls(lines);
    const auto answer = std::find_if(calls.begin(), calls.end(), [](const Call &call) {
        return call.kind == Call::Kind::Answer200;
    });
    QVERIFY2(answer != calls.end(), "no \"HTTP/1.1 200\" written to a socket in the trace");
    // The PUT's commit: the last WAL write before the answer; it must be synced before the answer.
    const auto lastWrite =
        std::find_if(std::make_reverse_iterator(answer), calls.rend(),
                     [](const Call &call) { return call.kind == Call::Kind::WalWrite; });
    QVERIFY2(lastWrite != calls.rend(), "the PUT wrote nothing to the -wal file before its answer");
    const bool synced = std::any_of(lastWrite.base(), answer, [](const Call &call) {
        return call.kind == Call::Kind::WalSync;
    });
    QVERIFY2(synced,
             qPrintable(u"no fsync/fdatasync of the WAL between its last write and the "
                        u"answer:\n%1\n%2"_s.arg(lastWrite->line, answer->line)));
    qInfo("%s\n  before\n%s", qPrintable(std::prev(answer)->line), qPrintable(answer->line));
}

QTEST_GUILESS_MAIN(TestDurability)
#include "tst_durability.moc"
