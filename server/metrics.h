#pragma once

#include "serverdefaults.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QString>

#include <array>

// Counters for /metrics, rendered in the Prometheus text format. One per server, shared by its
// HTTP threads: every method is thread-safe, and /metrics shows the sums of them all.
class Metrics final
{
public:
    static constexpr std::array<double, 12> kLatencyBuckets{
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};

    // The number of HTTP threads, set when the server starts: /metrics shows each one's count.
    void setThreads(int threads);
    // A request answered on HTTP thread `thread` (0-based).
    void countRequest(const QString &route, const QByteArray &method, int status, double seconds,
                      int thread);
    void countUpdate(bool applied);

    quint64 updatesApplied() const;
    quint64 updatesStale() const;

    // What the other parts know, read when /metrics is asked for.
    struct Gauges
    {
        int openConnections = 0;
        int eventSubscribers = 0;
        qsizetype cachedRecords = 0;
        quint64 cacheHits = 0;
        quint64 cacheMisses = 0;
        quint64 transactions = 0;
        quint64 writes = 0;
        quint64 changeNotices = 0;
        quint64 changeFeedReconnects = 0;
        quint64 changeFeedCaughtUp = 0;
        QList<QPair<QByteArray, double>> limits; // name, value
        QList<QPair<QByteArray, quint64>> refusals; // reason, count
    };
    QByteArray render(const Gauges &gauges) const;

private:
    struct Histogram
    {
        std::array<quint64, kLatencyBuckets.size()> buckets{};
        quint64 count = 0;
        double sum = 0;
    };

    mutable QMutex m_mutex; // guards everything below
    QHash<QString, quint64> m_requests; // key: route \t method \t status
    QHash<QString, Histogram> m_latency; // key: route
    quint64 m_applied = 0;
    quint64 m_stale = 0;
    std::array<quint64, ServerDefaults::kMaxHttpThreads> m_byThread{};
    int m_threads = 0;
};
