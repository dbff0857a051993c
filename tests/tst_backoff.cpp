// Retry delays while the server is away: 1 s doubling up to 60 s, each scaled by a random factor
// in [0.8, 1.2] and never above 60 s, different per device (seed), starting over after reset().

#include "client/backoff.h"

#include <QList>
#include <QTest>

#include <algorithm>

namespace {

// The delay before attempt `attempt` (0-based) without jitter.
qint64 baseFor(int attempt)
{
    return std::min<qint64>(qint64(Backoff::kInitialMs) << std::min(attempt, 20), Backoff::kMaxMs);
}

QList<int> firstDelays(Backoff &backoff, int count)
{
    QList<int> delays;
    for (int i = 0; i < count; ++i)
        delays.append(backoff.nextDelayMs());
    return delays;
}

} // namespace

class tst_Backoff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void delayStaysInItsBand_data();
    void delayStaysInItsBand();
    void startsNearOneSecond();
    void doublesUntilTheCap();
    void neverAboveTheCap();
    void jitterSpreadsDevices();
    void differentSeedsDifferentSequences();
    void sameSeedSameSequence();
    void resetStartsOver();
};

void tst_Backoff::delayStaysInItsBand_data()
{
    QTest::addColumn<int>("attempt");
    QTest::addColumn<qint64>("base");

    QTest::newRow("first") << 0 << qint64(1000);
    QTest::newRow("second") << 1 << qint64(2000);
    QTest::newRow("third") << 2 << qint64(4000);
    QTest::newRow("fourth") << 3 << qint64(8000);
    QTest::newRow("fifth") << 4 << qint64(16000);
    QTest::newRow("sixth") << 5 << qint64(32000);
    // 64 s would be past the cap: the base is 60 s from here on.
    QTest::newRow("seventh, capped") << 6 << qint64(60000);
    QTest::newRow("twentieth") << 19 << qint64(60000);
    QTest::newRow("thousandth") << 999 << qint64(60000);
}

void tst_Backoff::delayStaysInItsBand()
{
    QFETCH(int, attempt);
    QFETCH(qint64, base);
    QCOMPARE(baseFor(attempt), base);

    // Many devices (seeds): every one stays within [0.8, 1.2] x base and at most 60 s.
    const double low = 0.8 * double(base);
    const double high = std::min(1.2 * double(base), double(Backoff::kMaxMs));
    for (quint32 seed = 1; seed <= 200; ++seed) {
        Backoff backoff(seed);
        for (int i = 0; i < attempt; ++i)
            backoff.nextDelayMs();
        QCOMPARE(backoff.attempts(), attempt);
        const int delay = backoff.nextDelayMs();
        QVERIFY2(delay >= low && delay <= high,
                 qPrintable(QStringLiteral("seed %1: %2 ms outside [%3, %4]")
                                .arg(seed)
                                .arg(delay)
                                .arg(low)
                                .arg(high)));
        QCOMPARE(backoff.attempts(), attempt + 1);
    }
}

void tst_Backoff::startsNearOneSecond()
{
    Backoff backoff(7);
    QCOMPARE(backoff.attempts(), 0);
    const int first = backoff.nextDelayMs();
    QVERIFY2(first >= 800 && first <= 1200, qPrintable(QString::number(first)));
}

void tst_Backoff::doublesUntilTheCap()
{
    // Jitter blurs single steps, so compare the mean over many devices with the base.
    constexpr int kDevices = 400;
    constexpr int kAttempts = 10;
    QList<double> mean(kAttempts, 0.0);
    for (quint32 seed = 1; seed <= kDevices; ++seed) {
        Backoff backoff(seed);
        for (int i = 0; i < kAttempts; ++i)
            mean[i] += double(backoff.nextDelayMs()) / kDevices;
    }
    for (int i = 0; i < kAttempts; ++i) {
        const double base = double(baseFor(i));
        // A mean factor near 1 (0.8..1.2 uniform, capped at the top).
        QVERIFY2(mean[i] > 0.93 * base && mean[i] < 1.07 * base,
                 qPrintable(
                     QStringLiteral("attempt %1: mean %2, base %3").arg(i).arg(mean[i]).arg(base)));
        if (i > 0 && baseFor(i) < Backoff::kMaxMs)
            QVERIFY2(mean[i] > 1.7 * mean[i - 1],
                     qPrintable(QStringLiteral("attempt %1 did not double").arg(i)));
    }
}

void tst_Backoff::neverAboveTheCap()
{
    for (quint32 seed = 1; seed <= 50; ++seed) {
        Backoff backoff(seed);
        for (int i = 0; i < 200; ++i) {
            const int delay = backoff.nextDelayMs();
            QVERIFY2(delay > 0 && delay <= Backoff::kMaxMs, qPrintable(QString::number(delay)));
            if (i >= 6)
                QVERIFY2(delay >= 0.8 * Backoff::kMaxMs, qPrintable(QString::number(delay)));
        }
    }
}

void tst_Backoff::jitterSpreadsDevices()
{
    // Devices that lost the server at the same moment must not retry in lockstep: their first
    // delays cover both sides of the base and are not all one value.
    QList<int> first;
    for (quint32 seed = 1; seed <= 100; ++seed)
        first.append(Backoff(seed).nextDelayMs());
    const auto [lowest, highest] = std::minmax_element(first.cbegin(), first.cend());
    QVERIFY2(*lowest < 950, qPrintable(QString::number(*lowest)));
    QVERIFY2(*highest > 1050, qPrintable(QString::number(*highest)));
}

void tst_Backoff::differentSeedsDifferentSequences()
{
    Backoff a(1);
    Backoff b(2);
    QVERIFY(firstDelays(a, 10) != firstDelays(b, 10));

    // The default seed comes from the system generator: two devices differ too.
    Backoff c;
    Backoff d;
    QVERIFY(firstDelays(c, 10) != firstDelays(d, 10));
}

void tst_Backoff::sameSeedSameSequence()
{
    Backoff a(42);
    Backoff b(42);
    QCOMPARE(firstDelays(a, 12), firstDelays(b, 12));
}

void tst_Backoff::resetStartsOver()
{
    Backoff backoff(3);
    for (int i = 0; i < 8; ++i)
        backoff.nextDelayMs();
    QCOMPARE(backoff.attempts(), 8);
    QVERIFY(backoff.nextDelayMs() >= 0.8 * Backoff::kMaxMs);

    backoff.reset();
    QCOMPARE(backoff.attempts(), 0);
    const int first = backoff.nextDelayMs();
    QVERIFY2(first >= 800 && first <= 1200, qPrintable(QString::number(first)));
    const int second = backoff.nextDelayMs();
    QVERIFY2(second >= 1600 && second <= 2400, qPrintable(QString::number(second)));
}

QTEST_APPLESS_MAIN(tst_Backoff)
#include "tst_backoff.moc"
