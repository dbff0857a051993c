// Episode ids (sync/protocol/episodeid.h): the normalised text reports carry, the label for
// people, and the watching order the server's Next Up rule uses.
#include "protocol/episodeid.h"

#include <QTest>

#include <algorithm>
#include <random>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(EpisodeId::Kind)

class tst_EpisodeId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void notEpisodeIds_data();
    void notEpisodeIds();
    void makers();
    void compare_data();
    void compare();
    void sortsIntoWatchingOrder();
    void overlaps_data();
    void overlaps();
};

void tst_EpisodeId::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<EpisodeId::Kind>("kind");
    QTest::addColumn<int>("season");
    QTest::addColumn<int>("episode");
    QTest::addColumn<int>("last");
    QTest::addColumn<QDate>("date");
    QTest::addColumn<QString>("normalised");
    QTest::addColumn<QString>("label");

    using K = EpisodeId::Kind;
    const QDate none;
    QTest::newRow("s01e02") << u"s01e02"_s << K::Seasonal << 1 << 2 << -1 << none << u"s01e02"_s
                            << u"S01E02"_s;
    QTest::newRow("upper case, unpadded")
        << u"S1E2"_s << K::Seasonal << 1 << 2 << -1 << none << u"s01e02"_s << u"S01E02"_s;
    QTest::newRow("over-padded") << u"s001e0010"_s << K::Seasonal << 1 << 10 << -1 << none
                                 << u"s01e10"_s << u"S01E10"_s;
    QTest::newRow("three-digit episode")
        << u"s03e117"_s << K::Seasonal << 3 << 117 << -1 << none << u"s03e117"_s << u"S03E117"_s;
    QTest::newRow("a year as season") << u"s2019e05"_s << K::Seasonal << 2019 << 5 << -1 << none
                                      << u"s2019e05"_s << u"S2019E05"_s;
    QTest::newRow("episode 0 (a pilot)")
        << u"s01e00"_s << K::Seasonal << 1 << 0 << -1 << none << u"s01e00"_s << u"S01E00"_s;
    QTest::newRow("double") << u"s01e01-e02"_s << K::Seasonal << 1 << 1 << 2 << none
                            << u"s01e01-e02"_s << u"S01E01\u2013E02"_s;
    QTest::newRow("triple, unpadded") << u"S2E3-E5"_s << K::Seasonal << 2 << 3 << 5 << none
                                      << u"s02e03-e05"_s << u"S02E03\u2013E05"_s;
    QTest::newRow("special") << u"s00e01"_s << K::Seasonal << 0 << 1 << -1 << none << u"s00e01"_s
                             << u"Special 1"_s;
    QTest::newRow("double special") << u"s00e03-e04"_s << K::Seasonal << 0 << 3 << 4 << none
                                    << u"s00e03-e04"_s << u"Specials 3\u20134"_s;
    QTest::newRow("absolute") << u"e145"_s << K::Absolute << -1 << 145 << -1 << none << u"e145"_s
                              << u"Episode 145"_s;
    QTest::newRow("absolute, one digit")
        << u"E5"_s << K::Absolute << -1 << 5 << -1 << none << u"e05"_s << u"Episode 5"_s;
    QTest::newRow("absolute double") << u"e01-e02"_s << K::Absolute << -1 << 1 << 2 << none
                                     << u"e01-e02"_s << u"Episodes 1\u20132"_s;
    QTest::newRow("dated") << u"2024-03-01"_s << K::Dated << -1 << -1 << -1 << QDate(2024, 3, 1)
                           << u"2024-03-01"_s << u"2024-03-01"_s;
    QTest::newRow("leap day") << u"2024-02-29"_s << K::Dated << -1 << -1 << -1 << QDate(2024, 2, 29)
                              << u"2024-02-29"_s << u"2024-02-29"_s;
}

void tst_EpisodeId::parse()
{
    QFETCH(QString, text);
    QFETCH(EpisodeId::Kind, kind);
    QFETCH(int, season);
    QFETCH(int, episode);
    QFETCH(int, last);
    QFETCH(QDate, date);
    QFETCH(QString, normalised);
    QFETCH(QString, label);

    const EpisodeId id = EpisodeId::parse(text);
    QVERIFY(id.isValid());
    QCOMPARE(id.kind(), kind);
    QCOMPARE(id.season(), season);
    QCOMPARE(id.episode(), episode);
    QCOMPARE(id.lastEpisode(), last);
    QCOMPARE(id.date(), date);
    QCOMPARE(id.toString(), normalised);
    QCOMPARE(id.label(), label);
    // The normalised text reads back as the same id.
    QCOMPARE(EpisodeId::parse(normalised), id);
    QCOMPARE(EpisodeId::parse(normalised).toString(), normalised);
}

void tst_EpisodeId::notEpisodeIds_data()
{
    QTest::addColumn<QString>("text");
    for (const QString &text : {u""_s,
                                u"s01"_s,
                                u"e"_s,
                                u"s01e"_s,
                                u"se01"_s,
                                u"x01e02"_s,
                                u"s01e02-e01"_s,
                                u"s01e02-e02"_s,
                                u"s01e02e03"_s,
                                u"s01e02-"_s,
                                u"s01e01-s01e02"_s,
                                u"e02-e01"_s,
                                u" s01e02"_s,
                                u"s01e02 "_s,
                                u"s-1e02"_s,
                                u"s01e-2"_s,
                                u"s01e999999"_s,
                                u"s99999e01"_s,
                                u"e123456"_s,
                                u"1x02"_s,
                                u"102"_s,
                                u"2024-02-30"_s,
                                u"2023-02-29"_s,
                                u"2024-13-01"_s,
                                u"2024-3-1"_s,
                                u"24-03-01"_s,
                                u"0999-01-01"_s,
                                u"2024/03/01"_s,
                                u"2024-03-01T00:00"_s,
                                u"the-expanse"_s,
                                u"S\u00f6\u00df"_s,
                                u"\U0001F3AC"_s,
                                u"s\uff10\uff11e\uff10\uff12"_s}) {
        QTest::newRow(qPrintable(text.isEmpty() ? u"(empty)"_s : text)) << text;
    }
}

void tst_EpisodeId::notEpisodeIds()
{
    QFETCH(QString, text);
    const EpisodeId id = EpisodeId::parse(text);
    QVERIFY(!id.isValid());
    QCOMPARE(id.kind(), EpisodeId::Kind::Invalid);
    QCOMPARE(id.toString(), QString());
    QCOMPARE(id.label(), QString());
    QCOMPARE(id.season(), -1);
    QCOMPARE(id.episode(), -1);
}

void tst_EpisodeId::makers()
{
    QCOMPARE(EpisodeId::seasonal(1, 2).toString(), u"s01e02"_s);
    QCOMPARE(EpisodeId::seasonal(1, 2, 4).toString(), u"s01e02-e04"_s);
    QCOMPARE(EpisodeId::absolute(7).toString(), u"e07"_s);
    QCOMPARE(EpisodeId::absolute(7, 8).toString(), u"e07-e08"_s);
    QCOMPARE(EpisodeId::dated(QDate(1999, 12, 31)).toString(), u"1999-12-31"_s);
    QCOMPARE(EpisodeId::seasonal(EpisodeId::kMaxSeason, EpisodeId::kMaxEpisode).toString(),
             u"s9999e99999"_s);

    QVERIFY(!EpisodeId::seasonal(-1, 2).isValid());
    QVERIFY(!EpisodeId::seasonal(1, -2).isValid());
    QVERIFY(!EpisodeId::seasonal(1, 2, 2).isValid());
    QVERIFY(!EpisodeId::seasonal(1, 2, 1).isValid());
    QVERIFY(!EpisodeId::seasonal(EpisodeId::kMaxSeason + 1, 1).isValid());
    QVERIFY(!EpisodeId::seasonal(1, 1, EpisodeId::kMaxEpisode + 1).isValid());
    QVERIFY(!EpisodeId::absolute(-1).isValid());
    QVERIFY(!EpisodeId::absolute(EpisodeId::kMaxEpisode + 1).isValid());
    QVERIFY(!EpisodeId::dated(QDate()).isValid());
    QVERIFY(!EpisodeId::dated(QDate(999, 1, 1)).isValid());
    QVERIFY(!EpisodeId().isValid());
}

void tst_EpisodeId::compare_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<int>("expected"); // the sign of compare(a, b)

    QTest::newRow("next episode") << u"s01e02"_s << u"s01e03"_s << -1;
    QTest::newRow("10 after 9, not as text") << u"s01e10"_s << u"s01e09"_s << 1;
    QTest::newRow("season first") << u"s01e99"_s << u"s02e01"_s << -1;
    QTest::newRow("season 10 after 9") << u"s10e01"_s << u"s09e20"_s << 1;
    QTest::newRow("specials before season 1") << u"s00e05"_s << u"s01e01"_s << -1;
    QTest::newRow("one episode before the double it starts")
        << u"s01e01"_s << u"s01e01-e02"_s << -1;
    QTest::newRow("the double before its second episode") << u"s01e01-e02"_s << u"s01e02"_s << -1;
    QTest::newRow("the double before the next") << u"s01e01-e02"_s << u"s01e03"_s << -1;
    QTest::newRow("shorter double first") << u"s01e01-e02"_s << u"s01e01-e03"_s << -1;
    QTest::newRow("same, spelled differently") << u"s01e02"_s << u"S1E2"_s << 0;
    QTest::newRow("absolute by number") << u"e9"_s << u"e10"_s << -1;
    QTest::newRow("absolute 145 after 99") << u"e145"_s << u"e99"_s << 1;
    QTest::newRow("absolute same") << u"e145"_s << u"E0145"_s << 0;
    QTest::newRow("dates") << u"2024-03-01"_s << u"2024-03-02"_s << -1;
    QTest::newRow("dates across a year") << u"2024-01-01"_s << u"2023-12-31"_s << 1;
    QTest::newRow("same date") << u"2024-03-01"_s << u"2024-03-01"_s << 0;
    QTest::newRow("kinds: seasonal before absolute") << u"s99e99"_s << u"e01"_s << -1;
    QTest::newRow("kinds: absolute before dated") << u"e99999"_s << u"1900-01-01"_s << -1;
    QTest::newRow("kinds: seasonal before dated") << u"2024-03-01"_s << u"s01e01"_s << 1;
    QTest::newRow("not an id before any") << u"rubbish"_s << u"s00e00"_s << -1;
    QTest::newRow("two non-ids alike") << u"rubbish"_s << u""_s << 0;
}

void tst_EpisodeId::compare()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(int, expected);
    const EpisodeId left = EpisodeId::parse(a);
    const EpisodeId right = EpisodeId::parse(b);
    const auto sign = [](int value) {
        return (value > 0) - (value < 0);
    };
    QCOMPARE(sign(EpisodeId::compare(left, right)), expected);
    QCOMPARE(sign(EpisodeId::compare(right, left)), -expected);
    QCOMPARE(left.isAfter(right), expected > 0);
    QCOMPARE(right.isAfter(left), expected < 0);
    QCOMPARE(left == right, expected == 0);
    QCOMPARE(left != right, expected != 0);
    QCOMPARE(left < right, expected < 0);
}

// The order the server ranks a show's episodes by: whatever order they arrive in, sorted they
// read as a person watches them.
void tst_EpisodeId::sortsIntoWatchingOrder()
{
    const QStringList watchingOrder{
        u"s00e01"_s,     u"s00e02"_s,     u"s01e01"_s,    u"s01e01-e02"_s, u"s01e02"_s,
        u"s01e03"_s,     u"s01e10"_s,     u"s02e01"_s,    u"s10e01"_s,     u"e01"_s,
        u"e02"_s,        u"e10"_s,        u"e145"_s,      u"e1000"_s,      u"2023-12-31"_s,
        u"2024-01-01"_s, u"2024-03-01"_s, u"2024-10-01"_s};
    QList<EpisodeId> ids;
    for (const QString &text : watchingOrder)
        ids << EpisodeId::parse(text);
    std::mt19937 random(14); // fixed: a failure repeats
    for (int round = 0; round < 20; ++round) {
        std::shuffle(ids.begin(), ids.end(), random);
        std::sort(ids.begin(), ids.end());
        QStringList sorted;
        for (const EpisodeId &id : std::as_const(ids))
            sorted << id.toString();
        QCOMPARE(sorted, watchingOrder);
    }
}

void tst_EpisodeId::overlaps_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("expected");
    QTest::newRow("itself") << u"s01e02"_s << u"s01e02"_s << true;
    QTest::newRow("next") << u"s01e02"_s << u"s01e03"_s << false;
    QTest::newRow("double holds its second") << u"s01e01-e02"_s << u"s01e02"_s << true;
    QTest::newRow("double holds its first") << u"s01e01-e02"_s << u"s01e01"_s << true;
    QTest::newRow("double and the next") << u"s01e01-e02"_s << u"s01e03"_s << false;
    QTest::newRow("doubles sharing one") << u"s01e01-e03"_s << u"s01e03-e04"_s << true;
    QTest::newRow("other season") << u"s01e02"_s << u"s02e02"_s << false;
    QTest::newRow("absolute double") << u"e01-e02"_s << u"e02"_s << true;
    QTest::newRow("same number, other kind") << u"e02"_s << u"s01e02"_s << false;
    QTest::newRow("same date") << u"2024-03-01"_s << u"2024-03-01"_s << true;
    QTest::newRow("other date") << u"2024-03-01"_s << u"2024-03-02"_s << false;
    QTest::newRow("not ids") << u"x"_s << u"x"_s << false;
}

void tst_EpisodeId::overlaps()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, expected);
    QCOMPARE(EpisodeId::parse(a).overlaps(EpisodeId::parse(b)), expected);
    QCOMPARE(EpisodeId::parse(b).overlaps(EpisodeId::parse(a)), expected);
}

QTEST_GUILESS_MAIN(tst_EpisodeId)
#include "tst_episodeid.moc"
