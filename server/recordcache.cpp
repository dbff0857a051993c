#include "recordcache.h"

#include "protocol/progressorder.h"

#include <QMutexLocker>

namespace {
qsizetype partCapacity(qsizetype capacity, size_t parts)
{
    // Rounded up: every part holds at least one record, and all together about `capacity`.
    return qMax<qsizetype>(1, (capacity + qsizetype(parts) - 1) / qsizetype(parts));
}
} // namespace

RecordCache::RecordCache(qsizetype capacity)
    : m_capacity(capacity), m_partCapacity(partCapacity(capacity, kParts))
{
}

RecordCache &RecordCache::operator=(RecordCache &&other) noexcept
{
    if (this == &other)
        return *this;
    for (size_t i = 0; i < kParts; ++i) {
        QMutexLocker mine(&m_parts[i].mutex);
        QMutexLocker theirs(&other.m_parts[i].mutex);
        m_parts[i].records = std::move(other.m_parts[i].records);
        other.m_parts[i].records.clear();
    }
    m_capacity = other.m_capacity;
    m_partCapacity = other.m_partCapacity;
    m_epoch.fetch_add(1, std::memory_order_acq_rel);
    m_hits.store(other.m_hits.load());
    m_misses.store(other.m_misses.load());
    return *this;
}

RecordCache::Part &RecordCache::partOf(const Key &key) const
{
    // The high bits: QHash picks buckets with the low ones.
    return m_parts[(qHash(key, 0) >> 7) % kParts];
}

std::optional<ProgressRecord> RecordCache::find(qint64 userId, const QString &contentId)
{
    const Key key{userId, contentId};
    Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    const auto it = part.records.constFind(key);
    if (it == part.records.cend()) {
        m_misses.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    m_hits.fetch_add(1, std::memory_order_relaxed);
    return *it;
}

std::optional<ProgressRecord> RecordCache::peek(qint64 userId, const QString &contentId) const
{
    const Key key{userId, contentId};
    const Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    const auto it = part.records.constFind(key);
    return it == part.records.cend() ? std::nullopt : std::optional<ProgressRecord>(*it);
}

bool RecordCache::store(qint64 userId, const ProgressRecord &record)
{
    Key key{userId, record.contentId};
    Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    return storeLocked(part, std::move(key), record);
}

bool RecordCache::storeLocked(Part &part, Key key, const ProgressRecord &record)
{
    const auto it = part.records.find(key);
    if (it != part.records.end()) {
        // A video's counts only grow while its key is cached (a forget, which can lower them,
        // drops the key): a read that began before a finish must not take its count back.
        const int playCount = qMax(it->playCount, record.playCount);
        const qint64 lastFinishedMs = qMax(it->lastFinishedMs, record.lastFinishedMs);
        const bool standing = ProgressOrder::compare(record, *it) >= 0;
        if (standing)
            *it = record;
        it->playCount = playCount;
        it->lastFinishedMs = lastFinishedMs;
        return standing;
    }
    makeRoom(part);
    part.records.insert(std::move(key), record);
    return true;
}

void RecordCache::storeRead(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    Key key{userId, record.contentId};
    Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    // Removals bump the epoch with their part's lock held: this check cannot miss one of this key.
    if (epoch != m_epoch.load(std::memory_order_acquire))
        return;
    storeLocked(part, std::move(key), record);
}

void RecordCache::storeWritten(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    Key key{userId, record.contentId};
    Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    if (epoch == m_epoch.load(std::memory_order_acquire))
        storeLocked(part, std::move(key), record);
    else
        removeLocked(part, key);
}

void RecordCache::clear()
{
    // Every part locked at once (always in the same order), so no read slips in half-way.
    for (Part &part : m_parts)
        part.mutex.lock();
    for (Part &part : m_parts)
        part.records.clear();
    m_epoch.fetch_add(1, std::memory_order_acq_rel);
    for (Part &part : m_parts)
        part.mutex.unlock();
}

void RecordCache::remove(qint64 userId, const QString &contentId)
{
    const Key key{userId, contentId};
    Part &part = partOf(key);
    QMutexLocker locker(&part.mutex);
    removeLocked(part, key);
}

void RecordCache::removeLocked(Part &part, const Key &key)
{
    part.records.remove(key);
    m_epoch.fetch_add(1, std::memory_order_acq_rel);
}

qsizetype RecordCache::size() const
{
    qsizetype total = 0;
    for (const Part &part : m_parts) {
        QMutexLocker locker(&part.mutex);
        total += part.records.size();
    }
    return total;
}

void RecordCache::makeRoom(Part &part)
{
    if (part.records.size() < m_partCapacity)
        return;
    // QHash's order has nothing to do with use: this is random eviction, cheap and bounded.
    qsizetype drop = qMax<qsizetype>(1, m_partCapacity / 10);
    for (auto it = part.records.begin(); it != part.records.end() && drop > 0; --drop)
        it = part.records.erase(it);
}
