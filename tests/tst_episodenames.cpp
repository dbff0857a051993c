// Show and episode from a video's path (media/episodename.h), on names as people's libraries hold
// them: scene releases, Plex/Jellyfin/Kodi folders, anime fansub releases, dated shows, and films
// that are not episodes.
#include "media/episodename.h"

#include <QTest>

using namespace Qt::StringLiterals;

class tst_EpisodeNames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void episodes_data();
    void episodes();
    void notEpisodes_data();
    void notEpisodes();
    void dashNumberRule_data();
    void dashNumberRule();
    void showIds_data();
    void showIds();
    void seasonFolders_data();
    void seasonFolders();
};

void tst_EpisodeNames::episodes_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("showTitle");
    QTest::addColumn<QString>("showId");
    QTest::addColumn<int>("season");
    QTest::addColumn<int>("episode");
    QTest::addColumn<int>("absolute");
    QTest::addColumn<QString>("episodeId");

    const auto row = [](const char *path, const QString &title, const QString &id, int season,
                        int episode, int absolute, const QString &episodeId) {
        QTest::newRow(path) << QString::fromUtf8(path) << title << id << season << episode
                            << absolute << episodeId;
    };

    // Scene releases: dots, the show before SxxEyy, noise after it.
    row("/tv/The.Expanse.S01E03.1080p.WEB-DL.DD5.1.H264-RARBG.mkv", u"The Expanse"_s,
        u"the-expanse"_s, 1, 3, -1, u"s01e03"_s);
    row("/tv/Breaking.Bad.S05E14.720p.HDTV.x264-IMMERSE.mkv", u"Breaking Bad"_s, u"breaking-bad"_s,
        5, 14, -1, u"s05e14"_s);
    row("/downloads/game.of.thrones.s08e03.1080p.web.h264-memento.mkv", u"game of thrones"_s,
        u"game-of-thrones"_s, 8, 3, -1, u"s08e03"_s);
    row("/tv/Marvels.Agents.of.S.H.I.E.L.D.S01E01.720p.HDTV.X264-DIMENSION.mkv",
        u"Marvels Agents of SHIELD"_s, u"marvels-agents-of-shield"_s, 1, 1, -1, u"s01e01"_s);
    row("/tv/Doctor.Who.2005.S13E01.1080p.HDTV.H264-ORGANiC.mkv", u"Doctor Who 2005"_s,
        u"doctor-who-2005"_s, 13, 1, -1, u"s13e01"_s);
    row("/tv/The.Office.US.S02E01.The.Dundies.720p.WEB-DL.mkv", u"The Office US"_s,
        u"the-office-us"_s, 2, 1, -1, u"s02e01"_s);
    row("/tv/Mr.Robot.S02E01.eps2.0_unm4sk-pt1.tc.1080p.AMZN.WEB-DL.mkv", u"Mr Robot"_s,
        u"mr-robot"_s, 2, 1, -1, u"s02e01"_s);
    row("/tv/Brooklyn.Nine-Nine.S07E05.720p.HDTV.x264-AVS.mkv", u"Brooklyn Nine-Nine"_s,
        u"brooklyn-nine-nine"_s, 7, 5, -1, u"s07e05"_s);
    row("/tv/9-1-1.S05E03.1080p.WEB.H264-GGEZ.mkv", u"9-1-1"_s, u"9-1-1"_s, 5, 3, -1, u"s05e03"_s);
    row("/downloads/the.mandalorian.s02e08.1080p.web.h264-ggwp[eztv.re].mkv", u"the mandalorian"_s,
        u"the-mandalorian"_s, 2, 8, -1, u"s02e08"_s);
    row("/tv/Lost.S01E01E02.Pilot.720p.BluRay.x264-SiNNERS.mkv", u"Lost"_s, u"lost"_s, 1, 1, -1,
        u"s01e01-e02"_s);
    row("/tv/Sherlock.S00E01.Unaired.Pilot.720p.BluRay.x264.mkv", u"Sherlock"_s, u"sherlock"_s, 0,
        1, -1, u"s00e01"_s);
    row("/tv/Chernobyl.S01.2160p.UHD.BluRay.x265-GROUP/Chernobyl.S01E04.2160p.mkv", u"Chernobyl"_s,
        u"chernobyl"_s, 1, 4, -1, u"s01e04"_s);
    row("/tv/The.Wire.S01.1080p.BluRay.x264-ROVERS/E03.mkv", u"The Wire"_s, u"the-wire"_s, 1, 3, -1,
        u"s01e03"_s);
    row("/tv/Money Heist/Season 1/Money.Heist.S01E01.SPANISH.1080p.NF.WEBRip.x265.mkv",
        u"Money Heist"_s, u"money-heist"_s, 1, 1, -1, u"s01e01"_s);
    row("/tv/Archer/archer s1e2.mp4", u"archer"_s, u"archer"_s, 1, 2, -1, u"s01e02"_s);
    row("/tv/Fleabag/Fleabag S02 E04.mkv", u"Fleabag"_s, u"fleabag"_s, 2, 4, -1, u"s02e04"_s);
    row("/tv/Ted Lasso/ted_lasso_s03e12_so_long_farewell.mp4", u"ted lasso"_s, u"ted-lasso"_s, 3,
        12, -1, u"s03e12"_s);

    // Plex, Jellyfin and Kodi libraries: Show/Season N/..., the show from the folders.
    row("/media/TV/The Expanse/Season 1/The Expanse - S01E02 - The Big Empty.mkv", u"The Expanse"_s,
        u"the-expanse"_s, 1, 2, -1, u"s01e02"_s);
    row("/media/TV/Doctor Who (2005)/Season 1/Doctor Who (2005) - s01e01 - Rose.mkv",
        u"Doctor Who (2005)"_s, u"doctor-who-2005"_s, 1, 1, -1, u"s01e01"_s);
    row("/media/TV/Grey's Anatomy/Season 19/Grey's Anatomy - S19E01 - Everything Has Changed.mkv",
        u"Grey's Anatomy"_s, u"greys-anatomy"_s, 19, 1, -1, u"s19e01"_s);
    row("/media/TV/Law & Order/Season 01/Law & Order - S01E01 - Prescription for Death.mkv",
        u"Law & Order"_s, u"law-and-order"_s, 1, 1, -1, u"s01e01"_s);
    row("/media/TV/Pokémon/Season 01/Pokémon - S01E01 - Pokémon - I Choose You!.mkv", u"Pokémon"_s,
        u"pokemon"_s, 1, 1, -1, u"s01e01"_s);
    row("/media/TV/Marvel's Agents of S.H.I.E.L.D. (2013)/Season 1/S01E02.mkv",
        u"Marvel's Agents of SHIELD (2013)"_s, u"marvels-agents-of-shield-2013"_s, 1, 2, -1,
        u"s01e02"_s);
    row("/media/TV/The Office (US)/Season 02/S02E01.mkv", u"The Office (US)"_s, u"the-office-us"_s,
        2, 1, -1, u"s02e01"_s);
    row("/media/TV/Fargo/Season 2/Episode 3.mkv", u"Fargo"_s, u"fargo"_s, 2, 3, -1, u"s02e03"_s);
    row("/media/TV/Fargo/Season 2/03 - The Myth of Sisyphus.mkv", u"Fargo"_s, u"fargo"_s, 2, 3, -1,
        u"s02e03"_s);
    row("/media/TV/Fargo/Season 2/3.mkv", u"Fargo"_s, u"fargo"_s, 2, 3, -1, u"s02e03"_s);
    row("/media/TV/Fargo/S02/03.mkv", u"Fargo"_s, u"fargo"_s, 2, 3, -1, u"s02e03"_s);
    row("/media/TV/The Expanse (2015) [tvdbid-280619]/Season 1/S01E01.mkv", u"The Expanse (2015)"_s,
        u"the-expanse-2015"_s, 1, 1, -1, u"s01e01"_s);
    row("/tv/S.W.A.T.2017.S01E01.720p.HDTV.x264-KILLERS.mkv", u"SWAT 2017"_s, u"swat-2017"_s, 1, 1,
        -1, u"s01e01"_s);
    row("/media/TV/Fargo/S03/Episode 01-02.mkv", u"Fargo"_s, u"fargo"_s, 3, 1, -1, u"s03e01-e02"_s);
    row("/media/TV/Doctor Who (2005)/Specials/Doctor Who (2005) - S00E01 - The Christmas "
        "Invasion.mkv",
        u"Doctor Who (2005)"_s, u"doctor-who-2005"_s, 0, 1, -1, u"s00e01"_s);
    row("/media/TV/Doctor Who (2005)/Specials/Episode 2.mkv", u"Doctor Who (2005)"_s,
        u"doctor-who-2005"_s, 0, 2, -1, u"s00e02"_s);
    row("/media/TV/Star Trek - The Next Generation/Season 3/Star Trek - The Next Generation - "
        "S03E15 - Yesterday's Enterprise.mkv",
        u"Star Trek - The Next Generation"_s, u"star-trek-the-next-generation"_s, 3, 15, -1,
        u"s03e15"_s);
    row("/media/TV/Gravity Falls/Season 1/Gravity Falls - S01E01-E02 - Tourist Trap.mkv",
        u"Gravity Falls"_s, u"gravity-falls"_s, 1, 1, -1, u"s01e01-e02"_s);
    row("/media/TV/The Simpsons/Season 10/The Simpsons - S10E01-02.mkv", u"The Simpsons"_s,
        u"the-simpsons"_s, 10, 1, -1, u"s10e01-e02"_s);
    row("/media/TV/Band of Brothers/01 - Currahee.mkv", u"Band of Brothers"_s,
        u"band-of-brothers"_s, -1, -1, 1, u"e01"_s);
    row("/media/TV/Avatar The Last Airbender/Avatar The Last Airbender Season 1 Episode 2 - The "
        "Avatar Returns.mp4",
        u"Avatar The Last Airbender"_s, u"avatar-the-last-airbender"_s, 1, 2, -1, u"s01e02"_s);
    row("/media/TV/Complete Savages/Season 1/S01E02.mkv", u"Complete Savages"_s,
        u"complete-savages"_s, 1, 2, -1, u"s01e02"_s);
    row("/media/TV/Proper Manors/Proper Manors - S02E05 - Internal Affairs.mkv", u"Proper Manors"_s,
        u"proper-manors"_s, 2, 5, -1, u"s02e05"_s);
    row("/media/TV/Friends/Season 1/Friends - [1x01] - The One Where Monica Gets a Roommate.mkv",
        u"Friends"_s, u"friends"_s, 1, 1, -1, u"s01e01"_s);
    row("/media/TV/Twin Peaks (1990)/Season 01/Twin Peaks (1990) - S01E00 - Pilot.mkv",
        u"Twin Peaks (1990)"_s, u"twin-peaks-1990"_s, 1, 0, -1, u"s01e00"_s);
    row("/media/TV/24/Season 1/24 - S01E01 - 12-00 A.M.-1-00 A.M..mkv", u"24"_s, u"24"_s, 1, 1, -1,
        u"s01e01"_s);
    row("/media/TV/Dark/Staffel 1/Dark - S01E01 - Geheimnisse.mkv", u"Dark"_s, u"dark"_s, 1, 1, -1,
        u"s01e01"_s);

    // Kodi's 1x02 and 102 forms.
    row("/media/TV/Seinfeld/Seinfeld - 3x05 - The Pen.avi", u"Seinfeld"_s, u"seinfeld"_s, 3, 5, -1,
        u"s03e05"_s);
    row("/media/TV/Frasier/frasier.1x02.dvdrip.xvid.avi", u"frasier"_s, u"frasier"_s, 1, 2, -1,
        u"s01e02"_s);
    row("/media/TV/Friends/Friends - 1x16-1x17 - The One with Two Parts.avi", u"Friends"_s,
        u"friends"_s, 1, 16, -1, u"s01e16-e17"_s);
    row("/media/TV/Frasier/Frasier - 102 - Space Quest.avi", u"Frasier"_s, u"frasier"_s, 1, 2, -1,
        u"s01e02"_s);
    row("/media/TV/Cheers/Cheers - 1012.avi", u"Cheers"_s, u"cheers"_s, 10, 12, -1, u"s10e12"_s);

    // Anime: fansub releases number episodes absolutely.
    row("/anime/[SubsPlease] Sousou no Frieren - 05 (1080p) [8E2A1E79].mkv", u"Sousou no Frieren"_s,
        u"sousou-no-frieren"_s, -1, -1, 5, u"e05"_s);
    row("/anime/[Erai-raws] One Piece - 1071 [1080p][Multiple Subtitle][F1B2C3D4].mkv",
        u"One Piece"_s, u"one-piece"_s, -1, -1, 1071, u"e1071"_s);
    row("/anime/[HorribleSubs] Naruto Shippuuden - 145 [720p].mkv", u"Naruto Shippuuden"_s,
        u"naruto-shippuuden"_s, -1, -1, 145, u"e145"_s);
    row("/anime/[HorribleSubs] Boku no Hero Academia - 88 [1080p].mkv", u"Boku no Hero Academia"_s,
        u"boku-no-hero-academia"_s, -1, -1, 88, u"e88"_s);
    row("/anime/[ASW] Jujutsu Kaisen - 24 [1080p HEVC x265 10Bit][AAC].mkv", u"Jujutsu Kaisen"_s,
        u"jujutsu-kaisen"_s, -1, -1, 24, u"e24"_s);
    row("/anime/[Anime Time] Naruto - 001 [480p].mkv", u"Naruto"_s, u"naruto"_s, -1, -1, 1,
        u"e01"_s);
    row("/anime/[SubsPlease] Chainsaw Man - 03v2 (1080p) [ABCD1234].mkv", u"Chainsaw Man"_s,
        u"chainsaw-man"_s, -1, -1, 3, u"e03"_s);
    row("/anime/[Commie]_Steins;Gate_-_01_[ABCD1234].mkv", u"Steins;Gate"_s, u"steins-gate"_s, -1,
        -1, 1, u"e01"_s);
    row("/anime/[SubsPlease] Kimetsu no Yaiba - Yuukaku-hen - 03 (1080p) [12345678].mkv",
        u"Kimetsu no Yaiba - Yuukaku-hen"_s, u"kimetsu-no-yaiba-yuukaku-hen"_s, -1, -1, 3,
        u"e03"_s);
    row("/anime/[SubsPlease] Mob Psycho 100 III - 01 (1080p) [ABCDEF12].mkv",
        u"Mob Psycho 100 III"_s, u"mob-psycho-100-iii"_s, -1, -1, 1, u"e01"_s);
    row("/anime/[Nekomoe kissaten][Bocchi the Rock!][01][1080p][CHS].mp4", u"Bocchi the Rock!"_s,
        u"bocchi-the-rock"_s, -1, -1, 1, u"e01"_s);
    row("/anime/[DB]Haikyuu!!_-_01_(Dual Audio_10bit_BD1080p_x265).mkv", u"Haikyuu!!"_s,
        u"haikyuu"_s, -1, -1, 1, u"e01"_s);
    row("/anime/[Erai-raws] Dr. Stone - New World - 01 [1080p][Multiple Subtitle].mkv",
        u"Dr Stone - New World"_s, u"dr-stone-new-world"_s, -1, -1, 1, u"e01"_s);
    row("/anime/[Ohys-Raws] Made in Abyss 05 (BS11 1280x720 x264 AAC).mp4", u"Made in Abyss"_s,
        u"made-in-abyss"_s, -1, -1, 5, u"e05"_s);
    row("/anime/[SubsPlease] Spy x Family S2 - 01 (1080p) [9A8B7C6D].mkv", u"Spy x Family"_s,
        u"spy-x-family"_s, 2, 1, -1, u"s02e01"_s);
    row("/anime/[Judas] Shingeki no Kyojin - S04E01.mkv", u"Shingeki no Kyojin"_s,
        u"shingeki-no-kyojin"_s, 4, 1, -1, u"s04e01"_s);
    row("/anime/One.Piece.E1071.1080p.WEB.x264.mkv", u"One Piece"_s, u"one-piece"_s, -1, -1, 1071,
        u"e1071"_s);
    row("/anime/[HorribleSubs] Attack on Titan S3 - 50 [1080p].mkv", u"Attack on Titan"_s,
        u"attack-on-titan"_s, 3, 50, -1, u"s03e50"_s);
    row("/anime/Bleach/Bleach - 145.mkv", u"Bleach"_s, u"bleach"_s, -1, -1, 145, u"e145"_s);
    row("/anime/Bleach/Bleach - 100.mkv", u"Bleach"_s, u"bleach"_s, -1, -1, 100, u"e100"_s);
    row("/anime/Cowboy Bebop/Season 1/[Group] Cowboy Bebop - 05 [BD 1080p].mkv", u"Cowboy Bebop"_s,
        u"cowboy-bebop"_s, 1, 5, -1, u"s01e05"_s);
    row("/anime/Gintama/Gintama - Episode 201.mkv", u"Gintama"_s, u"gintama"_s, -1, -1, 201,
        u"e201"_s);

    // Dated shows.
    row("/tv/The.Daily.Show.2024.03.01.Jane.Doe.1080p.WEB.h264-EDITH.mkv", u"The Daily Show"_s,
        u"the-daily-show"_s, -1, -1, -1, u"2024-03-01"_s);
    row("/tv/Last.Week.Tonight.with.John.Oliver.2024.03.10.1080p.WEB.h264-EDITH.mkv",
        u"Last Week Tonight with John Oliver"_s, u"last-week-tonight-with-john-oliver"_s, -1, -1,
        -1, u"2024-03-10"_s);
    row("/tv/The Tonight Show Starring Jimmy Fallon/The Tonight Show Starring Jimmy Fallon "
        "2024-03-01.mkv",
        u"The Tonight Show Starring Jimmy Fallon"_s, u"the-tonight-show-starring-jimmy-fallon"_s,
        -1, -1, -1, u"2024-03-01"_s);
    row("/tv/Tagesschau/Tagesschau 01.03.2024 20-00 Uhr.mp4", u"Tagesschau"_s, u"tagesschau"_s, -1,
        -1, -1, u"2024-03-01"_s);
    row("/tv/Jeopardy!/Jeopardy.2024.03.01.1080p.WEB.h264.mkv", u"Jeopardy"_s, u"jeopardy"_s, -1,
        -1, -1, u"2024-03-01"_s);
}

void tst_EpisodeNames::episodes()
{
    QFETCH(QString, path);
    QFETCH(QString, showTitle);
    QFETCH(QString, showId);
    QFETCH(int, season);
    QFETCH(int, episode);
    QFETCH(int, absolute);
    QFETCH(QString, episodeId);

    const std::optional<EpisodeName> name = EpisodeName::parse(path);
    QVERIFY(name.has_value());
    QCOMPARE(name->showTitle, showTitle);
    QCOMPARE(name->showId, showId);
    QCOMPARE(name->season, season);
    QCOMPARE(name->episode, episode);
    QCOMPARE(name->absolute, absolute);
    QCOMPARE(name->episodeId, episodeId);
    // The other fields say the same as the id.
    const EpisodeId id = EpisodeId::parse(episodeId);
    QVERIFY(id.isValid());
    QCOMPARE(name->id(), id);
    QCOMPARE(name->lastEpisode, id.lastEpisode());
    QCOMPARE(name->date, id.date());
    QCOMPARE(name->label(), id.label());
    QCOMPARE(name->showId, EpisodeName::showIdFor(name->showTitle));
}

void tst_EpisodeNames::notEpisodes_data()
{
    QTest::addColumn<QString>("path");
    for (const char *path : {
             "/films/Heat (1995).mkv",
             "/films/Blade Runner 2049 (2017).mkv",
             "/films/2001 A Space Odyssey.mkv",
             "/films/1917 (2019) 1080p.mkv",
             "/films/Ocean's 11.mkv",
             "/films/101 Dalmatians (1996).mkv",
             "/films/300.mkv",
             "/films/2012 (2009).mkv",
             "/films/Se7en (1995) 1080p BluRay x264.mkv",
             "/films/The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv",
             "/films/Wall-E (2008).mkv",
             "/films/E.T. the Extra-Terrestrial (1982).mkv",
             "/films/Apollo 13 (1995).mkv",
             "/films/District 9 (2009) [1080p]/District 9 (2009).mkv",
             "/films/12 Angry Men (1957).mkv",
             "/films/Toy Story 3 (2010).mkv",
             "/films/Mission Impossible - Fallout (2018).mkv",
             "/films/Terminator 2 - Judgment Day (1991).mkv",
             "/films/Star Wars - Episode IV - A New Hope (1977).mkv",
             "/films/Kill Bill - Vol. 1 (2003).mkv",
             "/films/Akira [1988] [BD 1080p].mkv",
             "/films/Film - 2019.mkv",
             "/films/Oceans.Eleven.2001.1080p.BluRay.x265.10bit.mkv",
             "/films/The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.1080p.mkv",
             "/films/Pirates of the Caribbean - Dead Man's Chest (2006).mkv",
             "/films/Toy Story 4 (2019)/Toy Story 4 (2019) - 2160p.mkv",
             "/films/The Thing (1982) CD1.avi",
             "/films/007 - Skyfall (2012).mkv",
             "/anime/[Cleo]Kimi_no_Na_wa_(Your_Name)_[Dual Audio_10bit_BD1080p][HEVC-x265].mkv",
             "/home/me/Videos/Screen Recording 2024-03-01 at 10.15.32.mov",
             "/home/me/Videos/2024-03-01 Birthday.mp4",
             "/home/me/Dropbox/Camera Uploads/2024-03-01 10.15.32.mp4",
             "/tv/Jeopardy/2023-12-29.mkv",
             "/home/me/Videos/VID_20240301_123456.mp4",
             "/home/me/Videos/holiday.mp4",
             "/media/TV/The Expanse/Season 1/Extras/Behind the Scenes.mkv",
             "/media/TV/The Expanse/Season 1/The Expanse.mkv",
             "/media/TV/The Expanse/Season 1/1080p.mkv",
             "S01E02.mkv",
             "/S01E02.mkv",
             "/tv/[SubsPlease]/- 01.mkv",
             "",
             "/",
             "/films/",
         }) {
        QTest::newRow(*path ? path : "(empty)") << QString::fromUtf8(path);
    }
}

void tst_EpisodeNames::notEpisodes()
{
    QFETCH(QString, path);
    const std::optional<EpisodeName> name = EpisodeName::parse(path);
    QVERIFY2(!name.has_value(), name ? qPrintable(name->showId + u' ' + name->episodeId) : "");
}

// "Show - 102" is season 1 episode 2, "Show - 145" episode 145: the rule in episodename.cpp,
// readDashNumber().
void tst_EpisodeNames::dashNumberRule_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("episodeId");
    QTest::newRow("102: season 1 episode 2") << u"/tv/Show - 102.mkv"_s << u"s01e02"_s;
    QTest::newRow("130: last two digits 30, still an episode")
        << u"/tv/Show - 130.mkv"_s << u"s01e30"_s;
    QTest::newRow("131: past 30, absolute") << u"/tv/Show - 131.mkv"_s << u"e131"_s;
    QTest::newRow("145: absolute") << u"/tv/Show - 145.mkv"_s << u"e145"_s;
    QTest::newRow("100: no episode 0, absolute") << u"/tv/Show - 100.mkv"_s << u"e100"_s;
    QTest::newRow("2 digits: absolute") << u"/tv/Show - 12.mkv"_s << u"e12"_s;
    QTest::newRow("1012: season 10 episode 12") << u"/tv/Show - 1012.mkv"_s << u"s10e12"_s;
    QTest::newRow("1071: absolute") << u"/tv/Show - 1071.mkv"_s << u"e1071"_s;
    QTest::newRow("[Group] 102: absolute") << u"/tv/[Group] Show - 102.mkv"_s << u"e102"_s;
    QTest::newRow("[Group] 2019: absolute, not a year")
        << u"/tv/[Group] Show - 2019.mkv"_s << u"e2019"_s;
    QTest::newRow("Season 1 folder, 102") << u"/tv/Show/Season 1/Show - 102.mkv"_s << u"s01e02"_s;
    QTest::newRow("Season 2 folder, 102: episode 102 of season 2")
        << u"/tv/Show/Season 2/Show - 102.mkv"_s << u"s02e102"_s;
    QTest::newRow("Season 1 folder, 145: episode 145 of a long season")
        << u"/tv/Show/Season 1/Show - 145.mkv"_s << u"s01e145"_s;
    QTest::newRow("Season 1 folder, 130") << u"/tv/Show/Season 1/Show - 130.mkv"_s << u"s01e30"_s;
    QTest::newRow("Season 12 folder, 1203")
        << u"/tv/Show/Season 12/Show - 1203.mkv"_s << u"s12e03"_s;
    QTest::newRow("season in the name, 2nd Season")
        << u"/anime/[Group] Show 2nd Season - 05.mkv"_s << u"s02e05"_s;
}

void tst_EpisodeNames::dashNumberRule()
{
    QFETCH(QString, path);
    QFETCH(QString, episodeId);
    const std::optional<EpisodeName> name = EpisodeName::parse(path);
    QVERIFY(name.has_value());
    QCOMPARE(name->episodeId, episodeId);
    QCOMPARE(name->showId, u"show"_s);
}

void tst_EpisodeNames::showIds_data()
{
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("showId");
    QTest::newRow("words") << u"The Expanse"_s << u"the-expanse"_s;
    QTest::newRow("apostrophe, acronym")
        << u"Marvel's Agents of S.H.I.E.L.D."_s << u"marvels-agents-of-shield"_s;
    QTest::newRow("typographic apostrophe") << u"Grey\u2019s Anatomy"_s << u"greys-anatomy"_s;
    QTest::newRow("year kept") << u"Doctor Who (2005)"_s << u"doctor-who-2005"_s;
    QTest::newRow("ampersand") << u"Law & Order: SVU"_s << u"law-and-order-svu"_s;
    QTest::newRow("accents folded") << u"Pokémon Café Señor Über"_s << u"pokemon-cafe-senor-uber"_s;
    QTest::newRow("letters without a decomposition")
        << u"Øresund Straße Œuvre"_s << u"oresund-strasse-oeuvre"_s;
    QTest::newRow("ligature and full-width") << u"\ufb01ve \uff21\uff22"_s << u"five-ab"_s;
    QTest::newRow("punctuation runs") << u"  --Mr. Robot!!  "_s << u"mr-robot"_s;
    QTest::newRow("M*A*S*H") << u"M*A*S*H"_s << u"m-a-s-h"_s;
    QTest::newRow("M.A.S.H") << u"M.A.S.H"_s << u"mash"_s;
    QTest::newRow("Japanese kept") << u"進撃の巨人"_s << u"進撃の巨人"_s;
    QTest::newRow("Cyrillic kept, lower case")
        << u"Мастер и Маргарита"_s << u"мастер-и-маргарита"_s;
    QTest::newRow("nothing left") << u"!!! ..."_s << QString();
    QTest::newRow("at most 128, at a word break")
        << QString(u"word "_s.repeated(40)) << QString(u"word-"_s.repeated(24)) + u"word"_s;
    QTest::newRow("at most 128, a break right after the last dash that fits")
        << QString(u"wor "_s.repeated(40)) << QString(u"wor-"_s.repeated(31)) + u"wor"_s;
    const QString long42(42, u'a');
    QTest::newRow("at most 128, the 128th character ends a word")
        << QStringList(4, long42).join(u' ') << QStringList(3, long42).join(u'-');
}

void tst_EpisodeNames::showIds()
{
    QFETCH(QString, title);
    QFETCH(QString, showId);
    QCOMPARE(EpisodeName::showIdFor(title), showId);
    QVERIFY(EpisodeName::showIdFor(title).size() <= 128);
}

void tst_EpisodeNames::seasonFolders_data()
{
    QTest::addColumn<QString>("folder");
    QTest::addColumn<int>("season");
    QTest::newRow("Season 1") << u"Season 1"_s << 1;
    QTest::newRow("season 01") << u"season 01"_s << 1;
    QTest::newRow("Season.12") << u"Season.12"_s << 12;
    QTest::newRow("S02") << u"S02"_s << 2;
    QTest::newRow("Series 3") << u"Series 3"_s << 3;
    QTest::newRow("Staffel 4") << u"Staffel 4"_s << 4;
    QTest::newRow("Saison 5") << u"Saison 5"_s << 5;
    QTest::newRow("Specials") << u"Specials"_s << 0;
    QTest::newRow("Season 0") << u"Season 0"_s << 0;
    QTest::newRow("a show") << u"The Expanse"_s << -1;
    QTest::newRow("a season pack") << u"The.Expanse.S02.1080p"_s << -1;
    QTest::newRow("Seasoning") << u"Seasoning 2"_s << -1;
    QTest::newRow("empty") << QString() << -1;
}

void tst_EpisodeNames::seasonFolders()
{
    QFETCH(QString, folder);
    QFETCH(int, season);
    QCOMPARE(EpisodeName::seasonOfFolder(folder), season);
}

QTEST_GUILESS_MAIN(tst_EpisodeNames)
#include "tst_episodenames.moc"
