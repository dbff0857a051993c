#include "recordcache.h"

#include "protocol/recordcodec.h"

#include <QHashFunctions>
#include <QMutexLocker>

#include <cstdlib>
#include <cstring>

// An entry, packed in one malloc'd block:
//   varint user_id, content_id (as the strings below),
//   zigzag varints observed_at_ms, play_count, last_finished_ms (what store() compares and merges,
//   first so that they are read without going further), position_ms, duration_ms,
//   received_at_ms - observed_at_ms, finished_at_ms,
//   one byte: state (bits 0-1), watched given (bit 2), watched (bit 3),
//   then device_id, device_name, title, show_id, episode_id as varint length + their JSON-escaped
//   UTF-8 (RecordCodec::appendJsonString without the quotes: the bare UTF-8 for nearly every
//   string, and lossless for any QString, half surrogate pairs included), and choices as varint
//   length + their compact JSON (0: none).
// A typical record (a 36-character id, a 20-character device id, a name and a title) takes about
// 120 bytes and a table slot of 12: 141 bytes of heap a record in all, 153 of RSS at a million
// records (tst_recordcache), where a ProgressRecord in a QHash took about 750.

namespace {

qsizetype partCapacity(qsizetype capacity, size_t parts)
{
    // Rounded up: every part holds at least one record, and all together about `capacity`.
    return qMax<qsizetype>(1, (capacity + qsizetype(parts) - 1) / qsizetype(parts));
}

size_t keyHash(qint64 userId, QStringView contentId)
{
    // Seeded (per process, as QHash is): content ids are chosen by clients, and with a fixed
    // seed ids made to collide would pile up in one chain under one part's lock.
    return qHashMulti(QHashSeed::globalSeed(), userId, contentId);
}

void putVarint(QByteArray &out, quint64 value)
{
    while (value >= 0x80) {
        out.append(char(value | 0x80));
        value >>= 7;
    }
    out.append(char(value));
}

void putNumber(QByteArray &out, qint64 value)
{
    putVarint(out, (quint64(value) << 1) ^ quint64(value >> 63));
}

void putText(QByteArray &out, QStringView text)
{
    // Room for a two-byte varint length first (an escaped field is far below 2^14 bytes), then
    // appendJsonString's literal; its quotes go, and the length takes one byte when it can.
    const qsizetype at = out.size();
    out.append("\0\0", 2);
    RecordCodec::appendJsonString(out, text);
    out.chop(1);
    const qsizetype size = out.size() - at - 3;
    if (size < 0x80) {
        out.remove(at + 1, 2);
        out[at] = char(size);
    } else {
        out.remove(at + 2, 1);
        out[at] = char(0x80 | (size & 0x7f));
        out[at + 1] = char(size >> 7);
    }
}

// Back from putText's escaped form: the escapes appendJsonString writes, and UTF-8 between them.
QString textOf(QByteArrayView escaped)
{
    if (!escaped.contains('\\'))
        return QString::fromUtf8(escaped);
    QString text;
    qsizetype run = 0;
    qsizetype i = 0;
    while (i < escaped.size()) {
        if (escaped[i] != '\\') {
            ++i;
            continue;
        }
        text += QString::fromUtf8(escaped.sliced(run, i - run));
        const char kind = escaped[i + 1];
        i += 2;
        switch (kind) {
        case 'b':
            text += u'\b';
            break;
        case 'f':
            text += u'\f';
            break;
        case 'n':
            text += u'\n';
            break;
        case 'r':
            text += u'\r';
            break;
        case 't':
            text += u'\t';
            break;
        case 'u': {
            char16_t unit = 0;
            for (const char digit : escaped.sliced(i, 4))
                unit = char16_t(unit * 16 + (digit <= '9' ? digit - '0' : digit - 'a' + 10));
            text += QChar(unit);
            i += 4;
        } break;
        default: // '"' and '\\'
            text += QLatin1Char(kind);
            break;
        }
        run = i;
    }
    text += QString::fromUtf8(escaped.sliced(run));
    return text;
}

class EntryReader
{
public:
    explicit EntryReader(const char *entry) : m_at(reinterpret_cast<const uchar *>(entry)) { }

    quint64 varint()
    {
        quint64 value = 0;
        int shift = 0;
        while (*m_at & 0x80) {
            value |= quint64(*m_at++ & 0x7f) << shift;
            shift += 7;
        }
        return value | (quint64(*m_at++) << shift);
    }
    qint64 number()
    {
        const quint64 raw = varint();
        return qint64(raw >> 1) ^ -qint64(raw & 1);
    }
    QByteArrayView bytes()
    {
        const qsizetype size = qsizetype(varint());
        const QByteArrayView view(m_at, size);
        m_at += size;
        return view;
    }
    uchar byte() { return *m_at++; }

private:
    const uchar *m_at;
};

// What store() needs of an entry: read without decoding its strings.
struct Standing
{
    qint64 observedAtMs = 0;
    int playCount = 0;
    qint64 lastFinishedMs = 0;
    QByteArrayView deviceId; // as stored: device ids are plain ASCII, so escaped = UTF-8
};

Standing standingOf(const char *entry)
{
    EntryReader reader(entry);
    reader.varint();
    reader.bytes();
    Standing standing;
    standing.observedAtMs = reader.number();
    standing.playCount = int(reader.number());
    standing.lastFinishedMs = reader.number();
    for (int i = 0; i < 4; ++i)
        reader.number();
    reader.byte();
    standing.deviceId = reader.bytes();
    return standing;
}

bool keyMatches(const char *entry, qint64 userId, QStringView contentId)
{
    EntryReader reader(entry);
    if (qint64(reader.varint()) != userId)
        return false;
    const QByteArrayView id = reader.bytes();
    // Valid content ids are plain ASCII, stored as they are: one byte a character.
    if (id.size() != contentId.size())
        return textOf(id) == contentId;
    for (qsizetype i = 0; i < id.size(); ++i) {
        const char16_t unit = contentId[i].unicode();
        if (unit >= 0x80 || uchar(id[i]) >= 0x80 || id[i] == '\\')
            return textOf(id) == contentId;
        if (unit != char16_t(id[i]))
            return false;
    }
    return true;
}

char *pack(qint64 userId, const ProgressRecord &record)
{
    // One buffer per thread, its capacity kept from one record to the next.
    thread_local QByteArray out;
    out.resize(0);
    putVarint(out, quint64(userId));
    putText(out, record.contentId);
    putNumber(out, record.observedAtMs);
    putNumber(out, record.playCount);
    putNumber(out, record.lastFinishedMs);
    putNumber(out, record.positionMs);
    putNumber(out, record.durationMs);
    putNumber(out, record.receivedAtMs - record.observedAtMs); // near it: one or two bytes
    putNumber(out, record.finishedAtMs);
    out.append(char(int(record.state) | (record.watched ? 4 : 0)
                    | (record.watched.value_or(false) ? 8 : 0)));
    putText(out, record.deviceId);
    putText(out, record.deviceName);
    putText(out, record.title);
    putText(out, record.showId);
    putText(out, record.episodeId);
    if (record.choices) {
        const QByteArray choices = ChoicesCodec::toCompactJson(*record.choices);
        putVarint(out, quint64(choices.size()));
        out.append(choices);
    } else {
        putVarint(out, 0);
    }
    char *entry = static_cast<char *>(std::malloc(size_t(out.size())));
    Q_CHECK_PTR(entry);
    std::memcpy(entry, out.constData(), size_t(out.size()));
    return entry;
}

ProgressRecord unpack(const char *entry)
{
    EntryReader reader(entry);
    ProgressRecord record;
    reader.varint();
    record.contentId = textOf(reader.bytes());
    record.observedAtMs = reader.number();
    record.playCount = int(reader.number());
    record.lastFinishedMs = reader.number();
    record.positionMs = reader.number();
    record.durationMs = reader.number();
    record.receivedAtMs = record.observedAtMs + reader.number();
    record.finishedAtMs = reader.number();
    const uchar flags = reader.byte();
    record.state = PlaybackState(flags & 3);
    if (flags & 4)
        record.watched = (flags & 8) != 0;
    record.deviceId = textOf(reader.bytes());
    record.deviceName = textOf(reader.bytes());
    record.title = textOf(reader.bytes());
    record.showId = textOf(reader.bytes());
    record.episodeId = textOf(reader.bytes());
    const QByteArrayView choices = reader.bytes();
    if (!choices.isEmpty())
        record.choices = ChoicesCodec::fromCompactJson(choices.toByteArray());
    return record;
}

} // namespace

RecordCache::Part::~Part()
{
    for (char *entry : entries)
        std::free(entry);
}

RecordCache::RecordCache(qsizetype capacity)
    : m_capacity(capacity), m_partCapacity(partCapacity(capacity, kParts))
{
}

RecordCache::Part &RecordCache::partOf(size_t hash) const
{
    // The high bits: the table's slots are picked with the low ones.
    return m_parts[(hash >> 40) % kParts];
}

qsizetype RecordCache::findSlot(const Part &part, size_t hash, qint64 userId, QStringView contentId)
{
    if (part.entries.empty())
        return -1;
    const size_t mask = part.entries.size() - 1;
    for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const char *entry = part.entries[slot];
        if (!entry)
            return -1;
        if (part.hashes[slot] == quint32(hash) && keyMatches(entry, userId, contentId))
            return qsizetype(slot);
    }
}

void RecordCache::insertEntry(Part &part, size_t hash, char *entry)
{
    // At most three quarters full, so that probes stay short.
    if (size_t(part.count + 1) * 4 > part.entries.size() * 3) {
        std::vector<char *> entries(qMax<size_t>(16, part.entries.size() * 2), nullptr);
        std::vector<quint32> hashes(entries.size(), 0);
        std::swap(entries, part.entries);
        std::swap(hashes, part.hashes);
        part.count = 0;
        for (size_t i = 0; i < entries.size(); ++i) {
            if (entries[i])
                insertEntry(part, hashes[i], entries[i]);
        }
    }
    // Only the low 32 bits are kept: a table never has 2^32 slots, so the home slot is the same.
    const size_t mask = part.entries.size() - 1;
    size_t slot = hash & mask;
    while (part.entries[slot])
        slot = (slot + 1) & mask;
    part.entries[slot] = entry;
    part.hashes[slot] = quint32(hash);
    ++part.count;
}

void RecordCache::eraseSlot(Part &part, qsizetype slot)
{
    std::free(part.entries[size_t(slot)]);
    // Backward shift: entries after it in its run move up, so no lookup stops at a hole early.
    const size_t mask = part.entries.size() - 1;
    size_t hole = size_t(slot);
    for (size_t next = (hole + 1) & mask; part.entries[next]; next = (next + 1) & mask) {
        const size_t home = part.hashes[next] & mask;
        // Movable unless its home lies in (hole, next], cyclically.
        const bool stays =
            hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (stays)
            continue;
        part.entries[hole] = part.entries[next];
        part.hashes[hole] = part.hashes[next];
        hole = next;
    }
    part.entries[hole] = nullptr;
    part.hashes[hole] = 0;
    --part.count;
}

std::optional<ProgressRecord> RecordCache::find(qint64 userId, const QString &contentId)
{
    const size_t hash = keyHash(userId, contentId);
    Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    const qsizetype slot = findSlot(part, hash, userId, contentId);
    if (slot < 0) {
        m_misses.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    m_hits.fetch_add(1, std::memory_order_relaxed);
    return unpack(part.entries[size_t(slot)]);
}

std::optional<ProgressRecord> RecordCache::peek(qint64 userId, const QString &contentId) const
{
    const size_t hash = keyHash(userId, contentId);
    const Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    const qsizetype slot = findSlot(part, hash, userId, contentId);
    return slot < 0 ? std::nullopt
                    : std::optional<ProgressRecord>(unpack(part.entries[size_t(slot)]));
}

std::optional<RecordCache::Counts> RecordCache::counts(qint64 userId,
                                                       const QString &contentId) const
{
    const size_t hash = keyHash(userId, contentId);
    const Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    const qsizetype slot = findSlot(part, hash, userId, contentId);
    if (slot < 0)
        return std::nullopt;
    const Standing standing = standingOf(part.entries[size_t(slot)]);
    return Counts{standing.playCount, standing.lastFinishedMs};
}

bool RecordCache::store(qint64 userId, const ProgressRecord &record)
{
    const size_t hash = keyHash(userId, record.contentId);
    Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    return storeLocked(part, hash, userId, record);
}

bool RecordCache::storeLocked(Part &part, size_t hash, qint64 userId, const ProgressRecord &record)
{
    const qsizetype slot = findSlot(part, hash, userId, record.contentId);
    if (slot < 0) {
        makeRoom(part);
        insertEntry(part, hash, pack(userId, record));
        return true;
    }
    char *&entry = part.entries[size_t(slot)];
    const Standing standing = standingOf(entry);
    // A video's counts only grow while its key is cached (a forget, which can lower them, drops
    // the key): a read that began before a finish must not take its count back.
    const int playCount = qMax(standing.playCount, record.playCount);
    const qint64 lastFinishedMs = qMax(standing.lastFinishedMs, record.lastFinishedMs);
    // ProgressOrder::compare, on the packed fields: observed_at_ms, then device_id's bytes.
    const bool newer = record.observedAtMs != standing.observedAtMs
        ? record.observedAtMs > standing.observedAtMs
        : QByteArrayView(record.deviceId.toUtf8()).compare(standing.deviceId) >= 0;
    if (newer || playCount != standing.playCount || lastFinishedMs != standing.lastFinishedMs) {
        // The newer record, or the one kept with the larger counts.
        ProgressRecord kept = newer ? record : unpack(entry);
        kept.playCount = playCount;
        kept.lastFinishedMs = lastFinishedMs;
        char *packed = pack(userId, kept);
        std::free(entry);
        entry = packed;
    }
    return newer;
}

void RecordCache::storeRead(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    const size_t hash = keyHash(userId, record.contentId);
    Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    // Removals bump the epoch with their part's lock held: this check cannot miss one of this key.
    if (epoch != m_epoch.load(std::memory_order_acquire))
        return;
    storeLocked(part, hash, userId, record);
}

void RecordCache::storeWritten(qint64 userId, const ProgressRecord &record, quint64 epoch)
{
    const size_t hash = keyHash(userId, record.contentId);
    Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    if (epoch == m_epoch.load(std::memory_order_acquire))
        storeLocked(part, hash, userId, record);
    else
        removeLocked(part, hash, userId, record.contentId);
}

void RecordCache::clear()
{
    // Every part locked at once (always in the same order), so no read slips in half-way.
    for (Part &part : m_parts)
        part.mutex.lock();
    for (Part &part : m_parts) {
        for (char *entry : part.entries)
            std::free(entry);
        std::vector<char *>().swap(part.entries);
        std::vector<quint32>().swap(part.hashes);
        part.count = 0;
    }
    m_epoch.fetch_add(1, std::memory_order_acq_rel);
    for (Part &part : m_parts)
        part.mutex.unlock();
}

void RecordCache::remove(qint64 userId, const QString &contentId)
{
    const size_t hash = keyHash(userId, contentId);
    Part &part = partOf(hash);
    QMutexLocker locker(&part.mutex);
    removeLocked(part, hash, userId, contentId);
}

void RecordCache::removeLocked(Part &part, size_t hash, qint64 userId, QStringView contentId)
{
    const qsizetype slot = findSlot(part, hash, userId, contentId);
    if (slot >= 0)
        eraseSlot(part, slot);
    m_epoch.fetch_add(1, std::memory_order_acq_rel);
}

qsizetype RecordCache::size() const
{
    qsizetype total = 0;
    for (const Part &part : m_parts) {
        QMutexLocker locker(&part.mutex);
        total += part.count;
    }
    return total;
}

void RecordCache::makeRoom(Part &part)
{
    if (part.count < m_partCapacity)
        return;
    // The table's order has nothing to do with use: this is random eviction, cheap and bounded.
    // Every tenth entry goes, and the table is built again from the others.
    std::vector<char *> entries(part.entries.size(), nullptr);
    std::vector<quint32> hashes(part.hashes.size(), 0);
    std::swap(entries, part.entries);
    std::swap(hashes, part.hashes);
    part.count = 0;
    qsizetype seen = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (!entries[i])
            continue;
        if (seen++ % 10 == 0)
            std::free(entries[i]);
        else
            insertEntry(part, hashes[i], entries[i]);
    }
}
