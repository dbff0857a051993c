#include "devicesui.h"

#include "adddevicedialog.h"
#include "client/localcopy.h"
#include "client/serverpool.h"
#include "client/syncclient.h"
#include "devicespage.h"
#include "devicespresenter.h"
#include "pairingdialog.h"
#include "settingsdialog.h"

#include <QHash>
#include <QTimer>

#include <memory>

DevicesUi::DevicesUi(SyncClient &sync, ServerPool &servers, LocalCopy &local, QObject *parent)
    : QObject(parent), m_sync(sync), m_servers(servers), m_local(local)
{
    m_steady.start();
    m_awaitTimer.setSingleShot(true);
    m_awaitTimer.setInterval(kAwaitDeviceEveryMs);
    connect(&m_awaitTimer, &QTimer::timeout, this, [this] {
        if (m_awaitDeviceUntilMs != 0 && m_awaitPage)
            refresh(m_awaitPage, true);
    });
    connect(&m_pairing, &PairingClient::codeReady, &m_presenter,
            [this](const QString &code, qint64 expiresAtMs) {
                m_presenter.showCode(code, expiresAtMs);
            });
    connect(&m_pairing, &PairingClient::failed, &m_presenter, &PairingPresenter::showFailure);
    connect(&m_pairing, &PairingClient::paired, this, &DevicesUi::handlePaired);

    // What the presenter says goes to the dialog open now, if any.
    connect(&m_presenter, &PairingPresenter::waiting, this, [this](const QString &text) {
        if (m_pairingDialog)
            m_pairingDialog->showWaiting(text);
    });
    connect(&m_presenter, &PairingPresenter::codeShown, this,
            [this](const QString &code, const QString &instructions) {
                if (m_pairingDialog)
                    m_pairingDialog->showCode(code, instructions);
            });
    connect(&m_presenter, &PairingPresenter::remainingChanged, this, [this](const QString &text) {
        if (m_pairingDialog)
            m_pairingDialog->setRemaining(text);
    });
    connect(&m_presenter, &PairingPresenter::ended, this, [this](const QString &text) {
        if (m_pairingDialog)
            m_pairingDialog->showEnded(text);
    });
    connect(&m_presenter, &PairingPresenter::connected, this, &DevicesUi::connected);
}

void DevicesUi::attach(SettingsDialog *dialog, const QList<QSslCertificate> &trusted,
                       const QString &deviceId)
{
    connect(
        dialog, &SettingsDialog::connectWithCodeRequested, this, [this, dialog, trusted, deviceId] {
            const SettingsValues values = dialog->values();
            QString error;
            const ServerList servers =
                ServerList::parse(values.serverUrl, &error).value_or(ServerList());
            if (servers.isEmpty()) {
                if (DevicesPage *page = dialog->devicesPage())
                    page->showNotConnected(
                        DevicesPresenter::notConnectedText(DevicesPresenter::Connection::NoServer));
                return;
            }
            startPairing(servers, trusted, deviceId,
                         values.deviceName.isEmpty() ? m_sync.deviceName() : values.deviceName,
                         dialog);
            m_pairingFor = dialog;
        });
    DevicesPage *page = dialog->devicesPage();
    if (!page)
        return;
    connect(page, &DevicesPage::refreshRequested, this, [this, page] { refresh(page); });
    connect(page, &DevicesPage::removeRequested, this,
            [this, page](const QString &id) { remove(page, id); });
    connect(page, &DevicesPage::addDeviceRequested, this,
            [this, page, dialog] { addDevice(page, dialog); });
    // Removed elsewhere while the page is open: it says so by itself.
    connect(&m_sync, &SyncClient::deviceRemoved, page, [this, page] { refresh(page); });
    refresh(page);
}

void DevicesUi::refresh(DevicesPage *page, bool quiet)
{
    using Connection = DevicesPresenter::Connection;
    if (!m_sync.hasServer()) {
        ++m_listGeneration; // a list still coming is of no use now
        page->showNotConnected(DevicesPresenter::notConnectedText(
            m_servers.isTokenRefused()          ? Connection::Removed
                : m_servers.servers().isEmpty() ? Connection::NoServer
                                                : Connection::NoToken));
        return;
    }
    if (!quiet)
        page->setStatus(DevicesPresenter::asking());
    const quint64 generation = ++m_listGeneration;
    m_sync.fetchDevices(
        kListTimeoutMs, page,
        [this, page, generation](bool ok, const QList<DeviceEntry> &devices, const QString &error) {
            if (generation != m_listGeneration)
                return;
            if (ok) {
                m_lastListed.clear();
                for (const DeviceEntry &device : devices)
                    m_lastListed.insert(device.id);
                showRows(page, devices);
                awaitApprovedDevice(page, &devices);
            } else if (m_servers.isTokenRefused()) { // this device was the one removed
                m_awaitDeviceUntilMs = 0;
                refresh(page);
            } else {
                page->setStatus(DevicesPresenter::listFailed(error));
                awaitApprovedDevice(page, nullptr);
            }
        });
}

void DevicesUi::showRows(DevicesPage *page, const QList<DeviceEntry> &devices)
{
    // The titles of the last videos, from the local copy (off the GUI thread), then the rows.
    struct Lookup
    {
        QHash<QString, QString> titles;
        qsizetype left = 0;
    };
    const auto lookup = std::make_shared<Lookup>();
    const quint64 generation = m_listGeneration;
    const auto show = [this, page, devices, lookup, generation] {
        if (generation != m_listGeneration)
            return;
        QList<DevicesPage::Row> rows;
        const auto presented =
            DevicesPresenter::rows(devices, m_sync.clock().serverNowMs(), lookup->titles);
        for (const DevicesPresenter::Row &row : presented)
            rows.append({row.id, row.name, row.detail, row.thisDevice});
        page->setRows(rows);
    };
    const QStringList ids = DevicesPresenter::contentIds(devices);
    lookup->left = ids.size();
    if (ids.isEmpty()) {
        show();
        return;
    }
    for (const QString &id : ids) {
        m_local.record(id, page,
                       [lookup, id, show](const StoreResult<std::optional<ProgressRecord>> &found) {
                           // A local copy that fails shows no title: the list still shows.
                           if (found.ok() && found.value())
                               lookup->titles.insert(id, found.value()->title);
                           if (--lookup->left == 0)
                               show();
                       });
    }
}

void DevicesUi::remove(DevicesPage *page, const QString &id)
{
    QString name = id;
    for (const DevicesPage::Row &row : page->rows()) {
        if (row.id == id)
            name = row.name;
    }
    page->setStatus(DevicesPresenter::asking());
    m_sync.removeDevice(id, page, [this, page, name](bool ok, const QString &error) {
        if (ok)
            refresh(page);
        else
            page->setStatus(DevicesPresenter::removeFailed(name, error));
    });
}

void DevicesUi::addDevice(DevicesPage *page, QWidget *parent)
{
    auto *dialog = new AddDeviceDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AddDeviceDialog::approveRequested, this,
            [this, dialog, page = QPointer<DevicesPage>(page)](const QString &code) {
                approve(dialog, page, code);
            });
    dialog->open();
}

void DevicesUi::approve(AddDeviceDialog *dialog, DevicesPage *page, const QString &code)
{
    dialog->showWaiting(DevicesPresenter::asking());
    m_sync.approvePairing(
        code, dialog,
        [this, dialog, page = QPointer<DevicesPage>(page)](const ApproveResult &result) {
            const bool approved = result.outcome == ApproveResult::Approved;
            dialog->showAnswer(DevicesPresenter::approveAnswer(result), approved);
            if (approved && page) {
                m_listedAtApproval = m_lastListed;
                m_awaitDeviceUntilMs = m_steady.elapsed() + kAwaitDeviceForMs;
                m_awaitPage = page;
                m_awaitTimer.stop();
                refresh(page);
            }
        });
}

void DevicesUi::awaitApprovedDevice(DevicesPage *page, const QList<DeviceEntry> *devices)
{
    if (m_awaitDeviceUntilMs == 0 || page != m_awaitPage)
        return;
    for (const DeviceEntry &device : devices ? *devices : QList<DeviceEntry>()) {
        if (!device.thisDevice && !m_listedAtApproval.contains(device.id)) {
            m_awaitDeviceUntilMs = 0; // here it is
            m_awaitTimer.stop();
            return;
        }
    }
    if (m_steady.elapsed() >= m_awaitDeviceUntilMs) {
        m_awaitDeviceUntilMs = 0; // approved but never connected: Refresh shows it if it does
        return;
    }
    m_awaitTimer.start(); // one poll at a time, whoever asked for the list meanwhile
}

void DevicesUi::startPairing(const ServerList &servers, const QList<QSslCertificate> &trusted,
                             const QString &deviceId, const QString &deviceName, QWidget *parent)
{
    m_pairingServers = servers;
    m_pairingTrusted = trusted;
    m_pairingDeviceId = deviceId;
    m_pairingDeviceName = deviceName;
    m_pairingFor = nullptr;
    if (m_pairingDialog)
        m_pairingDialog->close();
    auto *dialog = new PairingDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_pairingDialog = dialog;
    connect(dialog, &PairingDialog::newCodeRequested, this, &DevicesUi::askForCode);
    // Closed (Cancel, or with the form it is over): nobody waits for a code any more.
    connect(dialog, &QObject::destroyed, this, [this] {
        if (!m_pairingDialog) {
            m_pairing.cancel();
            m_presenter.stop();
        }
    });
    dialog->open();
    askForCode();
}

void DevicesUi::askForCode()
{
    m_presenter.start(m_pairingServers.toText());
    m_pairing.start(m_pairingServers, m_pairingTrusted, m_pairingDeviceId, m_pairingDeviceName);
}

void DevicesUi::handlePaired(const QString &token, const QString &user)
{
    m_presenter.showPaired(user);
    if (m_pairingDialog)
        m_pairingDialog->accept();
    if (m_pairingFor) {
        // As if typed, and saved with the rest of the form.
        m_pairingFor->setToken(token);
        m_pairingFor->accept();
        m_pairingFor = nullptr;
        return;
    }
    Q_EMIT paired(m_pairingServers, token);
}
