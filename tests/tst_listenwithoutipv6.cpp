// A server listening on Any (IPv6 and IPv4 together) on a machine without IPv6 listens on IPv4
// alone, on every HTTP thread, instead of failing to start. The missing IPv6 is made up by
// fakemachine.cpp, preloaded into this test by ctest (socket(AF_INET6) fails EAFNOSUPPORT).
#include "httpconnection.h"
#include "syncserver.h"
#include "threadrequests.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

class tst_ListenWithoutIpv6 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void anyFallsBackToIpv4();
};

void tst_ListenWithoutIpv6::anyFallsBackToIpv4()
{
    // Without the preloaded library this machine has IPv6, and the test would prove nothing.
    const int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
    const int probeError = errno;
    if (probe >= 0)
        ::close(probe);
    QVERIFY2(probe < 0 && probeError == EAFNOSUPPORT,
             "IPv6 sockets still work: run through ctest, which preloads fakemachine");

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerOptions options;
    options.databasePath = dir.filePath(u"server.sqlite"_s);
    options.address = QHostAddress(QHostAddress::Any);
    options.port = 0;
    options.httpThreads = 2;
    SyncServer server;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    QCOMPARE(server.httpThreads(), 2);
    QVERIFY(server.port() != 0);
    // Every thread's socket listens: of 24 connections, all on one thread would happen once in
    // 2^23 runs (the kernel picks a listening socket per connection by its addresses and ports).
    std::vector<std::unique_ptr<HttpConnection>> connections;
    for (int i = 0; i < 24; ++i) {
        connections.push_back(std::make_unique<HttpConnection>(server.port()));
        QCOMPARE(connections.back()->request("GET", u"/healthz"_s).status, 200);
    }
    const QList<quint64> counts = requestsPerThread(*connections.front(), 2);
    QVERIFY2(
        counts.at(0) > 0 && counts.at(1) > 0,
        qPrintable(u"/healthz answered per thread: %1, %2"_s.arg(counts.at(0)).arg(counts.at(1))));
}

QTEST_GUILESS_MAIN(tst_ListenWithoutIpv6)
#include "tst_listenwithoutipv6.moc"
