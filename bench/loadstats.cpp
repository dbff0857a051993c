#include "loadstats.h"

qint64 KindStats::errors() const
{
    qint64 total = timeouts;
    for (const qint64 count : statusErrors)
        total += count;
    for (const qint64 count : connectionErrors)
        total += count;
    return total;
}

LoadStats::LoadStats(qint64 windowStartNs, qint64 windowEndNs)
    : m_windowStartNs(windowStartNs), m_windowEndNs(windowEndNs)
{
}

const KindStats &LoadStats::of(RequestKind kind) const
{
    return kind == RequestKind::Write ? m_writes : m_reads;
}

void LoadStats::recordDue(RequestKind kind, qint64 dueNs)
{
    if (isMeasured(dueNs))
        ++stats(kind).due;
}

void LoadStats::recordSkipped(RequestKind kind, qint64 dueNs)
{
    if (isMeasured(dueNs))
        ++stats(kind).skipped;
}

void LoadStats::recordSent(qint64 dueNs, qint64 sentNs)
{
    if (isMeasured(dueNs))
        m_sendLag.record(sentNs - dueNs);
}

void LoadStats::recordResponse(RequestKind kind, qint64 dueNs, qint64 completedNs, int status)
{
    KindStats &kindStats = stats(kind);
    const bool ok = status >= 200 && status < 300;
    if (ok && completedNs >= m_windowStartNs && completedNs < m_windowEndNs)
        ++kindStats.okInWindow;
    if (!isMeasured(dueNs))
        return;
    kindStats.latency.record(completedNs - dueNs);
    ++kindStats.responses;
    if (ok)
        ++kindStats.ok;
    else
        ++kindStats.statusErrors[status];
}

void LoadStats::recordTimeout(RequestKind kind, qint64 dueNs, qint64 gaveUpNs)
{
    if (!isMeasured(dueNs))
        return;
    KindStats &kindStats = stats(kind);
    kindStats.latency.record(gaveUpNs - dueNs);
    ++kindStats.timeouts;
}

void LoadStats::recordConnectionError(RequestKind kind, qint64 dueNs, const QString &reason)
{
    if (isMeasured(dueNs))
        ++stats(kind).connectionErrors[reason];
}
