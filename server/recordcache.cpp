#include "recordcache.h"

#include "protocol/progressorder.h"

std::optional<ProgressRecord> RecordCache::find(qint64 userId, const QString &contentId)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_records.constFind({userId, contentId});
    if (it == m_records.cend()) {
        ++m_misses;
        return std::nullopt;
    }
    ++m_hits;
    return *it;
}

std::optional<ProgressRecord> RecordCache::peek(qint64 userId, const QString &contentId) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_records.constFind({userId, contentId});
    return it == m_records.cend() ? std::nullopt : std::optional<ProgressRecord>(*it);
}

void RecordCache::store(qint64 userId, const ProgressRecord &record)
{
    QMutexLocker lock(&m_mutex);
    Key key{userId, record.contentId};
    const auto it = m_records.find(key);
    if (it != m_records.end()) {
        // A video's counts only grow while its key is cached (a forget, which can lower them,
        // drops the key): a read that began before a finish must not take its count back.
        const int playCount = qMax(it->playCount, record.playCount);
        const qint64 lastFinishedMs = qMax(it->lastFinishedMs, record.lastFinishedMs);
        if (ProgressOrder::compare(record, *it) >= 0)
            *it = record;
        it->playCount = playCount;
        it->lastFinishedMs = lastFinishedMs;
        return;
    }
    makeRoom();
    m_records.insert(std::move(key), record);
}

void RecordCache::storeRead(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    QMutexLocker lock(&m_mutex);
    if (epoch != m_epoch)
        return;
    store(userId, record);
}

void RecordCache::storeWritten(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    QMutexLocker lock(&m_mutex);
    if (epoch == m_epoch)
        store(userId, record);
    else
        remove(userId, record.contentId);
}

void RecordCache::clear()
{
    QMutexLocker lock(&m_mutex);
    m_records.clear();
    ++m_epoch;
}

void RecordCache::remove(qint64 userId, const QString &contentId)
{
    QMutexLocker lock(&m_mutex);
    m_records.remove({userId, contentId});
    ++m_epoch;
}

void RecordCache::makeRoom()
{
    if (m_records.size() < m_capacity)
        return;
    // QHash's order has nothing to do with use: this is random eviction, cheap and bounded.
    qsizetype drop = qMax<qsizetype>(1, m_capacity / 10);
    for (auto it = m_records.begin(); it != m_records.end() && drop > 0; --drop)
        it = m_records.erase(it);
}
