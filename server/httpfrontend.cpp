#include "httpfrontend.h"

#include "devicesapi.h"
#include "eventhub.h"
#include "eventrouter.h"
#include "metrics.h"
#include "progressapi.h"
#include "recordcache.h"
#include "remoteconnection.h"
#include "storageservice.h"
#include "tcplistener.h"
#include "tokens.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <utility>

Q_LOGGING_CATEGORY(lcHttp, "playmark.server.http")

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    const char *key = QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(method));
    return key ? QByteArray(key).toUpper() : QByteArray("UNKNOWN");
}

bool isChange(const QByteArray &method)
{
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

HttpFrontend::HttpFrontend(const Shared &shared, ProgressApi &api, EventHub &events,
                           const TcpListener &listener, int thread, QObject *parent)
    : QAbstractHttpServer(parent),
      m_shared(shared),
      m_storage(*shared.storage),
      m_api(api),
      m_events(events),
      m_metrics(*shared.metrics),
      m_listener(listener),
      m_tokens(*shared.tokens),
      m_limiter(*shared.limiter),
      m_thread(thread)
{
    connect(&m_api, &ProgressApi::deviceBound, this,
            [this](const QString &deviceKey, const QString &deviceId) {
                m_tokens.setBoundDeviceId(deviceKey, deviceId);
            });
}

qsizetype HttpFrontend::pendingAnswers() const
{
    qsizetype count = 0;
    for (const auto &queue : m_slots)
        count += qsizetype(queue.size());
    return count;
}

bool HttpFrontend::owesAnswer(QTcpSocket *socket) const
{
    const auto it = m_slots.constFind(socket);
    return it != m_slots.cend() && !it->empty();
}

void HttpFrontend::stopTakingRequests()
{
    m_stopping = true;
    for (QTcpSocket *socket : m_listener.findChildren<QTcpSocket *>()) {
        if (!owesAnswer(socket) && !m_events.isStreaming(socket))
            socket->disconnectFromHost();
    }
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (m_stopping) {
        if (!owesAnswer(socket))
            socket->disconnectFromHost();
        return true; // not begun: it would only meet a closed database
    }
    // A connection carrying an event stream carries nothing else: an answer to a request
    // pipelined after GET /v1/events would be written into the stream (fuzz/regressions/).
    if (m_events.isStreaming(socket))
        return true;
    // Qt 6.4 passes a WebSocket upgrade to missingHandler() after this, whatever this returns:
    // leave the one answer (404, there are no WebSocket endpoints) to that.
    if (request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0)
        return false;
    Call call;
    call.route = ApiRoute::match(request.url());
    call.method = request.method();
    const QString label =
        call.route.kind == ApiRoute::Kind::NotFound ? QStringLiteral("other") : call.route.label;
    const SlotPtr slot = openSlot(request, socket, label);

    if (call.route.kind == ApiRoute::Kind::NotFound) {
        answer(
            slot,
            ApiResponse::error(ApiError::NotFound,
                               QStringLiteral("no such endpoint: %1").arg(request.url().path())));
        return true;
    }
    if (!call.route.allowed.testFlag(call.method)) {
        ApiResponse response = ApiResponse::error(
            ApiError::MethodNotAllowed,
            QStringLiteral("%1 is not allowed on %2; use %3")
                .arg(QString::fromLatin1(methodName(call.method)), call.route.label,
                     QString::fromLatin1(call.route.allowHeader())));
        response.headers.append({"Allow", call.route.allowHeader()});
        answer(slot, response);
        return true;
    }
    if (request.body().size() > m_maxBodyBytes) {
        answer(slot,
               ApiResponse::error(
                   ApiError::PayloadTooLarge,
                   QStringLiteral("the body is larger than %1 bytes").arg(m_maxBodyBytes)));
        return true;
    }
    call.query = request.query();
    call.body = request.body();
    call.authorization = header(request, "Authorization").trimmed();
    call.address = m_clientAddress.of(request.remoteAddress(), header(request, "X-Forwarded-For"),
                                      header(request, "X-Real-IP"));
    // A request pipelined behind a change (PUT, DELETE, POST) that is not answered yet starts
    // once it is, so that it sees the change: only safe requests may overlap (RFC 9112, 9.3.2).
    const std::deque<SlotPtr> &queue = m_slots[socket];
    if (std::any_of(queue.begin(), queue.end(), [&slot](const SlotPtr &queued) {
            return queued != slot && !queued->answer && isChange(queued->method);
        }))
        slot->held = [this, call, weak = std::weak_ptr<Slot>(slot)] {
            if (const SlotPtr waiting = weak.lock()) // weak: the slot holds this function
                start(call, waiting);
        };
    else
        start(call, slot);
    return true;
}

void HttpFrontend::start(const Call &call, const SlotPtr &slot)
{
    if (!call.route.needsToken())
        return dispatch(call, DeviceIdentity(), slot);
    authenticate(
        call.authorization,
        [this, call, slot](const DeviceIdentity &identity, const ApiResponse &failure,
                           const QString &tokenHash) {
            if (identity.isKnown()) {
                if (const qint64 waitMs = m_limiter.allow(tokenHash)) {
                    ApiResponse limited = ApiResponse::error(
                        ApiError::RateLimited,
                        QStringLiteral("more than %1 requests a second with this token; "
                                       "wait %2 ms")
                            .arg(m_limiter.rate())
                            .arg(waitMs));
                    limited.headers.append(
                        {"Retry-After", QByteArray::number((waitMs + 999) / 1000)});
                    return answer(slot, limited);
                }
                return dispatch(call, identity, slot);
            }
            // Guessing tokens from one address gets slower and slower.
            const qint64 delayMs = failure.status == 401 ? m_limiter.authFailed(call.address) : 0;
            if (delayMs == 0)
                return answer(slot, failure);
            QTimer::singleShot(delayMs, this, [this, slot, failure] { answer(slot, failure); });
        });
}

void HttpFrontend::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest answers everything; this is only reached if that ever changes.
    answer(openSlot(request, socket, QStringLiteral("other")),
           ApiResponse::error(ApiError::NotFound, QStringLiteral("no such endpoint")));
}

void HttpFrontend::dispatch(const Call &call, const DeviceIdentity &identity, const SlotPtr &slot)
{
    const qint64 userId = identity.userId;
    using Kind = ApiRoute::Kind;
    using Method = QHttpServerRequest::Method;
    // Answers may come after this frontend is gone (the server stopping): then they go nowhere.
    const ProgressApi::Reply reply = [self = QPointer<HttpFrontend>(this),
                                      slot](const ApiResponse &response) {
        if (self)
            self->answer(slot, response);
    };
    const QString &id = call.route.contentId;
    // Updates say so themselves, with their video and name (ProgressApi).
    const bool isUpdate = call.route.kind == Kind::Sync
        || (call.route.kind == Kind::ProgressItem && call.method == Method::Put);
    if (identity.isKnown() && !isUpdate)
        m_api.deviceSeen(identity);
    switch (call.route.kind) {
    case Kind::Health:
        return reply(ApiResponse::ok({{QStringLiteral("status"), QStringLiteral("ok")}}));
    case Kind::Metrics: {
        Metrics::Gauges gauges;
        gauges.openConnections = m_listener.openConnections();
        gauges.eventSubscribers =
            m_shared.router ? m_shared.router->subscriberCount() : m_events.subscriberCount();
        gauges.cachedRecords = m_shared.cache->size();
        gauges.cacheHits = m_shared.cache->hits();
        gauges.cacheMisses = m_shared.cache->misses();
        gauges.transactions = m_storage.transactions();
        gauges.writes = m_storage.groupedWrites();
        if (m_shared.gauges)
            m_shared.gauges(gauges);
        gauges.limits.append({"rate_limit_per_second", m_limiter.rate()});
        gauges.limits.append({"rate_burst", m_limiter.burst()});
        gauges.refusals.append({"rate_limited", m_limiter.limited()});
        gauges.refusals.append({"auth_failure_delayed", m_limiter.delayed()});
        return reply(ApiResponse::text(m_metrics.render(gauges),
                                       "text/plain; version=0.0.4; charset=utf-8"));
    }
    case Kind::ProgressList:
        return m_api.list(userId, call.query, reply);
    case Kind::ProgressItem:
        if (call.method == Method::Put)
            return m_api.put(identity, id, call.body, reply);
        if (call.method == Method::Delete)
            return m_api.remove(userId, id, call.query, reply);
        return m_api.get(userId, id, reply);
    case Kind::ProgressHistory:
        return m_api.history(userId, id, call.query, reply);
    case Kind::Sync:
        return m_api.sync(identity, call.body, reply);
    case Kind::Continue:
        return m_api.continueList(userId, call.query, reply);
    case Kind::Events:
        slot->streamUserId = userId;
        slot->streamDeviceKey = identity.deviceKey;
        return reply(ApiResponse());
    case Kind::Devices:
        return askDevices(slot, [identity](DevicesApi &devices, const ProgressApi::Reply &back) {
            devices.list(identity, back);
        });
    case Kind::DeviceItem:
        return askDevices(slot,
                          [identity, itemId = call.route.itemId](DevicesApi &devices,
                                                                 const ProgressApi::Reply &back) {
                              devices.remove(identity, itemId, back);
                          });
    case Kind::Pairings:
        return askDevices(slot, [call](DevicesApi &devices, const ProgressApi::Reply &back) {
            devices.createPairing(call.address, call.body, back);
        });
    case Kind::PairingItem: {
        // DevicesApi watches whether the client is still there, on its own thread.
        RemoteConnection *connection = nullptr;
        if (slot->socket) {
            connection = new RemoteConnection(slot->socket);
            connection->moveToThread(m_shared.devices->thread());
        }
        return askDevices(slot,
                          [call, connection = QPointer<QAbstractSocket>(connection)](
                              DevicesApi &devices, const ProgressApi::Reply &back) {
                              // Once answered, nothing watches the stand-in any more: it
                              // would live until the client's connection closes, one per poll.
                              const ProgressApi::Reply answered =
                                  [back, connection](const ApiResponse &response) {
                                      back(response);
                                      if (connection)
                                          connection->deleteLater();
                                  };
                              devices.pairingStatus(call.route.itemId, call.query, connection,
                                                    answered);
                          });
    }
    case Kind::PairingApprove:
        return askDevices(slot,
                          [identity, call](DevicesApi &devices, const ProgressApi::Reply &back) {
                              devices.approvePairing(identity, call.address, call.body, back);
                          });
    case Kind::NotFound:
        break;
    }
    reply(ApiResponse::error(ApiError::NotFound, QStringLiteral("no such endpoint")));
}

void HttpFrontend::askDevices(const SlotPtr &slot,
                              std::function<void(DevicesApi &, const ProgressApi::Reply &)> call)
{
    DevicesApi *devices = m_shared.devices;
    // Answered on this thread, by way of its home: this frontend may be gone by then.
    const ProgressApi::Reply back = [storage = &m_storage, thread = QThread::currentThread(),
                                     self = QPointer<HttpFrontend>(this),
                                     slot](const ApiResponse &response) {
        storage->homes().post(thread, [self, slot, response] {
            if (self)
                self->answer(slot, response);
        });
    };
    if (devices->thread() == QThread::currentThread())
        return call(*devices, back);
    QMetaObject::invokeMethod(
        devices, [devices, call, back] { call(*devices, back); }, Qt::QueuedConnection);
}

void HttpFrontend::authenticate(
    const QByteArray &authorization,
    std::function<void(const DeviceIdentity &, ApiResponse, QString)> done)
{
    const auto refuse = [&done](const QString &message, const QString &hash) {
        done(DeviceIdentity(), ApiResponse::error(ApiError::Unauthorized, message), hash);
    };
    if (authorization.isEmpty())
        return refuse(QStringLiteral("missing the header 'Authorization: Bearer TOKEN'"),
                      QString());
    const QByteArray scheme = authorization.left(7);
    const QByteArray token = authorization.mid(7).trimmed();
    if (scheme.compare("Bearer ", Qt::CaseInsensitive) != 0 || token.isEmpty())
        return refuse(QStringLiteral("the Authorization header must be 'Bearer TOKEN'"), QString());

    const QString hash = Tokens::hash(QString::fromUtf8(token));
    const auto decide = [done, hash](const DeviceIdentity &identity) {
        if (!identity.isKnown())
            return done(
                identity,
                ApiResponse::error(ApiError::Unauthorized,
                                   QStringLiteral("the token is unknown or has been revoked")),
                hash);
        done(identity, ApiResponse(), hash);
    };
    const auto found = [hash, done, decide](bool ok, const DeviceIdentity &identity) {
        if (!ok)
            return done(DeviceIdentity(),
                        ApiResponse::error(ApiError::Unavailable,
                                           QStringLiteral("storage is unavailable; try again")),
                        hash);
        decide(identity);
    };
    // Requests of a token whose lookup is under way wait for it, and are then decided in the
    // order they came: the rate limit's bucket is taken from in that order (the cache, which
    // another thread may fill meanwhile, must not let a later request go first).
    if (const auto waiting = m_lookups.find(hash); waiting != m_lookups.end())
        return waiting->push_back(found);
    if (const std::optional<DeviceIdentity> known = m_tokens.find(hash))
        return decide(*known);
    m_lookups[hash].push_back(found);
    lookUp(hash, [this, hash](bool ok, const DeviceIdentity &identity) {
        const std::vector<Found> waiting = m_lookups.take(hash);
        for (const Found &next : waiting)
            next(ok, identity);
    });
}

void HttpFrontend::lookUp(const QString &tokenHash,
                          std::function<void(bool, const DeviceIdentity &)> done)
{
    using Lookup = std::pair<bool, DeviceIdentity>; // ok, who
    m_storage.read<Lookup>(
        [tokenHash](ServerStorage &storage) {
            Lookup lookup{false, DeviceIdentity()};
            QString error;
            lookup.first = storage.users().identityForTokenHash(tokenHash, &lookup.second, &error);
            return lookup;
        },
        this,
        [this, tokenHash, done, epoch = m_tokens.epoch()](const Lookup &lookup) {
            // A device was removed while this lookup ran, perhaps after it read the token: what
            // it found can be trusted no more than stored. Asked again, the database knows.
            if (lookup.first && !m_tokens.store(tokenHash, lookup.second, epoch))
                return lookUp(tokenHash, done);
            done(lookup.first, lookup.second);
        });
}

HttpFrontend::SlotPtr HttpFrontend::openSlot(const QHttpServerRequest &request, QTcpSocket *socket,
                                             const QString &label)
{
    auto slot = std::make_shared<Slot>();
    slot->timer.start();
    slot->socket = socket;
    slot->responder.emplace(makeResponder(request, socket));
    slot->label = label;
    slot->method = methodName(request.method());
    slot->closeAfter =
        header(request, "Connection").trimmed().compare("close", Qt::CaseInsensitive) == 0;
    if (!m_slots.contains(socket)) {
        // The socket is deleted by the HTTP layer after a hang-up: forget what it was owed.
        connect(socket, &QObject::destroyed, this, [this, socket] { m_slots.remove(socket); });
    }
    m_slots[socket].push_back(slot);
    return slot;
}

void HttpFrontend::answer(const SlotPtr &slot, const ApiResponse &response)
{
    slot->answer = response;
    if (slot->socket) {
        flush(slot->socket);
        startHeld(slot->socket);
    }
}

void HttpFrontend::startHeld(QTcpSocket *socket)
{
    // A start may answer at once and so edit the queue: look again from the front after each.
    for (;;) {
        const auto it = m_slots.constFind(socket);
        if (it == m_slots.cend())
            return;
        SlotPtr next;
        for (const SlotPtr &queued : *it) {
            if (queued->held) {
                next = queued;
                break;
            }
            if (!queued->answer && isChange(queued->method))
                return; // what follows still waits for this change
        }
        if (!next)
            return;
        const std::function<void()> held = std::exchange(next->held, nullptr);
        held();
    }
}

void HttpFrontend::flush(QTcpSocket *socket)
{
    const auto it = m_slots.find(socket);
    if (it == m_slots.end())
        return;
    std::deque<SlotPtr> &queue = *it;
    while (!queue.empty() && queue.front()->answer) {
        const SlotPtr slot = queue.front();
        queue.pop_front();
        write(*slot);
        if (slot->streamUserId >= 0) {
            queue.clear(); // requests pipelined after the stream's are never answered
            return;
        }
    }
    if (m_stopping && queue.empty())
        socket->disconnectFromHost(); // after the buffered answers are sent
}

void HttpFrontend::write(Slot &slot)
{
    const ApiResponse &response = *slot.answer;
    const int status = slot.streamUserId >= 0 ? 200 : response.status;
    m_metrics.countRequest(slot.label, slot.method, status, double(slot.timer.nsecsElapsed()) / 1e9,
                           m_thread);
    qCDebug(lcHttp).noquote() << slot.method << slot.label << status
                              << QStringLiteral("%1 ms").arg(
                                     double(slot.timer.nsecsElapsed()) / 1e6, 0, 'f', 2);
    // The client may have left while the answer was being made.
    if (!slot.socket || slot.socket->state() != QAbstractSocket::ConnectedState)
        return;
    QHttpServerResponder &responder = *slot.responder;

    if (slot.streamUserId >= 0) {
        responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
        responder.writeHeader("Content-Type", "text/event-stream");
        responder.writeHeader("Cache-Control", "no-cache");
        responder.writeHeader("X-Accel-Buffering", "no");
        // A first comment gets the headers to the client at once.
        responder.writeBody(": playmark events\n\n");
        m_events.subscribe(slot.streamUserId, slot.streamDeviceKey, slot.socket);
        return;
    }

    QByteArray body;
    QByteArray contentType;
    if (response.hasJsonBody()) {
        QJsonObject json = response.json;
        json.insert(QStringLiteral("server_time_ms"), QDateTime::currentMSecsSinceEpoch());
        body = QJsonDocument(json).toJson(QJsonDocument::Compact);
        contentType = "application/json";
    } else if (response.status != 204) {
        body = response.rawBody;
        contentType = response.contentType;
    }
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    if (!contentType.isEmpty())
        responder.writeHeader("Content-Type", contentType);
    for (const auto &[name, value] : response.headers)
        responder.writeHeader(name, value);
    if (response.status != 204)
        responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    // An answer to HEAD is its headers alone: a client reads no body after them, so body bytes
    // would be taken for the start of the next answer.
    responder.writeBody(slot.method == "HEAD" ? QByteArray() : body);
    if (slot.closeAfter) {
        slot.socket->disconnectFromHost(); // after the buffered answer is sent
    }
}
