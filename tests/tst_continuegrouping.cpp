// ContinueGrouping: the local copy's records grouped as the server's Continue Watching groups them
// (one item per show and per film, newest first, watched films left out) and the episode Next Up
// follows (a rewatch of an older episode does not move it back; continuing from there does).
#include "client/continuegrouping.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

ProgressRecord record(const QString &contentId, qint64 observedAtMs, const QString &showId = {},
                      const QString &episodeId = {})
{
    ProgressRecord r;
    r.contentId = contentId;
    r.positionMs = 600000;
    r.durationMs = 1800000;
    r.deviceId = u"tv"_s;
    r.deviceName = u"TV"_s;
    r.observedAtMs = observedAtMs;
    r.state = PlaybackState::Stopped;
    r.title = contentId;
    r.showId = showId;
    r.episodeId = episodeId;
    return r;
}

// An episode finished at `finishedAtMs` (the record seen then too).
ProgressRecord finished(const QString &episodeId, qint64 finishedAtMs)
{
    ProgressRecord r = record(u"pm1-"_s + episodeId, finishedAtMs, u"show"_s, episodeId);
    r.watched = true;
    r.finishedAtMs = finishedAtMs;
    return r;
}

} // namespace

class tst_ContinueGrouping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nextAfter_data();
    void nextAfter();
    void unwatchedIsOfferedAgain();
    void groupsByShowNewestFirst();
    void limit();
};

void tst_ContinueGrouping::nextAfter_data()
{
    QTest::addColumn<QList<ProgressRecord>>("episodes");
    QTest::addColumn<QString>("expected"); // the episode id followed; "" for none

    QTest::newRow("none finished")
        << QList<ProgressRecord>{record(u"a"_s, 10, u"show"_s, u"s01e01"_s)} << QString();
    QTest::newRow("one finished") << QList<ProgressRecord>{finished(u"s01e01"_s, 10)}
                                  << u"s01e01"_s;
    QTest::newRow("in order") << QList<ProgressRecord>{finished(u"s01e01"_s, 10),
                                                       finished(u"s01e02"_s, 20)}
                              << u"s01e02"_s;
    // Finished e1, e2, e3, then e1 again: a rewatch does not move Next Up back.
    QTest::newRow("rewatch of an older one")
        << QList<ProgressRecord>{finished(u"s01e01"_s, 40), finished(u"s01e02"_s, 20),
                                 finished(u"s01e03"_s, 30)}
        << u"s01e03"_s;
    // e1..e3, then e1 again, then e2 after it: the person continues from there.
    QTest::newRow("continuing from the rewatch")
        << QList<ProgressRecord>{finished(u"s01e01"_s, 40), finished(u"s01e02"_s, 50),
                                 finished(u"s01e03"_s, 30)}
        << u"s01e02"_s;
    QTest::newRow("into the next season")
        << QList<ProgressRecord>{finished(u"s01e10"_s, 10), finished(u"s02e01"_s, 20)}
        << u"s02e01"_s;
    // An older player's `ended` without `watched`: finished when seen.
    ProgressRecord ended = record(u"pm1-e"_s, 70, u"show"_s, u"s01e04"_s);
    ended.state = PlaybackState::Ended;
    QTest::newRow("ended counts") << QList<ProgressRecord>{finished(u"s01e03"_s, 30), ended}
                                  << u"s01e04"_s;
    // The server's last_finished_ms counts too (a record learned from it, watched, finished
    // again after it was seen): e1, e2, then e3 last, so Next Up follows e3.
    ProgressRecord counted = record(u"pm1-c"_s, 20, u"show"_s, u"s01e03"_s);
    counted.watched = true;
    counted.playCount = 2;
    counted.lastFinishedMs = 80;
    QTest::newRow("server's finish")
        << QList<ProgressRecord>{finished(u"s01e01"_s, 30), finished(u"s01e02"_s, 50), counted}
        << u"s01e03"_s;
    // Its play count stays, but an episode not watched now (marked unwatched, or rewatched and
    // in progress) does not count.
    ProgressRecord unmarked = counted;
    unmarked.watched = false;
    QTest::newRow("not watched now")
        << QList<ProgressRecord>{finished(u"s01e01"_s, 30), finished(u"s01e02"_s, 50), unmarked}
        << u"s01e02"_s;
}

void tst_ContinueGrouping::nextAfter()
{
    QFETCH(QList<ProgressRecord>, episodes);
    QFETCH(QString, expected);
    const auto followed = ContinueGrouping::nextAfter(episodes);
    QCOMPARE(followed ? followed->episodeId : QString(), expected);
}

void tst_ContinueGrouping::unwatchedIsOfferedAgain()
{
    // Marked unwatched later (its play count stays): Next Up offers it again, as Plex's On Deck
    // and Jellyfin's Next Up do, so Next Up follows the episode before it.
    ProgressRecord unwatched = finished(u"s01e02"_s, 20);
    unwatched.watched = false;
    unwatched.observedAtMs = 60;
    const auto followed = ContinueGrouping::nextAfter({finished(u"s01e01"_s, 10), unwatched});
    QVERIFY(followed);
    QCOMPARE(followed->episodeId, u"s01e01"_s);
}

void tst_ContinueGrouping::groupsByShowNewestFirst()
{
    ProgressRecord watchedFilm = record(u"pm1-watched-film"_s, 90);
    watchedFilm.watched = true;
    ProgressRecord otherShow = record(u"pm1-other"_s, 50, u"other"_s, u"s02e05"_s);
    const QList<ContinueEntry> entries = ContinueGrouping::group(
        {finished(u"s01e01"_s, 10), record(u"pm1-film"_s, 40), watchedFilm,
         finished(u"s01e02"_s, 60), otherShow, record(u"pm1-s01e03"_s, 70, u"show"_s, u"s01e03"_s)},
        20);
    QCOMPARE(entries.size(), 3);
    // The show: its newest record (episode 3, in progress), following episode 2.
    QCOMPARE(entries.at(0).record.contentId, u"pm1-s01e03"_s);
    QVERIFY(entries.at(0).nextAfter);
    QCOMPARE(entries.at(0).nextAfter->episodeId, u"s01e02"_s);
    QCOMPARE(entries.at(1).record.contentId, u"pm1-other"_s);
    QVERIFY(!entries.at(1).nextAfter);
    QCOMPARE(entries.at(2).record.contentId, u"pm1-film"_s);
}

void tst_ContinueGrouping::limit()
{
    QList<ProgressRecord> films;
    for (int i = 0; i < 5; ++i)
        films.append(record(u"pm1-film%1"_s.arg(i), 10 * i));
    const QList<ContinueEntry> entries = ContinueGrouping::group(films, 2);
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries.at(0).record.contentId, u"pm1-film4"_s);
    QCOMPARE(entries.at(1).record.contentId, u"pm1-film3"_s);
}

QTEST_GUILESS_MAIN(tst_ContinueGrouping)
#include "tst_continuegrouping.moc"
