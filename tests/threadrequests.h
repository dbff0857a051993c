#pragma once

#include "httpconnection.h"

#include <QList>
#include <QRegularExpression>
#include <QString>

// Requests answered so far by each of a server's HTTP threads, as its /metrics says
// (playmark_http_thread_requests_total), asked on `metrics`: the asking request is counted on its
// thread only once its answer was rendered, so it is not in this answer. Refused connections are
// answered before any thread counts them. Shared by the tests that check which threads served.
inline QList<quint64> requestsPerThread(HttpConnection &metrics, int threads)
{
    const HttpAnswer answer = metrics.request("GET", QStringLiteral("/metrics"));
    QList<quint64> counts(threads, 0);
    static const QRegularExpression line(
        QStringLiteral(R"re(^playmark_http_thread_requests_total\{thread="(\d+)"\} (\d+)$)re"),
        QRegularExpression::MultilineOption);
    for (auto it = line.globalMatch(QString::fromUtf8(answer.body)); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        const int thread = match.captured(1).toInt();
        if (thread < threads)
            counts[thread] = match.captured(2).toULongLong();
    }
    return counts;
}
