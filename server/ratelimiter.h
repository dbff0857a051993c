#pragma once

#include "serverdefaults.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QString>

// Token buckets, one per key (a token's hash): `ratePerSecond` sustained, `burst` at once.
// allow() says how long to wait when a request is over the limit (429 with Retry-After).
// Also counts failed authentications per address, so that guessing tokens gets slower.
// One per server, shared by its HTTP threads (the limits are per process): thread-safe.
class RateLimiter final
{
public:
    RateLimiter(double ratePerSecond = ServerDefaults::kRateLimit,
                double burst = ServerDefaults::kRateBurst);

    void setRate(double ratePerSecond, double burst);
    bool enabled() const { return rate() > 0; }
    double rate() const;
    double burst() const;

    // 0: go ahead; otherwise the milliseconds to wait before the next request would be allowed.
    qint64 allow(const QString &key);

    // Failed authentication from `address`: returns how long to hold the 401 back (0 for the
    // first few, then doubling up to kMaxAuthDelayMs); decays after a quiet minute.
    qint64 authFailed(const QString &address);
    static constexpr int kFreeAuthFailures = 5;
    // As after a quiet minute for every address (for tests that send many refused requests).
    void forgetAuthFailures();
    static constexpr qint64 kMaxAuthDelayMs = 5000;

    // Requests refused by allow(), and failed authentications held back by authFailed().
    quint64 limited() const;
    quint64 delayed() const;

private:
    struct Bucket
    {
        double tokens;
        qint64 updatedMs;
    };
    struct Failures
    {
        int count;
        qint64 lastMs;
    };
    void trim();

    mutable QMutex m_mutex; // guards everything below
    double m_rate;
    double m_burst;
    QHash<QString, Bucket> m_buckets;
    QHash<QString, Failures> m_failures;
    QElapsedTimer m_clock;
    quint64 m_limited = 0;
    quint64 m_delayed = 0;
};
