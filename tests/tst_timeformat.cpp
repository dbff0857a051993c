// How times read to a person (TimeFormat): positions as "m:ss" or "h:mm:ss", and how long ago an
// update was made, in the coarsest unit that fits.
#include "timeformat.h"

#include <QDateTime>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;

class tst_TimeFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void clock_data();
    void clock();
    void ago_data();
    void ago();
    void day_data();
    void day();
    void left_data();
    void left();
    void speed_data();
    void speed();
    void delay_data();
    void delay();
    void plays_data();
    void plays();

private:
    QDateTime m_now;
};

void tst_TimeFormat::clock_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("expected");

    QTest::newRow("zero") << qint64(0) << u"0:00"_s;
    QTest::newRow("under a second") << qint64(999) << u"0:00"_s;
    QTest::newRow("seconds") << qint64(42000) << u"0:42"_s;
    QTest::newRow("a minute and five") << qint64(65000) << u"1:05"_s;
    QTest::newRow("ten minutes") << qint64(600000) << u"10:00"_s;
    QTest::newRow("just under an hour") << qint64(3599999) << u"59:59"_s;
    QTest::newRow("an hour") << qint64(3600000) << u"1:00:00"_s;
    QTest::newRow("hours, minutes, seconds") << qint64(3723000) << u"1:02:03"_s;
    QTest::newRow("long film") << qint64(10 * 3600000 + 5 * 60000 + 9000) << u"10:05:09"_s;
    QTest::newRow("negative") << qint64(-5000) << u"0:00"_s;
    QTest::newRow("very negative") << std::numeric_limits<qint64>::min() << u"0:00"_s;
}

void tst_TimeFormat::clock()
{
    QFETCH(qint64, ms);
    QFETCH(QString, expected);
    QCOMPARE(TimeFormat::clock(ms), expected);
}

void tst_TimeFormat::day_data()
{
    QTest::addColumn<QDateTime>("then");
    QTest::addColumn<QString>("expected");

    // Local times: a day is the calendar's, not 24 hours.
    const QDateTime now(QDate(2026, 12, 4), QTime(0, 30)); // a Friday, just after midnight
    QTest::newRow("half an hour ago, before midnight") << now.addSecs(-1860) << u"yesterday"_s;
    QTest::newRow("same day") << QDateTime(QDate(2026, 12, 4), QTime(0, 1)) << u"today"_s;
    QTest::newRow("a little ahead") << now.addSecs(30) << u"today"_s;
    QTest::newRow("two days") << QDateTime(QDate(2026, 12, 2), QTime(23, 0)) << u"on Wednesday"_s;
    QTest::newRow("six days") << QDateTime(QDate(2026, 11, 28), QTime(12, 0)) << u"on Saturday"_s;
    QTest::newRow("a week") << QDateTime(QDate(2026, 11, 27), QTime(12, 0)) << u"on 27 November"_s;
    QTest::newRow("last year") << QDateTime(QDate(2025, 12, 24), QTime(12, 0))
                               << u"on 24 December 2025"_s;
    m_now = now;
}

void tst_TimeFormat::day()
{
    QFETCH(QDateTime, then);
    QFETCH(QString, expected);
    QCOMPARE(TimeFormat::day(then.toMSecsSinceEpoch(), m_now.toMSecsSinceEpoch()), expected);
}

void tst_TimeFormat::ago_data()
{
    QTest::addColumn<qint64>("agoMs"); // now - then
    QTest::addColumn<QString>("expected");

    const qint64 minute = 60 * 1000;
    const qint64 hour = 60 * minute;
    const qint64 day = 24 * hour;
    QTest::newRow("now") << qint64(0) << u"just now"_s;
    QTest::newRow("seconds") << qint64(59999) << u"just now"_s;
    // A clock a little ahead of ours must not read "-1 min ago".
    QTest::newRow("in the future") << qint64(-30000) << u"just now"_s;
    QTest::newRow("one minute") << minute << u"1 min ago"_s;
    QTest::newRow("minutes") << 3 * minute + 20000 << u"3 min ago"_s;
    QTest::newRow("just under an hour") << hour - 1 << u"59 min ago"_s;
    QTest::newRow("one hour") << hour << u"1 h ago"_s;
    QTest::newRow("hours") << 5 * hour + 59 * minute << u"5 h ago"_s;
    QTest::newRow("just under a day") << day - 1 << u"23 h ago"_s;
    QTest::newRow("one day") << day << u"1 day ago"_s;
    QTest::newRow("days") << 12 * day + 3 * hour << u"12 days ago"_s;
}

void tst_TimeFormat::ago()
{
    QFETCH(qint64, agoMs);
    QFETCH(QString, expected);
    const qint64 now = 1700000000000; // a realistic epoch time in ms
    QCOMPARE(TimeFormat::ago(now - agoMs, now), expected);
}

void tst_TimeFormat::left_data()
{
    QTest::addColumn<qint64>("positionMs");
    QTest::addColumn<qint64>("durationMs");
    QTest::addColumn<QString>("expected");

    const qint64 minute = 60 * 1000;
    // The review's case: 2:01 left is two minutes, not three.
    QTest::newRow("0:29 of 2:30") << qint64(29000) << 2 * minute + 30000 << u"2 min left"_s;
    QTest::newRow("at the start of 2:30") << qint64(0) << 2 * minute + 30000 << u"3 min left"_s;
    QTest::newRow("two and a quarter") << qint64(0) << 2 * minute + 15000 << u"2 min left"_s;
    QTest::newRow("a minute exactly") << qint64(0) << minute << u"1 min left"_s;
    QTest::newRow("a minute and a half") << qint64(0) << minute + 30000 << u"2 min left"_s;
    QTest::newRow("59 s") << qint64(1000) << minute << u"under a minute left"_s;
    QTest::newRow("at the end") << minute << minute << u"under a minute left"_s;
    QTest::newRow("past the end") << 2 * minute << minute << u"under a minute left"_s;
    QTest::newRow("long film") << 10 * minute << 120 * minute + 20000 << u"110 min left"_s;
    QTest::newRow("no duration") << 65 * qint64(1000) << qint64(0) << u"at 1:05"_s;
}

void tst_TimeFormat::left()
{
    QFETCH(qint64, positionMs);
    QFETCH(qint64, durationMs);
    QFETCH(QString, expected);
    QCOMPARE(TimeFormat::left(positionMs, durationMs), expected);
}

void tst_TimeFormat::speed_data()
{
    QTest::addColumn<double>("speed");
    QTest::addColumn<QString>("text");
    QTest::newRow("half") << 0.5 << u"0.5×"_s;
    QTest::newRow("three quarters") << 0.75 << u"0.75×"_s;
    QTest::newRow("normal") << 1.0 << u"1×"_s;
    QTest::newRow("a quarter faster") << 1.25 << u"1.25×"_s;
    QTest::newRow("double") << 2.0 << u"2×"_s;
}

void tst_TimeFormat::speed()
{
    QFETCH(double, speed);
    QFETCH(QString, text);
    QCOMPARE(TimeFormat::speed(speed), text);
}

void tst_TimeFormat::delay_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    QTest::newRow("later") << qint64(300) << u"+300 ms"_s;
    QTest::newRow("none") << qint64(0) << u"0 ms"_s;
    QTest::newRow("earlier") << qint64(-100) << u"-100 ms"_s;
}

void tst_TimeFormat::delay()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(TimeFormat::delay(ms), text);
}

namespace {
// Wednesday 6 March 2024, 15:00 local time: the "now" of the day words.
qint64 localMs(int year, int month, int day, int hour = 15)
{
    return QDateTime(QDate(year, month, day), QTime(hour, 0)).toMSecsSinceEpoch();
}
} // namespace

void tst_TimeFormat::plays_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<qint64>("lastMs");
    QTest::addColumn<QString>("expected");
    QTest::newRow("never") << 0 << qint64(0) << QString();
    QTest::newRow("once") << 1 << localMs(2024, 3, 6) << u"watched today"_s;
    QTest::newRow("twice") << 2 << localMs(2024, 3, 4) << u"watched twice, last on Monday"_s;
    QTest::newRow("three times") << 3 << localMs(2024, 3, 5)
                                 << u"watched 3 times, last yesterday"_s;
}

void tst_TimeFormat::plays()
{
    QFETCH(int, count);
    QFETCH(qint64, lastMs);
    QFETCH(QString, expected);
    QCOMPARE(TimeFormat::plays(count, lastMs, localMs(2024, 3, 6)), expected);
}

QTEST_GUILESS_MAIN(tst_TimeFormat)
#include "tst_timeformat.moc"
