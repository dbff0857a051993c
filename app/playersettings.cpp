#include "playersettings.h"

#include <QSettings>

namespace {
const QString kIntervalKey = QStringLiteral("playback/report_interval_s");
const QString kAskKey = QStringLiteral("playback/ask_before_resuming");
const QString kRewindKey = QStringLiteral("playback/rewind_after_break");
const QString kFirstRunKey = QStringLiteral("first_run/done");
const QString kRecentKey = QStringLiteral("recent/files");
const QString kVolumeKey = QStringLiteral("audio/volume");
const QString kGeometryKey = QStringLiteral("window/geometry");
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
    QStringList recent = recentFiles();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles)
        recent.removeLast();
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

void PlayerSettings::sync()
{
    m_settings.sync();
}
