#include "ratelimiter.h"

#include <cmath>

namespace {
constexpr qsizetype kMaxKeys = 100000;
constexpr qint64 kFailureMemoryMs = 60000;
} // namespace

RateLimiter::RateLimiter(double ratePerSecond, double burst) : m_rate(ratePerSecond), m_burst(burst)
{
    m_clock.start();
}

void RateLimiter::setRate(double ratePerSecond, double burst)
{
    QMutexLocker lock(&m_mutex);
    m_rate = ratePerSecond;
    m_burst = qMax(1.0, burst);
    m_buckets.clear();
}

qint64 RateLimiter::allow(const QString &key)
{
    QMutexLocker lock(&m_mutex);
    if (m_rate <= 0)
        return 0;
    const qint64 now = m_clock.elapsed();
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        trim();
        it = m_buckets.insert(key, {m_burst, now});
    }
    Bucket &bucket = *it;
    bucket.tokens = qMin(m_burst, bucket.tokens + double(now - bucket.updatedMs) * m_rate / 1000.0);
    bucket.updatedMs = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return 0;
    }
    ++m_limited;
    return qint64(std::ceil((1.0 - bucket.tokens) * 1000.0 / m_rate));
}

qint64 RateLimiter::authFailed(const QString &address)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock.elapsed();
    auto it = m_failures.find(address);
    if (it == m_failures.end() || now - it->lastMs > kFailureMemoryMs) {
        if (m_failures.size() >= kMaxKeys)
            m_failures.clear();
        it = m_failures.insert(address, {0, now});
    }
    ++it->count;
    it->lastMs = now;
    const int over = it->count - kFreeAuthFailures;
    if (over <= 0)
        return 0;
    ++m_delayed;
    return qMin<qint64>(kMaxAuthDelayMs, qint64(100) << qMin(over, 10));
}

double RateLimiter::rate() const
{
    QMutexLocker lock(&m_mutex);
    return m_rate;
}

double RateLimiter::burst() const
{
    QMutexLocker lock(&m_mutex);
    return m_burst;
}

void RateLimiter::forgetAuthFailures()
{
    QMutexLocker lock(&m_mutex);
    m_failures.clear();
}

quint64 RateLimiter::limited() const
{
    QMutexLocker lock(&m_mutex);
    return m_limited;
}

quint64 RateLimiter::delayed() const
{
    QMutexLocker lock(&m_mutex);
    return m_delayed;
}

// With m_mutex held.
void RateLimiter::trim()
{
    if (m_buckets.size() < kMaxKeys)
        return;
    // Full buckets carry no state worth keeping.
    const qint64 now = m_clock.elapsed();
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (it->tokens + double(now - it->updatedMs) * m_rate / 1000.0 >= m_burst)
            it = m_buckets.erase(it);
        else
            ++it;
    }
    if (m_buckets.size() >= kMaxKeys)
        m_buckets.clear();
}
