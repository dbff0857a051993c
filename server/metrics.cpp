#include "metrics.h"

#include <QStringList>

#include <algorithm>

void Metrics::setThreads(int threads)
{
    QMutexLocker lock(&m_mutex);
    // Never fewer than a previous start's: their counts stay shown.
    m_threads = qMax(m_threads, qMin(threads, ServerDefaults::kMaxHttpThreads));
}

void Metrics::countRequest(const QString &route, const QByteArray &method, int status,
                           double seconds, int thread)
{
    const QString key =
        route + u'\t' + QString::fromLatin1(method) + u'\t' + QString::number(status);
    QMutexLocker lock(&m_mutex);
    ++m_requests[key];
    Histogram &histogram = m_latency[route];
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets.at(i))
            ++histogram.buckets.at(i);
    }
    ++histogram.count;
    histogram.sum += seconds;
    if (thread >= 0 && thread < ServerDefaults::kMaxHttpThreads)
        ++m_byThread.at(size_t(thread));
}

void Metrics::countUpdate(bool applied)
{
    QMutexLocker lock(&m_mutex);
    ++(applied ? m_applied : m_stale);
}

quint64 Metrics::updatesApplied() const
{
    QMutexLocker lock(&m_mutex);
    return m_applied;
}

quint64 Metrics::updatesStale() const
{
    QMutexLocker lock(&m_mutex);
    return m_stale;
}

QByteArray Metrics::render(const Gauges &gauges) const
{
    QMutexLocker lock(&m_mutex);
    QByteArray out;
    out +=
        "# HELP playmark_http_requests_total HTTP requests answered, by route, method and status.\n"
        "# TYPE playmark_http_requests_total counter\n";
    QStringList keys = m_requests.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &key : std::as_const(keys)) {
        const QStringList parts = key.split(u'\t');
        out += "playmark_http_requests_total{route=\"" + parts.at(0).toUtf8() + "\",method=\""
            + parts.at(1).toUtf8() + "\",status=\"" + parts.at(2).toUtf8() + "\"} "
            + QByteArray::number(m_requests.value(key)) + '\n';
    }

    out +=
        "# HELP playmark_http_request_duration_seconds Time from a parsed request to its answer.\n"
        "# TYPE playmark_http_request_duration_seconds histogram\n";
    QStringList routes = m_latency.keys();
    std::sort(routes.begin(), routes.end());
    for (const QString &route : std::as_const(routes)) {
        const Histogram &histogram = m_latency[route];
        const QByteArray label = "route=\"" + route.toUtf8() + '"';
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            out += "playmark_http_request_duration_seconds_bucket{" + label + ",le=\""
                + QByteArray::number(kLatencyBuckets.at(i)) + "\"} "
                + QByteArray::number(histogram.buckets.at(i)) + '\n';
        }
        out += "playmark_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} "
            + QByteArray::number(histogram.count) + '\n';
        out += "playmark_http_request_duration_seconds_sum{" + label + "} "
            + QByteArray::number(histogram.sum, 'g', 9) + '\n';
        out += "playmark_http_request_duration_seconds_count{" + label + "} "
            + QByteArray::number(histogram.count) + '\n';
    }

    out += "# HELP playmark_http_thread_requests_total HTTP requests answered, by the HTTP "
           "thread that served them (--http-threads).\n"
           "# TYPE playmark_http_thread_requests_total counter\n";
    for (int thread = 0; thread < m_threads; ++thread)
        out += "playmark_http_thread_requests_total{thread=\"" + QByteArray::number(thread) + "\"} "
            + QByteArray::number(m_byThread.at(size_t(thread))) + '\n';

    out += "# HELP playmark_updates_total Progress updates, by outcome (applied, or stale: not "
           "newer).\n"
           "# TYPE playmark_updates_total counter\n"
           "playmark_updates_total{outcome=\"applied\"} "
        + QByteArray::number(m_applied) + "\nplaymark_updates_total{outcome=\"stale\"} "
        + QByteArray::number(m_stale) + '\n';
    const auto single = [&out](const char *name, const char *type, const char *help, auto value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n'
            + name + ' ' + QByteArray::number(value) + '\n';
    };
    single("playmark_open_connections", "gauge", "TCP connections open now.",
           gauges.openConnections);
    single("playmark_event_subscribers", "gauge", "Event streams open now.",
           gauges.eventSubscribers);
    single("playmark_cache_records", "gauge", "Records held in memory for reads.",
           qint64(gauges.cachedRecords));
    out += "# HELP playmark_cache_lookups_total Reads of a record, by whether memory had it.\n"
           "# TYPE playmark_cache_lookups_total counter\n"
           "playmark_cache_lookups_total{result=\"hit\"} "
        + QByteArray::number(gauges.cacheHits) + "\nplaymark_cache_lookups_total{result=\"miss\"} "
        + QByteArray::number(gauges.cacheMisses) + '\n';
    single("playmark_storage_transactions_total", "counter",
           "Write transactions committed (group commit puts many writes in one).",
           gauges.transactions);
    single("playmark_storage_writes_total", "counter", "Writes (updates, removals) committed.",
           gauges.writes);
    single("playmark_change_notices_total", "counter",
           "Change notices heard from the servers sharing the PostgreSQL database (this one "
           "included); 0 on SQLite.",
           gauges.changeNotices);
    single("playmark_change_feed_reconnects_total", "counter",
           "Times the change feed lost its PostgreSQL connection and opened it again (the read "
           "cache is dropped each time).",
           gauges.changeFeedReconnects);
    single("playmark_change_feed_caught_up_total", "counter",
           "Records the change feed read again after reconnecting, to tell event streams what "
           "was committed while it was away.",
           gauges.changeFeedCaughtUp);
    out += "# HELP playmark_limit The limits in force (see playmark-server --help).\n"
           "# TYPE playmark_limit gauge\n";
    for (const auto &[name, value] : gauges.limits)
        out += "playmark_limit{name=\"" + name + "\"} " + QByteArray::number(value) + '\n';
    out += "# HELP playmark_refused_total Requests and connections refused by a limit, by reason.\n"
           "# TYPE playmark_refused_total counter\n";
    for (const auto &[reason, count] : gauges.refusals)
        out +=
            "playmark_refused_total{reason=\"" + reason + "\"} " + QByteArray::number(count) + '\n';
    return out;
}
