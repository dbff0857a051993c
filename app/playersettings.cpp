#include "playersettings.h"

#include "watchedrule.h"

#include <QCryptographicHash>
#include <QLocale>
#include <QSettings>

namespace {
const QString kIntervalKey = QStringLiteral("playback/report_interval_s");
const QString kAskKey = QStringLiteral("playback/ask_before_resuming");
const QString kRewindKey = QStringLiteral("playback/rewind_after_break");
const QString kWatchedPercentKey = QStringLiteral("playback/watched_percent");
const QString kFirstRunKey = QStringLiteral("first_run/done");
const QString kRecentKey = QStringLiteral("recent/files");
const QString kVolumeKey = QStringLiteral("audio/volume");
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kAudioLanguagesKey = QStringLiteral("tracks/audio_languages");
const QString kSubtitleLanguagesKey = QStringLiteral("tracks/subtitle_languages");
const QString kShowSubtitlesKey = QStringLiteral("tracks/show_subtitles");
// One key per folder: a hash, since a path's slashes would make groups of it in the file.
const QString kFolderChoicesGroup = QStringLiteral("folder_choices/");
// The folders' keys, the one used last first: past the limit the oldest are forgotten.
const QString kFolderChoicesRecentKey = QStringLiteral("folder_choices_recent/keys");
// The folder chosen with "Locate…" per show (its show_id hashed), the newest first.
const QString kShowFoldersGroup = QStringLiteral("show_folders/");
const QString kShowFoldersRecentKey = QStringLiteral("show_folders_recent/keys");

using SubtitleMode = TrackDefaults::SubtitleMode;
const QList<QPair<SubtitleMode, QString>> kSubtitleModeNames = {
    {SubtitleMode::Never, QStringLiteral("never")},
    {SubtitleMode::WhenAudioForeign, QStringLiteral("when_audio_foreign")},
    {SubtitleMode::Always, QStringLiteral("always")},
};

// `list` with `item` first, once, and at most `limit` long; what fell off goes to `dropped`.
QStringList withNewest(QStringList list, const QString &item, int limit,
                       QStringList *dropped = nullptr)
{
    list.removeAll(item);
    list.prepend(item);
    while (list.size() > limit) {
        const QString last = list.takeLast();
        if (dropped)
            dropped->append(last);
    }
    return list;
}

QString hashedKey(const QString &group, const QString &text)
{
    return group
        + QString::fromLatin1(
               QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex());
}

QString folderKey(const QString &folder)
{
    return hashedKey(kFolderChoicesGroup, folder);
}

// Puts `key` first in the list kept at `recentKey`; the keys that fall off past `limit` go, with
// their values.
void keepNewest(QSettings &settings, const QString &recentKey, const QString &key, int limit)
{
    QStringList forgotten;
    settings.setValue(recentKey,
                      withNewest(settings.value(recentKey).toStringList(), key, limit, &forgotten));
    for (const QString &old : forgotten)
        settings.remove(old);
}
} // namespace

PlayerSettings::PlayerSettings(QSettings &settings, QObject *parent)
    : QObject(parent), m_settings(settings)
{
}

int PlayerSettings::reportIntervalSeconds() const
{
    return m_settings.value(kIntervalKey, kDefaultReportIntervalSeconds).toInt();
}

void PlayerSettings::setReportIntervalSeconds(int seconds)
{
    m_settings.setValue(kIntervalKey, seconds);
}

int PlayerSettings::reportIntervalMs(int seconds)
{
    return qBound(kMinReportIntervalSeconds, seconds, kMaxReportIntervalSeconds) * 1000;
}

bool PlayerSettings::askBeforeResuming() const
{
    return m_settings.value(kAskKey, false).toBool();
}

void PlayerSettings::setAskBeforeResuming(bool ask)
{
    m_settings.setValue(kAskKey, ask);
}

bool PlayerSettings::rewindAfterBreak() const
{
    return m_settings.value(kRewindKey, false).toBool();
}

void PlayerSettings::setRewindAfterBreak(bool rewind)
{
    m_settings.setValue(kRewindKey, rewind);
}

int PlayerSettings::watchedPercent() const
{
    return WatchedRule(m_settings.value(kWatchedPercentKey, WatchedRule::kDefaultPercent).toInt())
        .percent();
}

void PlayerSettings::setWatchedPercent(int percent)
{
    m_settings.setValue(kWatchedPercentKey, WatchedRule(percent).percent());
}

bool PlayerSettings::firstRunDone() const
{
    return m_settings.value(kFirstRunKey, false).toBool();
}

void PlayerSettings::setFirstRunDone(bool done)
{
    m_settings.setValue(kFirstRunKey, done);
}

QStringList PlayerSettings::recentFiles() const
{
    return m_settings.value(kRecentKey).toStringList();
}

void PlayerSettings::addRecentFile(const QString &path)
{
    const QStringList recent = withNewest(recentFiles(), path, kMaxRecentFiles);
    m_settings.setValue(kRecentKey, recent);
    Q_EMIT recentFilesChanged(recent);
}

double PlayerSettings::volume() const
{
    return m_settings.value(kVolumeKey, kDefaultVolume).toDouble();
}

void PlayerSettings::setVolume(double volume)
{
    m_settings.setValue(kVolumeKey, volume);
}

QByteArray PlayerSettings::windowGeometry() const
{
    return m_settings.value(kGeometryKey).toByteArray();
}

void PlayerSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings.setValue(kGeometryKey, geometry);
}

QString PlayerSettings::systemLanguage()
{
    const QLocale::Language language = QLocale::system().language();
    if (language == QLocale::C || language == QLocale::AnyLanguage)
        return {};
    return QLocale::languageToCode(language, QLocale::ISO639Part1);
}

TrackDefaults PlayerSettings::trackDefaults() const
{
    TrackDefaults defaults;
    const QString system = systemLanguage();
    const QStringList fallback = system.isEmpty() ? QStringList() : QStringList{system};
    defaults.audioLanguages = m_settings.value(kAudioLanguagesKey, fallback).toStringList();
    defaults.subtitleLanguages = m_settings.value(kSubtitleLanguagesKey, fallback).toStringList();
    const QString mode = m_settings.value(kShowSubtitlesKey).toString();
    for (const auto &[value, name] : kSubtitleModeNames) {
        if (name == mode)
            defaults.subtitleMode = value;
    }
    return defaults;
}

void PlayerSettings::setTrackDefaults(const TrackDefaults &defaults)
{
    m_settings.setValue(kAudioLanguagesKey, defaults.audioLanguages);
    m_settings.setValue(kSubtitleLanguagesKey, defaults.subtitleLanguages);
    for (const auto &[value, name] : kSubtitleModeNames) {
        if (value == defaults.subtitleMode)
            m_settings.setValue(kShowSubtitlesKey, name);
    }
}

std::optional<PlaybackChoices> PlayerSettings::folderChoices(const QString &folder) const
{
    const QByteArray json = m_settings.value(folderKey(folder)).toByteArray();
    if (json.isEmpty())
        return std::nullopt;
    return ChoicesCodec::fromCompactJson(json);
}

void PlayerSettings::setFolderChoices(const QString &folder, const PlaybackChoices &choices)
{
    const QString key = folderKey(folder);
    const QByteArray json = ChoicesCodec::toCompactJson(choices);
    const QStringList recent = m_settings.value(kFolderChoicesRecentKey).toStringList();
    // Opening a video applies them again: the file is written only when something changed.
    if (recent.value(0) == key && m_settings.value(key).toByteArray() == json)
        return;
    keepNewest(m_settings, kFolderChoicesRecentKey, key, kMaxFolderChoices);
    m_settings.setValue(key, json);
}

QString PlayerSettings::showFolder(const QString &showId) const
{
    return m_settings.value(hashedKey(kShowFoldersGroup, showId)).toString();
}

void PlayerSettings::setShowFolder(const QString &showId, const QString &folder)
{
    const QString key = hashedKey(kShowFoldersGroup, showId);
    keepNewest(m_settings, kShowFoldersRecentKey, key, kMaxShowFolders);
    m_settings.setValue(key, folder);
}

void PlayerSettings::sync()
{
    m_settings.sync();
}
