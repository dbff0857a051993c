#include "httpfrontend.h"

#include "eventhub.h"
#include "metrics.h"
#include "progressapi.h"
#include "serverstorage.h"
#include "tcplistener.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcHttp, "playmark.server.http")

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    const char *key = QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(method));
    return key ? QByteArray(key).toUpper() : QByteArray("UNKNOWN");
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

HttpFrontend::HttpFrontend(ServerStorage &storage, ProgressApi &api, EventHub &events,
                           Metrics &metrics, const TcpListener &listener, QObject *parent)
    : QAbstractHttpServer(parent),
      m_storage(storage),
      m_api(api),
      m_events(events),
      m_metrics(metrics),
      m_listener(listener)
{
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QElapsedTimer timer;
    timer.start();
    const ApiRoute route = ApiRoute::match(request.url());
    ApiResponse response;
    qint64 userId = -1;

    if (route.kind == ApiRoute::Kind::NotFound) {
        response = ApiResponse::error(
            ApiError::NotFound, QStringLiteral("no such endpoint: %1").arg(request.url().path()));
    } else if (!route.allowed.testFlag(request.method())) {
        response =
            ApiResponse::error(ApiError::MethodNotAllowed,
                               QStringLiteral("%1 is not allowed on %2; use %3")
                                   .arg(QString::fromLatin1(methodName(request.method())),
                                        route.label, QString::fromLatin1(route.allowHeader())));
        response.headers.append({"Allow", route.allowHeader()});
    } else if (request.body().size() > m_maxBodyBytes) {
        response = ApiResponse::error(
            ApiError::PayloadTooLarge,
            QStringLiteral("the body is larger than %1 bytes").arg(m_maxBodyBytes));
    } else if (route.needsToken() && !authenticate(request, &userId, &response)) {
        // response holds the 401 or 503
    } else if (route.kind == ApiRoute::Kind::Events) {
        openEventStream(request, socket, userId);
        m_metrics.countRequest(route.label, methodName(request.method()), 200,
                               double(timer.nsecsElapsed()) / 1e9);
        return true;
    } else {
        response = dispatch(route, request, userId);
    }

    send(request, socket, response);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    m_metrics.countRequest(route.kind == ApiRoute::Kind::NotFound ? QStringLiteral("other")
                                                                  : route.label,
                           methodName(request.method()), response.status, seconds);
    qCDebug(lcHttp).noquote() << methodName(request.method()) << route.label << response.status
                              << QStringLiteral("%1 ms").arg(seconds * 1000, 0, 'f', 2);
    return true;
}

void HttpFrontend::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest answers everything; this is only reached if that ever changes.
    send(request, socket,
         ApiResponse::error(ApiError::NotFound, QStringLiteral("no such endpoint")));
}

ApiResponse HttpFrontend::dispatch(const ApiRoute &route, const QHttpServerRequest &request,
                                   qint64 userId)
{
    using Kind = ApiRoute::Kind;
    using Method = QHttpServerRequest::Method;
    switch (route.kind) {
    case Kind::Health:
        return ApiResponse::ok({{QStringLiteral("status"), QStringLiteral("ok")}});
    case Kind::Metrics:
        return ApiResponse::text(
            m_metrics.render(m_listener.openConnections(), m_events.subscriberCount()),
            "text/plain; version=0.0.4; charset=utf-8");
    case Kind::ProgressList:
        return m_api.list(userId, request.query());
    case Kind::ProgressItem:
        if (request.method() == Method::Put)
            return m_api.put(userId, route.contentId, request.body());
        if (request.method() == Method::Delete)
            return m_api.remove(userId, route.contentId);
        return m_api.get(userId, route.contentId);
    case Kind::ProgressHistory:
        return m_api.history(userId, route.contentId, request.query());
    case Kind::Sync:
        return m_api.sync(userId, request.body());
    case Kind::Events:
    case Kind::NotFound:
        break;
    }
    return ApiResponse::error(ApiError::NotFound, QStringLiteral("no such endpoint"));
}

bool HttpFrontend::authenticate(const QHttpServerRequest &request, qint64 *userId,
                                ApiResponse *failure)
{
    const QByteArray authorization = header(request, "Authorization").trimmed();
    if (authorization.isEmpty()) {
        *failure =
            ApiResponse::error(ApiError::Unauthorized,
                               QStringLiteral("missing the header 'Authorization: Bearer TOKEN'"));
        return false;
    }
    const QByteArray scheme = authorization.left(7);
    const QByteArray token = authorization.mid(7).trimmed();
    if (scheme.compare("Bearer ", Qt::CaseInsensitive) != 0 || token.isEmpty()) {
        *failure =
            ApiResponse::error(ApiError::Unauthorized,
                               QStringLiteral("the Authorization header must be 'Bearer TOKEN'"));
        return false;
    }
    QString error;
    if (!m_storage.userForToken(QString::fromUtf8(token), userId, &error)) {
        qCWarning(lcHttp).noquote() << "token lookup failed:" << error;
        *failure = ApiResponse::error(ApiError::Unavailable,
                                      QStringLiteral("storage is unavailable; try again"));
        return false;
    }
    if (*userId < 0) {
        *failure = ApiResponse::error(ApiError::Unauthorized,
                                      QStringLiteral("the token is unknown or has been revoked"));
        return false;
    }
    return true;
}

void HttpFrontend::openEventStream(const QHttpServerRequest &request, QTcpSocket *socket,
                                   qint64 userId)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    responder.writeHeader("Content-Type", "text/event-stream");
    responder.writeHeader("Cache-Control", "no-cache");
    responder.writeHeader("X-Accel-Buffering", "no");
    // A first comment gets the headers to the client at once.
    responder.writeBody(": playmark events\n\n");
    m_events.subscribe(userId, socket);
}

void HttpFrontend::send(const QHttpServerRequest &request, QTcpSocket *socket,
                        const ApiResponse &response)
{
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
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

    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    if (!contentType.isEmpty())
        responder.writeHeader("Content-Type", contentType);
    for (const auto &[name, value] : response.headers)
        responder.writeHeader(name, value);
    if (response.status != 204)
        responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    responder.writeBody(body);
}
