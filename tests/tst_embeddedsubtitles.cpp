// Embedded text tracks read with real GStreamer (EmbeddedSubtitles) from the sample MKV: one text
// track, "Embedded cue from m:ss.000" every 4 s from 0:02, 3 s each (scripts/make-sample-video).
// The cues and their times; reading from a position first; cancel and destruction mid-read; a
// file with no text track; files that cannot be read.
#include "media/embeddedsubtitles.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

const QString kTracks = QStringLiteral(PLAYMARK_RESOURCES "/sample-tracks.mkv");
const QString kNoText = QStringLiteral(PLAYMARK_RESOURCES "/sample.mp4");

// The sample's cues as scripts/make-sample-video writes them: 14, from 0:02 to 0:54.
QList<SubtitleCue> sampleCues()
{
    QList<SubtitleCue> cues;
    for (qint64 start = 2000; start < 58000; start += 4000) { // 0:02 to 0:54
        cues.append({start, start + 3000,
                     u"Embedded cue from 0:%1.000"_s.arg(start / 1000, 2, 10, QLatin1Char('0'))});
    }
    return cues;
}

// Every cue of every cuesFound of track 0, in arrival order.
QList<SubtitleCue> arrived(const QSignalSpy &spy)
{
    QList<SubtitleCue> cues;
    for (const QList<QVariant> &arguments : spy) {
        if (arguments.at(0).toInt() != 0)
            qFatal("a cue for track %d", arguments.at(0).toInt());
        cues += arguments.at(1).value<QList<SubtitleCue>>();
    }
    return cues;
}

// The sample's Matroska timestamps are all shifted by its muxer (ffmpeg moves them 7 ms later so
// that Opus's pre-skip is not negative: ffprobe says video start_time 0.007): the cue at "0:02"
// is at 2.007 s of the file, with the video frame whose timecode says 0:02.000. The cues must
// keep that file time (the player's position is in it), so they are compared after the one
// shift the file has, which must be the same for all and small.
QList<SubtitleCue> unshifted(QList<SubtitleCue> cues)
{
    if (cues.isEmpty())
        return cues;
    const qint64 shift = cues.first().startMs % 1000;
    if (shift > 50)
        qFatal("cue at %lld: not the sample's shift", cues.first().startMs);
    for (SubtitleCue &cue : cues) {
        cue.startMs -= shift;
        cue.endMs -= shift;
    }
    return cues;
}

// Starts a read and waits for its end: the error it finished with ("" when all was read).
QString readToEnd(EmbeddedSubtitles &subtitles, const QString &path, qint64 fromMs = 0)
{
    QSignalSpy finished(&subtitles, &EmbeddedSubtitles::finished);
    subtitles.start(path, fromMs);
    if (!finished.wait(30000))
        return u"no finished() in 30 s"_s;
    return finished.size() == 1 ? finished.first().first().toString()
                                : u"finished() %1 times"_s.arg(finished.size());
}

QList<SubtitleCue> sorted(QList<SubtitleCue> cues)
{
    std::sort(cues.begin(), cues.end(),
              [](const SubtitleCue &a, const SubtitleCue &b) { return a.startMs < b.startMs; });
    return cues;
}

} // namespace

class tst_EmbeddedSubtitles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeFile();
    void fromPosition();
    void cancelAndRestart();
    void destroyMidRead();
    void noTextTrack();
    void unreadable_data();
    void unreadable();
};

void tst_EmbeddedSubtitles::wholeFile()
{
    EmbeddedSubtitles subtitles;
    QSignalSpy cues(&subtitles, &EmbeddedSubtitles::cuesFound);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(readToEnd(subtitles, kTracks), QString());
    qInfo("read the sample's embedded subtitles in %lld ms, %d batches", timer.elapsed(),
          int(cues.size()));
    QVERIFY(!subtitles.isRunning());
    QCOMPARE(unshifted(arrived(cues)), sampleCues());
}

void tst_EmbeddedSubtitles::fromPosition()
{
    // From 0:31 (inside the 0:30 cue): 0:30 to the end first, then 0:02 to 0:26; each cue once.
    EmbeddedSubtitles subtitles;
    QSignalSpy cues(&subtitles, &EmbeddedSubtitles::cuesFound);
    QCOMPARE(readToEnd(subtitles, kTracks, 31000), QString());
    const QList<SubtitleCue> order = arrived(cues);
    QCOMPARE(unshifted(sorted(order)), sampleCues());
    QCOMPARE(order.first().startMs / 1000, 30);
    const auto firstEarly = std::find_if(
        order.cbegin(), order.cend(), [](const SubtitleCue &cue) { return cue.startMs < 30000; });
    QVERIFY(firstEarly != order.cend());
    // Everything from 0:30 came before anything earlier.
    QVERIFY(std::all_of(order.cbegin(), firstEarly,
                        [](const SubtitleCue &cue) { return cue.startMs >= 30000; }));
    QVERIFY(std::all_of(firstEarly, order.cend(),
                        [](const SubtitleCue &cue) { return cue.startMs < 30000; }));

    // From beyond the end: nothing after it, so everything comes from the second part.
    cues.clear();
    QCOMPARE(readToEnd(subtitles, kTracks, 3600000), QString());
    QCOMPARE(unshifted(sorted(arrived(cues))), sampleCues());
}

void tst_EmbeddedSubtitles::cancelAndRestart()
{
    EmbeddedSubtitles subtitles;
    QSignalSpy cues(&subtitles, &EmbeddedSubtitles::cuesFound);
    QSignalSpy finished(&subtitles, &EmbeddedSubtitles::finished);
    // Cancelled as soon as the first batch comes: that read says nothing more.
    const QMetaObject::Connection cancelling =
        connect(&subtitles, &EmbeddedSubtitles::cuesFound, &subtitles, [&] {
            if (cues.size() == 1)
                subtitles.cancel();
        });
    subtitles.start(kTracks);
    QVERIFY(cues.wait(30000));
    QVERIFY(!subtitles.isRunning());
    disconnect(cancelling);
    const qsizetype firstRead = arrived(cues).size();
    QVERIFY(firstRead >= 1);

    // A read started after it gets everything, and the cancelled one never finishes.
    subtitles.start(kTracks);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toString(), QString());
    QCOMPARE(unshifted(arrived(cues).mid(firstRead)), sampleCues());

    // start() while one runs replaces it: one finished, for the second.
    cues.clear();
    finished.clear();
    subtitles.start(kTracks, 20000);
    subtitles.start(kTracks);
    QVERIFY(finished.wait(30000));
    QCOMPARE(unshifted(arrived(cues)), sampleCues());
    QVERIFY(!finished.wait(200) || finished.size() == 1);
    QCOMPARE(finished.size(), 1);
}

void tst_EmbeddedSubtitles::destroyMidRead()
{
    // Destroyed right after start, while the pipeline is being built...
    {
        EmbeddedSubtitles subtitles;
        subtitles.start(kTracks);
    }
    // ...and once cues are arriving: the destructor stops the pipeline and waits for its thread.
    auto *subtitles = new EmbeddedSubtitles;
    QSignalSpy cues(subtitles, &EmbeddedSubtitles::cuesFound);
    subtitles->start(kTracks);
    QVERIFY(cues.wait(30000));
    QElapsedTimer timer;
    timer.start();
    delete subtitles;
    qInfo("destroyed mid-read in %lld ms", timer.elapsed());
    // And after several cancels in a row, the last read still finishes.
    EmbeddedSubtitles again;
    QSignalSpy finished(&again, &EmbeddedSubtitles::finished);
    for (int i = 0; i < 5; ++i)
        again.start(kTracks, i * 10000);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().toString(), QString());
}

void tst_EmbeddedSubtitles::noTextTrack()
{
    EmbeddedSubtitles subtitles;
    QSignalSpy cues(&subtitles, &EmbeddedSubtitles::cuesFound);
    QCOMPARE(readToEnd(subtitles, kNoText, 5000), QString());
    QCOMPARE(cues.size(), 0);
}

void tst_EmbeddedSubtitles::unreadable_data()
{
    QTest::addColumn<QByteArray>("contents"); // empty: no file at all
    QTest::addColumn<QString>("expected"); // part of the error
    QTest::newRow("missing") << QByteArray() << u"no such file"_s;
    QTest::newRow("not media") << QByteArray(4096, 'x') << u"cannot read subtitles from"_s;
    QTest::newRow("truncated mkv")
        << QByteArray("\x1a\x45\xdf\xa3\x01\x00", 6) << u"cannot read subtitles from"_s;
}

void tst_EmbeddedSubtitles::unreadable()
{
    QFETCH(QByteArray, contents);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"film.mkv"_s);
    if (!contents.isEmpty()) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(contents);
    }
    EmbeddedSubtitles subtitles;
    QSignalSpy cues(&subtitles, &EmbeddedSubtitles::cuesFound);
    const QString error = readToEnd(subtitles, path);
    qInfo("%s", qPrintable(error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QCOMPARE(cues.size(), 0);
}

QTEST_GUILESS_MAIN(tst_EmbeddedSubtitles)
#include "tst_embeddedsubtitles.moc"
