// PlayerSettings: the player's settings over a real QSettings file in a temporary folder. The
// keys are the ones profiles already hold, so a profile saved before reads the same.
#include "issuechoices.h"
#include "playersettings.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_PlayerSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void defaultsInAnEmptyProfile();
    void watchedPercentBounded();
    void readsWhatAnEarlierVersionSaved();
    void changesSurviveAReopen();
    void reportIntervalIsBounded_data();
    void reportIntervalIsBounded();
    void recentFilesNewestFirstOnceEach();
    void recentFilesKeepTheLimit();
    void firstRunOfferedUntilAnswered();
    void trackDefaultsFromTheSystemUntilSet();
    void folderChoicesKeptPerFolder();
    void folderChoicesKeepTheLimit();

private:
    QString iniPath() const { return m_dir->filePath(u"settings.ini"_s); }

    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_PlayerSettings::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_PlayerSettings::cleanup()
{
    m_dir.reset();
}

void tst_PlayerSettings::defaultsInAnEmptyProfile()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    const PlayerSettings settings(file);
    QCOMPARE(settings.reportIntervalSeconds(), 5);
    QCOMPARE(settings.askBeforeResuming(), false);
    QCOMPARE(settings.rewindAfterBreak(), false);
    QCOMPARE(settings.watchedPercent(), 90);
    QCOMPARE(settings.firstRunDone(), false);
    QCOMPARE(settings.recentFiles(), QStringList());
    QCOMPARE(settings.volume(), 0.8);
    QCOMPARE(settings.windowGeometry(), QByteArray());
}

// A hand-edited profile cannot make everything watched at once, or nothing ever.
void tst_PlayerSettings::watchedPercentBounded()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    PlayerSettings settings(file);
    file.setValue(u"playback/watched_percent"_s, 3);
    QCOMPARE(settings.watchedPercent(), 50);
    file.setValue(u"playback/watched_percent"_s, 400);
    QCOMPARE(settings.watchedPercent(), 100);
    settings.setWatchedPercent(0);
    QCOMPARE(file.value(u"playback/watched_percent"_s).toInt(), 50);
}

void tst_PlayerSettings::readsWhatAnEarlierVersionSaved()
{
    {
        QSettings file(iniPath(), QSettings::IniFormat);
        file.setValue(u"playback/report_interval_s"_s, 12);
        file.setValue(u"playback/ask_before_resuming"_s, true);
        file.setValue(u"playback/rewind_after_break"_s, true);
        file.setValue(u"first_run/done"_s, true);
        file.setValue(u"recent/files"_s, QStringList{u"/v/b.mkv"_s, u"/v/a.mkv"_s});
        file.setValue(u"audio/volume"_s, 0.25);
        file.setValue(u"window/geometry"_s, QByteArray("geometry"));
    }
    QSettings file(iniPath(), QSettings::IniFormat);
    const PlayerSettings settings(file);
    QCOMPARE(settings.reportIntervalSeconds(), 12);
    QCOMPARE(settings.askBeforeResuming(), true);
    QCOMPARE(settings.rewindAfterBreak(), true);
    QCOMPARE(settings.firstRunDone(), true);
    QCOMPARE(settings.recentFiles(), (QStringList{u"/v/b.mkv"_s, u"/v/a.mkv"_s}));
    QCOMPARE(settings.volume(), 0.25);
    QCOMPARE(settings.windowGeometry(), QByteArray("geometry"));
}

void tst_PlayerSettings::changesSurviveAReopen()
{
    {
        QSettings file(iniPath(), QSettings::IniFormat);
        PlayerSettings settings(file);
        settings.setReportIntervalSeconds(30);
        settings.setAskBeforeResuming(true);
        settings.setRewindAfterBreak(true);
        settings.setWatchedPercent(95);
        settings.setFirstRunDone(true);
        settings.addRecentFile(u"/v/a.mkv"_s);
        settings.setVolume(0.5);
        settings.setWindowGeometry(QByteArray("saved"));
        settings.sync();
        QCOMPARE(file.status(), QSettings::NoError);
    }
    QSettings file(iniPath(), QSettings::IniFormat);
    const PlayerSettings settings(file);
    QCOMPARE(settings.reportIntervalSeconds(), 30);
    QCOMPARE(settings.askBeforeResuming(), true);
    QCOMPARE(settings.rewindAfterBreak(), true);
    QCOMPARE(settings.watchedPercent(), 95);
    QCOMPARE(settings.firstRunDone(), true);
    QCOMPARE(settings.recentFiles(), QStringList{u"/v/a.mkv"_s});
    QCOMPARE(settings.volume(), 0.5);
    QCOMPARE(settings.windowGeometry(), QByteArray("saved"));
}

void tst_PlayerSettings::reportIntervalIsBounded_data()
{
    QTest::addColumn<int>("seconds");
    QTest::addColumn<int>("expectedMs");
    QTest::newRow("default") << 5 << 5000;
    QTest::newRow("zero is one second") << 0 << 1000;
    QTest::newRow("negative is one second") << -4 << 1000;
    QTest::newRow("an hour") << 3600 << 3600000;
    QTest::newRow("more than an hour is an hour") << 7200 << 3600000;
}

void tst_PlayerSettings::reportIntervalIsBounded()
{
    QFETCH(int, seconds);
    QFETCH(int, expectedMs);
    QCOMPARE(PlayerSettings::reportIntervalMs(seconds), expectedMs);
}

void tst_PlayerSettings::recentFilesNewestFirstOnceEach()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    PlayerSettings settings(file);
    QSignalSpy changed(&settings, &PlayerSettings::recentFilesChanged);
    settings.addRecentFile(u"/v/a.mkv"_s);
    settings.addRecentFile(u"/v/b.mkv"_s);
    settings.addRecentFile(u"/v/a.mkv"_s);
    const QStringList expected{u"/v/a.mkv"_s, u"/v/b.mkv"_s};
    QCOMPARE(settings.recentFiles(), expected);
    QCOMPARE(changed.size(), 3);
    QCOMPARE(changed.last().at(0).toStringList(), expected);
}

void tst_PlayerSettings::recentFilesKeepTheLimit()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    PlayerSettings settings(file);
    for (int i = 0; i < PlayerSettings::kMaxRecentFiles + 3; ++i)
        settings.addRecentFile(u"/v/%1.mkv"_s.arg(i));
    const QStringList recent = settings.recentFiles();
    QCOMPARE(recent.size(), PlayerSettings::kMaxRecentFiles);
    QCOMPARE(recent.first(), u"/v/%1.mkv"_s.arg(PlayerSettings::kMaxRecentFiles + 2));
    QCOMPARE(recent.last(), u"/v/3.mkv"_s);
}

void tst_PlayerSettings::firstRunOfferedUntilAnswered()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    PlayerSettings settings(file);
    QVERIFY(settings.offersFirstRun(false));
    QVERIFY(!settings.offersFirstRun(true)); // configured from the command line: nothing to ask
    settings.setFirstRunDone(true);
    QVERIFY(!settings.offersFirstRun(false));
}

// Unset: audio and subtitles in the system's language, subtitles when the audio is not in it.
void tst_PlayerSettings::trackDefaultsFromTheSystemUntilSet()
{
    QSettings file(iniPath(), QSettings::IniFormat);
    PlayerSettings settings(file);
    const QString system = PlayerSettings::systemLanguage();
    const QStringList expected = system.isEmpty() ? QStringList() : QStringList{system};
    TrackDefaults defaults = settings.trackDefaults();
    QCOMPARE(defaults.audioLanguages, expected);
    QCOMPARE(defaults.subtitleLanguages, expected);
    QCOMPARE(defaults.subtitleMode, TrackDefaults::SubtitleMode::WhenAudioForeign);

    defaults.audioLanguages = {u"ja"_s, u"en"_s};
    defaults.subtitleLanguages = {u"en"_s};
    defaults.subtitleMode = TrackDefaults::SubtitleMode::Never;
    settings.setTrackDefaults(defaults);
    settings.sync();
    QSettings reopened(iniPath(), QSettings::IniFormat);
    const TrackDefaults back = PlayerSettings(reopened).trackDefaults();
    QCOMPARE(back.audioLanguages, defaults.audioLanguages);
    QCOMPARE(back.subtitleLanguages, defaults.subtitleLanguages);
    QCOMPARE(back.subtitleMode, TrackDefaults::SubtitleMode::Never);
    QCOMPARE(reopened.value(u"tracks/show_subtitles"_s).toString(), u"never"_s);

    // Set to none: the file's own tracks, not the system's language again.
    defaults.audioLanguages.clear();
    settings.setTrackDefaults(defaults);
    QCOMPARE(settings.trackDefaults().audioLanguages, QStringList());
}

// The choices last used in a folder, for its next file; each folder its own; kept across runs.
void tst_PlayerSettings::folderChoicesKeptPerFolder()
{
    const PlaybackChoices anime = issueChoices(u"Episode 1.en.srt"_s);
    PlaybackChoices documentary;
    documentary.speed = 1.5;
    {
        QSettings file(iniPath(), QSettings::IniFormat);
        PlayerSettings settings(file);
        QCOMPARE(settings.folderChoices(u"/videos/Anime"_s), std::nullopt);
        settings.setFolderChoices(u"/videos/Anime"_s, anime);
        settings.setFolderChoices(u"/videos/Documentaries/Été"_s, documentary);
        settings.sync();
    }
    QSettings file(iniPath(), QSettings::IniFormat);
    const PlayerSettings settings(file);
    QCOMPARE(settings.folderChoices(u"/videos/Anime"_s), std::optional(anime));
    QCOMPARE(settings.folderChoices(u"/videos/Documentaries/Été"_s), std::optional(documentary));
    QCOMPARE(settings.folderChoices(u"/videos"_s), std::nullopt);
}

// Past kMaxFolderChoices folders, the one whose choices were set longest ago is forgotten; setting
// a folder's choices again makes it the newest.
void tst_PlayerSettings::folderChoicesKeepTheLimit()
{
    const auto folder = [](int i) {
        return u"/videos/Series %1"_s.arg(i);
    };
    PlaybackChoices choices;
    choices.speed = 1.5;
    {
        QSettings file(iniPath(), QSettings::IniFormat);
        PlayerSettings settings(file);
        for (int i = 0; i < PlayerSettings::kMaxFolderChoices; ++i)
            settings.setFolderChoices(folder(i), choices);
        settings.setFolderChoices(folder(0), choices);
        settings.setFolderChoices(folder(PlayerSettings::kMaxFolderChoices), choices);
        settings.sync();
    }
    QSettings file(iniPath(), QSettings::IniFormat);
    const PlayerSettings settings(file);
    QCOMPARE(settings.folderChoices(folder(1)), std::nullopt);
    QCOMPARE(settings.folderChoices(folder(0)), std::optional(choices));
    QCOMPARE(settings.folderChoices(folder(2)), std::optional(choices));
    QCOMPARE(settings.folderChoices(folder(PlayerSettings::kMaxFolderChoices)),
             std::optional(choices));
    QCOMPARE(file.childGroups().contains(u"folder_choices"_s), true);
    file.beginGroup(u"folder_choices"_s);
    QCOMPARE(file.childKeys().size(), PlayerSettings::kMaxFolderChoices);
}

QTEST_GUILESS_MAIN(tst_PlayerSettings)
#include "tst_playersettings.moc"
