// The player's local SQLite copy: the ordering rule on save, the outbox keeping only the newest
// undelivered update per video, delivery and re-stamping, locations, the offline Continue
// Watching list, reopening, schema versions, and a copy reopened after the process writing it was
// killed mid-write (a real process, killed with SIGKILL).

#include "checkcall.h"
#include "client/localstore.h"
#include "protocol/progressorder.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

ProgressRecord makeRecord(const QString &contentId, qint64 positionMs, qint64 observedAtMs,
                          const QString &deviceId = u"tv"_s,
                          PlaybackState state = PlaybackState::Playing)
{
    ProgressRecord record;
    record.contentId = contentId;
    record.positionMs = positionMs;
    record.durationMs = 3600000;
    record.deviceId = deviceId;
    record.deviceName = u"Device "_s + deviceId;
    record.observedAtMs = observedAtMs;
    record.state = state;
    return record;
}

std::optional<ProgressRecord> storedRecord(LocalStore &store, const QString &contentId)
{
    const auto record = store.record(contentId);
    if (!record.ok())
        qWarning("record(%s): %s", qPrintable(contentId), qPrintable(record.error()));
    return record.valueOr(std::nullopt);
}

QList<PendingUpdate> pendingIn(LocalStore &store, int limit = 1000)
{
    const auto updates = store.pending(limit);
    if (!updates.ok())
        qWarning("pending: %s", qPrintable(updates.error()));
    return updates.valueOr({});
}

int pendingCountIn(LocalStore &store)
{
    const auto count = store.pendingCount();
    if (!count.ok())
        qWarning("pendingCount: %s", qPrintable(count.error()));
    return count.valueOr(-1);
}

std::optional<PendingUpdate> pendingFor(LocalStore &store, const QString &contentId)
{
    for (const PendingUpdate &update : pendingIn(store)) {
        if (update.record.contentId == contentId)
            return update;
    }
    return std::nullopt;
}

// Runs `sql` on its own connection to the file, beside any LocalStore; the first column of
// every row, as text.
QStringList querySeparately(const QString &path, const QString &sql)
{
    static int counter = 0;
    const QString name = u"tst-localstore-side-%1"_s.arg(counter++);
    QStringList rows;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open()) {
            rows << u"cannot open: "_s + db.lastError().text();
        } else {
            QSqlQuery query(db);
            if (!query.exec(sql))
                rows << u"failed: "_s + query.lastError().text();
            while (query.next())
                rows << query.value(0).toString();
            query.finish();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

} // namespace

class tst_LocalStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fieldsRoundTrip();
    void ownPlaceIsThisDevicesOwnLastReport();
    void dropForgottenKeepsWhatIsNewer();
    void saveKeepsTheNewer_data();
    void saveKeepsTheNewer();
    void anyOrderEndsTheSame();
    void outboxKeepsOnlyTheNewest();
    void olderSaveDoesNotReplacePending();
    void serverAnswersAreNotQueued();
    void pendingAcrossVideos();
    void markDeliveredRemovesOnlyThatObservation_data();
    void markDeliveredRemovesOnlyThatObservation();
    void deliveredWhileANewerOneWasQueued();
    void restampReplacesThePendingUpdate();
    void restampLeavesANewerUpdateAlone();
    void locations();
    void recentExcludesEndedNewestFirst();
    void reopenKeepsEverything();
    void newerSchemaIsRefused();
    void openFailsWhereNoFileCanBe();

    void reopenedAfterKillMidWrite_data();
    void reopenedAfterKillMidWrite();

private:
    bool openStore(LocalStore &store, const QString &path);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::unique_ptr<LocalStore> m_store;
};

void tst_LocalStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QSqlDatabase::isDriverAvailable(u"QSQLITE"_s), "the Qt SQLite driver is missing");
}

bool tst_LocalStore::openStore(LocalStore &store, const QString &path)
{
    const StoreResult<void> opened = store.open(path);
    if (opened.ok())
        return true;
    qWarning("open: %s", qPrintable(opened.error()));
    return false;
}

void tst_LocalStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(u"local.sqlite"_s);
    m_store = std::make_unique<LocalStore>();
    QVERIFY(openStore(*m_store, m_path));
}

void tst_LocalStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

// The newest record may be another device's; this device's own last place is kept beside it.
void tst_LocalStore::ownPlaceIsThisDevicesOwnLastReport()
{
    std::optional<OwnPlace> own;
    VERIFY_VALUE(own, m_store->ownPlace(u"movie"_s));
    QVERIFY(!own);
    VERIFY_OK(m_store->save(makeRecord(u"movie"_s, 2530000, 1000, u"phone"_s), true, 0));
    // Another device's newer record is learned (queue false): the own place stays.
    VERIFY_OK(m_store->save(makeRecord(u"movie"_s, 605000, 2000), false, 0));
    VERIFY_VALUE(own, m_store->ownPlace(u"movie"_s));
    QVERIFY(own);
    QCOMPARE(own->positionMs, qint64(2530000));
    QCOMPARE(own->observedAtMs, qint64(1000));
    std::optional<ProgressRecord> newest;
    VERIFY_VALUE(newest, m_store->record(u"movie"_s));
    QCOMPARE(newest->positionMs, qint64(605000));

    // An own report, even one older than the TV's, is the own place now; an older own one is not.
    VERIFY_OK(m_store->save(makeRecord(u"movie"_s, 700000, 1500, u"phone"_s), true, 0));
    VERIFY_OK(m_store->save(makeRecord(u"movie"_s, 100, 1200, u"phone"_s), true, 0));
    VERIFY_VALUE(own, m_store->ownPlace(u"movie"_s));
    QCOMPARE(own->positionMs, qint64(700000));
    QCOMPARE(own->observedAtMs, qint64(1500));

    // Watched here (finished, or marked with another device's place): nothing to go back to.
    ProgressRecord finished = makeRecord(u"movie"_s, 2700000, 3000, u"phone"_s);
    finished.watched = true;
    finished.finishedAtMs = 3000;
    VERIFY_OK(m_store->save(finished, true, 0));
    VERIFY_VALUE(own, m_store->ownPlace(u"movie"_s));
    QVERIFY(!own);
}

void tst_LocalStore::dropForgottenKeepsWhatIsNewer()
{
    VERIFY_OK(m_store->save(makeRecord(u"old"_s, 1000, 1000), true, 0));
    VERIFY_OK(m_store->save(makeRecord(u"new"_s, 1000, 3000), true, 0));
    VERIFY_OK(m_store->dropForgotten(u"old"_s, 2000));
    VERIFY_OK(m_store->dropForgotten(u"new"_s, 2000));
    std::optional<ProgressRecord> found;
    VERIFY_VALUE(found, m_store->record(u"old"_s));
    QVERIFY(!found);
    VERIFY_VALUE(found, m_store->record(u"new"_s));
    QVERIFY(found);
    QList<PendingUpdate> pending;
    VERIFY_VALUE(pending, m_store->pending(10));
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.first().record.contentId, u"new"_s);
}

void tst_LocalStore::fieldsRoundTrip()
{
    ProgressRecord full = makeRecord(u"pm1-0123456789abcdef0123456789abcdef"_s, 61000,
                                     1700000000123, u"living-room.tv"_s, PlaybackState::Paused);
    full.deviceName = u"Wohnzimmer-Fernseher \u00e9\u00e8 \U0001F4FA"_s;
    full.title = u"The \"Pilot\"; DROP TABLE records; --"_s;
    full.showId = u"show-7"_s;
    full.episodeId = u"s01e01"_s;
    full.receivedAtMs = 1700000000999;
    full.choices = PlaybackChoices{
        TrackIdentity{u"ja"_s, QString(), u"Opus"_s},
        SubtitleChoice{SubtitleChoice::Source::File, {}, u"Film \"cut\"; DROP TABLE outbox.srt"_s},
        -300, 0.75};
    ProgressRecord bare = makeRecord(u"bare"_s, 0, 5, u"d"_s, PlaybackState::Ended);
    bare.durationMs = 0;
    bare.deviceName.clear();

    for (const ProgressRecord &record : {full, bare}) {
        VERIFY_OK(m_store->save(record, true, -42));
        const auto stored = storedRecord(*m_store, record.contentId);
        QVERIFY(stored);
        QCOMPARE(*stored, record);

        const auto pending = pendingFor(*m_store, record.contentId);
        QVERIFY(pending);
        ProgressRecord sent = record;
        sent.receivedAtMs = 0; // the outbox keeps what goes to the server, which sets this itself
        QCOMPARE(pending->record, sent);
        QCOMPARE(pending->offsetMs, qint64(-42));
    }
    QVERIFY(!storedRecord(*m_store, u"never-seen"_s));
}

void tst_LocalStore::saveKeepsTheNewer_data()
{
    QTest::addColumn<qint64>("storedAt");
    QTest::addColumn<QString>("storedDevice");
    QTest::addColumn<qint64>("updateAt");
    QTest::addColumn<QString>("updateDevice");
    QTest::addColumn<bool>("replaces");

    QTest::newRow("later observation wins")
        << qint64(1000) << u"tv"_s << qint64(2000) << u"tv"_s << true;
    QTest::newRow("earlier observation is ignored")
        << qint64(2000) << u"tv"_s << qint64(1999) << u"tv"_s << false;
    QTest::newRow("later time beats a greater device")
        << qint64(1000) << u"zz"_s << qint64(1001) << u"aa"_s << true;
    QTest::newRow("same time, greater device wins")
        << qint64(1000) << u"phone"_s << qint64(1000) << u"tv"_s << true;
    QTest::newRow("same time, smaller device is ignored")
        << qint64(1000) << u"tv"_s << qint64(1000) << u"phone"_s << false;
    // By bytes: 'Z' (0x5A) < 'a' (0x61), whatever a locale would say.
    QTest::newRow("device by bytes, upper before lower")
        << qint64(1000) << u"Z"_s << qint64(1000) << u"a"_s << true;
    QTest::newRow("device by bytes, lower after upper")
        << qint64(1000) << u"a"_s << qint64(1000) << u"Z"_s << false;
    QTest::newRow("device by bytes, a prefix is smaller")
        << qint64(1000) << u"tv"_s << qint64(1000) << u"tv2"_s << true;
    QTest::newRow("equal pair is a replay")
        << qint64(1000) << u"tv"_s << qint64(1000) << u"tv"_s << false;
    QTest::newRow("far past update is ignored")
        << qint64(1700000000000) << u"tv"_s << qint64(1) << u"tv"_s << false;
}

void tst_LocalStore::saveKeepsTheNewer()
{
    QFETCH(qint64, storedAt);
    QFETCH(QString, storedDevice);
    QFETCH(qint64, updateAt);
    QFETCH(QString, updateDevice);
    QFETCH(bool, replaces);

    // Positions differ so the winner is visible; the update goes backwards, as a deliberate seek
    // to an earlier point does.
    const ProgressRecord stored = makeRecord(u"v"_s, 500000, storedAt, storedDevice);
    const ProgressRecord update = makeRecord(u"v"_s, 1000, updateAt, updateDevice);
    // The table is the protocol's rule; the SQL must agree with the one written in code.
    QCOMPARE(ProgressOrder::supersedes(update, stored), replaces);

    VERIFY_OK(m_store->save(stored, true, 0));
    VERIFY_OK(m_store->save(update, true, 0));
    const ProgressRecord winner = replaces ? update : stored;

    const auto record = storedRecord(*m_store, u"v"_s);
    QVERIFY(record);
    QCOMPARE(*record, winner);
    const QList<PendingUpdate> pending = pendingIn(*m_store);
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.constFirst().record, winner);
}

void tst_LocalStore::anyOrderEndsTheSame()
{
    // Updates from three devices, saved in several orders and twice over: one final state.
    QList<ProgressRecord> updates;
    for (int i = 0; i < 12; ++i)
        updates << makeRecord(u"v"_s, i * 1000, 1000 + (i % 4),
                              QStringList{u"a"_s, u"b"_s, u"c"_s}[i % 3]);
    const ProgressRecord expected = *std::max_element(
        updates.cbegin(), updates.cend(), [](const ProgressRecord &a, const ProgressRecord &b) {
            return ProgressOrder::compare(a, b) < 0;
        });

    for (quint32 seed = 1; seed <= 6; ++seed) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        LocalStore store;
        QVERIFY(openStore(store, dir.filePath(u"order.sqlite"_s)));
        QList<ProgressRecord> shuffled = updates + updates;
        QRandomGenerator random(seed);
        std::shuffle(shuffled.begin(), shuffled.end(), random);
        for (const ProgressRecord &update : std::as_const(shuffled))
            VERIFY_OK(store.save(update, true, 0));
        const auto record = storedRecord(store, u"v"_s);
        QVERIFY(record);
        QCOMPARE(*record, expected);
        QCOMPARE(pendingIn(store).size(), 1);
        QCOMPARE(pendingIn(store).constFirst().record, expected);
    }
}

void tst_LocalStore::outboxKeepsOnlyTheNewest()
{
    for (int i = 1; i <= 200; ++i)
        VERIFY_OK(m_store->save(makeRecord(u"movie"_s, i * 5000, 1000 + i), true, i));
    QCOMPARE(pendingCountIn(*m_store), 1);
    const QList<PendingUpdate> pending = pendingIn(*m_store);
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.constFirst().record, makeRecord(u"movie"_s, 200 * 5000, 1200));
    QCOMPARE(pending.constFirst().offsetMs, qint64(200));
}

void tst_LocalStore::olderSaveDoesNotReplacePending()
{
    const ProgressRecord newer = makeRecord(u"movie"_s, 90000, 5000);
    const ProgressRecord older = makeRecord(u"movie"_s, 10000, 4000);
    VERIFY_OK(m_store->save(newer, true, 7));
    VERIFY_OK(m_store->save(older, true, 8));

    QCOMPARE(pendingCountIn(*m_store), 1);
    QCOMPARE(pendingIn(*m_store).constFirst().record, newer);
    QCOMPARE(pendingIn(*m_store).constFirst().offsetMs, qint64(7));
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), newer);
}

void tst_LocalStore::serverAnswersAreNotQueued()
{
    // A record learned from the server is kept locally but never sent back.
    const ProgressRecord fromServer = makeRecord(u"a"_s, 1234, 100, u"phone"_s);
    VERIFY_OK(m_store->save(fromServer, false, 0));
    QCOMPARE(*storedRecord(*m_store, u"a"_s), fromServer);
    QCOMPARE(pendingCountIn(*m_store), 0);

    // A pending update stays queued when a newer server record arrives: delivering it is the
    // server's business, and the server's rule will keep the newer one.
    const ProgressRecord mine = makeRecord(u"b"_s, 10, 200, u"tv"_s);
    const ProgressRecord theirs = makeRecord(u"b"_s, 20, 300, u"phone"_s);
    VERIFY_OK(m_store->save(mine, true, 0));
    VERIFY_OK(m_store->save(theirs, false, 0));
    QCOMPARE(*storedRecord(*m_store, u"b"_s), theirs);
    QCOMPARE(pendingCountIn(*m_store), 1);
    QCOMPARE(pendingIn(*m_store).constFirst().record, mine);
}

void tst_LocalStore::pendingAcrossVideos()
{
    // Interleaved reports of five videos: one pending update each, the newest.
    QHash<QString, ProgressRecord> newest;
    qint64 clock = 1000;
    for (int round = 0; round < 10; ++round) {
        for (int video = 0; video < 5; ++video) {
            const ProgressRecord record =
                makeRecord(u"video-%1"_s.arg(video), round * 1000 + video, ++clock);
            VERIFY_OK(m_store->save(record, true, round));
            newest.insert(record.contentId, record);
        }
    }
    QCOMPARE(pendingCountIn(*m_store), 5);
    const QList<PendingUpdate> all = pendingIn(*m_store);
    QCOMPARE(all.size(), 5);
    QSet<QString> seen;
    for (const PendingUpdate &update : all) {
        QCOMPARE(update.record, newest.value(update.record.contentId));
        QCOMPARE(update.offsetMs, qint64(9));
        seen.insert(update.record.contentId);
    }
    QCOMPARE(seen.size(), 5);

    // A limit takes that many, each a distinct video.
    const QList<PendingUpdate> two = pendingIn(*m_store, 2);
    QCOMPARE(two.size(), 2);
    QVERIFY(two.at(0).record.contentId != two.at(1).record.contentId);
}

void tst_LocalStore::markDeliveredRemovesOnlyThatObservation_data()
{
    QTest::addColumn<QString>("contentId");
    QTest::addColumn<qint64>("observedAtMs");
    QTest::addColumn<QString>("deviceId");
    QTest::addColumn<bool>("removed");

    QTest::newRow("the exact observation") << u"movie"_s << qint64(5000) << u"tv"_s << true;
    QTest::newRow("an older observation") << u"movie"_s << qint64(4999) << u"tv"_s << false;
    QTest::newRow("a newer observation") << u"movie"_s << qint64(5001) << u"tv"_s << false;
    QTest::newRow("same time, other device") << u"movie"_s << qint64(5000) << u"phone"_s << false;
    QTest::newRow("another video") << u"other"_s << qint64(5000) << u"tv"_s << false;
}

void tst_LocalStore::markDeliveredRemovesOnlyThatObservation()
{
    QFETCH(QString, contentId);
    QFETCH(qint64, observedAtMs);
    QFETCH(QString, deviceId);
    QFETCH(bool, removed);

    const ProgressRecord queued = makeRecord(u"movie"_s, 42000, 5000, u"tv"_s);
    VERIFY_OK(m_store->save(queued, true, 0));
    // The position does not identify an observation; only the content, time and device do.
    const ProgressRecord delivered = makeRecord(contentId, 1, observedAtMs, deviceId);
    VERIFY_OK(m_store->markDelivered(delivered));

    QCOMPARE(pendingCountIn(*m_store), removed ? 0 : 1);
    // Delivering never forgets the position itself.
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), queued);
}

void tst_LocalStore::deliveredWhileANewerOneWasQueued()
{
    // The client sends A; while it is on the wire a newer report B replaces A in the outbox; the
    // answer for A must not remove B.
    const ProgressRecord a = makeRecord(u"movie"_s, 1000, 100);
    const ProgressRecord b = makeRecord(u"movie"_s, 6000, 105);
    VERIFY_OK(m_store->save(a, true, 0));
    const QList<PendingUpdate> sent = pendingIn(*m_store);
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.constFirst().record, a);

    VERIFY_OK(m_store->save(b, true, 0));
    VERIFY_OK(m_store->markDelivered(a));
    QCOMPARE(pendingCountIn(*m_store), 1);
    QCOMPARE(pendingIn(*m_store).constFirst().record, b);

    VERIFY_OK(m_store->markDelivered(b));
    QCOMPARE(pendingCountIn(*m_store), 0);
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), b);
}

void tst_LocalStore::restampReplacesThePendingUpdate()
{
    // Stamped ten minutes ahead; the server refused it; the re-stamped copy sorts *before* it
    // and must still replace it, in the outbox and in the records.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const ProgressRecord wrong = makeRecord(u"movie"_s, 77000, now + 600000);
    ProgressRecord fixed = wrong;
    fixed.observedAtMs = now;
    const ProgressRecord otherVideo = makeRecord(u"other"_s, 5, now + 600001);

    VERIFY_OK(m_store->save(wrong, true, 600000));
    VERIFY_OK(m_store->save(otherVideo, true, 600000));
    VERIFY_OK(m_store->restamp(wrong, fixed, 3));

    const auto pending = pendingFor(*m_store, u"movie"_s);
    QVERIFY(pending);
    QCOMPARE(pending->record, fixed);
    QCOMPARE(pending->offsetMs, qint64(3));
    QCOMPARE(pendingCountIn(*m_store), 2);
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), fixed);
    // The other video is untouched.
    QCOMPARE(pendingFor(*m_store, u"other"_s)->record, otherVideo);
    QCOMPARE(*storedRecord(*m_store, u"other"_s), otherVideo);

    // Later reports build on the re-stamped one as on any other.
    ProgressRecord next = fixed;
    next.observedAtMs = now + 1;
    next.positionMs = 80000;
    VERIFY_OK(m_store->save(next, true, 3));
    QCOMPARE(pendingFor(*m_store, u"movie"_s)->record, next);
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), next);
}

void tst_LocalStore::restampLeavesANewerUpdateAlone()
{
    // While the refused update was on the wire a newer one replaced it: re-stamping the old one
    // must neither remove the newer one nor bring the old one back.
    const ProgressRecord wrong = makeRecord(u"movie"_s, 1000, 900000);
    const ProgressRecord newer = makeRecord(u"movie"_s, 2000, 900005);
    ProgressRecord fixed = wrong;
    fixed.observedAtMs = 300000;
    VERIFY_OK(m_store->save(wrong, true, 0));
    VERIFY_OK(m_store->save(newer, true, 0));
    VERIFY_OK(m_store->restamp(wrong, fixed, 0));

    QCOMPARE(pendingCountIn(*m_store), 1);
    QCOMPARE(pendingIn(*m_store).constFirst().record, newer);
    QCOMPARE(*storedRecord(*m_store, u"movie"_s), newer);
}

void tst_LocalStore::locations()
{
    QString path;
    VERIFY_VALUE(path, m_store->location(u"movie"_s));
    QVERIFY(path.isEmpty());

    VERIFY_OK(m_store->setLocation(u"movie"_s, u"/media/a.mkv"_s));
    VERIFY_OK(m_store->setLocation(u"show"_s, u"/home/p/V\u00eddeos/it's \"here\".mp4"_s));
    VERIFY_VALUE(path, m_store->location(u"movie"_s));
    QCOMPARE(path, u"/media/a.mkv"_s);
    VERIFY_VALUE(path, m_store->location(u"show"_s));
    QCOMPARE(path, u"/home/p/V\u00eddeos/it's \"here\".mp4"_s);

    // The file moved: the newest path wins.
    VERIFY_OK(m_store->setLocation(u"movie"_s, u"/mnt/usb/a.mkv"_s));
    VERIFY_VALUE(path, m_store->location(u"movie"_s));
    QCOMPARE(path, u"/mnt/usb/a.mkv"_s);
    // Locations are not progress: nothing is queued.
    QCOMPARE(pendingCountIn(*m_store), 0);
}

void tst_LocalStore::recentExcludesEndedNewestFirst()
{
    const QList<ProgressRecord> records{
        makeRecord(u"old"_s, 1, 1000),
        makeRecord(u"finished"_s, 3600000, 5000, u"tv"_s, PlaybackState::Ended),
        makeRecord(u"paused"_s, 2, 4000, u"tv"_s, PlaybackState::Paused),
        makeRecord(u"stopped"_s, 3, 3000, u"tv"_s, PlaybackState::Stopped),
        makeRecord(u"newest"_s, 4, 6000),
        makeRecord(u"tie-a"_s, 5, 2000, u"a"_s),
        makeRecord(u"tie-b"_s, 6, 2000, u"b"_s),
    };
    for (const ProgressRecord &record : records)
        VERIFY_OK(m_store->save(record, false, 0));

    QList<ProgressRecord> recent;
    VERIFY_VALUE(recent, m_store->recent(20));
    QStringList ids;
    for (const ProgressRecord &record : std::as_const(recent))
        ids << record.contentId;
    QCOMPARE(
        ids,
        (QStringList{u"newest"_s, u"paused"_s, u"stopped"_s, u"tie-b"_s, u"tie-a"_s, u"old"_s}));
    QCOMPARE(recent.constFirst(), records.at(4));

    VERIFY_VALUE(recent, m_store->recent(2));
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.at(1).contentId, u"paused"_s);

    // Watching a video to the end takes it off the list; starting it again puts it back.
    VERIFY_OK(m_store->save(makeRecord(u"newest"_s, 3600000, 7000, u"tv"_s, PlaybackState::Ended),
                            false, 0));
    VERIFY_VALUE(recent, m_store->recent(20));
    QCOMPARE(recent.constFirst().contentId, u"paused"_s);
    VERIFY_OK(m_store->save(makeRecord(u"finished"_s, 0, 8000), false, 0));
    VERIFY_VALUE(recent, m_store->recent(20));
    QCOMPARE(recent.constFirst().contentId, u"finished"_s);
}

void tst_LocalStore::reopenKeepsEverything()
{
    const ProgressRecord delivered = makeRecord(u"delivered"_s, 100, 1000);
    const ProgressRecord queued = makeRecord(u"queued"_s, 200, 2000);
    const ProgressRecord fromServer = makeRecord(u"learned"_s, 300, 3000, u"phone"_s);
    VERIFY_OK(m_store->save(delivered, true, 0));
    VERIFY_OK(m_store->markDelivered(delivered));
    VERIFY_OK(m_store->save(queued, true, -250));
    VERIFY_OK(m_store->save(fromServer, false, 0));
    VERIFY_OK(m_store->setLocation(u"queued"_s, u"/media/q.mkv"_s));
    m_store->close();
    const QStringList migrationsRun =
        querySeparately(m_path, u"SELECT COUNT(*) FROM schema_version"_s);

    LocalStore reopened;
    QVERIFY(openStore(reopened, m_path));
    QCOMPARE(*storedRecord(reopened, u"delivered"_s), delivered);
    QCOMPARE(*storedRecord(reopened, u"queued"_s), queued);
    QCOMPARE(*storedRecord(reopened, u"learned"_s), fromServer);
    const QList<PendingUpdate> pending = pendingIn(reopened);
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.constFirst().record, queued);
    QCOMPARE(pending.constFirst().offsetMs, qint64(-250));
    QString path;
    VERIFY_VALUE(path, reopened.location(u"queued"_s));
    QCOMPARE(path, u"/media/q.mkv"_s);

    // Opening an up-to-date copy again does not re-run its migrations.
    QCOMPARE(querySeparately(m_path, u"SELECT COUNT(*) FROM schema_version"_s), migrationsRun);
}

void tst_LocalStore::newerSchemaIsRefused()
{
    const ProgressRecord queued = makeRecord(u"queued"_s, 200, 2000);
    VERIFY_OK(m_store->save(queued, true, 0));
    m_store->close();

    // A newer player has upgraded this copy.
    QCOMPARE(querySeparately(m_path, u"INSERT INTO schema_version (version) VALUES (999)"_s),
             QStringList());

    LocalStore store;
    const StoreResult<void> opened = store.open(m_path);
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().contains(u"999"_s), qPrintable(opened.error()));
    // Refused, not damaged: nothing was changed or dropped.
    QCOMPARE(querySeparately(m_path, u"SELECT MAX(version) FROM schema_version"_s),
             QStringList{u"999"_s});
    QCOMPARE(querySeparately(m_path, u"SELECT position_ms FROM outbox"_s), QStringList{u"200"_s});
    // And a refused store does not pretend to work.
    QVERIFY(!store.save(makeRecord(u"x"_s, 1, 1), true, 0).ok());
}

void tst_LocalStore::openFailsWhereNoFileCanBe()
{
    // The "folder" is a file.
    QFile blocker(m_dir->filePath(u"not-a-folder"_s));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    LocalStore store;
    const StoreResult<void> opened = store.open(blocker.fileName() + u"/local.sqlite"_s);
    QVERIFY(!opened.ok());
    QVERIFY(!opened.error().isEmpty());
}

void tst_LocalStore::reopenedAfterKillMidWrite_data()
{
    QTest::addColumn<int>("videos");
    QTest::addColumn<int>("rounds");

    // One video: every write coalesces into the same outbox row.
    QTest::newRow("one video") << 1 << 6;
    QTest::newRow("seven videos") << 7 << 6;
}

void tst_LocalStore::reopenedAfterKillMidWrite()
{
    QFETCH(int, videos);
    QFETCH(int, rounds);
    m_store->close();

    // Each round continues on the copy the previous kill left behind, as the next launch would.
    for (int round = 0; round < rounds; ++round) {
        const qint64 firstObservedAt = 1700000000000 + qint64(round) * 100000000;
        // Now and then killed before its first acknowledged write: while opening or migrating.
        const int killAfter = round % 3 == 1 ? 0 : QRandomGenerator::global()->bounded(1, 400);

        QProcess writer;
        writer.setProcessChannelMode(QProcess::SeparateChannels);
        QByteArray output;
        int acknowledged = 0;
        connect(&writer, &QProcess::readyReadStandardOutput, &writer, [&] {
            const QByteArray chunk = writer.readAllStandardOutput();
            output += chunk;
            acknowledged += int(chunk.count('\n'));
            // Killed from here, while it is busy writing: a random point of its loop.
            if (killAfter > 0 && acknowledged >= killAfter && writer.state() == QProcess::Running)
                writer.kill();
        });
        QSignalSpy finished(&writer, &QProcess::finished);
        writer.start(QStringLiteral(PLAYMARK_LOCALSTORE_WRITER),
                     {m_path, QString::number(firstObservedAt), QString::number(videos)});
        QVERIFY2(writer.waitForStarted(30000), qPrintable(writer.errorString()));
        if (killAfter == 0)
            QTimer::singleShot(QRandomGenerator::global()->bounded(0, 40), &writer,
                               [&writer] { writer.kill(); });
        QVERIFY2(finished.wait(60000), "the writer neither wrote nor stopped");
        output += writer.readAllStandardOutput();
        // It died by the kill, not of an error of its own.
        QVERIFY2(writer.exitStatus() == QProcess::CrashExit,
                 writer.readAllStandardError().constData());

        // Every complete line is an acknowledged write; a torn last line is not.
        QHash<QString, std::pair<qint64, qint64>> lastAcknowledged; // observed_at, position
        int total = 0;
        const qsizetype end = output.lastIndexOf('\n');
        const QList<QByteArray> lines =
            end < 0 ? QList<QByteArray>() : output.left(end).split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> fields = line.split(' ');
            QCOMPARE(fields.size(), 3);
            lastAcknowledged.insert(QString::fromLatin1(fields.at(0)),
                                    {fields.at(1).toLongLong(), fields.at(2).toLongLong()});
            ++total;
        }
        QVERIFY2(total >= killAfter,
                 qPrintable(u"round %1: only %2 lines"_s.arg(round).arg(total)));

        // The next launch opens it as usual...
        LocalStore reopened;
        const StoreResult<void> opened = reopened.open(m_path);
        QVERIFY2(opened.ok(), qPrintable(u"round %1: %2"_s.arg(round).arg(opened.error())));
        // ...and the file is sound, by SQLite's own check, on a connection of its own.
        QCOMPARE(querySeparately(m_path, u"PRAGMA integrity_check"_s), QStringList{u"ok"_s});

        // The last acknowledged update of each video is there, or a newer one that was committed
        // just before the kill but not yet printed.
        QVERIFY(pendingCountIn(reopened) <= videos);
        for (auto it = lastAcknowledged.cbegin(); it != lastAcknowledged.cend(); ++it) {
            const auto [observedAt, position] = it.value();
            const QString context =
                u"round %1, %2, acknowledged at %3 (killed after %4 lines)"_s.arg(round)
                    .arg(it.key())
                    .arg(observedAt)
                    .arg(total);
            const auto record = storedRecord(reopened, it.key());
            QVERIFY2(record, qPrintable(context));
            QVERIFY2(record->observedAtMs >= observedAt, qPrintable(context));
            if (record->observedAtMs == observedAt)
                QVERIFY2(record->positionMs == position, qPrintable(context));
            const auto pending = pendingFor(reopened, it.key());
            QVERIFY2(pending, qPrintable(context));
            QVERIFY2(pending->record.observedAtMs >= observedAt, qPrintable(context));
            // The outbox and the records agree: the newest pending update is the one kept.
            QCOMPARE(pending->record.observedAtMs, record->observedAtMs);
        }
    }
}

QTEST_GUILESS_MAIN(tst_LocalStore)
#include "tst_localstore.moc"
