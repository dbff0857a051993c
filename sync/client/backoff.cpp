#include "client/backoff.h"

#include <algorithm>

int Backoff::nextDelayMs()
{
    const qint64 base = std::min<qint64>(qint64(kInitialMs) << std::min(m_attempt, 16), kMaxMs);
    ++m_attempt;
    const double factor = 0.8 + 0.4 * m_random.generateDouble();
    return int(std::min<double>(double(base) * factor, kMaxMs));
}
