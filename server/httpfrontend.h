#pragma once

#include "apiresponse.h"
#include "apiroute.h"

#include <QAbstractHttpServer>

class EventHub;
class Metrics;
class ProgressApi;
class ServerStorage;
class TcpListener;

// The HTTP side: matches the route, answers 404/405/413/401 itself, and hands the rest to
// ProgressApi, one line a route. Answers are written through the responder, never a QFuture
// (QHttpServer 6.4 crashes on those when a client leaves first).
class HttpFrontend final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpFrontend)
public:
    HttpFrontend(ServerStorage &storage, ProgressApi &api, EventHub &events, Metrics &metrics,
                 const TcpListener &listener, QObject *parent = nullptr);

    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    ApiResponse dispatch(const ApiRoute &route, const QHttpServerRequest &request, qint64 userId);
    bool authenticate(const QHttpServerRequest &request, qint64 *userId, ApiResponse *failure);
    void openEventStream(const QHttpServerRequest &request, QTcpSocket *socket, qint64 userId);
    void send(const QHttpServerRequest &request, QTcpSocket *socket, const ApiResponse &response);

    ServerStorage &m_storage;
    ProgressApi &m_api;
    EventHub &m_events;
    Metrics &m_metrics;
    const TcpListener &m_listener;
    qint64 m_maxBodyBytes = 64 * 1024;
};
