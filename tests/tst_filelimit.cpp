// The server's open-file limit against --max-connections (FileLimit): a real playmark-server
// started with a low limit set in the child (setrlimit before exec) raises its own soft limit,
// or refuses clearly when the hard limit cannot hold its connections; the systemd unit's
// LimitNOFILE matches its --max-connections.
#include "filelimit.h"
#include "serverprocess.h"
#include "serverstorage.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 60000;
const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

// "Max open files  SOFT  HARD  files" of a running process.
qint64 softFileLimit(qint64 pid)
{
    QFile limits(u"/proc/%1/limits"_s.arg(pid));
    if (!limits.open(QIODevice::ReadOnly))
        return -1;
    static const QRegularExpression line(u"^Max open files\\s+(\\d+)\\s+"_s,
                                         QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = line.match(QString::fromLatin1(limits.readAll()));
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

} // namespace

class TestFileLimit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void refusesBeyondTheHardLimit();
    void raisesItsSoftLimit();
    void defaultShrinksToALowHardLimit();
    void unitFileMatchesItsMaxConnections();
    void userAddMakesManyUsersAtOnce();

private:
    // playmark-server serve with RLIMIT_NOFILE set to soft/hard in the child before it runs.
    static void limitChild(QProcess &process, rlim_t soft, rlim_t hard)
    {
        process.setChildProcessModifier([soft, hard] {
            const rlimit limit{soft, hard};
            setrlimit(RLIMIT_NOFILE, &limit);
        });
    }
    QStringList serveArgs(int maxConnections) const
    {
        return {u"serve"_s,
                u"--listen"_s,
                u"127.0.0.1:0"_s,
                u"--db"_s,
                m_db,
                u"--max-connections"_s,
                QString::number(maxConnections)};
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_db;
};

void TestFileLimit::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = m_dir->filePath(u"limits.sqlite"_s);
}

void TestFileLimit::refusesBeyondTheHardLimit()
{
    QProcess process;
    limitChild(process, 256, 512);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(kServerBinary, serveArgs(1000));
    QVERIFY2(finished.wait(kTimeoutMs), "the server did not end by itself");
    const QByteArray err = process.readAllStandardError();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    QVERIFY2(!err.contains("listening on"), err.constData());
    // The numbers and what to do about them.
    const QByteArray needed = QByteArray::number(FileLimit::neededFor(1000));
    for (const QByteArray &word :
         {QByteArray("--max-connections 1000"), needed, QByteArray("hard limit is 512"),
          QByteArray("LimitNOFILE"), QByteArray("ulimit -Hn"), QByteArray("--max-connections 256")})
        QVERIFY2(err.contains(word), QByteArray(word + " not in: " + err).constData());
    QVERIFY2(!QFile::exists(m_db), "a refused start touched the database");
}

void TestFileLimit::raisesItsSoftLimit()
{
    rlimit own{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &own), 0);
    // Above the soft limit given to the server, within this process's own hard limit.
    const qint64 room = own.rlim_max == RLIM_INFINITY ? 1500 : qint64(own.rlim_max) - 256;
    const int connections = int(qMin<qint64>(1500, room));
    QVERIFY2(FileLimit::neededFor(connections) > 300, "the hard limit leaves nothing to raise");
    QProcess server;
    limitChild(server, 300, own.rlim_max);
    QByteArray err;
    connect(&server, &QProcess::readyReadStandardError, this,
            [&server, &err] { err += server.readAllStandardError(); });
    server.start(kServerBinary, serveArgs(connections));
    QTRY_VERIFY_WITH_TIMEOUT(err.contains("listening on") || server.state() == QProcess::NotRunning,
                             kTimeoutMs);
    QVERIFY2(err.contains("listening on"), err.constData());
    QCOMPARE(softFileLimit(server.processId()), FileLimit::neededFor(connections));
    stopProcess(server);
}

void TestFileLimit::defaultShrinksToALowHardLimit()
{
    // No --max-connections: the default (1024) does not fit a hard limit of 512, and the server
    // starts all the same, with as many as fit, and says so.
    QProcess server;
    limitChild(server, 256, 512);
    QByteArray err;
    connect(&server, &QProcess::readyReadStandardError, this,
            [&server, &err] { err += server.readAllStandardError(); });
    server.start(kServerBinary, {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_db});
    QTRY_VERIFY_WITH_TIMEOUT(err.contains("listening on") || server.state() == QProcess::NotRunning,
                             kTimeoutMs);
    QVERIFY2(err.contains("listening on"), err.constData());
    const QByteArray fits = QByteArray::number(512 - FileLimit::kMargin);
    QVERIFY2(err.contains(QByteArray("room for " + fits + " connections")), err.constData());
    QCOMPARE(softFileLimit(server.processId()), 512);
    stopProcess(server);
}

void TestFileLimit::unitFileMatchesItsMaxConnections()
{
    QFile unit(QStringLiteral(PLAYMARK_SOURCE_DIR) + u"/deploy/playmark-server.service"_s);
    QVERIFY(unit.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(unit.readAll());
    const QRegularExpressionMatch exec =
        QRegularExpression(u"^ExecStart=.* serve .*--max-connections (\\d+)"_s,
                           QRegularExpression::MultilineOption)
            .match(text);
    const QRegularExpressionMatch files =
        QRegularExpression(u"^LimitNOFILE=(\\d+)$"_s, QRegularExpression::MultilineOption)
            .match(text);
    QVERIFY2(exec.hasMatch(), "the unit's ExecStart names no --max-connections");
    QVERIFY2(files.hasMatch(), "the unit sets no LimitNOFILE");
    QVERIFY(files.captured(1).toLongLong() >= FileLimit::neededFor(exec.captured(1).toLongLong()));
}

void TestFileLimit::userAddMakesManyUsersAtOnce()
{
    const auto run = [this](const QStringList &names) {
        return runProcess(kServerBinary,
                          QStringList{u"user"_s, u"add"_s} + names + QStringList{u"--db"_s, m_db},
                          QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    };
    QStringList names;
    for (int i = 0; i < 200; ++i)
        names << u"viewer-%1"_s.arg(i);
    Run add = run(names);
    QVERIFY(add.finished);
    QCOMPARE(add.exitCode, 0);
    const QList<QByteArray> tokens = add.out.trimmed().split('\n');
    QCOMPARE(tokens.size(), names.size());
    QCOMPARE(QSet<QByteArray>(tokens.cbegin(), tokens.cend()).size(), names.size());
    // Each line is the token of the name in its place, as the database knows it.
    {
        ServerStorage storage;
        QString error;
        QVERIFY2(storage.open(m_db, &error), qPrintable(error));
        for (int i = 0; i < names.size(); ++i) {
            qint64 userId = -1;
            QString name;
            QVERIFY2(storage.users().userForToken(QString::fromUtf8(tokens.at(i)), &userId, &error),
                     qPrintable(error));
            QVERIFY2(userId >= 0, qPrintable(u"line %1 is nobody's token"_s.arg(i + 1)));
            QVERIFY2(storage.users().userName(userId, &name, &error), qPrintable(error));
            QCOMPARE(name, names.at(i));
        }
    }

    // All or none: one taken name (viewer-7) and nobody new is added.
    add = run({u"fresh-1"_s, u"viewer-7"_s, u"fresh-2"_s});
    QCOMPARE(add.exitCode, 1);
    QVERIFY2(add.err.contains("viewer-7"), add.err.constData());
    QVERIFY(add.out.isEmpty());
    const Run list = runProcess(kServerBinary, {u"user"_s, u"list"_s, u"--db"_s, m_db},
                                QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    QCOMPARE(list.exitCode, 0);
    QVERIFY(list.out.contains("viewer-199"));
    QVERIFY(!list.out.contains("fresh-1"));
    QCOMPARE(list.out.count('\n'), 1 + names.size());

    // A name twice on the same line: refused, nothing added.
    add = run({u"twin"_s, u"twin"_s});
    QCOMPARE(add.exitCode, 1);
    QVERIFY2(add.err.contains("twin"), add.err.constData());
}

QTEST_GUILESS_MAIN(TestFileLimit)
#include "tst_filelimit.moc"
