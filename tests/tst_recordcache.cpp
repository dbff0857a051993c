// RecordCache: what it keeps, what it drops, and that several threads can share it (the HTTP
// threads do) without losing a record's newest version or its counts.

#include "hostilestrings.h"
#include "recordcache.h"

#include <QHash>
#include <QRandomGenerator>

#include <QTest>
#include <QThread>

#include <malloc.h>

#include <atomic>
#include <memory>
#include <vector>

namespace {

ProgressRecord record(const QString &contentId, qint64 observedAtMs, int playCount = 0)
{
    ProgressRecord r;
    r.contentId = contentId;
    r.positionMs = observedAtMs % 100000;
    r.deviceId = QStringLiteral("dev");
    r.observedAtMs = observedAtMs;
    r.playCount = playCount;
    return r;
}

} // namespace

class TestRecordCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Records are kept packed: every field comes back as it was stored, whatever the strings.
    void keepsEveryField_data() { addHostileStringRows(8, true); }
    void keepsEveryField()
    {
        QFETCH(QString, text);
        ProgressRecord full = record(QStringLiteral("movie:1"), 1700000000123, 3);
        full.positionMs = 5400000;
        full.durationMs = 7200000;
        full.deviceId = QStringLiteral("dev-0123456789abcdef");
        full.deviceName = text;
        full.state = PlaybackState::Stopped;
        full.title = text;
        full.showId = text;
        full.episodeId = text;
        full.choices = PlaybackChoices{};
        // (a track title is at most 128 characters)
        full.choices->audio =
            TrackIdentity{QStringLiteral("ja"), text.left(100), QStringLiteral("Opus")};
        full.choices->speed = 1.25;
        full.watched = false;
        full.finishedAtMs = 1700000000000;
        full.receivedAtMs = 1700000000456;
        full.lastFinishedMs = 1690000000000;
        RecordCache cache;
        cache.store(7, full);
        QCOMPARE(cache.peek(7, full.contentId), full);
        // Keys are found whatever their text (the server only caches valid ids, plain ASCII).
        ProgressRecord odd = full;
        odd.contentId = text;
        cache.store(7, odd);
        QCOMPARE(cache.peek(7, text), odd);
        QCOMPARE(cache.peek(7, full.contentId), full);
        cache.remove(7, text);
        QVERIFY(!cache.peek(7, text));
        for (const auto state :
             {PlaybackState::Playing, PlaybackState::Paused, PlaybackState::Ended}) {
            ProgressRecord bare;
            bare.contentId = QStringLiteral("bare");
            bare.deviceId = QStringLiteral("d");
            bare.state = state;
            bare.observedAtMs = 100 + int(state);
            bare.watched = state == PlaybackState::Ended ? std::optional<bool>(true) : std::nullopt;
            cache.store(7, bare);
            QCOMPARE(cache.find(7, bare.contentId), bare);
        }
    }

    // Stores and removals at random against a QHash doing the same: the same records stand.
    void behavesLikeAHash()
    {
        RecordCache cache(1000000);
        QHash<QString, ProgressRecord> model;
        QRandomGenerator random(16);
        for (int step = 0; step < 60000; ++step) {
            const QString id = QStringLiteral("id-%1").arg(random.bounded(3000));
            if (random.bounded(4) == 0) {
                cache.remove(1, id);
                model.remove(id);
                continue;
            }
            const ProgressRecord update = record(id, random.bounded(1000) + 1);
            cache.store(1, update);
            const auto it = model.find(id);
            if (it == model.end())
                model.insert(id, update);
            else if (update.observedAtMs >= it->observedAtMs)
                *it = update;
        }
        QCOMPARE(cache.size(), model.size());
        for (int i = 0; i < 3000; ++i) {
            const QString id = QStringLiteral("id-%1").arg(i);
            QCOMPARE(cache.peek(1, id),
                     model.contains(id) ? std::optional(model.value(id)) : std::nullopt);
        }
    }

    // What a cached record costs the heap (malloc's own count, not timing): a record shaped like
    // bench/scale-fill.sql's. A ProgressRecord in a QHash cost about 900 bytes of RSS.
    void isCompact()
    {
        constexpr int kRecords = 100000;
        // In use: from malloc's arenas and from blocks it mapped on their own (large tables).
        const auto inUse = [] {
            const struct mallinfo2 info = mallinfo2();
            return qint64(info.uordblks + info.hblkhd);
        };
        const qint64 before = inUse();
        {
            RecordCache cache(2 * kRecords); // no eviction
            for (int i = 0; i < kRecords; ++i) {
                ProgressRecord r;
                r.contentId = QStringLiteral("pm1-%1").arg(quint64(i) * 2654435761u, 32, 16,
                                                           QLatin1Char('0'));
                r.positionMs = 1234567;
                r.durationMs = 2400000 + i;
                r.deviceId = QStringLiteral("dev-%1").arg(81985529216486895 + (i % 4) * 4099, 16,
                                                          16, QLatin1Char('0'));
                r.deviceName = QStringLiteral("Living-room TV");
                r.observedAtMs = 1796457499382 + i;
                r.state = PlaybackState::Paused;
                r.title = QStringLiteral("Some.Show.S%1E%2.1080p").arg(i % 9 + 1).arg(i % 24 + 1);
                r.receivedAtMs = r.observedAtMs + 12;
                cache.store(1, r);
            }
            QCOMPARE(cache.size(), kRecords);
            const double perRecord = double(inUse() - before) / kRecords;
            qInfo("heap per cached record: %.0f bytes", perRecord);
            // Each record holds at least its 36-character id: less means malloc's count did not
            // see the cache's blocks (another allocator preloaded, a sanitizer's), and the bound
            // below would pass without measuring anything.
            QVERIFY2(perRecord >= 36,
                     qPrintable(QStringLiteral("mallinfo2 counted %1 bytes a record: nothing "
                                               "measured")
                                    .arg(perRecord)));
            QVERIFY2(perRecord < 200, qPrintable(QString::number(perRecord)));
        }
    }

    void keepsTheNewerRecordAndTheLargerCounts()
    {
        RecordCache cache;
        QVERIFY(cache.store(1, record(QStringLiteral("a"), 200)));
        // Older: not taken, and store() says so; its larger count is taken all the same.
        QVERIFY(!cache.store(1, record(QStringLiteral("a"), 100, 3)));
        const std::optional<ProgressRecord> kept = cache.peek(1, QStringLiteral("a"));
        QVERIFY(kept);
        QCOMPARE(kept->observedAtMs, 200);
        QCOMPARE(kept->playCount, 3);
        // counts() reads the same counts from the packed entry.
        const std::optional<RecordCache::Counts> counts = cache.counts(1, QStringLiteral("a"));
        QVERIFY(counts);
        QCOMPARE(counts->playCount, kept->playCount);
        QCOMPARE(counts->lastFinishedMs, kept->lastFinishedMs);
        QVERIFY(!cache.counts(2, QStringLiteral("a")));
        QVERIFY(cache.store(1, record(QStringLiteral("a"), 300)));
        QCOMPARE(cache.peek(1, QStringLiteral("a"))->observedAtMs, 300);
        QCOMPARE(cache.peek(1, QStringLiteral("a"))->playCount, 3);
        // Another user's video of the same id is another key.
        QVERIFY(!cache.peek(2, QStringLiteral("a")));
    }

    void countsHitsAndMisses()
    {
        RecordCache cache;
        cache.store(1, record(QStringLiteral("a"), 1));
        QVERIFY(cache.find(1, QStringLiteral("a")));
        QVERIFY(!cache.find(1, QStringLiteral("b")));
        QVERIFY(cache.peek(1, QStringLiteral("a")));
        QCOMPARE(cache.hits(), 1u);
        QCOMPARE(cache.misses(), 1u);
    }

    void aReadThatBeganBeforeARemovalIsNotKept()
    {
        RecordCache cache;
        cache.store(1, record(QStringLiteral("a"), 1));
        const quint64 before = cache.epoch();
        cache.remove(1, QStringLiteral("a"));
        cache.storeRead(1, record(QStringLiteral("a"), 1), before);
        QVERIFY(!cache.peek(1, QStringLiteral("a")));
        cache.storeRead(1, record(QStringLiteral("a"), 1), cache.epoch());
        QVERIFY(cache.peek(1, QStringLiteral("a")));
        // A write sent before a removal: the key is dropped rather than trusted.
        const quint64 written = cache.epoch();
        cache.remove(1, QStringLiteral("other"));
        cache.storeWritten(1, record(QStringLiteral("a"), 5), written);
        QVERIFY(!cache.peek(1, QStringLiteral("a")));
        cache.store(1, record(QStringLiteral("b"), 1));
        const quint64 cleared = cache.epoch();
        cache.clear();
        QCOMPARE(cache.size(), 0);
        QVERIFY(cache.epoch() != cleared);
    }

    void staysNearItsCapacity()
    {
        RecordCache cache(1000);
        for (int i = 0; i < 5000; ++i)
            cache.store(1, record(QStringLiteral("id-%1").arg(i), i + 1));
        QVERIFY2(cache.size() <= 1000 + 16, qPrintable(QString::number(cache.size())));
        QVERIFY(cache.size() >= 800);
        QVERIFY(cache.find(1, QStringLiteral("id-4999")));
    }

    // Four threads store rising versions of the same videos and read them, all at once: each
    // reads what it stored or newer, and afterwards each video holds its newest version. Then
    // (user 2) they drop videos and store reads that began before, all at once: afterwards the
    // table is whole (its count is the keys it finds) and each video still cached holds a version
    // that was stored for it, none that was stored for another.
    void sharedByThreads()
    {
        RecordCache cache(100000);
        constexpr int kThreads = 4;
        constexpr int kVideos = 64;
        constexpr int kRounds = 4000;
        std::atomic<bool> broken{false};
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([&cache, &broken, t] {
                for (int round = 1; round <= kRounds; ++round) {
                    const QString id = QStringLiteral("v%1").arg((round * 7 + t) % kVideos);
                    const qint64 observed = qint64(round) * kThreads + t;
                    cache.store(1, record(id, observed, round));
                    const std::optional<ProgressRecord> seen = cache.find(1, id);
                    // Nobody removes in this half: what this thread just stored, or newer.
                    if (!seen || seen->observedAtMs < observed || seen->playCount < round)
                        broken = true;
                }
                for (int round = 1; round <= kRounds; ++round) {
                    const QString id = QStringLiteral("w%1").arg(round % kVideos);
                    const quint64 epoch = cache.epoch();
                    if (round % 3 == t % 3)
                        cache.remove(2, id);
                    cache.storeRead(2, record(id, round), epoch);
                    cache.peek(2, id);
                }
            }));
        }
        for (const auto &thread : threads)
            thread->start();
        for (const auto &thread : threads)
            QVERIFY(thread->wait(120000));
        QVERIFY(!broken);
        for (int v = 0; v < kVideos; ++v) {
            const std::optional<ProgressRecord> kept = cache.peek(1, QStringLiteral("v%1").arg(v));
            QVERIFY(kept);
            // The newest version of each video: the last round that touched it, any thread.
            qint64 newest = 0;
            for (int t = 0; t < kThreads; ++t)
                for (int round = 1; round <= kRounds; ++round)
                    if ((round * 7 + t) % kVideos == v)
                        newest = qMax(newest, qint64(round) * kThreads + t);
            QCOMPARE(kept->observedAtMs, newest);
        }
        QCOMPARE(cache.hits(), quint64(kThreads) * kRounds);
        qsizetype found = kVideos; // user 1's, all there (above)
        for (int v = 0; v < kVideos; ++v) {
            const QString id = QStringLiteral("w%1").arg(v);
            const std::optional<ProgressRecord> kept = cache.peek(2, id);
            if (!kept)
                continue;
            ++found;
            QCOMPARE(kept->contentId, id);
            QVERIFY2(
                kept->observedAtMs >= 1 && kept->observedAtMs <= kRounds
                    && kept->observedAtMs % kVideos == v,
                qPrintable(QStringLiteral("%1 holds version %2").arg(id).arg(kept->observedAtMs)));
            QCOMPARE(kept->positionMs, kept->observedAtMs % 100000);
        }
        QCOMPARE(cache.size(), found);
        QVERIFY(cache.epoch() > 0); // removals happened
    }
};

QTEST_GUILESS_MAIN(TestRecordCache)
#include "tst_recordcache.moc"
