// docs/protocol.md, "Which update wins": the pair (observed_at_ms, device_id by bytes) decides, an
// equal pair is a replay, and so any set of updates delivered in any order, any number of times,
// ends in the same record.

#include "protocol/progressorder.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

namespace {

ProgressRecord update(qint64 observedAtMs, const QString &deviceId, qint64 positionMs = 0)
{
    ProgressRecord record;
    record.contentId = QStringLiteral("movie");
    record.observedAtMs = observedAtMs;
    record.deviceId = deviceId;
    record.positionMs = positionMs;
    return record;
}

// The rule written out again, independently of ProgressOrder.
bool lessByRule(const ProgressRecord &a, const ProgressRecord &b)
{
    const QByteArray left = a.deviceId.toUtf8();
    const QByteArray right = b.deviceId.toUtf8();
    return std::tie(a.observedAtMs, left) < std::tie(b.observedAtMs, right);
}

// What a server does with each update it receives.
void fold(std::optional<ProgressRecord> &stored, const ProgressRecord &incoming)
{
    if (!stored || ProgressOrder::supersedes(incoming, *stored))
        stored = incoming;
}

QString describe(const ProgressRecord &r)
{
    return QStringLiteral("(%1, %2, pos %3)").arg(r.observedAtMs).arg(r.deviceId).arg(r.positionMs);
}

} // namespace

class tst_ProgressOrder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void compare_data();
    void compare();
    void anyOrderEndsInTheMaximum();
};

void tst_ProgressOrder::compare_data()
{
    QTest::addColumn<qint64>("timeA");
    QTest::addColumn<QString>("deviceA");
    QTest::addColumn<qint64>("timeB");
    QTest::addColumn<QString>("deviceB");
    QTest::addColumn<int>("expected"); // sign of compare(a, b)

    const auto s = [](const char *text) {
        return QString::fromUtf8(text);
    };

    QTest::newRow("later time wins") << qint64(2000) << s("a") << qint64(1000) << s("a") << 1;
    QTest::newRow("earlier time loses") << qint64(1000) << s("a") << qint64(2000) << s("a") << -1;
    QTest::newRow("later time wins over higher device_id")
        << qint64(1001) << s("a") << qint64(1000) << s("zzz") << 1;
    QTest::newRow("one millisecond decides")
        << qint64(1700000000001) << s("A") << qint64(1700000000000) << s("z") << 1;
    QTest::newRow("time 0 loses to 1") << qint64(0) << s("z") << qint64(1) << s("a") << -1;
    QTest::newRow("equal time, higher device_id wins")
        << qint64(1000) << s("b") << qint64(1000) << s("a") << 1;
    QTest::newRow("equal time, lower device_id loses")
        << qint64(1000) << s("a") << qint64(1000) << s("b") << -1;
    // By bytes, not case-insensitively nor by locale: 'B' (0x42) < 'a' (0x61).
    QTest::newRow("uppercase sorts before lowercase")
        << qint64(1000) << s("B") << qint64(1000) << s("a") << -1;
    QTest::newRow("prefix sorts first")
        << qint64(1000) << s("tv") << qint64(1000) << s("tv-2") << -1;
    // Not numerically: '1' (0x31) < '9' (0x39).
    QTest::newRow("digits by bytes") << qint64(1000) << s("10") << qint64(1000) << s("9") << -1;
    QTest::newRow("punctuation by bytes: '-' < '.' < '0' < 'Z' < '_' < 'a'")
        << qint64(1000) << s("_") << qint64(1000) << s("Z") << 1;
    QTest::newRow("'-' < '.'") << qint64(1000) << s("-") << qint64(1000) << s(".") << -1;
    // Outside device_id's alphabet, but shows the order is of UTF-8 bytes, not UTF-16 units:
    // U+FFFD is EF BF BD in UTF-8 and 0xFFFD in UTF-16; U+1F3AC is F0 9F 8E AC and 0xD83C ...
    QTest::newRow("UTF-8 bytes, not UTF-16 units")
        << qint64(1000) << QString::fromUcs4(U"\U0001F3AC") << qint64(1000)
        << QString(QChar(0xFFFD)) << 1;
    QTest::newRow("equal pair is a replay")
        << qint64(1000) << s("tv") << qint64(1000) << s("tv") << 0;
    QTest::newRow("equal pair at epoch 0 is a replay")
        << qint64(0) << s("a") << qint64(0) << s("a") << 0;
}

void tst_ProgressOrder::compare()
{
    QFETCH(qint64, timeA);
    QFETCH(QString, deviceA);
    QFETCH(qint64, timeB);
    QFETCH(QString, deviceB);
    QFETCH(int, expected);

    // The other fields play no part: an equal pair with another position is still a replay.
    const ProgressRecord a = update(timeA, deviceA, 111);
    const ProgressRecord b = update(timeB, deviceB, 222);

    const auto sign = [](int v) {
        return (v > 0) - (v < 0);
    };
    QCOMPARE(sign(ProgressOrder::compare(a, b)), expected);
    QCOMPARE(sign(ProgressOrder::compare(b, a)), -expected);
    QCOMPARE(ProgressOrder::supersedes(a, b), expected > 0);
    QCOMPARE(ProgressOrder::supersedes(b, a), expected < 0);
    QVERIFY(!ProgressOrder::supersedes(a, a));
    QVERIFY(!ProgressOrder::supersedes(b, b));
    // The independent statement of the rule agrees.
    QCOMPARE(lessByRule(b, a), expected > 0);
    QCOMPARE(lessByRule(a, b), expected < 0);
}

void tst_ProgressOrder::anyOrderEndsInTheMaximum()
{
    quint32 seed = QRandomGenerator::global()->generate();
    const QByteArray fromEnv = qgetenv("PLAYMARK_TEST_SEED");
    if (!fromEnv.isEmpty())
        seed = fromEnv.toUInt();
    qInfo("seed %u (set PLAYMARK_TEST_SEED=%u to repeat)", seed, seed);
    QRandomGenerator random(seed);

    // Ids chosen so that byte order differs from case-insensitive, numeric and length order.
    const QStringList devicePool{
        QStringLiteral("tv"),    QStringLiteral("TV"),          QStringLiteral("tv-2"),
        QStringLiteral("phone"), QStringLiteral("Phone"),       QStringLiteral("a"),
        QStringLiteral("aa"),    QStringLiteral("10"),          QStringLiteral("9"),
        QStringLiteral("_x"),    QStringLiteral("laptop.home"),
    };

    constexpr int kSets = 500;
    constexpr int kOrdersPerSet = 6;
    for (int set = 0; set < kSets; ++set) {
        // Several devices, timestamps from a narrow window so they collide often.
        QStringList devices = devicePool;
        std::shuffle(devices.begin(), devices.end(), random);
        devices = devices.mid(0, random.bounded(2, 6));
        const qint64 base = 1700000000000 + random.bounded(1000);
        const int window = random.bounded(1, 8);

        // Distinct observations: each (observed_at_ms, device_id) pair at most once, since a
        // device makes one observation per millisecond.
        std::vector<ProgressRecord> updates;
        QSet<QString> pairs;
        const int count = random.bounded(1, 40);
        for (int i = 0; i < count; ++i) {
            const ProgressRecord u =
                update(base + random.bounded(window),
                       devices.at(random.bounded(int(devices.size()))), random.bounded(1, 7200000));
            const QString pair = QString::number(u.observedAtMs) + u'/' + u.deviceId;
            if (pairs.contains(pair))
                continue;
            pairs.insert(pair);
            updates.push_back(u);
        }

        const ProgressRecord expected =
            *std::max_element(updates.begin(), updates.end(), lessByRule);

        for (int order = 0; order < kOrdersPerSet; ++order) {
            // Every update at least once, some several times (replays), in a random order.
            std::vector<ProgressRecord> delivery = updates;
            const int duplicates = random.bounded(int(updates.size()) * 2 + 1);
            for (int d = 0; d < duplicates; ++d)
                delivery.push_back(updates.at(random.bounded(int(updates.size()))));
            std::shuffle(delivery.begin(), delivery.end(), random);

            std::optional<ProgressRecord> stored;
            for (const ProgressRecord &u : delivery)
                fold(stored, u);

            QVERIFY(stored);
            QVERIFY2(*stored == expected,
                     qPrintable(QStringLiteral("seed %1, set %2, order %3: ended in %4, the "
                                               "maximum is %5")
                                    .arg(seed)
                                    .arg(set)
                                    .arg(order)
                                    .arg(describe(*stored), describe(expected))));
        }
    }
}

QTEST_GUILESS_MAIN(tst_ProgressOrder)
#include "tst_progressorder.moc"
