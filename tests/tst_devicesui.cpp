// Settings > Devices put together (DevicesUi) with a real server in the test's process, on a
// port the OS picks: the page lists this device; when the device is removed while the page is
// open, the page says so by itself at the device's next request, nobody asking it to refresh.

#include "client/serverpool.h"
#include "client/syncclient.h"
#include "devicespage.h"
#include "devicespresenter.h"
#include "devicesui.h"
#include "settingsdialog.h"
#include "syncfixture.h"

#include <QNetworkProxy>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;

namespace {
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
} // namespace

class tst_DevicesUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void removedWhileOpenSaysSoByItself();
};

void tst_DevicesUi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
}

void tst_DevicesUi::removedWhileOpenSaysSoByItself()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString token;
    const auto server = SyncFixture::startServer(dir.filePath(u"server.sqlite"_s), &token);
    QVERIFY(server);
    const auto local = SyncFixture::openLocalCopy(dir.filePath(u"local.sqlite"_s));
    QVERIFY(local);
    ServerPool servers;
    servers.setServers(ServerList({QUrl(server->url())}), token);
    SyncClient sync(*local, servers);
    sync.setDevice(u"dev-tv"_s, u"TV"_s);
    DevicesUi ui(sync, servers, *local);

    SettingsValues values;
    values.serverUrl = server->url();
    values.token = token;
    values.deviceName = u"TV"_s;
    SettingsDialog dialog(SettingsDialog::Mode::Settings, values);
    ui.attach(&dialog, {}, u"dev-tv"_s);
    DevicesPage *page = dialog.devicesPage();
    QVERIFY(page);
    QTRY_COMPARE_WITH_TIMEOUT(page->rows().size(), 1, kTimeoutMs);
    QVERIFY(page->isConnectedShown());
    const DevicesPage::Row self = page->rows().constFirst();
    QVERIFY(self.thisDevice);

    // Removed (here by itself, as another device would: the page asked nothing).
    std::optional<bool> removed;
    QObject context;
    sync.removeDevice(self.id, &context, [&removed](bool ok, const QString &) { removed = ok; });
    QTRY_VERIFY_WITH_TIMEOUT(removed.has_value(), kTimeoutMs);
    QVERIFY(*removed);
    QVERIFY(page->isConnectedShown());

    // Its next request (any: here lists asked by something else than the page) hears 401, and
    // the open page shows it. Asked again until then: the removal may reach the server's token
    // cache a moment after the 204 (its revocation watch).
    QSignalSpy gone(&sync, &SyncClient::deviceRemoved);
    bool asking = false;
    const auto heard = [&] {
        if (gone.isEmpty() && !asking) {
            asking = true;
            sync.fetchDevices(
                kTimeoutMs, &context,
                [&asking](bool, const QList<DeviceEntry> &, const QString &) { asking = false; });
        }
        return !gone.isEmpty();
    };
    QTRY_VERIFY_WITH_TIMEOUT(heard(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!page->isConnectedShown(), kTimeoutMs);
    QCOMPARE(page->notConnectedText(),
             DevicesPresenter::notConnectedText(DevicesPresenter::Connection::Removed));
}

QTEST_MAIN(tst_DevicesUi)
#include "tst_devicesui.moc"
