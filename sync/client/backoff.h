#pragma once

#include <QRandomGenerator>

// Retry delays while the server is unreachable: 1 s doubling up to 60 s, each scaled by a random
// factor in [0.8, 1.2] (never above the cap) so that many devices do not retry in lockstep.
class Backoff final
{
public:
    static constexpr int kInitialMs = 1000;
    static constexpr int kMaxMs = 60000;

    explicit Backoff(quint32 seed = QRandomGenerator::global()->generate()) : m_random(seed) { }

    // The delay before the next attempt; each call doubles the base.
    int nextDelayMs();
    void reset() { m_attempt = 0; }
    int attempts() const { return m_attempt; }

private:
    QRandomGenerator m_random;
    int m_attempt = 0;
};
