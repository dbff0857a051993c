#include "protocol/clockoffset.h"

#include <QDateTime>

qint64 ClockOffset::estimate(qint64 serverTimeMs, qint64 sentAtMs, qint64 receivedAtMs)
{
    // Written to avoid overflow of sent + received for large epoch values.
    const qint64 midpoint = sentAtMs + (receivedAtMs - sentAtMs) / 2;
    return serverTimeMs - midpoint;
}

qint64 ClockOffset::addSample(qint64 serverTimeMs, qint64 sentAtMs, qint64 receivedAtMs)
{
    m_offsetMs = estimate(serverTimeMs, sentAtMs, receivedAtMs);
    m_known = true;
    return m_offsetMs;
}

qint64 ClockOffset::serverNowMs() const
{
    return toServerTime(QDateTime::currentMSecsSinceEpoch());
}
