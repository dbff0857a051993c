#pragma once

#include <QtGlobal>

#include <vector>

// An HDR-style latency histogram in nanoseconds: exact below 256 ns, then log-linear, each power
// of two split into 128 equal buckets. A bucket is at most 1/128 of its lowest value wide, and
// values are reported at the bucket's middle, so a percentile is within 0.4% of the true sample
// from 256 ns up to 60 s (3808 buckets, 30 KiB). Values above 60 s count in the last bucket; max()
// stays exact.
class LatencyHistogram
{
public:
    static constexpr qint64 kHighestTrackableNs = 60'000'000'000;

    LatencyHistogram();

    void record(qint64 valueNs);
    void add(const LatencyHistogram &other);
    void clear();

    qint64 count() const { return m_count; }
    qint64 min() const { return m_count ? m_min : 0; }
    qint64 max() const { return m_count ? m_max : 0; }
    double mean() const;
    // Nearest rank: the smallest recorded value that at least `percentile`% of samples do not
    // exceed (to the bucket's precision). 0 for an empty histogram; 100 gives max().
    qint64 valueAtPercentile(double percentile) const;

    static int bucketIndex(qint64 valueNs);
    static qint64 bucketLowest(int index);
    static qint64 bucketWidth(int index);
    static int bucketCount();

private:
    std::vector<qint64> m_counts;
    qint64 m_count = 0;
    qint64 m_min = 0;
    qint64 m_max = 0;
    double m_sum = 0;
};
