#include "syncserver.h"

#include "changefeed.h"
#include "clientaddress.h"
#include "connectionguard.h"
#include "databaselocation.h"
#include "devicesapi.h"
#include "eventhub.h"
#include "httpfrontend.h"
#include "metrics.h"
#include "progressapi.h"
#include "recordcache.h"
#include "revocationwatch.h"
#include "serverstorage.h"
#include "servertls.h"
#include "storageservice.h"
#include "tcplistener.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QUuid>

SyncServer::SyncServer(QObject *parent)
    : QObject(parent),
      m_storage(std::make_unique<ServerStorage>()),
      m_service(std::make_unique<StorageService>()),
      m_cache(std::make_unique<RecordCache>()),
      m_metrics(std::make_unique<Metrics>()),
      m_events(std::make_unique<EventHub>()),
      m_api(std::make_unique<ProgressApi>(*m_service, *m_cache, *m_events, *m_metrics)),
      m_devices(std::make_unique<DevicesApi>(*m_service)),
      m_guard(std::make_unique<ConnectionGuard>()),
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
    *m_cache = RecordCache(options.cacheRecords);
    m_forgetSweep.start(); // the first sweep of forgets ran when the storage opened
    dropOldRevocations(QDateTime::currentMSecsSinceEpoch());
    // Before serving: every token lookup is read after the newest removal it starts from.
    m_revocations->start(m_feed ? RevocationWatch::kPostgreSqlPollMs
                                : RevocationWatch::kSqlitePollMs);

    m_events->setKeepAliveInterval(options.keepAliveMs);
    m_devices->setPairingTtl(options.pairingTtlMs);
    ConnectionGuard::Limits limits;
    limits.maxBodyBytes = options.maxBodyBytes;
    limits.maxHeaderBytes = options.maxHeaderBytes;
    limits.idleTimeoutMs = options.idleTimeoutMs;
    limits.maxConnections = options.maxConnections;
    m_guard->setLimits(limits);
    auto listener = std::make_unique<TcpListener>(*m_guard);
    if (useTls)
        listener->setTlsConfiguration(tls);
    if (!listener->listen(options.address, options.port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(options.address.toString())
                         .arg(options.port)
                         .arg(listener->errorString());
        stop();
        return false;
    }
    m_listener = listener.release();
    m_frontend = new HttpFrontend(*m_service, *m_api, *m_devices, *m_events, *m_metrics, *m_cache,
                                  *m_listener, this);
    m_frontend->setMaxBodyBytes(options.maxBodyBytes);
    m_frontend->setRateLimit(options.rateLimit, options.rateBurst);
    m_frontend->setClientAddress(clientAddress);
    m_frontend->setGaugeSource([guard = m_guard.get(),
                                feed = m_feed.get()](Metrics::Gauges &gauges) {
        if (feed) {
            gauges.changeNotices = feed->noticesReceived();
            gauges.changeFeedReconnects = feed->resynchronisations();
        }
        const ConnectionGuard::Limits &inForce = guard->limits();
        gauges.limits.append({"max_body_bytes", double(inForce.maxBodyBytes)});
        gauges.limits.append({"max_header_bytes", double(inForce.maxHeaderBytes)});
        gauges.limits.append({"idle_timeout_seconds", inForce.idleTimeoutMs / 1000.0});
        gauges.limits.append({"max_connections", double(inForce.maxConnections)});
        using Refusal = ConnectionGuard::Refusal;
        gauges.refusals.append({"body_too_large", guard->refusals(Refusal::BodyTooLarge)});
        gauges.refusals.append({"headers_too_large", guard->refusals(Refusal::HeadersTooLarge)});
        gauges.refusals.append({"length_required", guard->refusals(Refusal::LengthRequired)});
        gauges.refusals.append({"timeout", guard->refusals(Refusal::Timeout)});
        gauges.refusals.append({"connection_cap", guard->refusals(Refusal::ConnectionCap)});
    });
    // A connection waiting for its answer, or carrying an event stream, is quiet for a reason.
    m_guard->setBusyCheck([frontend = m_frontend, events = m_events.get()](QTcpSocket *socket) {
        return frontend->owesAnswer(socket) || events->isStreaming(socket);
    });
    // bind() makes the frontend the listener's parent: deleting the frontend deletes both.
    m_frontend->bind(m_listener);
    return true;
}

void SyncServer::applyRemoval(qint64 userId, const QString &deviceKey)
{
    if (m_frontend)
        m_frontend->forgetDevice(userId, deviceKey);
    m_events->closeDevice(userId, deviceKey);
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
    m_forgetSweep.stop();
    m_revocations->stop();
    m_events->closeAll();
    if (m_listener)
        m_listener->close();
    delete m_frontend; // and with it the listener and its sockets, its children
    m_frontend = nullptr;
    m_listener = nullptr;
    m_service->close();
    m_storage->close();
    m_feed.reset();
    m_origin.clear();
    m_service->announceChanges({}, {});
    m_api->setOrigin({});
}

bool SyncServer::isListening() const
{
    return m_listener && m_listener->isListening();
}

QHostAddress SyncServer::address() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

quint16 SyncServer::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QString SyncServer::url() const
{
    const QHostAddress host = address();
    const QString hostText = host.protocol() == QAbstractSocket::IPv6Protocol
        ? u'[' + host.toString() + u']'
        : host.toString();
    const bool tls = m_listener && m_listener->usesTls();
    return QStringLiteral("%1://%2:%3")
        .arg(tls ? QLatin1String("https") : QLatin1String("http"), hostText)
        .arg(port());
}

void SyncServer::forgetAuthFailures()
{
    if (m_frontend)
        m_frontend->forgetAuthFailures();
}
