#pragma once

#include <QtGlobal>

// The client's estimate of (server clock - local clock), from docs/protocol.md's "Clock" rule:
// server_time_ms - (sent + received) / 2 of the latest exchange.
class ClockOffset final
{
public:
    static qint64 estimate(qint64 serverTimeMs, qint64 sentAtMs, qint64 receivedAtMs);

    ClockOffset() = default;
    explicit ClockOffset(qint64 offsetMs) : m_offsetMs(offsetMs), m_known(true) { }

    // Records one exchange; returns the new offset.
    qint64 addSample(qint64 serverTimeMs, qint64 sentAtMs, qint64 receivedAtMs);

    qint64 offsetMs() const { return m_offsetMs; }
    bool isKnown() const { return m_known; }

    // The local wall clock moved onto the server's clock.
    qint64 serverNowMs() const;
    qint64 toServerTime(qint64 localMs) const { return localMs + m_offsetMs; }

private:
    qint64 m_offsetMs = 0;
    bool m_known = false;
};
