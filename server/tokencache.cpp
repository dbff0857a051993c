#include "tokencache.h"

TokenCache::TokenCache(qint64 ttlMs, qsizetype capacity) : m_ttlMs(ttlMs), m_capacity(capacity)
{
    m_clock.start();
}

std::optional<qint64> TokenCache::find(const QString &tokenHash) const
{
    const auto it = m_entries.constFind(tokenHash);
    if (it == m_entries.cend() || it->expiresAtMs <= m_clock.elapsed())
        return std::nullopt;
    return it->userId;
}

void TokenCache::store(const QString &tokenHash, qint64 userId)
{
    if (m_entries.size() >= m_capacity)
        m_entries.clear();
    m_entries.insert(tokenHash, {userId, m_clock.elapsed() + m_ttlMs});
}
