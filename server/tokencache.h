#pragma once

#include "deviceidentity.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

// Which user and device a token (by its SHA-256) belongs to, remembered so that requests need no
// SQL. A removed device is forgotten at once (forget(), told by the server that removes it and by
// RevocationWatch for every removal, this server's or another's), so a known token is kept for
// minutes: its life only bounds how long a device_id bound on another server may be out of date
// here, which costs one more bind when it comes. It used to be 5 s, so a device reporting every
// 5 s looked its token up in the database on nearly every report (seen with one token per
// simulated device in bench/run). Unknown tokens are remembered briefly, so guessing costs no
// database work and a token issued since is soon found. Bounded: at `capacity`, expired entries
// go first, and all of them only when none has expired. One per server, shared by its HTTP
// threads: every method is thread-safe.
class TokenCache final
{
public:
    static constexpr qint64 kKnownTtlMs = 10 * 60 * 1000;
    static constexpr qint64 kUnknownTtlMs = 5000;
    // About 0.4 KB an entry: 100,000 devices in about 40 MB.
    static constexpr qsizetype kDefaultCapacity = 100000;

    explicit TokenCache(qint64 knownTtlMs = kKnownTtlMs, qint64 unknownTtlMs = kUnknownTtlMs,
                        qsizetype capacity = kDefaultCapacity);

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
    qint64 m_knownTtlMs;
    qint64 m_unknownTtlMs;
    qsizetype m_capacity;
    quint64 m_epoch = 0;
};
