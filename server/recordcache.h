#pragma once

#include "protocol/progressrecord.h"
#include "serverdefaults.h"

#include <QHash>
#include <QMutex>
#include <QRecursiveMutex>

#include <optional>

// The latest record per user and video, in memory, so reads need no SQL. Kept coherent by the
// HTTP thread alone: every committed write passes through it before it is acknowledged, and a
// record read from the database is only kept if nothing newer (or a removal) came meanwhile.
// Bounded: past `capacity` records, an arbitrary tenth is dropped (they are read again from the
// database when asked for).
class RecordCache final
{
public:
    explicit RecordCache(qsizetype capacity = ServerDefaults::kCacheRecords) : m_capacity(capacity)
    {
    }

    std::optional<ProgressRecord> find(qint64 userId, const QString &contentId);
    // find() without counting a hit or a miss, for the server's own checks.
    std::optional<ProgressRecord> peek(qint64 userId, const QString &contentId) const;
    // A record that stood at some commit: kept unless the cache holds a newer one.
    void store(qint64 userId, const ProgressRecord &record);
    // This server's write, sent to the database at `epoch`, committed with `record` standing.
    // A removal heard of meanwhile may have come after it: then the key is dropped instead.
    void storeWritten(qint64 userId, const ProgressRecord &record, quint64 epoch);
    // A record read from the database when the read started at `epoch` (see epoch()).
    void storeRead(qint64 userId, const ProgressRecord &record, quint64 epoch);
    void remove(qint64 userId, const QString &contentId);
    // Drops everything, as when changes committed elsewhere may have been missed.
    void clear();
    // Changes whenever something was removed: reads that began before must not bring it back.
    quint64 epoch() const
    {
        QMutexLocker lock(&m_mutex);
        return m_epoch;
    }

    qsizetype size() const
    {
        QMutexLocker lock(&m_mutex);
        return m_records.size();
    }
    qsizetype capacity() const { return m_capacity; }
    quint64 hits() const
    {
        QMutexLocker lock(&m_mutex);
        return m_hits;
    }
    quint64 misses() const
    {
        QMutexLocker lock(&m_mutex);
        return m_misses;
    }

private:
    struct Key
    {
        qint64 userId;
        QString contentId;
        friend bool operator==(const Key &a, const Key &b)
        {
            return a.userId == b.userId && a.contentId == b.contentId;
        }
        friend size_t qHash(const Key &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.userId, key.contentId);
        }
    };
    void makeRoom();

    // TEMPORARY (helper "threads"): one lock around everything, so that several HTTP threads
    // can share the cache until helper "json"'s thread-safe RecordCache replaces this one.
    mutable QRecursiveMutex m_mutex;
    QHash<Key, ProgressRecord> m_records;
    qsizetype m_capacity;
    quint64 m_epoch = 0;
    quint64 m_hits = 0;
    quint64 m_misses = 0;
};
