// Where playback starts (ResumePoint::choose): the newer of the server's and the local record by
// docs/protocol.md's ordering rule, the server's on an equal pair, 0 for a finished video, and 0
// for everything with --from-start.
#include "resumepoint.h"

#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;

namespace {

// An empty device_id stands for "no record" in the table.
ProgressRecord none()
{
    return {};
}

ProgressRecord record(qint64 observedAtMs, const QString &deviceId, qint64 positionMs,
                      PlaybackState state = PlaybackState::Paused)
{
    ProgressRecord r;
    r.contentId = u"pm1-0123456789abcdef0123456789abcdef"_s;
    r.positionMs = positionMs;
    r.durationMs = 3600000;
    r.deviceId = deviceId;
    r.deviceName = deviceId + u" device"_s;
    r.observedAtMs = observedAtMs;
    r.state = state;
    return r;
}

std::optional<ProgressRecord> given(const ProgressRecord &r)
{
    if (r.deviceId.isEmpty())
        return std::nullopt;
    return r;
}

} // namespace

class tst_ResumePoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void choose_data();
    void choose();
    void sourceName_data();
    void sourceName();
    void offerOwnPlace_data();
    void offerOwnPlace();
    void rewindFor_data();
    void rewindFor();
};

void tst_ResumePoint::choose_data()
{
    QTest::addColumn<ProgressRecord>("server");
    QTest::addColumn<ProgressRecord>("local");
    QTest::addColumn<bool>("fromStart");
    QTest::addColumn<QString>("source"); // server, local or none
    QTest::addColumn<qint64>("position");

    constexpr qint64 t = 1700000000000;
    const QString tv = u"tv"_s;
    const QString laptop = u"laptop"_s;

    QTest::newRow("server only") << record(t, tv, 60000) << none() << false << u"server"_s
                                 << qint64(60000);
    QTest::newRow("local only") << none() << record(t, laptop, 42000) << false << u"local"_s
                                << qint64(42000);
    QTest::newRow("server newer") << record(t + 1, tv, 60000) << record(t, laptop, 42000) << false
                                  << u"server"_s << qint64(60000);
    QTest::newRow("local newer (watched offline)")
        << record(t, tv, 60000) << record(t + 1, laptop, 42000) << false << u"local"_s
        << qint64(42000);
    QTest::newRow("server newer and further back (a seek backwards wins)")
        << record(t + 5000, tv, 1000) << record(t, laptop, 42000) << false << u"server"_s
        << qint64(1000);
    QTest::newRow("equal pair: the same observation, the server's copy")
        << record(t, tv, 60000) << record(t, tv, 59000) << false << u"server"_s << qint64(60000);
    QTest::newRow("same time, server's device_id greater")
        << record(t, tv, 60000) << record(t, laptop, 42000) << false << u"server"_s
        << qint64(60000);
    QTest::newRow("same time, local device_id greater")
        << record(t, laptop, 60000) << record(t, tv, 42000) << false << u"local"_s << qint64(42000);
    QTest::newRow("same time, device_id compared by bytes ('B' < 'a')")
        << record(t, u"B"_s, 60000) << record(t, u"a"_s, 42000) << false << u"local"_s
        << qint64(42000);
    QTest::newRow("ended on the server starts from 0")
        << record(t, tv, 3600000, PlaybackState::Ended) << none() << false << u"server"_s
        << qint64(0);
    QTest::newRow("ended locally, newer, starts from 0")
        << record(t, tv, 60000) << record(t + 1, laptop, 3600000, PlaybackState::Ended) << false
        << u"local"_s << qint64(0);
    QTest::newRow("ended but older loses to a newer position")
        << record(t, tv, 3600000, PlaybackState::Ended) << record(t + 1, laptop, 42000) << false
        << u"local"_s << qint64(42000);
    ProgressRecord marked = record(t, tv, 60000, PlaybackState::Stopped);
    marked.watched = true;
    QTest::newRow("marked watched starts from 0")
        << marked << none() << false << u"server"_s << qint64(0);
    ProgressRecord passed = record(t, tv, 3300000, PlaybackState::Playing);
    passed.watched = true;
    QTest::newRow("past the threshold starts from 0")
        << none() << passed << false << u"local"_s << qint64(0);
    ProgressRecord unmarked = record(t, tv, 0, PlaybackState::Stopped);
    unmarked.watched = false;
    QTest::newRow("marked unwatched starts at its place")
        << unmarked << record(t - 1, laptop, 3600000, PlaybackState::Ended) << false << u"server"_s
        << qint64(0);
    QTest::newRow("stopped resumes where it stopped")
        << record(t, tv, 60000, PlaybackState::Stopped) << none() << false << u"server"_s
        << qint64(60000);
    QTest::newRow("from start ignores both")
        << record(t + 1, tv, 60000) << record(t, laptop, 42000) << true << u"none"_s << qint64(0);
    QTest::newRow("from start ignores the server")
        << record(t, tv, 60000) << none() << true << u"none"_s << qint64(0);
    QTest::newRow("from start ignores the local copy")
        << none() << record(t, laptop, 42000) << true << u"none"_s << qint64(0);
    QTest::newRow("neither") << none() << none() << false << u"none"_s << qint64(0);
}

void tst_ResumePoint::offerOwnPlace_data()
{
    QTest::addColumn<ProgressRecord>("newest"); // the record resumed
    QTest::addColumn<qint64>("own"); // this device's own last place; -1: none
    QTest::addColumn<bool>("offered");

    constexpr qint64 t = 1700000000000;
    const ProgressRecord tv = record(t, u"tv"_s, 605000);
    QTest::newRow("42:10 here, 10:05 on the TV") << tv << qint64(2530000) << true;
    QTest::newRow("exactly 2 min ahead") << tv << qint64(725000) << false;
    QTest::newRow("a second more") << tv << qint64(726000) << true;
    QTest::newRow("behind the TV") << tv << qint64(30000) << false;
    QTest::newRow("never here") << tv << qint64(-1) << false;
    QTest::newRow("the newest is this device's")
        << record(t, u"phone"_s, 605000) << qint64(2530000) << false;
    ProgressRecord watched = tv;
    watched.watched = true;
    QTest::newRow("watched on the TV") << watched << qint64(2530000) << false;
}

void tst_ResumePoint::offerOwnPlace()
{
    QFETCH(ProgressRecord, newest);
    QFETCH(qint64, own);
    QFETCH(bool, offered);

    ResumePoint point = ResumePoint::choose(newest, std::nullopt, false);
    const std::optional<OwnPlace> place = own >= 0
        ? std::optional<OwnPlace>(OwnPlace{own, newest.observedAtMs - 3600000})
        : std::nullopt;
    point.offerOwnPlace(place, u"phone"_s);
    QCOMPARE(point.ownPlace.has_value(), offered);
    if (offered)
        QCOMPARE(point.ownPlace->positionMs, own);
}

void tst_ResumePoint::choose()
{
    QFETCH(ProgressRecord, server);
    QFETCH(ProgressRecord, local);
    QFETCH(bool, fromStart);
    QFETCH(QString, source);
    QFETCH(qint64, position);

    const ResumePoint point = ResumePoint::choose(given(server), given(local), fromStart);

    QCOMPARE(point.sourceName(), source);
    QCOMPARE(point.positionMs, position);
    // The record it came from travels with it (the banner shows its device and time).
    if (source == u"server"_s) {
        QCOMPARE(point.source, ResumePoint::Source::Server);
        QVERIFY(point.record);
        QCOMPARE(*point.record, server);
    } else if (source == u"local"_s) {
        QCOMPARE(point.source, ResumePoint::Source::Local);
        QVERIFY(point.record);
        QCOMPARE(*point.record, local);
    } else {
        QCOMPARE(point.source, ResumePoint::Source::None);
        QVERIFY(!point.record);
    }
}

void tst_ResumePoint::sourceName_data()
{
    QTest::addColumn<ResumePoint::Source>("source");
    QTest::addColumn<QString>("name");

    // The words of the `resumed` event in docs/protocol.md.
    QTest::newRow("server") << ResumePoint::Source::Server << u"server"_s;
    QTest::newRow("local") << ResumePoint::Source::Local << u"local"_s;
    QTest::newRow("none") << ResumePoint::Source::None << u"none"_s;
}

void tst_ResumePoint::sourceName()
{
    QFETCH(ResumePoint::Source, source);
    QFETCH(QString, name);

    ResumePoint point;
    point.source = source;
    QCOMPARE(point.sourceName(), name);
}

void tst_ResumePoint::rewindFor_data()
{
    QTest::addColumn<qint64>("awayMs");
    QTest::addColumn<qint64>("rewindMs");

    constexpr qint64 second = 1000;
    constexpr qint64 minute = 60 * second;
    constexpr qint64 hour = 60 * minute;
    constexpr qint64 day = 24 * hour;
    constexpr qint64 week = 7 * day;

    // The promise is the exact second; a little context only after a real break.
    QTest::newRow("just now") << qint64(0) << qint64(0);
    QTest::newRow("a clock a little behind (negative)") << qint64(-5000) << qint64(0);
    QTest::newRow("a minute") << minute << qint64(0);
    QTest::newRow("just under 10 minutes") << 10 * minute - 1 << qint64(0);
    QTest::newRow("10 minutes") << 10 * minute << qint64(5000);
    QTest::newRow("half an hour") << 30 * minute << qint64(5000);
    QTest::newRow("just under an hour") << hour - 1 << qint64(5000);
    QTest::newRow("an hour") << hour << qint64(10000);
    QTest::newRow("two hours") << 2 * hour << qint64(10000);
    QTest::newRow("just under a day") << day - 1 << qint64(10000);
    QTest::newRow("a day") << day << qint64(20000);
    QTest::newRow("three days") << 3 * day << qint64(20000);
    QTest::newRow("just under a week") << week - 1 << qint64(20000);
    QTest::newRow("a week") << week << qint64(30000);
    QTest::newRow("a year") << 365 * day << qint64(30000);
    QTest::newRow("since 1970 (no clock offset)") << qint64(1700000000000) << qint64(30000);
}

void tst_ResumePoint::rewindFor()
{
    QFETCH(qint64, awayMs);
    QFETCH(qint64, rewindMs);

    QCOMPARE(ResumePoint::rewindFor(awayMs), rewindMs);
}

QTEST_APPLESS_MAIN(tst_ResumePoint)
#include "tst_resumepoint.moc"
