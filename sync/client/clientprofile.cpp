#include "client/clientprofile.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QSysInfo>

namespace {
const QString kDeviceId = QStringLiteral("device/id");
const QString kDeviceName = QStringLiteral("device/name");
const QString kServers = QStringLiteral("server/urls");
// A profile saved before server lists has its one server here.
const QString kLegacyServer = QStringLiteral("server/url");
const QString kToken = QStringLiteral("server/token");
const QString kForgetKeyringToken = QStringLiteral("server/forget_keyring_token");
const QString kCaCertificate = QStringLiteral("server/ca_cert");
const QString kClockOffset = QStringLiteral("server/clock_offset_ms");
} // namespace

namespace {
// The folder and settings.ini were readable by every local user before (0755 and 0644) and may
// hold a token: private from the first write on, also in a profile made by an older version.
QString privateSettingsFile(const QString &folder)
{
    QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QString path = folder + QStringLiteral("/settings.ini");
    QFile file(path);
    if (!file.exists())
        file.open(QIODevice::WriteOnly); // QSettings keeps the mode of the file it replaces
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    return path;
}
} // namespace

ClientProfile::ClientProfile(const QString &folder)
    : m_folder(QDir(folder).absolutePath()),
      m_writable(QDir().mkpath(m_folder)),
      m_settings(privateSettingsFile(m_folder), QSettings::IniFormat)
{
}

QString ClientProfile::defaultFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
        + QStringLiteral("/profile");
}

QString ClientProfile::localDatabasePath() const
{
    return m_folder + QStringLiteral("/local.sqlite");
}

QString ClientProfile::newDeviceId()
{
    return QStringLiteral("dev-%1").arg(QRandomGenerator::system()->generate64(), 16, 16,
                                        QLatin1Char('0'));
}

QString ClientProfile::deviceId()
{
    const QString id = m_settings.value(kDeviceId).toString();
    return id.isEmpty() ? renewDeviceId() : id;
}

void ClientProfile::setDeviceId(const QString &deviceId)
{
    m_settings.setValue(kDeviceId, deviceId);
    m_settings.sync();
}

QString ClientProfile::renewDeviceId()
{
    const QString id = newDeviceId();
    setDeviceId(id);
    return id;
}

QString ClientProfile::deviceName() const
{
    const QString name = m_settings.value(kDeviceName).toString();
    return name.isEmpty() ? QSysInfo::machineHostName().left(64) : name;
}

void ClientProfile::setDeviceName(const QString &name)
{
    m_settings.setValue(kDeviceName, name);
}

ServerList ClientProfile::servers() const
{
    if (!m_settings.contains(kServers))
        return ServerList({QUrl(m_settings.value(kLegacyServer).toString())});
    QList<QUrl> urls;
    for (const QString &url : m_settings.value(kServers).toStringList())
        urls.append(QUrl(url));
    return ServerList(urls);
}

void ClientProfile::setServers(const ServerList &servers)
{
    QStringList urls;
    for (const QUrl &url : servers.urls())
        urls.append(url.toString());
    m_settings.setValue(kServers, urls);
    m_settings.remove(kLegacyServer);
}

QString ClientProfile::token() const
{
    return m_settings.value(kToken).toString();
}

void ClientProfile::setToken(const QString &token)
{
    if (token.isEmpty())
        m_settings.remove(kToken);
    else
        m_settings.setValue(kToken, token);
}

bool ClientProfile::keyringTokenToForget() const
{
    return m_settings.value(kForgetKeyringToken, false).toBool();
}

void ClientProfile::setKeyringTokenToForget(bool forget)
{
    if (forget)
        m_settings.setValue(kForgetKeyringToken, true);
    else
        m_settings.remove(kForgetKeyringToken);
}

QString ClientProfile::caCertificatePath() const
{
    return m_settings.value(kCaCertificate).toString();
}

void ClientProfile::setCaCertificatePath(const QString &path)
{
    if (path.isEmpty())
        m_settings.remove(kCaCertificate);
    else
        m_settings.setValue(kCaCertificate, path);
}

qint64 ClientProfile::clockOffsetMs() const
{
    return m_settings.value(kClockOffset, 0).toLongLong();
}

void ClientProfile::setClockOffsetMs(qint64 offsetMs)
{
    m_settings.setValue(kClockOffset, offsetMs);
}
