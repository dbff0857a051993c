// docs/protocol.md, "Clock": offset = server_time_ms - (sent + received) / 2 of the latest
// exchange.

#include "protocol/clockoffset.h"

#include <QDateTime>
#include <QTest>

#include <limits>

class tst_ClockOffset : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void estimate_data();
    void estimate();
    void unknownUntilASample();
    void addSampleKeepsTheLatest();
    void toServerTime_data();
    void toServerTime();
    void serverNow();
};

void tst_ClockOffset::estimate_data()
{
    // The server's clock reads local + offset. The request takes `uplink` ms to arrive, the
    // answer `downlink` ms to come back.
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("sentAtMs");
    QTest::addColumn<qint64>("uplink");
    QTest::addColumn<qint64>("downlink");
    QTest::addColumn<qint64>("expected");

    const qint64 now = 1700000000000;
    const qint64 top = std::numeric_limits<qint64>::max();

    QTest::newRow("server ahead, symmetric delay")
        << qint64(5000) << now << qint64(40) << qint64(40) << qint64(5000);
    QTest::newRow("server behind, symmetric delay")
        << qint64(-123456) << now << qint64(15) << qint64(15) << qint64(-123456);
    QTest::newRow("same clock, slow network")
        << qint64(0) << now << qint64(1500) << qint64(1500) << qint64(0);
    QTest::newRow("no delay") << qint64(42) << now << qint64(0) << qint64(0) << qint64(42);
    QTest::newRow("client clock decades ahead")
        << -now << 2 * now << qint64(25) << qint64(25) << -now;
    // The estimate is off by half the asymmetry: 1000 + (100 - 20) / 2.
    QTest::newRow("asymmetric delay")
        << qint64(1000) << now << qint64(100) << qint64(20) << qint64(1040);
    // (sent + received) / 2 in whole milliseconds: (2 * now + 1) / 2 == now.
    QTest::newRow("odd round trip") << qint64(0) << now << qint64(1) << qint64(0) << qint64(1);
    // sent + received would overflow qint64 here.
    QTest::newRow("near the top of qint64")
        << qint64(-3000) << top - 10000 << qint64(1000) << qint64(1000) << qint64(-3000);
    QTest::newRow("past half of qint64")
        << qint64(777) << top / 2 + 1 << qint64(10) << qint64(10) << qint64(777);
}

void tst_ClockOffset::estimate()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, sentAtMs);
    QFETCH(qint64, uplink);
    QFETCH(qint64, downlink);
    QFETCH(qint64, expected);

    const qint64 serverTimeMs = sentAtMs + uplink + offset;
    const qint64 receivedAtMs = sentAtMs + uplink + downlink;
    QCOMPARE(ClockOffset::estimate(serverTimeMs, sentAtMs, receivedAtMs), expected);
}

void tst_ClockOffset::unknownUntilASample()
{
    const ClockOffset fresh;
    QVERIFY(!fresh.isKnown());
    QCOMPARE(fresh.offsetMs(), qint64(0));
    QCOMPARE(fresh.toServerTime(1700000000000), qint64(1700000000000));

    // A stored offset of 0 is a known offset (the clocks agree), not an unknown one.
    QVERIFY(ClockOffset(0).isKnown());
    QCOMPARE(ClockOffset(0).offsetMs(), qint64(0));
    QVERIFY(ClockOffset(-250).isKnown());
    QCOMPARE(ClockOffset(-250).offsetMs(), qint64(-250));
}

void tst_ClockOffset::addSampleKeepsTheLatest()
{
    ClockOffset clock;
    const qint64 sent = 1700000000000;

    QCOMPARE(clock.addSample(sent + 50 + 5000, sent, sent + 100), qint64(5000));
    QVERIFY(clock.isKnown());
    QCOMPARE(clock.offsetMs(), qint64(5000));

    // The latest exchange replaces the estimate; it is not averaged with the earlier one.
    QCOMPARE(clock.addSample(sent + 10050 - 200, sent + 10000, sent + 10100), qint64(-200));
    QCOMPARE(clock.offsetMs(), qint64(-200));
    QCOMPARE(clock.toServerTime(sent), sent - 200);

    // Replaces a constructed offset too.
    ClockOffset stored(9999);
    QCOMPARE(stored.addSample(sent + 30, sent, sent + 60), qint64(0));
    QCOMPARE(stored.offsetMs(), qint64(0));
    QVERIFY(stored.isKnown());
}

void tst_ClockOffset::toServerTime_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("localMs");
    QTest::addColumn<qint64>("expected");

    QTest::newRow("zero") << qint64(0) << qint64(1700000000000) << qint64(1700000000000);
    QTest::newRow("ahead") << qint64(1500) << qint64(1700000000000) << qint64(1700000001500);
    QTest::newRow("behind") << qint64(-1500) << qint64(1700000000000) << qint64(1699999998500);
    QTest::newRow("an hour") << qint64(3600000) << qint64(1700000000000) << qint64(1700003600000);
}

void tst_ClockOffset::toServerTime()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, localMs);
    QFETCH(qint64, expected);

    QCOMPARE(ClockOffset(offset).toServerTime(localMs), expected);

    // The same offset reached through a sample with symmetric delay.
    ClockOffset sampled;
    sampled.addSample(localMs + 20 + offset, localMs, localMs + 40);
    QCOMPARE(sampled.toServerTime(localMs), expected);
}

void tst_ClockOffset::serverNow()
{
    const qint64 offset = -86400000;
    const ClockOffset clock(offset);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const qint64 serverNow = clock.serverNowMs();
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(serverNow >= before + offset);
    QVERIFY(serverNow <= after + offset);
}

QTEST_GUILESS_MAIN(tst_ClockOffset)
#include "tst_clockoffset.moc"
