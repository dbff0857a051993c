#include "metrics.h"

#include <QStringList>

#include <algorithm>

void Metrics::countRequest(const QString &route, const QByteArray &method, int status,
                           double seconds)
{
    ++m_requests[route + u'\t' + QString::fromLatin1(method) + u'\t' + QString::number(status)];
    Histogram &histogram = m_latency[route];
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets.at(i))
            ++histogram.buckets.at(i);
    }
    ++histogram.count;
    histogram.sum += seconds;
}

void Metrics::countUpdate(bool applied)
{
    ++(applied ? m_applied : m_stale);
}

QByteArray Metrics::render(int openConnections, int eventSubscribers) const
{
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

    out += "# HELP playmark_updates_total Progress updates, by outcome (applied, or stale: not "
           "newer).\n"
           "# TYPE playmark_updates_total counter\n"
           "playmark_updates_total{outcome=\"applied\"} "
        + QByteArray::number(m_applied) + "\nplaymark_updates_total{outcome=\"stale\"} "
        + QByteArray::number(m_stale) + '\n';
    out += "# HELP playmark_open_connections TCP connections open now.\n"
           "# TYPE playmark_open_connections gauge\nplaymark_open_connections "
        + QByteArray::number(openConnections) + '\n';
    out += "# HELP playmark_event_subscribers Event streams open now.\n"
           "# TYPE playmark_event_subscribers gauge\nplaymark_event_subscribers "
        + QByteArray::number(eventSubscribers) + '\n';
    return out;
}
