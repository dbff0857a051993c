#include "tokencache.h"

TokenCache::TokenCache(qint64 knownTtlMs, qint64 unknownTtlMs, qsizetype capacity)
    : m_knownTtlMs(knownTtlMs), m_unknownTtlMs(unknownTtlMs), m_capacity(capacity)
{
    m_clock.start();
}

std::optional<DeviceIdentity> TokenCache::find(const QString &tokenHash) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.constFind(tokenHash);
    if (it == m_entries.cend() || it->expiresAtMs <= m_clock.elapsed())
        return std::nullopt;
    return it->identity;
}

bool TokenCache::store(const QString &tokenHash, const DeviceIdentity &identity, quint64 epoch)
{
    QMutexLocker lock(&m_mutex);
    if (epoch != m_epoch)
        return false;
    const qint64 now = m_clock.elapsed();
    if (m_entries.size() >= m_capacity && !m_entries.contains(tokenHash)) {
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = it->expiresAtMs <= now ? m_entries.erase(it) : std::next(it);
        if (m_entries.size() >= m_capacity)
            m_entries.clear();
    }
    const qint64 ttl = identity.isKnown() ? m_knownTtlMs : m_unknownTtlMs;
    m_entries.insert(tokenHash, {identity, now + ttl});
    return true;
}

void TokenCache::forget(qint64 userId, const QString &deviceKey)
{
    QMutexLocker lock(&m_mutex);
    ++m_epoch;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        const DeviceIdentity &identity = it->identity;
        if (identity.userId == userId && (deviceKey.isEmpty() || identity.deviceKey == deviceKey))
            it = m_entries.erase(it);
        else
            ++it;
    }
}

void TokenCache::setBoundDeviceId(const QString &deviceKey, const QString &deviceId)
{
    QMutexLocker lock(&m_mutex);
    for (Entry &entry : m_entries) {
        if (entry.identity.deviceKey == deviceKey)
            entry.identity.boundDeviceId = deviceId;
    }
}

quint64 TokenCache::epoch() const
{
    QMutexLocker lock(&m_mutex);
    return m_epoch;
}

void TokenCache::clear()
{
    QMutexLocker lock(&m_mutex);
    m_entries.clear();
}
