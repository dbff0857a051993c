// playmark-server serve with the default --http-threads on a machine with more cores than the
// 64 threads it allows: it starts, with 64 HTTP threads (one per core, at most 64), instead of
// refusing its own default. The cores are made up by a preloaded sched_getaffinity
// (fakemachine.cpp); the server is the real binary.
#include "serverprocess.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = 60000;
const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);
const QString kFakeMachine = QString::fromUtf8(PLAYMARK_FAKEMACHINE_LIB);

// Threads of a running process.
int threadsOf(qint64 pid)
{
    return int(
        QDir(u"/proc/%1/task"_s.arg(pid)).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size());
}
} // namespace

class tst_HttpThreadsDefault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultStartsOnManyCores();
    void helpSaysTheDefault();
};

void tst_HttpThreadsDefault::defaultStartsOnManyCores()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"LD_PRELOAD"_s, kFakeMachine);
    environment.insert(u"PLAYMARK_FAKE_CORES"_s, u"128"_s);
    ServerProcess server(kServerBinary,
                         {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s,
                          dir.filePath(u"server.sqlite"_s), u"--max-connections"_s, u"64"_s},
                         environment, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(server.port() != 0 || !server.isRunning(), kTimeoutMs);
    QVERIFY2(server.port() != 0, server.err().constData());
    // 64 HTTP threads besides the main one (and whatever else Qt and SQLite start).
    const int threads = threadsOf(server.process().processId());
    QVERIFY2(threads > 64 && threads < 128, qPrintable(u"threads: %1"_s.arg(threads)));
}

void tst_HttpThreadsDefault::helpSaysTheDefault()
{
    QProcess help;
    help.start(kServerBinary, {u"serve"_s, u"--help"_s});
    QVERIFY(help.waitForFinished(kTimeoutMs));
    const QString text = QString::fromUtf8(help.readAllStandardOutput()).simplified();
    QVERIFY2(text.contains(u"default 0: one per core, at most 64"_s), qPrintable(text));
}

QTEST_GUILESS_MAIN(tst_HttpThreadsDefault)
#include "tst_httpthreadsdefault.moc"
