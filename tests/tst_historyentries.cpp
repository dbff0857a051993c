// HistoryEntries: the "Jump to…" menu's entries, from a history list and through a real server
// started in the test on a port the OS picks, with real local copies in a temporary folder.
#include "historyentries.h"
#include "syncfixture.h"
#include "timeformat.h"

#include <QNetworkProxyFactory>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using SyncFixture::kTimeoutMs;

namespace {
constexpr qint64 kNowMs = 1'700'000'000'000;
const QString kContentId =
    u"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"_s;

ProgressRecord place(const QString &deviceId, const QString &deviceName, qint64 positionMs,
                     qint64 observedAtMs)
{
    ProgressRecord r;
    r.contentId = kContentId;
    r.deviceId = deviceId;
    r.deviceName = deviceName;
    r.positionMs = positionMs;
    r.durationMs = 3600000;
    r.observedAtMs = observedAtMs;
    return r;
}

using Entries = QList<QPair<QString, qint64>>;

} // namespace

class tst_HistoryEntries : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void build_data();
    void build();
    void atMostTwelve();
    void noVideoNoEntries();
    void otherDevicesFromTheServer();
    void unreachableServerGivesNone();
};

void tst_HistoryEntries::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // 127.0.0.1 only: a proxy configured on the machine must not sit in between.
    QNetworkProxyFactory::setUseSystemConfiguration(false);
}

void tst_HistoryEntries::build_data()
{
    QTest::addColumn<QList<ProgressRecord>>("history");
    QTest::addColumn<Entries>("expected");

    QTest::newRow("none") << QList<ProgressRecord>() << Entries();
    QTest::newRow("another device")
        << QList<ProgressRecord>{place(u"tv"_s, u"TV"_s, 42000, kNowMs - 3 * 60000)}
        << Entries{{u"TV · 0:42 · 3 min ago"_s, 42000}};
    QTest::newRow("own places left out, order kept")
        << QList<ProgressRecord>{place(u"tv"_s, u"TV"_s, 90000, kNowMs - 60000),
                                 place(u"phone"_s, u"Phone"_s, 80000, kNowMs - 120000),
                                 place(u"laptop"_s, u"Laptop"_s, 3723000, kNowMs - 2 * 3600000)}
        << Entries{{u"TV · 1:30 · 1 min ago"_s, 90000}, {u"Laptop · 1:02:03 · 2 h ago"_s, 3723000}};
    // Finished before (the server's count, the same in every item): a line to read first.
    ProgressRecord counted = place(u"tv"_s, u"TV"_s, 42000, kNowMs - 3 * 60000);
    counted.playCount = 2;
    counted.lastFinishedMs = kNowMs - 2 * 86400000LL;
    ProgressRecord own = place(u"phone"_s, u"Phone"_s, 0, kNowMs - 60000);
    own.playCount = 2;
    own.lastFinishedMs = counted.lastFinishedMs;
    QTest::newRow("watched twice")
        << QList<ProgressRecord>{own, counted}
        << Entries{{u"Watched twice, last "_s + TimeFormat::day(counted.lastFinishedMs, kNowMs),
                    HistoryEntries::kNoJump},
                   {u"TV · 0:42 · 3 min ago"_s, 42000}};
}

void tst_HistoryEntries::build()
{
    QFETCH(QList<ProgressRecord>, history);
    QFETCH(Entries, expected);
    QCOMPARE(HistoryEntries::build(history, u"phone"_s, kNowMs), expected);
}

void tst_HistoryEntries::atMostTwelve()
{
    QList<ProgressRecord> history;
    for (int i = 0; i < 30; ++i)
        history << place(i % 2 ? u"phone"_s : u"tv"_s, u"TV"_s, i * 1000, kNowMs);
    const Entries entries = HistoryEntries::build(history, u"phone"_s, kNowMs);
    QCOMPARE(entries.size(), HistoryEntries::kMaxEntries);
    QCOMPARE(entries.first().second, 0);
    QCOMPARE(entries.last().second, 22000);
}

void tst_HistoryEntries::noVideoNoEntries()
{
    QTemporaryDir dir;
    const std::unique_ptr<LocalCopy> local =
        SyncFixture::openLocalCopy(dir.filePath(u"local.sqlite"_s));
    QVERIFY(local);
    ServerPool servers;
    SyncClient sync(*local, servers);
    HistoryEntries history(sync);
    QSignalSpy ready(&history, &HistoryEntries::entriesReady);
    history.request(QString());
    QCOMPARE(ready.size(), 1);
    QCOMPARE(ready.first().first().value<Entries>(), Entries());
}

void tst_HistoryEntries::otherDevicesFromTheServer()
{
    QTemporaryDir dir;
    QString token;
    const std::unique_ptr<SyncServer> server =
        SyncFixture::startServer(dir.filePath(u"server.sqlite"_s), &token);
    QVERIFY(server);
    QVERIFY(SyncFixture::reportFrom(*server, token, dir.filePath(u"tv.sqlite"_s),
                                    place(u"tv"_s, u"TV"_s, 42000, 0)));
    QVERIFY(SyncFixture::reportFrom(*server, token, dir.filePath(u"phone.sqlite"_s),
                                    place(u"phone"_s, u"Phone"_s, 50000, 0)));

    const std::unique_ptr<LocalCopy> phoneLocal =
        SyncFixture::openLocalCopy(dir.filePath(u"phone.sqlite"_s));
    QVERIFY(phoneLocal);
    ServerPool servers;
    servers.setServers(ServerList({QUrl(server->url())}), token);
    SyncClient phone(*phoneLocal, servers);
    phone.setDevice(u"phone"_s, u"Phone"_s);
    HistoryEntries history(phone);
    QSignalSpy ready(&history, &HistoryEntries::entriesReady);
    history.request(kContentId);
    QVERIFY(ready.wait(kTimeoutMs));
    const Entries entries = ready.first().first().value<Entries>();
    QCOMPARE(entries.size(), 1);
    QVERIFY2(entries.first().first.startsWith(u"TV · 0:42 · "_s),
             qPrintable(entries.first().first));
    QCOMPARE(entries.first().second, 42000);
}

void tst_HistoryEntries::unreachableServerGivesNone()
{
    QTemporaryDir dir;
    QTcpServer probe; // a port nobody answers on: held, never accepted
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    probe.pauseAccepting();
    const std::unique_ptr<LocalCopy> local =
        SyncFixture::openLocalCopy(dir.filePath(u"local.sqlite"_s));
    QVERIFY(local);
    ServerPool servers;
    servers.setServers(ServerList({QUrl(u"http://127.0.0.1:%1"_s.arg(probe.serverPort()))}),
                       u"token"_s);
    SyncClient sync(*local, servers);
    sync.setDevice(u"phone"_s, u"Phone"_s);
    HistoryEntries history(sync);
    QSignalSpy ready(&history, &HistoryEntries::entriesReady);
    history.request(kContentId);
    QVERIFY(ready.wait(kTimeoutMs));
    QCOMPARE(ready.first().first().value<Entries>(), Entries());
}

QTEST_GUILESS_MAIN(tst_HistoryEntries)
#include "tst_historyentries.moc"
