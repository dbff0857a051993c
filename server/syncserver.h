#pragma once

#include "connectionguard.h"
#include "serverdefaults.h"

#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class ChangeFeed;
class DeviceActivity;
class DevicesApi;
class EventRouter;
class HttpWorker;
class Metrics;
class ProgressApi;
class RateLimiter;
class RecordCache;
class RevocationWatch;
class StorageService;
class ServerStorage;
class TokenCache;

struct ServerOptions
{
    // A SQLite file path, or a postgresql:// URL for several servers on one database.
    QString databasePath;
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = ServerDefaults::kPort; // 0 picks a free port
    qint64 maxBodyBytes = ServerDefaults::kMaxBodyBytes;
    int keepAliveMs = ServerDefaults::kKeepAliveMs;
    // Concurrent updates share a transaction; off: one transaction each (for benchmarks only).
    bool groupCommit = true;
    qsizetype cacheRecords = ServerDefaults::kCacheRecords;
    qint64 maxHeaderBytes = ServerDefaults::kMaxHeaderBytes;
    int idleTimeoutMs = ServerDefaults::kIdleTimeoutMs;
    int maxConnections = ServerDefaults::kMaxConnections;
    double rateLimit = ServerDefaults::kRateLimit;
    double rateBurst = ServerDefaults::kRateBurst;
    // PEM files to serve HTTPS with; both empty: plain HTTP. start() refuses a certificate and
    // key that cannot be read or do not belong together.
    QString tlsCertificatePath;
    QString tlsKeyPath;
    // How long a pairing code is valid.
    qint64 pairingTtlMs = ServerDefaults::kPairingTtlMs;
    // Reverse proxies whose X-Forwarded-For / X-Real-IP name the client: "ADDR[,ADDR...]",
    // addresses or subnets (start() refuses one that is neither).
    QString trustedProxies;
    // HTTP threads, each with its own listening socket on the same port (1 to
    // ServerDefaults::kMaxHttpThreads); 0: one per core.
    int httpThreads = 0;
};

// playmark-server as one object: storage, API, event streams and the HTTP threads (HttpWorker),
// which share the port. Sweeps, the change feed, removals of devices and the device endpoints
// stay on the thread that made it. Tests start it in-process on port 0; main() starts it for
// `serve`.
class SyncServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncServer)
public:
    explicit SyncServer(QObject *parent = nullptr);
    ~SyncServer() override;

    bool start(const ServerOptions &options, QString *error);
    // Stops accepting on every HTTP thread, ends event streams, finishes the writes under way and
    // writes their answers, then closes the connections, joins the threads and closes the
    // database. Every answered update is already committed, so nothing is left to flush.
    void stop();

    bool isListening() const;
    QHostAddress address() const;
    quint16 port() const;
    // http://HOST:PORT, or https:// when serving TLS.
    QString url() const;

    // A connection of its own on the server's database, for administration (users, tokens) and
    // tests; requests never use it. Devices removed through it take effect when RevocationWatch
    // reads their revocations row, as with `playmark-server user revoke` from another process.
    ServerStorage &storage() { return *m_storage; }
    // The event streams of every HTTP thread.
    EventRouter &events() { return *m_router; }
    int httpThreads() const { return int(m_workers.size()); }
    // Failed authentications are forgotten, as after a quiet minute (for tests that send many
    // refused requests and want each answered without the delay that slows guessing).
    void forgetAuthFailures();
    DevicesApi &devices() { return *m_devices; }
    const Metrics &metrics() const { return *m_metrics; }
    // This run's name in change notices (PostgreSQL); empty on SQLite.
    QString origin() const { return m_origin; }

    // A device was removed (deviceKey empty: every device of the user), by this server or
    // another: its tokens get 401 from now on and its event streams end. The server that removes
    // calls it before answering; RevocationWatch calls it for every removal.
    void applyRemoval(qint64 userId, const QString &deviceKey);

    // Drops the forgets that are more than 90 days old at `nowMs` (ProgressStore::
    // kKeepForgottenMs), off this thread; the server does it when it opens the database and then
    // daily.
    // `done(ok, dropped)` once done.
    void dropOldForgets(qint64 nowMs, std::function<void(bool ok, int dropped)> done = {});
    // Drops the removals of devices more than a day old at `nowMs` (RevocationStore::kKeepMs),
    // in the same daily sweep.
    void dropOldRevocations(qint64 nowMs, std::function<void(bool ok, int dropped)> done = {});
    static constexpr int kForgetSweepMs = 24 * 60 * 60 * 1000;
    // How long stop() lets the requests under way finish before it closes the storage.
    static constexpr int kStopGraceMs = 2000;

private:
    // Drops what `job` drops on the writer's thread, saying how many `what` went.
    void sweep(const QString &what,
               std::function<bool(ServerStorage &, int *dropped, QString *error)> job,
               std::function<void(bool ok, int dropped)> done);

    // Shared by the HTTP threads; each is thread-safe.
    std::unique_ptr<ServerStorage> m_storage;
    std::unique_ptr<StorageService> m_service;
    std::unique_ptr<RecordCache> m_cache;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<EventRouter> m_router;
    std::unique_ptr<TokenCache> m_tokens;
    std::unique_ptr<RateLimiter> m_limiter;
    std::unique_ptr<ConnectionGuard::Shared> m_guards;
    // On this thread: the change feed's changes go through this ProgressApi (the HTTP threads
    // have their own; it publishes through m_router), and the device endpoints are asked here.
    std::unique_ptr<DeviceActivity> m_activity; // shared by every thread's ProgressApi
    std::unique_ptr<ProgressApi> m_api;
    std::unique_ptr<DevicesApi> m_devices;
    bool m_stopping = false; // in stop()
    std::unique_ptr<ChangeFeed> m_feed; // PostgreSQL only
    std::unique_ptr<RevocationWatch> m_revocations;
    QString m_origin;
    QTimer m_forgetSweep;
    std::vector<std::unique_ptr<HttpWorker>> m_workers;
    bool m_tls = false;
};
