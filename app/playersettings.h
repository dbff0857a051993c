#pragma once

#include "media/trackselector.h"
#include "protocol/playbackchoices.h"

#include <QByteArray>
#include <QObject>
#include <QStringList>

#include <optional>

class QSettings;

// The player's own settings in the profile's QSettings, typed: each key and its default is
// written here once. Every change is written to the QSettings at once (sync() forces it to disk).
// The server list, token, device and clock offset belong to ClientProfile.
class PlayerSettings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlayerSettings)
    Q_PROPERTY(int reportIntervalSeconds READ reportIntervalSeconds WRITE setReportIntervalSeconds)
    Q_PROPERTY(bool askBeforeResuming READ askBeforeResuming WRITE setAskBeforeResuming)
    Q_PROPERTY(bool rewindAfterBreak READ rewindAfterBreak WRITE setRewindAfterBreak)
    Q_PROPERTY(int watchedPercent READ watchedPercent WRITE setWatchedPercent)
    Q_PROPERTY(bool firstRunDone READ firstRunDone WRITE setFirstRunDone)
    Q_PROPERTY(QStringList recentFiles READ recentFiles NOTIFY recentFilesChanged)
    Q_PROPERTY(double volume READ volume WRITE setVolume)
    Q_PROPERTY(QByteArray windowGeometry READ windowGeometry WRITE setWindowGeometry)
public:
    static constexpr int kDefaultReportIntervalSeconds = 5;
    static constexpr int kMinReportIntervalSeconds = 1;
    static constexpr int kMaxReportIntervalSeconds = 3600;
    static constexpr int kMaxRecentFiles = 10;
    // Folders whose last choices are kept: a profile is used for years, and every folder ever
    // opened would otherwise stay in the file it reads at every start.
    static constexpr int kMaxFolderChoices = 200;
    // Shows whose "Locate…" folder is kept (the ones chosen last).
    static constexpr int kMaxShowFolders = 200;
    static constexpr double kDefaultVolume = 0.8;

    explicit PlayerSettings(QSettings &settings, QObject *parent = nullptr);

    // As saved (the settings dialog shows it); reportIntervalMs() bounds it for use.
    int reportIntervalSeconds() const;
    void setReportIntervalSeconds(int seconds);
    // A saved or given interval, bounded to 1 s .. 1 h, in milliseconds.
    static int reportIntervalMs(int seconds);

    bool askBeforeResuming() const;
    void setAskBeforeResuming(bool ask);
    bool rewindAfterBreak() const;
    void setRewindAfterBreak(bool rewind);
    // Past this share of a video it counts as watched (WatchedRule); as saved, bounded to
    // 50 .. 100.
    int watchedPercent() const;
    void setWatchedPercent(int percent);

    // Set once the person has answered the first-run dialog (connected or chose offline).
    bool firstRunDone() const;
    void setFirstRunDone(bool done);
    // The first-run dialog is offered while there is nowhere to sync to and it was never answered.
    bool offersFirstRun(bool hasServer) const { return !hasServer && !firstRunDone(); }

    // Newest first, each path once, at most kMaxRecentFiles.
    QStringList recentFiles() const;
    void addRecentFile(const QString &path);

    // 0 .. 1.
    double volume() const;
    void setVolume(double volume);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);

    // Which tracks to play when a video has no choices of its own: preferred audio and subtitle
    // languages (ISO codes, in order) and when to show subtitles. Unset, both languages are the
    // system's and subtitles show when the audio is not in a preferred language.
    TrackDefaults trackDefaults() const;
    void setTrackDefaults(const TrackDefaults &defaults);
    // "en" for the system locale's language; "" when it names none (the C locale).
    static QString systemLanguage();

    // The choices last used in a folder (absolute path), for the next file there that has none
    // of its own; nullopt when none were kept. Kept for the kMaxFolderChoices folders whose
    // choices were set last.
    std::optional<PlaybackChoices> folderChoices(const QString &folder) const;
    void setFolderChoices(const QString &folder, const PlaybackChoices &choices);

    // The folder the person chose with "Locate…" for a show never opened on this device (its
    // show_id); "" when none was chosen. Kept for the kMaxShowFolders shows chosen last.
    QString showFolder(const QString &showId) const;
    void setShowFolder(const QString &showId, const QString &folder);

    void sync();

Q_SIGNALS:
    void recentFilesChanged(const QStringList &files);

private:
    QSettings &m_settings;
};
