// ContinueWatchingModel: the list from a real server started in the test (port 0), the fallback
// to a real local copy when there is no server or it cannot be reached, hide and forget, and
// where each entry's file was seen, without a window. Grouped by show: an episode in progress, a
// show's next episode found in a real folder ("Next: S01E02"), "Locate…" for a show never opened
// here and the folder then remembered, watched films left out, Mark as Watched / Unwatched.
#include "continuewatchingmodel.h"
#include "playersettings.h"
#include "protocol/contentfingerprint.h"
#include "syncfixture.h"

#include <QDir>
#include <QSettings>

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

// A video file in `folder`: bytes of its own, so that its content id is its own.
QString makeFile(const QString &folder, const QString &name)
{
    QDir().mkpath(folder);
    const QString path = folder + u'/' + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(name.toUtf8().repeated(100));
    return path;
}

ProgressRecord episode(const QString &title, const QString &showId, const QString &episodeId,
                       qint64 observedAtMs, bool finished)
{
    ProgressRecord r;
    r.contentId = u"pm1-"_s + QString::fromLatin1(QByteArray(title.toUtf8().toHex()).left(32));
    r.title = title;
    r.showId = showId;
    r.episodeId = episodeId;
    r.durationMs = 1800000;
    r.positionMs = finished ? 1790000 : 600000;
    r.deviceId = u"tv"_s;
    r.deviceName = u"TV"_s;
    r.observedAtMs = observedAtMs;
    r.state = PlaybackState::Stopped;
    if (finished) {
        r.watched = true;
        r.finishedAtMs = observedAtMs;
    }
    return r;
}

ContinueWatchingItem::Kind kindAt(const ContinueWatchingModel &model, int row)
{
    return ContinueWatchingItem::Kind(
        model.index(row).data(ContinueWatchingModel::KindRole).toInt());
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
    void groupedByShow();
    void nextUpFromTheServer();
    void locateRemembersTheFolder();
    void showTitleWhereTheFileNameHasNone();
    void markWatchedAndUnwatched();
    void markNextUpWatchedMovesOn();

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
    std::unique_ptr<QSettings> m_qsettings;
    std::unique_ptr<PlayerSettings> m_settings;
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
    m_qsettings =
        std::make_unique<QSettings>(m_dir->filePath(u"settings.ini"_s), QSettings::IniFormat);
    m_settings = std::make_unique<PlayerSettings>(*m_qsettings);
    m_model = std::make_unique<ContinueWatchingModel>(*m_sync, *m_local, *m_settings);
}

void tst_ContinueWatchingModel::cleanup()
{
    m_model.reset();
    m_settings.reset();
    m_qsettings.reset();
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
    // Stamped by a device whose clock estimate runs 30 s ahead (the server takes up to 60 s):
    // the forget, an observation after the record the person saw, is still newer.
    ProgressRecord ahead = watched('b', u"Forgotten"_s, 50000);
    ahead.observedAtMs += 30000;
    CHECK(reportFromTv(ahead));
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

void tst_ContinueWatchingModel::groupedByShow()
{
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 3600000;
    const QString shows = m_dir->filePath(u"Shows"_s);
    // The Show: episode 1 finished on the TV, opened here before; episodes 2 and 3 are here.
    const QString first = makeFile(shows + u"/The Show"_s, u"The Show S01E01.mkv"_s);
    const QString second = makeFile(shows + u"/The Show"_s, u"The Show S01E02.mkv"_s);
    makeFile(shows + u"/The Show"_s, u"The Show S01E03.mkv"_s);
    const ProgressRecord showDone =
        episode(u"The Show S01E01"_s, u"the-show"_s, u"s01e01"_s, t0 + 10, true);
    m_local->save(showDone, false, 0);
    m_local->setLocation(showDone.contentId, first);
    // Other Show: episode 5 in progress (10 of 30 min), after episode 4 was finished.
    const ProgressRecord otherDone =
        episode(u"Other Show S02E04"_s, u"other-show"_s, u"s02e04"_s, t0 + 35, true);
    const ProgressRecord otherNow =
        episode(u"Other Show S02E05"_s, u"other-show"_s, u"s02e05"_s, t0 + 40, false);
    m_local->save(otherDone, false, 0);
    m_local->save(otherNow, false, 0);
    // A film in progress, a watched film.
    ProgressRecord film = episode(u"Heat (1995)"_s, QString(), QString(), t0 + 30, false);
    ProgressRecord seen = episode(u"Alien (1979)"_s, QString(), QString(), t0 + 50, true);
    m_local->save(film, false, 0);
    m_local->save(seen, false, 0);
    // Never Here: finished on the TV, never opened on this device.
    m_local->save(episode(u"Never Here S01E01"_s, u"never-here"_s, u"s01e01"_s, t0 + 20, true),
                  false, 0);
    // Moved: its folder here has no episode after the one finished: left out.
    const ProgressRecord moved = episode(u"Moved S01E01"_s, u"moved"_s, u"s01e01"_s, t0 + 5, true);
    m_local->save(moved, false, 0);
    m_local->setLocation(moved.contentId, makeFile(shows + u"/Moved"_s, u"Moved S01E01.mkv"_s));

    QSignalSpy thumbnails(m_model.get(), &ContinueWatchingModel::thumbnailRequested);
    CHECK(refresh());
    QCOMPARE(
        titles(*m_model),
        (QStringList{u"Other Show S02E05"_s, u"Heat (1995)"_s, u"Never Here"_s, u"The Show"_s}));
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::Resume);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::PositionRole).toLongLong(), 600000);
    QCOMPARE(kindAt(*m_model, 1), ContinueWatchingItem::Kind::Resume);
    QCOMPARE(kindAt(*m_model, 2), ContinueWatchingItem::Kind::Locate);
    QCOMPARE(kindAt(*m_model, 3), ContinueWatchingItem::Kind::NextUp);
    const QModelIndex next = m_model->index(3);
    QCOMPARE(next.data(ContinueWatchingModel::EpisodeLabelRole).toString(), u"S01E02"_s);
    QCOMPARE(next.data(ContinueWatchingModel::LocationRole).toString(), second);
    QCOMPARE(next.data(ContinueWatchingModel::PositionRole).toLongLong(), 0);
    QCOMPARE(next.data(ContinueWatchingModel::DeviceNameRole).toString(), u"TV"_s);
    const QString nextKey = next.data(ContinueWatchingModel::KeyRole).toString();
    QCOMPARE(nextKey, ContentFingerprint::ofFile(second));
    // Its picture is the next episode's, from its start.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(thumbnails.cbegin(), thumbnails.cend(),
                                         [&](const QList<QVariant> &args) {
                                             return args.at(0).toString() == nextKey
                                                 && args.at(1).toString() == second
                                                 && args.at(2).toLongLong() == 0;
                                         }),
                             kTimeoutMs);

    // Opening it opens that file (the session starts a video without a record from 0).
    QSignalSpy opened(m_model.get(), &ContinueWatchingModel::openRequested);
    m_model->open(nextKey);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.first().at(0).toString(), second);
}

void tst_ContinueWatchingModel::nextUpFromTheServer()
{
    CHECK(startServer());
    // Opened here once; on the TV episodes 1 and 2 finished, then episode 1 again: the server says
    // Next Up follows episode 2 (a rewatch does not move it back), though episode 1 is newest.
    const QString folder = m_dir->filePath(u"The Show"_s);
    const QString first = makeFile(folder, u"The Show S01E01.mkv"_s);
    makeFile(folder, u"The Show S01E02.mkv"_s);
    const QString third = makeFile(folder, u"The Show S01E03.mkv"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    ProgressRecord started = episode(u"The Show S01E01"_s, u"the-show"_s, u"s01e01"_s, now, false);
    started.positionMs = 1000;
    m_local->save(started, false, 0);
    m_local->setLocation(started.contentId, first);
    for (const QString &id : {u"s01e01"_s, u"s01e02"_s, u"s01e01"_s}) {
        ProgressRecord done = episode(u"The Show "_s + id.toUpper(), u"the-show"_s, id, 0, true);
        done.finishedAtMs = 0; // each report a finish of its own, at its observation
        CHECK(reportFromTv(done));
    }
    CHECK(refresh());
    QCOMPARE(m_model->isFromServer(), true);
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::NextUp);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::EpisodeLabelRole).toString(),
             u"S01E03"_s);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::LocationRole).toString(), third);
    const ContinueWatchingItem item = m_model->items().constFirst();
    QCOMPARE(item.record.episodeId, u"s01e01"_s);
    QCOMPARE(item.record.playCount, 2); // "watched twice"
    QCOMPARE(item.record.deviceName, u"TV"_s);
    QVERIFY(item.nextAfter);
    QCOMPARE(item.nextAfter->episodeId, u"s01e02"_s);
}

void tst_ContinueWatchingModel::locateRemembersTheFolder()
{
    const ProgressRecord done = episode(u"Never Here S01E01"_s, u"never-here"_s, u"s01e01"_s,
                                        QDateTime::currentMSecsSinceEpoch(), true);
    m_local->save(done, false, 0);
    CHECK(refresh());
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::Locate);
    const QString key = m_model->index(0).data(ContinueWatchingModel::KeyRole).toString();

    QSignalSpy asked(m_model.get(), &ContinueWatchingModel::showFolderRequested);
    QSignalSpy opened(m_model.get(), &ContinueWatchingModel::openRequested);
    m_model->open(key);
    QCOMPARE(opened.size(), 0);
    QCOMPARE(asked.size(), 1);
    QCOMPARE(asked.first().at(0).toString(), u"never-here"_s);
    QCOMPARE(asked.first().at(1).toString(), u"Never Here"_s);

    // A wrong folder first (nothing of the show in it): Locate… is still offered.
    const QString wrong = m_dir->filePath(u"Elsewhere/Films"_s);
    makeFile(wrong, u"Heat (1995).mkv"_s);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->setShowFolder(u"never-here"_s, wrong);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::Locate);

    const QString folder = m_dir->filePath(u"Elsewhere/Never Here"_s);
    const QString second = makeFile(folder, u"Never Here S01E02.mkv"_s);
    m_model->setShowFolder(u"never-here"_s, folder);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::NextUp);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::LocationRole).toString(), second);
    // Remembered: the settings have it (another start reads them).
    QCOMPARE(m_settings->showFolder(u"never-here"_s), folder);
}

// Show/Season 1/Episode 1.mkv: the record's title is "Episode 1"; the entry is still named for
// the show, from its id when this device never saw the folder, else from the next file's path.
void tst_ContinueWatchingModel::showTitleWhereTheFileNameHasNone()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_local->save(episode(u"Episode 1"_s, u"the-expanse"_s, u"s01e01"_s, now - 1000, true), false,
                  0);
    const QString season = m_dir->filePath(u"Dark/Season 1"_s);
    const ProgressRecord dark = episode(u"Episode 4"_s, u"dark"_s, u"s01e04"_s, now - 2000, true);
    m_local->save(dark, false, 0);
    m_local->setLocation(dark.contentId, makeFile(season, u"Episode 4.mkv"_s));
    makeFile(season, u"Episode 5.mkv"_s);
    CHECK(refresh());
    QCOMPARE(titles(*m_model), (QStringList{u"The Expanse"_s, u"Dark"_s}));
    QCOMPARE(kindAt(*m_model, 0), ContinueWatchingItem::Kind::Locate);
    QCOMPARE(kindAt(*m_model, 1), ContinueWatchingItem::Kind::NextUp);
    QCOMPARE(m_model->index(1).data(ContinueWatchingModel::EpisodeLabelRole).toString(),
             u"S01E05"_s);
}

void tst_ContinueWatchingModel::markWatchedAndUnwatched()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const ProgressRecord film = episode(u"Heat (1995)"_s, QString(), QString(), now - 2000, false);
    const ProgressRecord other =
        episode(u"Ronin (1998)"_s, QString(), QString(), now - 1000, false);
    m_local->save(film, false, 0);
    m_local->save(other, false, 0);
    CHECK(refresh());
    QCOMPARE(titles(*m_model), (QStringList{u"Ronin (1998)"_s, u"Heat (1995)"_s}));

    // Watched: reported (kept in the local copy and its outbox), and the film leaves the list.
    QSignalSpy reported(m_model.get(), &ContinueWatchingModel::markReported);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->markWatched(film.contentId, true);
    QCOMPARE(reported.size(), 1);
    const auto mark = reported.first().at(0).value<ProgressRecord>();
    QCOMPARE(mark.contentId, film.contentId);
    QCOMPARE(mark.watched, std::optional<bool>(true));
    QCOMPARE(mark.finishedAtMs, mark.observedAtMs);
    QCOMPARE(mark.positionMs, film.positionMs);
    QCOMPARE(mark.state, PlaybackState::Stopped);
    QCOMPARE(mark.deviceId, u"phone"_s);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(titles(*m_model), QStringList{u"Ronin (1998)"_s});

    // Unwatched: back to the start, not watched; the newer observation.
    reported.clear();
    m_model->markWatched(other.contentId, false);
    QCOMPARE(reported.size(), 1);
    const auto unmark = reported.first().at(0).value<ProgressRecord>();
    QCOMPARE(unmark.watched, std::optional<bool>(false));
    QCOMPARE(unmark.positionMs, 0);
    QCOMPARE(unmark.finishedAtMs, 0);
    QVERIFY(unmark.observedAtMs > mark.observedAtMs);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(titles(*m_model), QStringList{u"Ronin (1998)"_s});
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::PositionRole).toLongLong(), 0);
}

void tst_ContinueWatchingModel::markNextUpWatchedMovesOn()
{
    const QString folder = m_dir->filePath(u"The Show"_s);
    const QString first = makeFile(folder, u"The Show S01E01.mkv"_s);
    makeFile(folder, u"The Show S01E02.mkv"_s);
    const QString third = makeFile(folder, u"The Show S01E03.mkv"_s);
    const ProgressRecord done = episode(u"The Show S01E01"_s, u"the-show"_s, u"s01e01"_s,
                                        QDateTime::currentMSecsSinceEpoch() - 1000, true);
    m_local->save(done, false, 0);
    m_local->setLocation(done.contentId, first);
    CHECK(refresh());
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::EpisodeLabelRole).toString(),
             u"S01E02"_s);

    // Episode 2 seen elsewhere: marked watched, Next Up moves to episode 3.
    QSignalSpy reported(m_model.get(), &ContinueWatchingModel::markReported);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->markWatched(m_model->index(0).data(ContinueWatchingModel::KeyRole).toString(), true);
    QCOMPARE(reported.size(), 1);
    const auto mark = reported.first().at(0).value<ProgressRecord>();
    QCOMPARE(mark.showId, u"the-show"_s);
    QCOMPARE(mark.episodeId, u"s01e02"_s);
    QCOMPARE(mark.positionMs, 0);
    QVERIFY(reset.wait(kTimeoutMs));
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::EpisodeLabelRole).toString(),
             u"S01E03"_s);
    QCOMPARE(m_model->index(0).data(ContinueWatchingModel::LocationRole).toString(), third);
}

QTEST_GUILESS_MAIN(tst_ContinueWatchingModel)
#include "tst_continuewatchingmodel.moc"
