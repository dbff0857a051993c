#pragma once

// The client side against a real server in the test's process: a local copy opened in a
// temporary folder, a SyncServer on a port the OS picks with one user, another device reporting
// through its own SyncClient, and the server's stored record. Shared by the app library's tests
// that need a server (tst_historyentries, tst_continuewatchingmodel), and the sync client's
// (tst_syncclient, tst_pairingclient).
#include "checkcall.h"
#include "client/localcopy.h"
#include "client/serverpool.h"
#include "client/syncclient.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

namespace SyncFixture {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 20000;

// Null (with a warning saying why) when it cannot be opened.
inline std::unique_ptr<LocalCopy> openLocalCopy(const QString &path)
{
    auto local = std::make_unique<LocalCopy>();
    QObject context;
    std::optional<bool> opened;
    QString error;
    local->open(path, &context, [&opened, &error](const StoreResult<void> &result) {
        opened = result.ok();
        error = result.error();
    });
    if (!QTest::qWaitFor([&opened] { return opened.has_value(); }, kTimeoutMs) || !*opened) {
        qWarning().noquote() << "cannot open the local copy" << path << error;
        return nullptr;
    }
    return local;
}

// Starts `server` on `databasePath` and `port` (0: one the OS picks) and gives its URL. False
// (with a warning saying why) when it does not start.
inline bool startServerOn(SyncServer &server, const QString &databasePath, quint16 port,
                          QString *url, qint64 pairingTtlMs = ServerDefaults::kPairingTtlMs)
{
    ServerOptions options;
    options.databasePath = databasePath;
    options.port = port;
    options.pairingTtlMs = pairingTtlMs;
    QString error;
    if (!server.start(options, &error)) {
        qWarning().noquote() << "cannot start the server:" << error;
        return false;
    }
    *url = server.url();
    return true;
}

// Null (with a warning) when it does not start; `token` is its one user's.
inline std::unique_ptr<SyncServer> startServer(const QString &databasePath, QString *token)
{
    auto server = std::make_unique<SyncServer>();
    QString url;
    QString error;
    if (!startServerOn(*server, databasePath, 0, &url))
        return nullptr;
    if (!server->storage().users().addUser(QStringLiteral("alice"), token, &error)) {
        qWarning().noquote() << "cannot add a user:" << error;
        return nullptr;
    }
    return server;
}

// `record` reported by its device (deviceId, deviceName) through a SyncClient and local copy of
// its own at `localPath`, as a player does. True once the server took it.
inline bool reportFrom(const SyncServer &server, const QString &token, const QString &localPath,
                       const ProgressRecord &record)
{
    const std::unique_ptr<LocalCopy> local = openLocalCopy(localPath);
    if (!local)
        return false;
    ServerPool servers;
    servers.setServers(ServerList({QUrl(server.url())}), token);
    SyncClient device(*local, servers);
    device.setDevice(record.deviceId, record.deviceName);
    QSignalSpy settled(&device, &SyncClient::reportSettled);
    device.report(record);
    if (!QTest::qWaitFor([&settled] { return !settled.isEmpty(); }, kTimeoutMs))
        return false;
    return settled.first().at(1).toBool();
}

// The record the server holds for `contentId`; nullopt when it holds none or cannot read it.
inline std::optional<ProgressRecord> serverRecord(SyncServer &server, const QString &token,
                                                  const QString &contentId)
{
    qint64 userId = -1;
    QString error;
    std::optional<ProgressRecord> record;
    if (!server.storage().users().userForToken(token, &userId, &error)
        || !server.storage().progress().record(userId, contentId, &record, &error))
        qWarning().noquote() << "cannot read the server's record:" << error;
    return record;
}

} // namespace SyncFixture
