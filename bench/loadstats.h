#pragma once

#include "latencyhistogram.h"

#include <QMap>
#include <QString>

enum class RequestKind { Write, Read };

// What one kind of request (writes or reads) came to.
struct KindStats
{
    LatencyHistogram latency; // responses of any status, and timeouts when given up
    qint64 due = 0; // requests due in the measured window
    qint64 responses = 0; // any status
    qint64 ok = 0; // 2xx
    qint64 okInWindow = 0; // 2xx received in the window, whenever due: the achieved rate
    qint64 timeouts = 0;
    qint64 skipped = 0; // reads due before any write had succeeded
    QMap<int, qint64> statusErrors; // non-2xx by status
    QMap<QString, qint64> connectionErrors; // by reason

    qint64 errors() const;
};

// Records outcomes against a measured window of the timeline (after the warm-up). Everything is
// keyed by when the request was *due*: latency is completion minus due time, however late it was
// actually sent, which is what keeps coordinated omission out of the numbers. The send lag
// (sent minus due) is kept apart: it says whether the generator or its connections held requests.
class LoadStats
{
public:
    LoadStats(qint64 windowStartNs, qint64 windowEndNs);

    qint64 windowStartNs() const { return m_windowStartNs; }
    qint64 windowEndNs() const { return m_windowEndNs; }
    void setWindowEndNs(qint64 endNs) { m_windowEndNs = endNs; } // a run stopped early
    bool isMeasured(qint64 dueNs) const
    {
        return dueNs >= m_windowStartNs && dueNs < m_windowEndNs;
    }

    void recordDue(RequestKind kind, qint64 dueNs);
    void recordSkipped(RequestKind kind, qint64 dueNs);
    void recordSent(qint64 dueNs, qint64 sentNs);
    void recordResponse(RequestKind kind, qint64 dueNs, qint64 completedNs, int status);
    void recordTimeout(RequestKind kind, qint64 dueNs, qint64 gaveUpNs);
    void recordConnectionError(RequestKind kind, qint64 dueNs, const QString &reason);

    const KindStats &writes() const { return m_writes; }
    const KindStats &reads() const { return m_reads; }
    const KindStats &of(RequestKind kind) const;
    const LatencyHistogram &sendLag() const { return m_sendLag; }

private:
    KindStats &stats(RequestKind kind) { return kind == RequestKind::Write ? m_writes : m_reads; }

    qint64 m_windowStartNs = 0;
    qint64 m_windowEndNs = 0;
    KindStats m_writes;
    KindStats m_reads;
    LatencyHistogram m_sendLag;
};
