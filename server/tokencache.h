#pragma once

#include "deviceidentity.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

// Which user and device a token (by its SHA-256) belongs to, remembered for a short while so that
// requests need no SQL. A removed device is forgotten at once (forget(), told by the server that
// removes it and by RevocationWatch for every removal, this server's or another's); the short
// life only bounds how long the device's bound device_id may be out of date. Unknown tokens are
// remembered too (briefly), so guessing costs no database work. Bounded: cleared when it grows
// past `capacity`. One per server, shared by its HTTP threads: every method is thread-safe.
class TokenCache final
{
public:
    static constexpr qint64 kDefaultTtlMs = 5000;

    explicit TokenCache(qint64 ttlMs = kDefaultTtlMs, qsizetype capacity = 10000);

    // std::nullopt: not known (ask the database); an identity that is not isKnown(): known to
    // be unknown or revoked.
    std::optional<DeviceIdentity> find(const QString &tokenHash) const;
    // Moves on with every forget(): a lookup that began at an older epoch may have read a token
    // that has been removed since, and must be neither stored nor trusted.
    quint64 epoch() const;
    // Stores what a lookup begun at `epoch` found, unless a forget() came in between (false).
    bool store(const QString &tokenHash, const DeviceIdentity &identity, quint64 epoch);
    // A device was removed (deviceKey empty: every device of the user): its tokens are no
    // longer known. Walks the entries: removals are rare and the cache is bounded.
    void forget(qint64 userId, const QString &deviceKey);
    // The device's updates now carry `deviceId` (bound by the writer).
    void setBoundDeviceId(const QString &deviceKey, const QString &deviceId);
    void clear();

private:
    struct Entry
    {
        DeviceIdentity identity;
        qint64 expiresAtMs;
    };
    mutable QMutex m_mutex; // guards everything below
    QHash<QString, Entry> m_entries;
    QElapsedTimer m_clock;
    qint64 m_ttlMs;
    qsizetype m_capacity;
    quint64 m_epoch = 0;
};
