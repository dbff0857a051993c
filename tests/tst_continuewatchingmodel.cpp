// ContinueWatchingModel: the list from a real server started in the test (port 0), the fallback
// to a real local copy when there is no server or it cannot be reached, hide and forget, and
// where each entry's file was seen, without a window.
#include "continuewatchingmodel.h"
#include "syncfixture.h"

#include <QFile>
#include <QNetworkProxyFactory>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using SyncFixture::kTimeoutMs;

namespace {

QString contentId(char digit)
{
    return u"sha256:"_s + QString(64, QLatin1Char(digit));
}

ProgressRecord watched(char digit, const QString &title, qint64 positionMs)
{
    ProgressRecord r;
    r.contentId = contentId(digit);
    r.title = title;
    r.positionMs = positionMs;
    r.durationMs = 3600000;
    r.deviceId = u"tv"_s;
    r.deviceName = u"TV"_s;
    r.observedAtMs = QDateTime::currentMSecsSinceEpoch();
    return r;
}

QStringList titles(const ContinueWatchingModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list << model.index(row).data(ContinueWatchingModel::TitleRole).toString();
    return list;
}

} // namespace

class tst_ContinueWatchingModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void withoutServerTheLocalList();
    void serverListIsKeptLocally();
    void unreachableServerFallsBackToLocal();
    void hiddenStaysOffTheServerList();
    void forgetDeletesOnTheServer();
    void locationAndThumbnail();
    void openWhereSeenOrAskWhere();

private:
    void startServer();
    void reportFromTv(const ProgressRecord &record);
    void refresh();
    std::optional<ProgressRecord> serverRecord(const QString &contentId);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_token;
    std::unique_ptr<LocalCopy> m_local;
    std::unique_ptr<ServerPool> m_servers;
    std::unique_ptr<SyncClient> m_sync;
    std::unique_ptr<ContinueWatchingModel> m_model;
};

void tst_ContinueWatchingModel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // 127.0.0.1 only: a proxy configured on the machine must not sit in between.
    QNetworkProxyFactory::setUseSystemConfiguration(false);
}

void tst_ContinueWatchingModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_local = SyncFixture::openLocalCopy(m_dir->filePath(u"local.sqlite"_s));
    QVERIFY(m_local);
    m_servers = std::make_unique<ServerPool>();
    m_sync = std::make_unique<SyncClient>(*m_local, *m_servers);
    m_sync->setDevice(u"phone"_s, u"Phone"_s);
    m_model = std::make_unique<ContinueWatchingModel>(*m_sync, *m_local);
}

void tst_ContinueWatchingModel::cleanup()
{
    m_model.reset();
    m_sync.reset();
    m_servers.reset();
    m_local.reset(); // finishes its queued writes
    m_server.reset();
    m_dir.reset();
}

void tst_ContinueWatchingModel::startServer()
{
    m_server = SyncFixture::startServer(m_dir->filePath(u"server.sqlite"_s), &m_token);
    QVERIFY(m_server);
    m_servers->setServers(ServerList({QUrl(m_server->url())}), m_token);
}

void tst_ContinueWatchingModel::reportFromTv(const ProgressRecord &record)
{
    QVERIFY2(SyncFixture::reportFrom(*m_server, m_token, m_dir->filePath(u"tv.sqlite"_s), record),
             "the TV's report was not delivered");
}

std::optional<ProgressRecord> tst_ContinueWatchingModel::serverRecord(const QString &contentId)
{
    return SyncFixture::serverRecord(*m_server, m_token, contentId);
}

void tst_ContinueWatchingModel::refresh()
{
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->refresh();
    QVERIFY(reset.wait(kTimeoutMs));
}

void tst_ContinueWatchingModel::withoutServerTheLocalList()
{
    m_local->save(watched('a', u"Older"_s, 60000), false, 0);
    ProgressRecord newer = watched('b', u"Newer"_s, 125000);
    newer.observedAtMs += 1000;
    m_local->save(newer, false, 0);
    QSignalSpy fromServer(m_model.get(), &ContinueWatchingModel::fromServerChanged);
    CHECK(refresh());
    QCOMPARE(titles(*m_model), (QStringList{u"Newer"_s, u"Older"_s}));
    QCOMPARE(m_model->isFromServer(), false);
    QCOMPARE(fromServer.size(), 1);
    const QModelIndex first = m_model->index(0);
    QCOMPARE(first.data(Qt::DisplayRole).toString(), u"Newer"_s);
    QCOMPARE(first.data(ContinueWatchingModel::ContentIdRole).toString(), contentId('b'));
    QCOMPARE(first.data(ContinueWatchingModel::DeviceNameRole).toString(), u"TV"_s);
    QCOMPARE(first.data(ContinueWatchingModel::PositionRole).toLongLong(), 125000);
    QCOMPARE(first.data(ContinueWatchingModel::DurationRole).toLongLong(), 3600000);
    QCOMPARE(first.data(ContinueWatchingModel::ObservedAtRole).toLongLong(), newer.observedAtMs);
    QCOMPARE(m_model->record(contentId('b')), newer);

    m_model->hide(contentId('b'));
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(titles(*m_model), QStringList{u"Older"_s});
}

void tst_ContinueWatchingModel::serverListIsKeptLocally()
{
    CHECK(startServer());
    CHECK(reportFromTv(watched('a', u"From the TV"_s, 42000)));
    CHECK(refresh());
    QCOMPARE(titles(*m_model), QStringList{u"From the TV"_s});
    QCOMPARE(m_model->isFromServer(), true);

    // Without the server, the local copy still has it.
    m_servers->setServers(ServerList(), m_token);
    QVERIFY(!m_sync->hasServer());
    CHECK(refresh());
    QCOMPARE(m_model->isFromServer(), false);
    QCOMPARE(titles(*m_model), QStringList{u"From the TV"_s});
}

void tst_ContinueWatchingModel::unreachableServerFallsBackToLocal()
{
    QTcpServer held; // listens, never accepts: the server cannot be reached
    QVERIFY(held.listen(QHostAddress::LocalHost, 0));
    held.pauseAccepting();
    m_servers->setServers(ServerList({QUrl(u"http://127.0.0.1:%1"_s.arg(held.serverPort()))}),
                          u"token"_s);
    m_local->save(watched('a', u"Here"_s, 42000), false, 0);
    CHECK(refresh());
    QCOMPARE(m_model->isFromServer(), false);
    QCOMPARE(titles(*m_model), QStringList{u"Here"_s});
}

void tst_ContinueWatchingModel::hiddenStaysOffTheServerList()
{
    CHECK(startServer());
    CHECK(reportFromTv(watched('a', u"Kept"_s, 42000)));
    CHECK(reportFromTv(watched('b', u"Hidden"_s, 50000)));
    CHECK(refresh());
    QCOMPARE(m_model->rowCount(), 2);
    m_model->hide(contentId('b'));
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(m_model->isFromServer(), true);
    QCOMPARE(titles(*m_model), QStringList{u"Kept"_s});
    // Hidden here only: the server still has it.
    QVERIFY(serverRecord(contentId('b')));
}

void tst_ContinueWatchingModel::forgetDeletesOnTheServer()
{
    CHECK(startServer());
    CHECK(reportFromTv(watched('a', u"Kept"_s, 42000)));
    CHECK(reportFromTv(watched('b', u"Forgotten"_s, 50000)));
    CHECK(refresh());
    m_model->forget(contentId('b'));
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(titles(*m_model), QStringList{u"Kept"_s});
    QVERIFY(!serverRecord(contentId('b')));
}

void tst_ContinueWatchingModel::locationAndThumbnail()
{
    const QString path = m_dir->filePath(u"Episode 1.mkv"_s);
    m_local->save(watched('a', u"Seen here"_s, 42000), false, 0);
    m_local->setLocation(contentId('a'), path);
    QSignalSpy thumbnails(m_model.get(), &ContinueWatchingModel::thumbnailRequested);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    CHECK(refresh());
    QTRY_COMPARE_WITH_TIMEOUT(thumbnails.size(), 1, kTimeoutMs);
    QCOMPARE(thumbnails.first().at(0).toString(), contentId('a'));
    QCOMPARE(thumbnails.first().at(1).toString(), path);
    QCOMPARE(thumbnails.first().at(2).toLongLong(), 42000);
    QCOMPARE(m_model->location(contentId('a')), path);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::LocationRole).toString(), path);
    QCOMPARE(changed.size(), 1);
}

void tst_ContinueWatchingModel::openWhereSeenOrAskWhere()
{
    const QString there = m_dir->filePath(u"there.mkv"_s);
    QFile file(there);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    const QString gone = m_dir->filePath(u"gone.mkv"_s);
    m_local->save(watched('a', u"There"_s, 42000), false, 0);
    m_local->save(watched('b', u"Gone"_s, 42000), false, 0);
    m_local->save(watched('c', u"Never here"_s, 42000), false, 0);
    m_local->setLocation(contentId('a'), there);
    m_local->setLocation(contentId('b'), gone);
    QSignalSpy thumbnails(m_model.get(), &ContinueWatchingModel::thumbnailRequested);
    CHECK(refresh());
    QTRY_COMPARE_WITH_TIMEOUT(thumbnails.size(), 3, kTimeoutMs);

    QSignalSpy opened(m_model.get(), &ContinueWatchingModel::openRequested);
    QSignalSpy locate(m_model.get(), &ContinueWatchingModel::locateRequested);
    m_model->open(contentId('a'));
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.first().at(0).toString(), there);
    m_model->open(contentId('b'));
    m_model->open(contentId('c'));
    QCOMPARE(opened.size(), 1);
    QCOMPARE(locate.size(), 2);
    QCOMPARE(locate.at(0).at(0).value<ProgressRecord>().title, u"Gone"_s);
    QCOMPARE(locate.at(0).at(1).toString(), gone);
    QCOMPARE(locate.at(1).at(0).value<ProgressRecord>().title, u"Never here"_s);
    QCOMPARE(locate.at(1).at(1).toString(), QString());
}

QTEST_GUILESS_MAIN(tst_ContinueWatchingModel)
#include "tst_continuewatchingmodel.moc"
