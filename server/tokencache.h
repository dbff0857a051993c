#pragma once

#include "deviceidentity.h"

#include <QElapsedTimer>
#include <QHash>
#include <QString>

// Which user and device a token (by its SHA-256) belongs to, remembered for a short while so that
// requests need no SQL. Revocations made by `playmark-server user revoke` in another process
// therefore take effect within `ttlMs`. Unknown tokens are remembered too (briefly), so guessing
// costs no database work. Bounded: cleared when it grows past `capacity`.
class TokenCache final
{
public:
    static constexpr qint64 kDefaultTtlMs = 5000;

    explicit TokenCache(qint64 ttlMs = kDefaultTtlMs, qsizetype capacity = 10000);

    // std::nullopt: not known (ask the database); an identity that is not isKnown(): known to
    // be unknown or revoked.
    std::optional<DeviceIdentity> find(const QString &tokenHash) const;
    void store(const QString &tokenHash, const DeviceIdentity &identity);
    void clear() { m_entries.clear(); }

private:
    struct Entry
    {
        DeviceIdentity identity;
        qint64 expiresAtMs;
    };
    QHash<QString, Entry> m_entries;
    QElapsedTimer m_clock;
    qint64 m_ttlMs;
    qsizetype m_capacity;
};
