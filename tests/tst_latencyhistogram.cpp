// LatencyHistogram: log-linear buckets 1/128 of an octave wide, so percentiles of any distribution
// from 10 us to 60 s come out within 1% of the exact nearest-rank value of the same samples.

#include "latencyhistogram.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

constexpr qint64 kUs = 1000;
constexpr qint64 kMs = 1000 * kUs;
constexpr qint64 kSecond = 1000 * kMs;

enum class Distribution { Uniform, Exponential, LogNormal, Bimodal, Constant };

std::vector<qint64> samples(Distribution distribution, int count)
{
    std::mt19937_64 random(42);
    std::vector<qint64> values;
    values.reserve(size_t(count));
    std::uniform_real_distribution<double> uniform(10.0 * kUs, 1.0 * kSecond);
    std::exponential_distribution<double> exponential(1.0 / (2.0 * kMs));
    // Median 1 ms, spanning from microseconds to tens of seconds.
    std::lognormal_distribution<double> logNormal(std::log(1.0 * kMs), 2.5);
    std::normal_distribution<double> fast(0.5 * kMs, 0.05 * kMs);
    std::normal_distribution<double> slow(40.0 * kMs, 5.0 * kMs);
    std::bernoulli_distribution isSlow(0.05);
    for (int i = 0; i < count; ++i) {
        double value = 0;
        switch (distribution) {
        case Distribution::Uniform:
            value = uniform(random);
            break;
        case Distribution::Exponential:
            value = exponential(random);
            break;
        case Distribution::LogNormal:
            value = logNormal(random);
            break;
        case Distribution::Bimodal:
            value = isSlow(random) ? slow(random) : fast(random);
            break;
        case Distribution::Constant:
            value = 1234567;
            break;
        }
        values.push_back(std::clamp<qint64>(qint64(value), 10 * kUs, 60 * kSecond));
    }
    return values;
}

// The exact nearest-rank percentile of sorted values.
qint64 exactPercentile(const std::vector<qint64> &sorted, double percentile)
{
    const auto rank = std::clamp<qint64>(
        qint64(std::ceil(percentile / 100.0 * double(sorted.size()))), 1, qint64(sorted.size()));
    return sorted[size_t(rank - 1)];
}

} // namespace

Q_DECLARE_METATYPE(Distribution)

class tst_LatencyHistogram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bucketsCoverEveryValue();
    void bucketsAreNarrow();
    void percentilesOfKnownDistributions_data();
    void percentilesOfKnownDistributions();
    void emptyHistogram();
    void minMaxMean();
    void hundredthPercentileIsTheExactMax();
    void valuesBeyondTheRangeKeepTheirMax();
    void addMergesTwoHistograms();
    void clearForgetsEverything();
};

void tst_LatencyHistogram::bucketsCoverEveryValue()
{
    // Every value lies in its bucket, and bucket indices never go down as values go up.
    std::vector<qint64> values;
    for (qint64 v = 0; v < 5000; ++v)
        values.push_back(v);
    for (int power = 8; power < 36; ++power) {
        const qint64 edge = qint64(1) << power;
        for (qint64 delta = -3; delta <= 3; ++delta)
            values.push_back(edge + delta);
    }
    std::mt19937_64 random(7);
    for (int i = 0; i < 100000; ++i)
        values.push_back(qint64(random() % quint64(LatencyHistogram::kHighestTrackableNs)));
    std::sort(values.begin(), values.end());

    int previous = -1;
    for (const qint64 value : values) {
        const int index = LatencyHistogram::bucketIndex(value);
        QVERIFY2(index >= previous, qPrintable(QString::number(value)));
        QVERIFY(index < LatencyHistogram::bucketCount());
        const qint64 low = LatencyHistogram::bucketLowest(index);
        QVERIFY2(
            low <= value && value < low + LatencyHistogram::bucketWidth(index),
            qPrintable(QStringLiteral("%1 in bucket %2 from %3").arg(value).arg(index).arg(low)));
        previous = index;
    }
    QCOMPARE(LatencyHistogram::bucketIndex(LatencyHistogram::kHighestTrackableNs),
             LatencyHistogram::bucketCount() - 1);
}

void tst_LatencyHistogram::bucketsAreNarrow()
{
    // At most 1/128 of their lowest value wide, so the middle is within 0.4% of any value in it,
    // and the whole table stays small.
    for (int index = 0; index < LatencyHistogram::bucketCount(); ++index) {
        const qint64 low = LatencyHistogram::bucketLowest(index);
        const qint64 width = LatencyHistogram::bucketWidth(index);
        QVERIFY(width == 1 || width * 128 <= low);
    }
    QVERIFY(LatencyHistogram::bucketCount() < 4000);
}

void tst_LatencyHistogram::percentilesOfKnownDistributions_data()
{
    QTest::addColumn<Distribution>("distribution");
    QTest::addColumn<int>("count");
    QTest::newRow("uniform 10 us to 1 s") << Distribution::Uniform << 200000;
    QTest::newRow("exponential, mean 2 ms") << Distribution::Exponential << 200000;
    QTest::newRow("log-normal, 10 us to 60 s") << Distribution::LogNormal << 200000;
    QTest::newRow("bimodal: 0.5 ms and 5% at 40 ms") << Distribution::Bimodal << 100000;
    QTest::newRow("constant") << Distribution::Constant << 1000;
    QTest::newRow("few samples") << Distribution::LogNormal << 7;
}

void tst_LatencyHistogram::percentilesOfKnownDistributions()
{
    QFETCH(Distribution, distribution);
    QFETCH(int, count);
    std::vector<qint64> values = samples(distribution, count);
    LatencyHistogram histogram;
    for (const qint64 value : values)
        histogram.record(value);
    std::sort(values.begin(), values.end());

    QCOMPARE(histogram.count(), qint64(count));
    for (const double percentile : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
        const qint64 exact = exactPercentile(values, percentile);
        const qint64 measured = histogram.valueAtPercentile(percentile);
        const double error = std::abs(double(measured - exact)) / double(exact);
        QVERIFY2(error <= 0.01,
                 qPrintable(QStringLiteral("p%1: %2 ns, exactly %3 ns (%4%)")
                                .arg(percentile)
                                .arg(measured)
                                .arg(exact)
                                .arg(error * 100)));
    }
}

void tst_LatencyHistogram::emptyHistogram()
{
    const LatencyHistogram histogram;
    QCOMPARE(histogram.count(), qint64(0));
    QCOMPARE(histogram.valueAtPercentile(50), qint64(0));
    QCOMPARE(histogram.valueAtPercentile(100), qint64(0));
    QCOMPARE(histogram.max(), qint64(0));
    QCOMPARE(histogram.min(), qint64(0));
    QCOMPARE(histogram.mean(), 0.0);
}

void tst_LatencyHistogram::minMaxMean()
{
    LatencyHistogram histogram;
    for (const qint64 value : {3 * kMs, 1 * kMs, 2 * kMs})
        histogram.record(value);
    QCOMPARE(histogram.min(), 1 * kMs);
    QCOMPARE(histogram.max(), 3 * kMs);
    QCOMPARE(histogram.mean(), double(2 * kMs));
    // Two of three samples are <= 2 ms: p66 is the second, p67 the third.
    QVERIFY(std::abs(histogram.valueAtPercentile(66) - 2 * kMs) <= 2 * kMs / 200);
    QCOMPARE(histogram.valueAtPercentile(67), 3 * kMs);
    QCOMPARE(histogram.valueAtPercentile(0), histogram.min());
}

void tst_LatencyHistogram::hundredthPercentileIsTheExactMax()
{
    LatencyHistogram histogram;
    histogram.record(10 * kUs);
    histogram.record(123456789);
    QCOMPARE(histogram.valueAtPercentile(100), qint64(123456789));
    QCOMPARE(histogram.max(), qint64(123456789));
}

void tst_LatencyHistogram::valuesBeyondTheRangeKeepTheirMax()
{
    LatencyHistogram histogram;
    histogram.record(-5); // a clock that went backwards counts as zero
    histogram.record(90 * kSecond);
    QCOMPARE(histogram.min(), qint64(0));
    QCOMPARE(histogram.max(), 90 * kSecond);
    QCOMPARE(histogram.valueAtPercentile(100), 90 * kSecond);
    QCOMPARE(histogram.valueAtPercentile(50), qint64(0));
}

void tst_LatencyHistogram::addMergesTwoHistograms()
{
    LatencyHistogram fast;
    LatencyHistogram slow;
    LatencyHistogram both;
    for (int i = 1; i <= 1000; ++i) {
        fast.record(i * kUs);
        slow.record(i * kMs);
        both.record(i * kUs);
        both.record(i * kMs);
    }
    fast.add(slow);
    QCOMPARE(fast.count(), both.count());
    QCOMPARE(fast.min(), both.min());
    QCOMPARE(fast.max(), both.max());
    QCOMPARE(fast.mean(), both.mean());
    for (const double percentile : {10.0, 50.0, 90.0, 99.0})
        QCOMPARE(fast.valueAtPercentile(percentile), both.valueAtPercentile(percentile));
}

void tst_LatencyHistogram::clearForgetsEverything()
{
    LatencyHistogram histogram;
    histogram.record(5 * kMs);
    histogram.clear();
    QCOMPARE(histogram.count(), qint64(0));
    histogram.record(1 * kMs);
    QCOMPARE(histogram.max(), 1 * kMs);
    QCOMPARE(histogram.valueAtPercentile(1), 1 * kMs);
}

QTEST_APPLESS_MAIN(tst_LatencyHistogram)
#include "tst_latencyhistogram.moc"
