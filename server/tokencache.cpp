#include "tokencache.h"

TokenCache::TokenCache(qint64 ttlMs, qsizetype capacity) : m_ttlMs(ttlMs), m_capacity(capacity)
{
    m_clock.start();
}

std::optional<DeviceIdentity> TokenCache::find(const QString &tokenHash) const
{
    const auto it = m_entries.constFind(tokenHash);
    if (it == m_entries.cend() || it->expiresAtMs <= m_clock.elapsed())
        return std::nullopt;
    return it->identity;
}

void TokenCache::store(const QString &tokenHash, const DeviceIdentity &identity)
{
    if (m_entries.size() >= m_capacity)
        m_entries.clear();
    m_entries.insert(tokenHash, {identity, m_clock.elapsed() + m_ttlMs});
}
