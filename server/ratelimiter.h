#pragma once

#include "serverdefaults.h"

#include <QElapsedTimer>
#include <QHash>
#include <QString>

// Token buckets, one per key (a token's hash): `ratePerSecond` sustained, `burst` at once.
// allow() says how long to wait when a request is over the limit (429 with Retry-After).
// Also counts failed authentications per address, so that guessing tokens gets slower.
class RateLimiter final
{
public:
    RateLimiter(double ratePerSecond = ServerDefaults::kRateLimit,
                double burst = ServerDefaults::kRateBurst);

    void setRate(double ratePerSecond, double burst);
    bool enabled() const { return m_rate > 0; }
    double rate() const { return m_rate; }
    double burst() const { return m_burst; }

    // 0: go ahead; otherwise the milliseconds to wait before the next request would be allowed.
    qint64 allow(const QString &key);

    // Failed authentication from `address`: returns how long to hold the 401 back (0 for the
    // first few, then doubling up to kMaxAuthDelayMs); decays after a quiet minute.
    qint64 authFailed(const QString &address);
    static constexpr int kFreeAuthFailures = 5;
    // As after a quiet minute for every address (for tests that send many refused requests).
    void forgetAuthFailures() { m_failures.clear(); }
    static constexpr qint64 kMaxAuthDelayMs = 5000;

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

    double m_rate;
    double m_burst;
    QHash<QString, Bucket> m_buckets;
    QHash<QString, Failures> m_failures;
    QElapsedTimer m_clock;
};
