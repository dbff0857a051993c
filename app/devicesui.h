#pragma once

#include "client/deviceentry.h"
#include "client/pairingclient.h"
#include "pairingpresenter.h"
#include "serverlist/serverlist.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSslCertificate>
#include <QString>
#include <QTimer>

class AddDeviceDialog;
class DevicesPage;
class LocalCopy;
class PairingDialog;
class QWidget;
class ServerPool;
class SettingsDialog;
class SyncClient;

// Settings > Devices, Add a Device and Connect with a code, put together: the page's list from
// the sync client (titles from the local copy), Remove and Approve sent to the server, and a code
// asked of the server by PairingClient and shown by PairingDialog. Decides nothing itself: the
// words are DevicesPresenter's and PairingPresenter's. Every request is asynchronous; a dialog
// closed meanwhile simply gets nothing.
class DevicesUi final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DevicesUi)
public:
    static constexpr int kListTimeoutMs = 10000;
    // After an approval the list is asked again every kAwaitDeviceEveryMs, for at most
    // kAwaitDeviceForMs, until the new device is in it: the server lists it once the device
    // has collected its token, which may be after the approval's answer.
    static constexpr int kAwaitDeviceEveryMs = 2000;
    static constexpr int kAwaitDeviceForMs = 60000;

    DevicesUi(SyncClient &sync, ServerPool &servers, LocalCopy &local, QObject *parent = nullptr);

    // Fills `dialog`'s Devices page (Settings mode) and answers what it and its Connect with a
    // Code… ask. `trusted`, `deviceId`: for pairing with the server typed in it.
    void attach(SettingsDialog *dialog, const QList<QSslCertificate> &trusted,
                const QString &deviceId);
    // Connect with a code: asks `servers` for a code for this device, shown over `parent`.
    void startPairing(const ServerList &servers, const QList<QSslCertificate> &trusted,
                      const QString &deviceId, const QString &deviceName, QWidget *parent);

Q_SIGNALS:
    // A code asked for outside the settings form (startPairing) was approved: this device's
    // token for `servers`, to be kept. A form's pairing goes into the form, which is saved.
    void paired(const ServerList &servers, const QString &token);
    // "Connected as NAME", for the status bar.
    void connected(const QString &text);

private:
    // `quiet`: no "Asking the server…" line (a poll nobody asked for).
    void refresh(DevicesPage *page, bool quiet = false);
    void showRows(DevicesPage *page, const QList<DeviceEntry> &devices);
    void remove(DevicesPage *page, const QString &id);
    void addDevice(DevicesPage *page, QWidget *parent);
    void approve(AddDeviceDialog *dialog, DevicesPage *page, const QString &code);
    // After a list came (`devices`) or not (null): asks again later while a device approved
    // here is not in it yet.
    void awaitApprovedDevice(DevicesPage *page, const QList<DeviceEntry> *devices);
    void askForCode();
    void handlePaired(const QString &token, const QString &user);

    SyncClient &m_sync;
    ServerPool &m_servers;
    LocalCopy &m_local;
    PairingClient m_pairing;
    PairingPresenter m_presenter;
    QPointer<PairingDialog> m_pairingDialog;
    // What the pairing shown asks with (New Code asks again the same way).
    ServerList m_pairingServers;
    QList<QSslCertificate> m_pairingTrusted;
    QString m_pairingDeviceId;
    QString m_pairingDeviceName;
    // The settings form the pairing was started from: it gets the token and is saved. None (the
    // status bar's offer): paired() says it.
    QPointer<SettingsDialog> m_pairingFor;
    quint64 m_listGeneration = 0; // a newer list request makes the older answers stale
    // The ids of the last list the server gave.
    QSet<QString> m_lastListed;
    // A device approved here and not listed yet: the ids listed before the approval, and until
    // when (steady clock, ms) the list is asked again for it, by m_awaitTimer. No deadline:
    // nothing awaited.
    QSet<QString> m_listedAtApproval;
    qint64 m_awaitDeviceUntilMs = 0;
    QElapsedTimer m_steady;
    QTimer m_awaitTimer;
    QPointer<DevicesPage> m_awaitPage;
};
