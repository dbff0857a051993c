// Up next (UpNext): which video follows (the show's next episode, else the next in its folder),
// over real files in a temporary folder, and the cancellable countdown before it plays, with a
// short tick.
#include "upnext.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 20000;
constexpr int kTickMs = 20;

// Every countdownChanged seen so far, as "path:seconds".
QStringList ticks(const QSignalSpy &spy)
{
    QStringList list;
    for (const QList<QVariant> &args : spy)
        list << u"%1:%2"_s.arg(args.at(0).toString()).arg(args.at(1).toInt());
    return list;
}

} // namespace

class tst_UpNext : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nextAfter_data();
    void nextAfter();
    void nextAfterAFileThatIsGone();
    void naturalOrderUnderTheCLocale();

    void countdownPlaysNextAtZero();
    void cancelMidwayPlaysNothing();
    void cancelFromTheCountdownItself();
    void cancelWhenIdleDoesNothing();
    void cancelAfterTheEndDoesNothing();
    void offerAgainReplacesTheFirst();

    void offerAfterOffersTheNext();
    void offerAfterTheLastOffersNothing();
    void cancelDropsALookupUnderWay();
    void anotherVideoEndingReplacesTheLookup();

private:
    // Episode 1.mkv .. Episode 3.mkv in `dir`.
    static void makeEpisodes(const QTemporaryDir &dir);
    // Every lookup answered and its answer delivered: what was to be offered has been.
    static void settleLookups();
};

void tst_UpNext::nextAfter_data()
{
    // Names ending in '/' are made as folders, the rest as files.
    QTest::addColumn<QStringList>("entries"); // relative paths, folders made on the way
    QTest::addColumn<QString>("current");
    QTest::addColumn<QString>("expected"); // empty: none

    const QStringList numbered{u"Episode 10.mkv"_s, u"Episode 2.mkv"_s, u"Episode 1.mkv"_s};
    QTest::newRow("1 then 2") << numbered << u"Episode 1.mkv"_s << u"Episode 2.mkv"_s;
    QTest::newRow("2 then 10, not 10 then 2")
        << numbered << u"Episode 2.mkv"_s << u"Episode 10.mkv"_s;
    QTest::newRow("10 is the last") << numbered << u"Episode 10.mkv"_s << QString();
    // Not episodes' names: the folder's natural order alone.
    const QStringList parts{u"Part 10.mkv"_s, u"Part 2.mkv"_s, u"Part 1.mkv"_s};
    QTest::newRow("part 1 then 2") << parts << u"Part 1.mkv"_s << u"Part 2.mkv"_s;
    QTest::newRow("part 2 then 10, not 10 then 2") << parts << u"Part 2.mkv"_s << u"Part 10.mkv"_s;
    QTest::newRow("9 then 10 then 11")
        << QStringList{u"S01E11.mp4"_s, u"S01E9.mp4"_s, u"S01E10.mp4"_s} << u"S01E9.mp4"_s
        << u"S01E10.mp4"_s;

    const QStringList mixedCase{u"banana.mp4"_s, u"Cherry.mp4"_s, u"apple.mp4"_s};
    QTest::newRow("case ignored: apple then banana")
        << mixedCase << u"apple.mp4"_s << u"banana.mp4"_s;
    QTest::newRow("case ignored: banana then Cherry")
        << mixedCase << u"banana.mp4"_s << u"Cherry.mp4"_s;
    QTest::newRow("case ignored: Cherry is the last") << mixedCase << u"Cherry.mp4"_s << QString();
    QTest::newRow("case and numbers together")
        << QStringList{u"episode 1.mkv"_s, u"Episode 2.mkv"_s, u"EPISODE 10.mkv"_s}
        << u"Episode 2.mkv"_s << u"EPISODE 10.mkv"_s;
    QTest::newRow("upper-case extension is a video")
        << QStringList{u"Part 1.mp4"_s, u"Part 2.MKV"_s} << u"Part 1.mp4"_s << u"Part 2.MKV"_s;

    QTest::newRow("subtitles and notes skipped")
        << QStringList{u"Episode 1.mkv"_s, u"Episode 1.srt"_s, u"Episode 1.txt"_s,
                       u"Episode 1b.nfo"_s, u"Episode 2.mkv"_s}
        << u"Episode 1.mkv"_s << u"Episode 2.mkv"_s;
    QTest::newRow("only non-videos after it")
        << QStringList{u"Episode 1.mkv"_s, u"Episode 2.srt"_s, u"Episode 3.txt"_s}
        << u"Episode 1.mkv"_s << QString();
    QTest::newRow("a folder named like a video is skipped")
        << QStringList{u"Episode 1.mkv"_s, u"Episode 2.mkv/"_s, u"Episode 3.mkv"_s}
        << u"Episode 1.mkv"_s << u"Episode 3.mkv"_s;
    QTest::newRow("other video kinds follow")
        << QStringList{u"a.mp4"_s, u"b.webm"_s, u"c.mov"_s} << u"a.mp4"_s << u"b.webm"_s;

    QTest::newRow("a single file") << QStringList{u"Film.mkv"_s} << u"Film.mkv"_s << QString();
    QTest::newRow("spaces and unicode")
        << QStringList{u"Épisode 2 – la suite ✓.mkv"_s, u"Épisode 1 – le début.mkv"_s,
                       u"Épisode 10 – fin.mkv"_s}
        << u"Épisode 1 – le début.mkv"_s << u"Épisode 2 – la suite ✓.mkv"_s;
    QTest::newRow("unicode, the last")
        << QStringList{u"日本 1.mp4"_s, u"日本 2.mp4"_s} << u"日本 2.mp4"_s << QString();

    // Episodes: the show's next episode by episode order, not the next file in the folder's order.
    // Natural order: Andor 1x03, Andor S01E01, Andor S01E02, Dark S01E01, Zoo footage.
    const QStringList twoShows{u"Dark S01E01.mkv"_s, u"Andor S01E02.mkv"_s, u"Andor 1x03.mkv"_s,
                               u"Andor S01E01.mkv"_s};
    QTest::newRow("the next episode, where natural order agrees")
        << twoShows << u"Andor S01E01.mkv"_s << u"Andor S01E02.mkv"_s;
    QTest::newRow("the next episode, not the other show that follows in the folder")
        << twoShows << u"Andor S01E02.mkv"_s << u"Andor 1x03.mkv"_s;
    QTest::newRow("the show's last: not back to its first")
        << twoShows << u"Andor 1x03.mkv"_s << QString();
    QTest::newRow("the show's last, a video after it in the folder")
        << QStringList{u"Andor S01E01.mkv"_s, u"Andor S01E02.mkv"_s, u"Zoo footage.mp4"_s}
        << u"Andor S01E02.mkv"_s << u"Zoo footage.mp4"_s;
    QTest::newRow("the first season numbered alone, the second with its season")
        << QStringList{u"[Group] Show - 11.mkv"_s, u"[Group] Show - 12.mkv"_s,
                       u"[Group] Show S2 - 01.mkv"_s}
        << u"[Group] Show - 12.mkv"_s << u"[Group] Show S2 - 01.mkv"_s;
    QTest::newRow("a film among episodes: the folder's order")
        << QStringList{u"Andor S01E01.mkv"_s, u"Heat (1995).mkv"_s, u"Zoo footage.mp4"_s}
        << u"Heat (1995).mkv"_s << u"Zoo footage.mp4"_s;
    QTest::newRow("into the next season's folder")
        << QStringList{u"Fargo/Season 1/Fargo - S01E09.mkv"_s,
                       u"Fargo/Season 1/Fargo - S01E10.mkv"_s,
                       u"Fargo/Season 1/Fargo - S01E10 - Making of.mkv"_s,
                       u"Fargo/Season 2/Fargo - S02E01.mkv"_s}
        << u"Fargo/Season 1/Fargo - S01E10.mkv"_s << u"Fargo/Season 2/Fargo - S02E01.mkv"_s;
}

void tst_UpNext::nextAfter()
{
    QFETCH(QStringList, entries);
    QFETCH(QString, current);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const QString &entry : std::as_const(entries)) {
        if (entry.endsWith(u'/')) {
            QVERIFY(QDir(dir.path()).mkpath(entry.chopped(1)));
            continue;
        }
        QVERIFY(QDir().mkpath(QFileInfo(dir.filePath(entry)).path()));
        QFile file(dir.filePath(entry));
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(entry));
        file.write("not really a video");
    }

    const QString next = UpNext::nextAfter(dir.filePath(current));

    QCOMPARE(next, expected.isEmpty() ? QString() : dir.filePath(expected));
}

// The file just played was moved away meanwhile: no guess in the folder's order; an episode's
// name still says which episode follows it.
void tst_UpNext::nextAfterAFileThatIsGone()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const QString &name : {u"a.mkv"_s, u"c.mkv"_s, u"Episode 1.mkv"_s, u"Episode 3.mkv"_s}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QCOMPARE(UpNext::nextAfter(dir.filePath(u"b.mkv"_s)), QString());
    QCOMPARE(UpNext::nextAfter(dir.filePath(u"Episode 2.mkv"_s)), dir.filePath(u"Episode 3.mkv"_s));
    QCOMPARE(UpNext::nextAfter(dir.filePath(u"no-such-folder/b.mkv"_s)), QString());
    QCOMPARE(UpNext::nextAfter(dir.filePath(u"no-such-folder/Episode 1.mkv"_s)), QString());
}

// LANG=C (a service, a container): Qt's collator then compares code points and ignores numeric
// mode, which once put "Part 10" right after "Part 1". (Not "Episode 1": that is an episode, put
// in order by its number whatever the collation.)
void tst_UpNext::naturalOrderUnderTheCLocale()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const QString &name : {u"Part 1.mkv"_s, u"Part 2.mkv"_s, u"part 10.mkv"_s}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    const QLocale before;
    QLocale::setDefault(QLocale::c());
    const QString afterOne = UpNext::nextAfter(dir.filePath(u"Part 1.mkv"_s));
    const QString afterTwo = UpNext::nextAfter(dir.filePath(u"Part 2.mkv"_s));
    QLocale::setDefault(before);
    QCOMPARE(afterOne, dir.filePath(u"Part 2.mkv"_s));
    QCOMPARE(afterTwo, dir.filePath(u"part 10.mkv"_s));
}

void tst_UpNext::countdownPlaysNextAtZero()
{
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);
    const QString next = u"/videos/Episode 2.mkv"_s;

    upNext.offer(next, 3, kTickMs);
    // The first value at once, for the banner to show.
    QCOMPARE(ticks(countdown), QStringList{next + u":3"_s});
    QVERIFY(upNext.isCounting());
    QVERIFY(play.isEmpty());

    QTRY_COMPARE_WITH_TIMEOUT(play.count(), 1, kTimeoutMs);
    QCOMPARE(play.first().first().toString(), next);
    QCOMPARE(ticks(countdown), (QStringList{next + u":3"_s, next + u":2"_s, next + u":1"_s}));
    QVERIFY(!upNext.isCounting());

    QTest::qWait(10 * kTickMs); // ten more ticks' worth: it is over
    QCOMPARE(play.count(), 1);
    QCOMPARE(countdown.count(), 3);
    QVERIFY(cancelled.isEmpty());
}

void tst_UpNext::cancelMidwayPlaysNothing()
{
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);

    upNext.offer(u"/videos/next.mkv"_s, 1000, kTickMs); // far longer than the test
    QTRY_VERIFY_WITH_TIMEOUT(countdown.count() >= 3, kTimeoutMs);

    upNext.cancel();
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(!upNext.isCounting());
    const qsizetype seen = countdown.count();

    QTest::qWait(10 * kTickMs);
    QCOMPARE(countdown.count(), seen);
    QVERIFY(play.isEmpty());
    QCOMPARE(cancelled.count(), 1);
    // The values went down one by one from the start until the cancel.
    for (qsizetype i = 0; i < countdown.count(); ++i)
        QCOMPARE(countdown.at(i).at(1).toInt(), 1000 - int(i));
}

// The person presses Cancel while the banner shows "2": nothing plays, and 1 never shows.
void tst_UpNext::cancelFromTheCountdownItself()
{
    UpNext upNext;
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);
    QList<int> shown;
    connect(&upNext, &UpNext::countdownChanged, &upNext,
            [&upNext, &shown](const QString &, int secondsLeft) {
                shown << secondsLeft;
                if (secondsLeft == 2)
                    upNext.cancel();
            });

    upNext.offer(u"/videos/next.mkv"_s, 3, kTickMs);
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeoutMs);
    QTest::qWait(10 * kTickMs);
    QCOMPARE(shown, (QList<int>{3, 2}));
    QVERIFY(play.isEmpty());
    QCOMPARE(cancelled.count(), 1);
}

void tst_UpNext::cancelWhenIdleDoesNothing()
{
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);

    QVERIFY(!upNext.isCounting());
    upNext.cancel();
    upNext.cancel();
    QVERIFY(cancelled.isEmpty());
    QVERIFY(countdown.isEmpty());
    QVERIFY(play.isEmpty());
}

// Once the next video was asked for, a late cancel (the banner closing) is no news.
void tst_UpNext::cancelAfterTheEndDoesNothing()
{
    UpNext upNext;
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);

    upNext.offer(u"/videos/next.mkv"_s, 1, kTickMs);
    QTRY_COMPARE_WITH_TIMEOUT(play.count(), 1, kTimeoutMs);
    upNext.cancel();
    QVERIFY(cancelled.isEmpty());
    QCOMPARE(play.count(), 1);
}

// A new offer (another video ended meanwhile) restarts the countdown for the new one only.
void tst_UpNext::offerAgainReplacesTheFirst()
{
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    QSignalSpy play(&upNext, &UpNext::playNextRequested);
    const QString first = u"/videos/a.mkv"_s;
    const QString second = u"/videos/b.mkv"_s;

    upNext.offer(first, 3, kTickMs);
    upNext.offer(second, 2, kTickMs);
    QTRY_COMPARE_WITH_TIMEOUT(play.count(), 1, kTimeoutMs);
    QCOMPARE(play.first().first().toString(), second);
    QCOMPARE(ticks(countdown), (QStringList{first + u":3"_s, second + u":2"_s, second + u":1"_s}));
    QTest::qWait(10 * kTickMs);
    QCOMPARE(play.count(), 1);
}

void tst_UpNext::makeEpisodes(const QTemporaryDir &dir)
{
    QVERIFY(dir.isValid());
    for (const QString &name : {u"Episode 1.mkv"_s, u"Episode 2.mkv"_s, u"Episode 3.mkv"_s}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
}

void tst_UpNext::settleLookups()
{
    // A lookup posts its answer to the UpNext's thread before its task ends.
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::sendPostedEvents();
}

void tst_UpNext::offerAfterOffersTheNext()
{
    QTemporaryDir dir;
    makeEpisodes(dir);
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    upNext.offerAfter(dir.filePath(u"Episode 1.mkv"_s));
    QVERIFY(countdown.wait(kTimeoutMs));
    // The countdown ticks every second from here: on a loaded machine a second tick may come
    // before the check.
    QCOMPARE(ticks(countdown).first(), dir.filePath(u"Episode 2.mkv"_s) + u":10"_s);
    QVERIFY(upNext.isCounting());
}

void tst_UpNext::offerAfterTheLastOffersNothing()
{
    QTemporaryDir dir;
    makeEpisodes(dir);
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    upNext.offerAfter(dir.filePath(u"Episode 3.mkv"_s));
    settleLookups();
    QVERIFY(countdown.isEmpty());
    QVERIFY(!upNext.isCounting());
}

// Another video was opened while the folder was being listed: nothing is offered for the first.
void tst_UpNext::cancelDropsALookupUnderWay()
{
    QTemporaryDir dir;
    makeEpisodes(dir);
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    QSignalSpy cancelled(&upNext, &UpNext::cancelled);
    upNext.offerAfter(dir.filePath(u"Episode 1.mkv"_s));
    upNext.cancel();
    settleLookups();
    QVERIFY(countdown.isEmpty());
    QVERIFY(!upNext.isCounting());
    QVERIFY(cancelled.isEmpty()); // no countdown was shown, so none is taken back
}

void tst_UpNext::anotherVideoEndingReplacesTheLookup()
{
    QTemporaryDir dir;
    makeEpisodes(dir);
    UpNext upNext;
    QSignalSpy countdown(&upNext, &UpNext::countdownChanged);
    upNext.offerAfter(dir.filePath(u"Episode 1.mkv"_s));
    upNext.offerAfter(dir.filePath(u"Episode 2.mkv"_s));
    settleLookups();
    // Only the second video's next, counting down from 10 (a loaded machine may see it tick).
    QVERIFY(!countdown.isEmpty());
    for (qsizetype i = 0; i < countdown.size(); ++i)
        QCOMPARE(ticks(countdown).at(i),
                 dir.filePath(u"Episode 3.mkv"_s) + u":%1"_s.arg(10 - int(i)));
}

QTEST_GUILESS_MAIN(tst_UpNext)
#include "tst_upnext.moc"
