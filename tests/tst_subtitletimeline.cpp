// The text on screen at a position (SubtitleTimeline): boundaries (start shown, end not), delay
// both ways, overlapping cues joined in start order, the two-line fold, cues added in batches in
// any order, and that a film's worth of cues is answered without a scan per call.
#include "media/subtitletimeline.h"

#include <QElapsedTimer>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;

namespace {

const QList<SubtitleCue> kCues = {{1000, 2000, u"one"_s},
                                  {3000, 5000, u"two"_s},
                                  {4000, 4500, u"three\nlines"_s},
                                  {10000, 12000, u"a\nb\nc\nd"_s}};

} // namespace

class tst_SubtitleTimeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textAt_data();
    void textAt();
    void addInBatches();
    void longCueSpansLater();
    void clear();
    void film();
};

void tst_SubtitleTimeline::textAt_data()
{
    QTest::addColumn<qint64>("position");
    QTest::addColumn<qint64>("delay");
    QTest::addColumn<QString>("expected");

    QTest::newRow("before all") << qint64(0) << qint64(0) << QString();
    QTest::newRow("negative position") << qint64(-5000) << qint64(0) << QString();
    QTest::newRow("just before start") << qint64(999) << qint64(0) << QString();
    QTest::newRow("at start") << qint64(1000) << qint64(0) << u"one"_s;
    QTest::newRow("just before end") << qint64(1999) << qint64(0) << u"one"_s;
    QTest::newRow("at end") << qint64(2000) << qint64(0) << QString();
    QTest::newRow("gap") << qint64(2500) << qint64(0) << QString();
    QTest::newRow("overlap joined in start order, folded")
        << qint64(4000) << qint64(0) << u"two\nthree lines"_s;
    QTest::newRow("after the overlap") << qint64(4500) << qint64(0) << u"two"_s;
    QTest::newRow("four lines folded") << qint64(11000) << qint64(0) << u"a\nb c d"_s;
    QTest::newRow("after all") << qint64(12000) << qint64(0) << QString();
    // Delay +300: shown from start+300 to end+300.
    QTest::newRow("later: not yet") << qint64(1299) << qint64(300) << QString();
    QTest::newRow("later: shown") << qint64(1300) << qint64(300) << u"one"_s;
    QTest::newRow("later: still shown") << qint64(2299) << qint64(300) << u"one"_s;
    QTest::newRow("later: gone") << qint64(2300) << qint64(300) << QString();
    // Delay -300: shown from start-300 to end-300.
    QTest::newRow("earlier: shown") << qint64(700) << qint64(-300) << u"one"_s;
    QTest::newRow("earlier: not before") << qint64(699) << qint64(-300) << QString();
    QTest::newRow("earlier: gone") << qint64(1700) << qint64(-300) << QString();
    QTest::newRow("overflowing delay")
        << std::numeric_limits<qint64>::min() << qint64(1) << QString();
    QTest::newRow("overflowing delay 2")
        << std::numeric_limits<qint64>::max() << std::numeric_limits<qint64>::min() << QString();
}

void tst_SubtitleTimeline::textAt()
{
    QFETCH(qint64, position);
    QFETCH(qint64, delay);
    QFETCH(QString, expected);
    SubtitleTimeline timeline;
    timeline.setCues(kCues);
    QCOMPARE(timeline.textAt(position, delay), expected);
}

void tst_SubtitleTimeline::addInBatches()
{
    SubtitleTimeline timeline;
    QVERIFY(timeline.isEmpty());
    QCOMPARE(timeline.textAt(1000), QString());
    // As embedded cues come: from the middle first, then the start, with one cue twice.
    timeline.addCues({kCues.at(3), kCues.at(2)});
    timeline.addCues({kCues.at(1), kCues.at(0), kCues.at(2)});
    QCOMPARE(timeline.size(), 4);
    QCOMPARE(timeline.textAt(1500), u"one"_s);
    QCOMPARE(timeline.textAt(4200), u"two\nthree lines"_s);
    // setCues replaces.
    timeline.setCues({{0, 100, u"x"_s}});
    QCOMPARE(timeline.textAt(1500), QString());
    QCOMPARE(timeline.textAt(50), u"x"_s);
}

void tst_SubtitleTimeline::longCueSpansLater()
{
    // A cue that lasts across shorter later ones stays on screen with each of them.
    SubtitleTimeline timeline;
    timeline.setCues({{0, 10000, u"sign"_s}, {2000, 3000, u"talk"_s}, {5000, 6000, u"more"_s}});
    QCOMPARE(timeline.textAt(1000), u"sign"_s);
    QCOMPARE(timeline.textAt(2500), u"sign\ntalk"_s);
    QCOMPARE(timeline.textAt(4000), u"sign"_s);
    QCOMPARE(timeline.textAt(5500), u"sign\nmore"_s);
    QCOMPARE(timeline.textAt(10000), QString());
}

void tst_SubtitleTimeline::clear()
{
    SubtitleTimeline timeline;
    timeline.setCues(kCues);
    QVERIFY(!timeline.isEmpty());
    timeline.clear();
    QVERIFY(timeline.isEmpty());
    QCOMPARE(timeline.textAt(1500), QString());
}

void tst_SubtitleTimeline::film()
{
    // Two hours, a cue every 3 s: 2,400 cues; ask 100,000 positions (almost 3 hours of calls at
    // 10 per second). A scan per call would be 2,400 * 100,000 comparisons.
    QList<SubtitleCue> cues;
    for (qint64 start = 0; start < 2 * 3600 * 1000; start += 3000)
        cues.append({start, start + 2000, u"cue at "_s + QString::number(start)});
    SubtitleTimeline timeline;
    timeline.setCues(cues);
    QElapsedTimer timer;
    timer.start();
    int shown = 0;
    for (qint64 position = 0; position < 100000 * 72; position += 72) {
        const QString text = timeline.textAt(position);
        if (!text.isEmpty()) {
            ++shown;
            QCOMPARE(text, u"cue at "_s + QString::number(position / 3000 * 3000));
        }
    }
    qInfo("100000 textAt calls over %d cues in %lld ms", int(cues.size()), timer.elapsed());
    QVERIFY(shown > 60000);
}

QTEST_GUILESS_MAIN(tst_SubtitleTimeline)
#include "tst_subtitletimeline.moc"
