#include "client/serverexchange.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QNetworkReply>

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

QJsonObject ServerAnswer::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString ServerAnswer::errorCode() const
{
    return json()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

ServerExchange::ServerExchange(ServerPool &pool) : m_pool(pool) { }

void ServerExchange::send(const Request &request, QObject *context,
                          std::function<void(const ServerAnswer &)> done)
{
    sendTo(request, nowMs() + request.timeoutMs, int(m_pool.servers().size()), context,
           std::move(done));
}

void ServerExchange::sendTo(const Request &request, qint64 deadlineMs, int serversLeft,
                            QObject *context, std::function<void(const ServerAnswer &)> done)
{
    const qint64 sentAt = nowMs();
    const int timeoutMs = request.eachServer
        ? request.timeoutMs
        : int(std::max<qint64>(1, (deadlineMs - sentAt) / std::max(1, serversLeft)));
    const ServerPool::Ticket ticket = m_pool.ticket();
    const QString token = m_pool.token();
    QNetworkRequest http = m_pool.request(request.path, timeoutMs);
    if (!request.body.isEmpty())
        http.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network.sendCustomRequest(http, request.verb, request.body);
    QObject::connect(
        reply, &QNetworkReply::finished, context,
        [this, reply, request, sentAt, deadlineMs, serversLeft, context, ticket, token, done] {
            reply->deleteLater();
            ServerAnswer answer;
            answer.sentAtMs = sentAt;
            answer.receivedAtMs = nowMs();
            answer.body = reply->isOpen() ? reply->readAll() : QByteArray(); // not after a timeout
            answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer.failure = ServerPool::failure(reply, answer.status);
            answer.retryAfterSeconds = reply->rawHeader("Retry-After").toInt();
            if (m_observer)
                m_observer(answer);
            if (ServerPool::isAway(answer.status) && serversLeft > 1
                && (request.eachServer || nowMs() < deadlineMs)
                && m_pool.moveOn(ticket, answer.failure)) {
                sendTo(request, deadlineMs, serversLeft - 1, context, done);
                return;
            }
            if (answer.status == 401 && !token.isEmpty())
                m_pool.refuseToken(token);
            done(answer);
        });
}
