#include "syncserver.h"

#include "changefeed.h"
#include "clientaddress.h"
#include "connectionguard.h"
#include "databaselocation.h"
#include "devicesapi.h"
#include "eventrouter.h"
#include "httpworker.h"
#include "metrics.h"
#include "progressapi.h"
#include "ratelimiter.h"
#include "recordcache.h"
#include "revocationwatch.h"
#include "serverstorage.h"
#include "servertls.h"
#include "storageservice.h"
#include "tokencache.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QScopedValueRollback>
#include <QThread>
#include <QUuid>

#include <algorithm>

SyncServer::SyncServer(QObject *parent)
    : QObject(parent),
      m_storage(std::make_unique<ServerStorage>()),
      m_service(std::make_unique<StorageService>()),
      m_cache(std::make_unique<RecordCache>()),
      m_metrics(std::make_unique<Metrics>()),
      m_router(std::make_unique<EventRouter>()),
      m_tokens(std::make_unique<TokenCache>()),
      m_limiter(std::make_unique<RateLimiter>()),
      m_guards(std::make_unique<ConnectionGuard::Shared>()),
      m_activity(std::make_unique<DeviceActivity>()),
      m_api(
          std::make_unique<ProgressApi>(*m_service, *m_cache, *m_router, *m_metrics, *m_activity)),
      m_devices(std::make_unique<DevicesApi>(*m_service)),
      m_revocations(std::make_unique<RevocationWatch>(*m_service))
{
    m_forgetSweep.setInterval(kForgetSweepMs);
    connect(&m_forgetSweep, &QTimer::timeout, this, [this] {
        dropOldForgets(QDateTime::currentMSecsSinceEpoch());
        dropOldRevocations(QDateTime::currentMSecsSinceEpoch());
    });
    connect(m_revocations.get(), &RevocationWatch::revoked, this, &SyncServer::applyRemoval);
    // This server's own removals take effect before they are answered.
    connect(m_devices.get(), &DevicesApi::devicesRemoved, this, &SyncServer::applyRemoval);
}

SyncServer::~SyncServer()
{
    stop();
}

bool SyncServer::start(const ServerOptions &options, QString *error)
{
    stop();
    QSslConfiguration tls;
    QString tlsError;
    const bool useTls = !options.tlsCertificatePath.isEmpty() || !options.tlsKeyPath.isEmpty();
    if (useTls
        && !ServerTls::load(options.tlsCertificatePath, options.tlsKeyPath, &tls, &tlsError)) {
        if (error)
            *error = tlsError;
        return false;
    }
    ClientAddress clientAddress;
    QString proxyError;
    if (!clientAddress.setTrustedProxies(options.trustedProxies, &proxyError)) {
        if (error)
            *error = QStringLiteral("--trusted-proxy: ") + proxyError;
        return false;
    }
    // A cache of this size, new for this run, and the ProgressApi of this thread on it.
    m_cache = std::make_unique<RecordCache>(options.cacheRecords);
    m_api = std::make_unique<ProgressApi>(*m_service, *m_cache, *m_router, *m_metrics, *m_activity);
    // On PostgreSQL other servers may share the database: hear what they commit before serving.
    if (DatabaseLocation::isPostgreSqlUrl(options.databasePath)) {
        m_origin = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m_feed = std::make_unique<ChangeFeed>();
        if (!m_feed->start(options.databasePath, error)) {
            stop();
            return false;
        }
        connect(m_feed.get(), &ChangeFeed::committed, m_api.get(), &ProgressApi::applyCommitted);
        connect(m_feed.get(), &ChangeFeed::resynchronised, m_api.get(), &ProgressApi::dropCache);
        connect(m_feed.get(), &ChangeFeed::caughtUp, m_api.get(), &ProgressApi::applyCaughtUp);
        // Removals of devices: at once on their NOTIFY, and after a reconnection (missed ones).
        connect(m_feed.get(), &ChangeFeed::revocationAnnounced, m_revocations.get(),
                &RevocationWatch::poll);
        connect(m_feed.get(), &ChangeFeed::resynchronised, m_revocations.get(),
                &RevocationWatch::poll);
        m_service->announceChanges(ChangeFeed::channel(), m_origin);
        m_api->setOrigin(m_origin);
    }
    const auto mode = options.groupCommit ? StorageService::CommitMode::Group
                                          : StorageService::CommitMode::PerUpdate;
    if (!m_service->open(options.databasePath, mode, error)
        || !m_storage->open(options.databasePath, error)) {
        stop();
        return false;
    }
    m_forgetSweep.start(); // the first sweep of forgets ran when the storage opened
    dropOldRevocations(QDateTime::currentMSecsSinceEpoch());
    // Before serving: every token lookup is read after the newest removal it starts from.
    m_revocations->start(m_feed ? RevocationWatch::kPostgreSqlPollMs
                                : RevocationWatch::kSqlitePollMs);

    m_devices->setPairingTtl(options.pairingTtlMs);
    m_devices->setClosing(false);
    m_limiter->setRate(options.rateLimit, options.rateBurst);
    ConnectionGuard::Limits limits;
    limits.maxBodyBytes = options.maxBodyBytes;
    limits.maxHeaderBytes = options.maxHeaderBytes;
    limits.idleTimeoutMs = options.idleTimeoutMs;
    limits.maxConnections = options.maxConnections;

    HttpFrontend::Shared shared;
    shared.storage = m_service.get();
    shared.cache = m_cache.get();
    shared.metrics = m_metrics.get();
    shared.tokens = m_tokens.get();
    shared.limiter = m_limiter.get();
    shared.router = m_router.get();
    shared.devices = m_devices.get();
    shared.activity = m_activity.get();
    // Called on the HTTP threads: only what is safe to read from any thread.
    shared.gauges = [guards = m_guards.get(), feed = m_feed.get(),
                     limits](Metrics::Gauges &gauges) {
        if (feed) {
            gauges.changeNotices = feed->noticesReceived();
            gauges.changeFeedReconnects = feed->resynchronisations();
            gauges.changeFeedCaughtUp = feed->caughtUpRecords();
        }
        gauges.limits.append({"max_body_bytes", double(limits.maxBodyBytes)});
        gauges.limits.append({"max_header_bytes", double(limits.maxHeaderBytes)});
        gauges.limits.append({"idle_timeout_seconds", limits.idleTimeoutMs / 1000.0});
        gauges.limits.append({"max_connections", double(limits.maxConnections)});
        using Refusal = ConnectionGuard::Refusal;
        gauges.refusals.append({"body_too_large", guards->refusals(Refusal::BodyTooLarge)});
        gauges.refusals.append({"headers_too_large", guards->refusals(Refusal::HeadersTooLarge)});
        gauges.refusals.append({"length_required", guards->refusals(Refusal::LengthRequired)});
        gauges.refusals.append({"timeout", guards->refusals(Refusal::Timeout)});
        gauges.refusals.append({"connection_cap", guards->refusals(Refusal::ConnectionCap)});
    };
    HttpWorker::Settings settings;
    settings.threads = options.httpThreads > 0 ? options.httpThreads : QThread::idealThreadCount();
    settings.threads = qBound(1, settings.threads, ServerDefaults::kMaxHttpThreads);
    m_metrics->setThreads(settings.threads);
    settings.address = options.address;
    settings.port = options.port;
    if (useTls)
        settings.tls = tls;
    settings.clientAddress = clientAddress;
    settings.limits = limits;
    settings.keepAliveMs = options.keepAliveMs;
    settings.origin = m_origin;
    m_tls = useTls;
    for (int thread = 0; thread < settings.threads; ++thread) {
        settings.thread = thread;
        auto worker = std::make_unique<HttpWorker>(shared, *m_guards);
        if (!worker->start(settings, error)) {
            stop();
            return false;
        }
        settings.port = worker->port(); // port 0: the first thread's pick, for the others too
        m_workers.push_back(std::move(worker));
    }
    return true;
}

void SyncServer::applyRemoval(qint64 userId, const QString &deviceKey)
{
    m_tokens->forget(userId, deviceKey);
    m_router->closeDevice(userId, deviceKey);
}

void SyncServer::sweep(const QString &what,
                       std::function<bool(ServerStorage &, int *, QString *)> job,
                       std::function<void(bool, int)> done)
{
    using Result = std::pair<bool, int>;
    m_service->writeJob<Result>(
        [what, job](ServerStorage &writer) {
            int dropped = 0;
            QString error;
            if (!writer.isOpen() || !writer.reconnectIfLost())
                return Result{false, 0};
            if (!job(writer, &dropped, &error)) {
                qCWarning(lcStorage).noquote() << "could not drop" << what << error;
                return Result{false, 0};
            }
            return Result{true, dropped};
        },
        this,
        [what, done = std::move(done)](Result result) {
            if (result.first && result.second > 0)
                qCInfo(lcStorage).noquote() << "dropped" << result.second << what;
            if (done)
                done(result.first, result.second);
        });
}

void SyncServer::dropOldForgets(qint64 nowMs, std::function<void(bool, int)> done)
{
    sweep(
        QStringLiteral("forgets older than 90 days"),
        [cutoff = nowMs - ProgressStore::kKeepForgottenMs](ServerStorage &writer, int *dropped,
                                                           QString *error) {
            return writer.progress().dropForgottenBefore(cutoff, dropped, error);
        },
        std::move(done));
}

void SyncServer::dropOldRevocations(qint64 nowMs, std::function<void(bool, int)> done)
{
    sweep(
        QStringLiteral("removals of devices older than a day"),
        [cutoff = nowMs - RevocationStore::kKeepMs](ServerStorage &writer, int *dropped,
                                                    QString *error) {
            return writer.users().dropRevocationsBefore(cutoff, dropped, error);
        },
        std::move(done));
}

void SyncServer::stop()
{
    // The wait below runs this thread's events, which may ask to stop again.
    if (m_stopping)
        return;
    const QScopedValueRollback stopping(m_stopping, true);
    m_forgetSweep.stop();
    m_revocations->stop();
    for (const auto &worker : m_workers)
        worker->stopAccepting();
    // Requests under way finish while the storage is open (an update's answer may still read
    // its counts), for a moment. The device endpoints answer on this thread: what comes back for
    // them is run meanwhile, and a pairing GET waiting for a change is answered "pending" now
    // (it would otherwise wait out the grace and lose its answer).
    m_devices->setClosing(true);
    const QDeadlineTimer deadline(kStopGraceMs);
    const auto owing = [this] {
        return std::any_of(m_workers.begin(), m_workers.end(),
                           [](const auto &worker) { return worker->pendingAnswers() > 0; });
    };
    while (owing() && !deadline.hasExpired()) {
        QCoreApplication::processEvents();
        QThread::msleep(2);
    }
    // The writes still under way are committed and answered (to the HTTP threads' homes)...
    m_service->close();
    // ...and each thread writes those answers before its connections close.
    for (const auto &worker : m_workers)
        worker->finish();
    m_workers.clear();
    m_storage->close();
    m_feed.reset();
    m_origin.clear();
    m_service->announceChanges({}, {});
    m_api->setOrigin({});
    m_tokens->clear();
}

bool SyncServer::isListening() const
{
    return !m_workers.empty() && m_workers.front()->isListening();
}

QHostAddress SyncServer::address() const
{
    return m_workers.empty() ? QHostAddress() : m_workers.front()->address();
}

quint16 SyncServer::port() const
{
    return m_workers.empty() ? 0 : m_workers.front()->port();
}

QString SyncServer::url() const
{
    const QHostAddress host = address();
    const QString hostText = host.protocol() == QAbstractSocket::IPv6Protocol
        ? u'[' + host.toString() + u']'
        : host.toString();
    const bool tls = !m_workers.empty() && m_tls;
    return QStringLiteral("%1://%2:%3")
        .arg(tls ? QLatin1String("https") : QLatin1String("http"), hostText)
        .arg(port());
}

void SyncServer::forgetAuthFailures()
{
    m_limiter->forgetAuthFailures();
}
