// Where a show's next episode is (media/episodefiles.h), in a temporary folder of empty files
// named as people name episodes.
#include "media/episodefiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_EpisodeFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nextEpisodeIn_data();
    void nextEpisodeIn();
    void episodeFileIn_data();
    void episodeFileIn();
    void aFolderThatIsNotThere();

private:
    // Makes `entries` under `root`: a relative path each, folders made on the way.
    static bool make(const QString &root, const QStringList &entries);
    // Makes the row's entries in a temporary folder and compares what `find` finds there with the
    // row's expected file.
    static void compareFound(QString (*find)(const QString &folder, const QString &showId,
                                             const QString &episodeId));
};

bool tst_EpisodeFiles::make(const QString &root, const QStringList &entries)
{
    for (const QString &entry : entries) {
        const QString path = QDir(root).filePath(entry);
        if (!QDir().mkpath(QFileInfo(path).path()))
            return false;
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return false;
    }
    return true;
}

void tst_EpisodeFiles::compareFound(QString (*find)(const QString &, const QString &,
                                                    const QString &))
{
    QFETCH(QStringList, entries);
    QFETCH(QString, folder);
    QFETCH(QString, showId);
    QFETCH(QString, episodeId);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(make(dir.path(), entries));
    QCOMPARE(find(dir.filePath(folder), showId, episodeId),
             expected.isEmpty() ? QString() : QDir(dir.path()).filePath(expected));
}

void tst_EpisodeFiles::nextEpisodeIn_data()
{
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QString>("folder"); // relative to the temporary folder
    QTest::addColumn<QString>("showId");
    QTest::addColumn<QString>("episodeId"); // the one the next comes after
    QTest::addColumn<QString>("expected"); // relative; empty: none

    const QStringList expanse{u"The Expanse S01E01.mkv"_s, u"The Expanse S01E02.mkv"_s,
                              u"The Expanse S01E03.mkv"_s, u"The Expanse S01E10.mkv"_s};
    QTest::newRow("the next") << expanse << QString() << u"the-expanse"_s << u"s01e01"_s
                              << u"The Expanse S01E02.mkv"_s;
    QTest::newRow("the nearest, not the first in the listing")
        << expanse << QString() << u"the-expanse"_s << u"s01e02"_s << u"The Expanse S01E03.mkv"_s;
    QTest::newRow("a gap: the nearest after it")
        << expanse << QString() << u"the-expanse"_s << u"s01e04"_s << u"The Expanse S01E10.mkv"_s;
    QTest::newRow("the last: none")
        << expanse << QString() << u"the-expanse"_s << u"s01e10"_s << QString();
    QTest::newRow("an episode not there: the one after it")
        << QStringList{u"The Expanse S01E01.mkv"_s, u"The Expanse S01E03.mkv"_s} << QString()
        << u"the-expanse"_s << u"s01e02"_s << u"The Expanse S01E03.mkv"_s;
    QTest::newRow("another show in the folder is not next")
        << QStringList{u"Dark S01E01.mkv"_s, u"Dark S01E02.mkv"_s, u"The Expanse S01E01.mkv"_s,
                       u"The Expanse S01E02.mkv"_s}
        << QString() << u"dark"_s << u"s01e02"_s << QString();
    QTest::newRow("other show first in natural order")
        << QStringList{u"Andor S01E03.mkv"_s, u"The Expanse S01E01.mkv"_s,
                       u"The Expanse S01E02.mkv"_s}
        << QString() << u"the-expanse"_s << u"s01e01"_s << u"The Expanse S01E02.mkv"_s;
    QTest::newRow("names spelled differently, one show")
        << QStringList{u"The.Expanse.S01E01.720p.mkv"_s, u"the expanse - 1x02.mp4"_s,
                       u"The Expanse S01E03 - Remember the Cant.webm"_s}
        << QString() << u"the-expanse"_s << u"s01e02"_s
        << u"The Expanse S01E03 - Remember the Cant.webm"_s;
    QTest::newRow("not videos are skipped")
        << QStringList{u"The Expanse S01E01.mkv"_s, u"The Expanse S01E02.srt"_s,
                       u"The Expanse S01E02.nfo"_s, u"The Expanse S01E03.mkv"_s}
        << QString() << u"the-expanse"_s << u"s01e01"_s << u"The Expanse S01E03.mkv"_s;
    QTest::newRow("natural order misleads: 10 and 2 spelled apart")
        << QStringList{u"Show S01E01.mkv"_s, u"Show S01E10.mkv"_s, u"Show.S01E02.mkv"_s}
        << QString() << u"show"_s << u"s01e01"_s << u"Show.S01E02.mkv"_s;

    const QStringList seasons{u"Fargo/Season 1/Fargo - S01E09.mkv"_s,
                              u"Fargo/Season 1/Fargo - S01E10.mkv"_s,
                              u"Fargo/Season 2/Episode 1.mkv"_s, u"Fargo/Season 2/Episode 2.mkv"_s,
                              u"Fargo/Specials/Fargo - S00E01.mkv"_s};
    QTest::newRow("season folders below the show's")
        << seasons << u"Fargo"_s << u"fargo"_s << u"s01e09"_s
        << u"Fargo/Season 1/Fargo - S01E10.mkv"_s;
    QTest::newRow("from a season's last to the next season's folder")
        << seasons << u"Fargo/Season 1"_s << u"fargo"_s << u"s01e10"_s
        << u"Fargo/Season 2/Episode 1.mkv"_s;
    QTest::newRow("in the next season's folder")
        << seasons << u"Fargo/Season 2"_s << u"fargo"_s << u"s02e01"_s
        << u"Fargo/Season 2/Episode 2.mkv"_s;
    QTest::newRow("from a special to season 1")
        << seasons << u"Fargo/Specials"_s << u"fargo"_s << u"s00e01"_s
        << u"Fargo/Season 1/Fargo - S01E09.mkv"_s;
    QTest::newRow("the show's last: none")
        << seasons << u"Fargo"_s << u"fargo"_s << u"s02e02"_s << QString();
    QTest::newRow("folders two levels down are not looked at")
        << QStringList{u"Fargo/Season 1/Extras/Fargo - S01E02.mkv"_s,
                       u"Fargo/Season 1/Fargo - S01E01.mkv"_s}
        << u"Fargo"_s << u"fargo"_s << u"s01e01"_s << QString();
    QTest::newRow("other folders below are not looked at")
        << QStringList{u"TV/Fargo/Fargo - S01E02.mkv"_s, u"TV/Fargo - S01E01.mkv"_s} << u"TV"_s
        << u"fargo"_s << u"s01e01"_s << QString();

    QTest::newRow("a double holds the one after: the one after the double")
        << QStringList{u"Lost S01E01E02.mkv"_s, u"Lost S01E02.mkv"_s, u"Lost S01E03.mkv"_s}
        << QString() << u"lost"_s << u"s01e01-e02"_s << u"Lost S01E03.mkv"_s;
    QTest::newRow("after its first episode, not the double holding it")
        << QStringList{u"Lost S01E01E02.mkv"_s, u"Lost S01E03.mkv"_s} << QString() << u"lost"_s
        << u"s01e01"_s << u"Lost S01E03.mkv"_s;
    QTest::newRow("to a double") << QStringList{u"Lost S01E01E02.mkv"_s, u"Lost S01E03.mkv"_s}
                                 << QString() << u"lost"_s << u"s00e05"_s
                                 << u"Lost S01E01E02.mkv"_s;

    const QStringList anime{u"[Group] Bleach - 99 [1080p].mkv"_s,
                            u"[Group] Bleach - 100 [1080p].mkv"_s,
                            u"[Group] Bleach - 145 [1080p].mkv"_s};
    QTest::newRow("absolute numbers")
        << anime << QString() << u"bleach"_s << u"e99"_s << u"[Group] Bleach - 100 [1080p].mkv"_s;
    QTest::newRow("absolute numbers, 145 after 100")
        << anime << QString() << u"bleach"_s << u"e100"_s << u"[Group] Bleach - 145 [1080p].mkv"_s;
    QTest::newRow("another kind is not next")
        << anime << QString() << u"bleach"_s << u"s01e01"_s << QString();
    QTest::newRow("dated") << QStringList{u"Show 2024-03-04.mkv"_s, u"Show 2024-02-28.mkv"_s,
                                          u"Show 2024-03-01.mkv"_s}
                           << QString() << u"show"_s << u"2024-02-28"_s << u"Show 2024-03-01.mkv"_s;
    QTest::newRow("not an episode id: none")
        << expanse << QString() << u"the-expanse"_s << u"pilot"_s << QString();
    QTest::newRow("no show id: none")
        << expanse << QString() << QString() << u"s01e01"_s << QString();
}

void tst_EpisodeFiles::nextEpisodeIn()
{
    compareFound(&::nextEpisodeIn);
}

void tst_EpisodeFiles::episodeFileIn_data()
{
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("showId");
    QTest::addColumn<QString>("episodeId");
    QTest::addColumn<QString>("expected"); // relative; empty: none

    const QStringList show{u"Lost/Season 1/Lost S01E01E02.mkv"_s,
                           u"Lost/Season 1/Lost S01E03.mkv"_s, u"Lost/Season 2/Lost 2x01.mkv"_s,
                           u"Lost/Season 2/Lost S02E02.mkv"_s, u"Dark/Dark S01E03.mkv"_s};
    QTest::newRow("its file") << show << u"Lost"_s << u"lost"_s << u"s01e03"_s
                              << u"Lost/Season 1/Lost S01E03.mkv"_s;
    QTest::newRow("spelled otherwise")
        << show << u"Lost/Season 1"_s << u"lost"_s << u"S2E1"_s << u"Lost/Season 2/Lost 2x01.mkv"_s;
    QTest::newRow("inside a double")
        << show << u"Lost"_s << u"lost"_s << u"s01e02"_s << u"Lost/Season 1/Lost S01E01E02.mkv"_s;
    QTest::newRow("its own file before the double")
        << QStringList{u"Lost S01E01E02.mkv"_s, u"Lost S01E02.mkv"_s} << QString() << u"lost"_s
        << u"s01e02"_s << u"Lost S01E02.mkv"_s;
    QTest::newRow("not there") << show << u"Lost"_s << u"lost"_s << u"s01e04"_s << QString();
    QTest::newRow("another show's") << show << u"Lost"_s << u"dark"_s << u"s01e03"_s << QString();
}

void tst_EpisodeFiles::episodeFileIn()
{
    compareFound(&::episodeFileIn);
}

void tst_EpisodeFiles::aFolderThatIsNotThere()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString gone = dir.filePath(u"Fargo/Season 1"_s);
    QCOMPARE(::nextEpisodeIn(gone, u"fargo"_s, u"s01e01"_s), QString());
    QCOMPARE(::episodeFileIn(gone, u"fargo"_s, u"s01e01"_s), QString());
}

QTEST_GUILESS_MAIN(tst_EpisodeFiles)
#include "tst_episodefiles.moc"
