#pragma once

#include "serverlist/serverlist.h"

#include <QSettings>
#include <QString>

// One device's local state in one folder: the local copy, the outbox inside it, settings and the
// device id. Two profiles on one machine are two devices.
class ClientProfile final
{
    Q_DISABLE_COPY_MOVE(ClientProfile)
public:
    // Creates the folder (private to the user: it holds the token) if needed.
    explicit ClientProfile(const QString &folder);

    static QString defaultFolder();

    QString folder() const { return m_folder; }
    QString localDatabasePath() const;
    bool isWritable() const { return m_writable; }

    // Made once per profile and kept.
    QString deviceId();
    // Keeps `deviceId` as this profile's (after renewal: a copied profile).
    void setDeviceId(const QString &deviceId);
    // A new device id, kept: for a profile copied from another device (409 device_id_taken).
    QString renewDeviceId();
    // A fresh random device id ("dev-" and 16 hex digits).
    static QString newDeviceId();
    QString deviceName() const;
    void setDeviceName(const QString &name);

    // The sync servers, in the order to try them (a profile from before lists had one).
    ServerList servers() const;
    void setServers(const ServerList &servers);
    // The token kept in settings.ini: where no keyring answers, or from an older version
    // (TokenVault decides; everything else asks it). Empty removes it.
    QString token() const;
    void setToken(const QString &token);
    // The token was forgotten while no keyring answered: the keyring may still hold an older
    // one, to delete as soon as a keyring answers (TokenVault), never to load.
    bool keyringTokenToForget() const;
    void setKeyringTokenToForget(bool forget);
    // A PEM file of certificates to trust for an https server besides the system's ("": none).
    QString caCertificatePath() const;
    void setCaCertificatePath(const QString &path);

    qint64 clockOffsetMs() const;
    void setClockOffsetMs(qint64 offsetMs);

    QSettings &settings() { return m_settings; }

private:
    QString m_folder;
    bool m_writable = false;
    QSettings m_settings;
};
