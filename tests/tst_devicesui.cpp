// Settings > Devices put together (DevicesUi) with a real server in the test's process, on a
// port the OS picks: the page lists this device; when the device is removed while the page is
// open, the page says so by itself at the device's next request, nobody asking it to refresh; a
// device approved through Add a Device shows in the list when it has connected, also when that is
// after the approval's answer.

#include "adddevicedialog.h"
#include "client/serverpool.h"
#include "client/syncclient.h"
#include "devicefixture.h"
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

#include <memory>
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
    // The TV's Settings open on its Devices page, listing the TV alone.
    void init();
    void cleanup();
    void removedWhileOpenSaysSoByItself();
    void approvedDeviceIsListedOnceConnected_data();
    void approvedDeviceIsListedOnceConnected();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    QString m_token;
    std::unique_ptr<LocalCopy> m_local;
    std::unique_ptr<ServerPool> m_servers;
    std::unique_ptr<SyncClient> m_sync;
    std::unique_ptr<DevicesUi> m_ui;
    std::unique_ptr<SettingsDialog> m_dialog;
    DevicesPage *m_page = nullptr;
};

void tst_DevicesUi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
}

void tst_DevicesUi::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = SyncFixture::startServer(m_dir->filePath(u"server.sqlite"_s), &m_token);
    QVERIFY(m_server);
    m_local = SyncFixture::openLocalCopy(m_dir->filePath(u"local.sqlite"_s));
    QVERIFY(m_local);
    m_servers = std::make_unique<ServerPool>();
    m_servers->setServers(ServerList({QUrl(m_server->url())}), m_token);
    m_sync = std::make_unique<SyncClient>(*m_local, *m_servers);
    m_sync->setDevice(u"dev-tv"_s, u"TV"_s);
    m_ui = std::make_unique<DevicesUi>(*m_sync, *m_servers, *m_local);

    SettingsValues values;
    values.serverUrl = m_server->url();
    values.token = m_token;
    values.deviceName = u"TV"_s;
    m_dialog = std::make_unique<SettingsDialog>(SettingsDialog::Mode::Settings, values);
    m_ui->attach(m_dialog.get(), {}, u"dev-tv"_s);
    m_page = m_dialog->devicesPage();
    QVERIFY(m_page);
    QTRY_COMPARE_WITH_TIMEOUT(m_page->rows().size(), 1, kTimeoutMs);
    QVERIFY(m_page->isConnectedShown());
    QVERIFY(m_page->rows().constFirst().thisDevice);
}

void tst_DevicesUi::cleanup()
{
    m_page = nullptr;
    m_dialog.reset();
    m_ui.reset();
    m_sync.reset();
    m_servers.reset();
    m_local.reset();
    m_server.reset();
    m_dir.reset();
}

void tst_DevicesUi::removedWhileOpenSaysSoByItself()
{
    DevicesPage *page = m_page;
    SyncClient &sync = *m_sync;
    const DevicesPage::Row self = page->rows().constFirst();

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

// The TV approves the Phone's code in Add a Device; the list the TV then asks for comes before
// the Phone has collected its token (on a loaded machine it can), so it lists the TV alone. The
// Phone collects it: the open page lists the Phone by itself, nobody pressing Refresh. Also when
// the server was away a moment in between (a list asked then failed).
void tst_DevicesUi::approvedDeviceIsListedOnceConnected_data()
{
    QTest::addColumn<bool>("serverAway");
    QTest::newRow("server there") << false;
    QTest::newRow("server away a moment") << true;
}

void tst_DevicesUi::approvedDeviceIsListedOnceConnected()
{
    QFETCH(bool, serverAway);
    DevicesPage *page = m_page;
    const QString url = m_server->url();

    // The Phone asks for a code, and waits (it does not collect yet).
    DeviceFixture::Client phone;
    const DeviceFixture::Answer pairing =
        phone.send(url + u"/v1/pairings"_s, "POST", {},
                   {{u"device_id"_s, u"dev-phone"_s}, {u"device_name"_s, u"Phone"_s}});
    QCOMPARE(pairing.status, 201);
    const QString code = pairing.json.value(u"code"_s).toString();
    const QString secret = pairing.json.value(u"secret"_s).toString();
    QVERIFY(!code.isEmpty() && !secret.isEmpty());

    // Add a Device, the code, Approve.
    Q_EMIT page->addDeviceRequested();
    auto *add = m_dialog->findChild<AddDeviceDialog *>();
    QVERIFY(add);
    Q_EMIT add->approveRequested(code);
    QTRY_VERIFY_WITH_TIMEOUT(add->answerText().contains(u"Phone"_s), kTimeoutMs);
    // The list asked after the approval came, without the Phone.
    QTRY_VERIFY_WITH_TIMEOUT(page->statusText().isEmpty(), kTimeoutMs);
    QCOMPARE(page->rows().size(), 1);

    if (serverAway) {
        const quint16 port = quint16(QUrl(url).port());
        m_server->stop();
        const QString failed = DevicesPresenter::listFailed(QString()).section(u':', 0, 0);
        QTRY_VERIFY_WITH_TIMEOUT(page->statusText().startsWith(failed), kTimeoutMs);
        QString again;
        QVERIFY(SyncFixture::startServerOn(*m_server, m_dir->filePath(u"server.sqlite"_s), port,
                                           &again));
        QCOMPARE(again, url);
    }

    // The Phone collects its token: the page lists it.
    const DeviceFixture::Answer collected =
        phone.send(url + u"/v1/pairings/%1"_s.arg(secret), "GET", {});
    QCOMPARE(collected.status, 200);
    QVERIFY(!collected.json.value(u"token"_s).toString().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(page->rows().size(), 2, kTimeoutMs);
    QStringList names;
    for (const DevicesPage::Row &row : page->rows())
        names << row.name;
    QVERIFY2(names.contains(u"Phone"_s), qPrintable(names.join(u", "_s)));
}

QTEST_MAIN(tst_DevicesUi)
#include "tst_devicesui.moc"
