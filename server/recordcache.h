#pragma once

#include "protocol/progressrecord.h"
#include "serverdefaults.h"

#include <QMutex>
#include <QStringView>

#include <array>
#include <atomic>
#include <optional>
#include <vector>

// The latest record per user and video, in memory, so reads need no SQL. Shared by every HTTP
// thread: each method is one step under a lock, so callers need no lock of their own. Kept
// coherent because every committed write passes through it before it is acknowledged, and a
// record read from the database is only kept if nothing newer (or a removal) came meanwhile.
// Bounded: the records are spread over 16 parts of capacity / 16 each, and a full part drops an
// arbitrary tenth of its records (they are read again from the database when asked for).
class RecordCache final
{
public:
    explicit RecordCache(qsizetype capacity = ServerDefaults::kCacheRecords);
    // Not movable: the server makes a new cache of the size it is given.
    RecordCache &operator=(RecordCache &&other) = delete;
    RecordCache(const RecordCache &) = delete;
    RecordCache &operator=(const RecordCache &) = delete;

    std::optional<ProgressRecord> find(qint64 userId, const QString &contentId);
    // find() without counting a hit or a miss, for the server's own checks.
    std::optional<ProgressRecord> peek(qint64 userId, const QString &contentId) const;
    // A cached record's play count and last finish, read without decoding its strings (the PUT
    // path needs only these); counted neither as a hit nor as a miss.
    struct Counts
    {
        int playCount = 0;
        qint64 lastFinishedMs = 0;
    };
    std::optional<Counts> counts(qint64 userId, const QString &contentId) const;
    // A record that stood at some commit: kept unless the cache holds a newer one. False when it
    // held a newer one (the record given is outdated); its counts are taken all the same.
    bool store(qint64 userId, const ProgressRecord &record);
    // This server's write, sent to the database at `epoch`, committed with `record` standing.
    // A removal heard of meanwhile may have come after it: then the key is dropped instead.
    void storeWritten(qint64 userId, const ProgressRecord &record, quint64 epoch);
    // A record read from the database when the read started at `epoch` (see epoch()).
    void storeRead(qint64 userId, const ProgressRecord &record, quint64 epoch);
    void remove(qint64 userId, const QString &contentId);
    // Drops everything, as when changes committed elsewhere may have been missed.
    void clear();
    // Changes whenever something was removed: reads that began before must not bring it back.
    quint64 epoch() const { return m_epoch.load(std::memory_order_acquire); }

    qsizetype size() const;
    qsizetype capacity() const { return m_capacity; }
    quint64 hits() const { return m_hits.load(std::memory_order_relaxed); }
    quint64 misses() const { return m_misses.load(std::memory_order_relaxed); }

private:
    // Each record is kept packed in one block of its own (recordcache.cpp says how: about 140
    // bytes of heap for a typical record, table included, against about 750 for a ProgressRecord
    // in a QHash), found through an open-addressing table of pointers with their keys' hashes
    // beside them.
    struct Part
    {
        Part() = default;
        ~Part();
        Part(const Part &) = delete;
        Part &operator=(const Part &) = delete;

        mutable QMutex mutex;
        std::vector<char *> entries; // a power of two long, or empty; null: a free slot
        std::vector<quint32>
            hashes; // each entry's key hash (low bits), so probes rarely read entries
        qsizetype count = 0;
    };
    static constexpr size_t kParts = 16;

    Part &partOf(size_t hash) const;
    // With the part's lock held. The slot of the key, or -1.
    static qsizetype findSlot(const Part &part, size_t hash, qint64 userId, QStringView contentId);
    bool storeLocked(Part &part, size_t hash, qint64 userId, const ProgressRecord &record);
    void removeLocked(Part &part, size_t hash, qint64 userId, QStringView contentId);
    static void insertEntry(Part &part, size_t hash, char *entry);
    static void eraseSlot(Part &part, qsizetype slot);
    void makeRoom(Part &part);

    mutable std::array<Part, kParts> m_parts;
    qsizetype m_capacity;
    qsizetype m_partCapacity;
    // Written only with a part's lock held, so a check of it under the same lock is exact.
    std::atomic<quint64> m_epoch{0};
    std::atomic<quint64> m_hits{0};
    std::atomic<quint64> m_misses{0};
};
