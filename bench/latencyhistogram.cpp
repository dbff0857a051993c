#include "latencyhistogram.h"

#include <QtAlgorithms>

#include <algorithm>
#include <cmath>

namespace {

constexpr int kSubBucketBits = 7;
constexpr qint64 kSubBuckets = qint64(1) << kSubBucketBits; // 128 per power of two

// The power of two of the highest bit of a positive value.
int magnitude(qint64 value)
{
    return 63 - int(qCountLeadingZeroBits(quint64(value)));
}

} // namespace

LatencyHistogram::LatencyHistogram() : m_counts(size_t(bucketCount()), 0) { }

int LatencyHistogram::bucketIndex(qint64 valueNs)
{
    const qint64 value = std::clamp<qint64>(valueNs, 0, kHighestTrackableNs);
    if (value < 2 * kSubBuckets)
        return int(value); // exact: one nanosecond per bucket
    const int power = magnitude(value);
    const int shift = power - kSubBucketBits;
    return int((power - kSubBucketBits + 1) * kSubBuckets + (value >> shift) - kSubBuckets);
}

qint64 LatencyHistogram::bucketLowest(int index)
{
    if (index < 2 * kSubBuckets)
        return index;
    const int block = int(index / kSubBuckets); // 2 for [256, 512), 3 for [512, 1024), ...
    const int shift = block - 1;
    return (kSubBuckets + index % kSubBuckets) << shift;
}

qint64 LatencyHistogram::bucketWidth(int index)
{
    if (index < 2 * kSubBuckets)
        return 1;
    return qint64(1) << (index / kSubBuckets - 1);
}

int LatencyHistogram::bucketCount()
{
    return bucketIndex(kHighestTrackableNs) + 1;
}

void LatencyHistogram::record(qint64 valueNs)
{
    valueNs = std::max<qint64>(valueNs, 0);
    ++m_counts[size_t(bucketIndex(valueNs))];
    m_min = m_count ? std::min(m_min, valueNs) : valueNs;
    m_max = m_count ? std::max(m_max, valueNs) : valueNs;
    ++m_count;
    m_sum += double(valueNs);
}

void LatencyHistogram::add(const LatencyHistogram &other)
{
    if (!other.m_count)
        return;
    for (size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void LatencyHistogram::clear()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = 0;
    m_min = 0;
    m_max = 0;
    m_sum = 0;
}

double LatencyHistogram::mean() const
{
    return m_count ? m_sum / double(m_count) : 0.0;
}

qint64 LatencyHistogram::valueAtPercentile(double percentile) const
{
    if (!m_count)
        return 0;
    percentile = std::clamp(percentile, 0.0, 100.0);
    const qint64 rank =
        std::clamp<qint64>(qint64(std::ceil(percentile / 100.0 * double(m_count))), 1, m_count);
    if (rank == 1)
        return m_min; // the smallest and the largest sample are known exactly
    if (rank == m_count)
        return m_max;
    qint64 seen = 0;
    for (size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank) {
            const int index = int(i);
            const qint64 middle = bucketLowest(index) + bucketWidth(index) / 2;
            return std::clamp(middle, m_min, m_max);
        }
    }
    return m_max;
}
