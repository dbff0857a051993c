#pragma once

#include "client/serverpool.h"

#include <QByteArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QString>

#include <functional>

// A server's answer to one request, or why there was none.
struct ServerAnswer
{
    int status = 0; // 0: no HTTP answer (refused, timeout, TLS...)
    QByteArray body;
    qint64 sentAtMs = 0;
    qint64 receivedAtMs = 0;
    QString failure; // why it failed, for a log line: "HTTP 503", or the network error
    int retryAfterSeconds = 0; // the Retry-After header (0: none)

    QJsonObject json() const;
    // The error body's code ("device_id_taken"...), empty when there is none.
    QString errorCode() const;
};

// One request to the current server of a ServerPool and its answer, going on to the next server
// of the list when the current one is away (ServerPool::isAway), as long as time is left. Shared
// by SyncClient and PairingClient, so that every request of the player moves on the same way.
// A 401 to a request that carried a token tells the pool the token was refused. Lives on the
// GUI thread; all network work is asynchronous.
class ServerExchange final
{
    Q_DISABLE_COPY_MOVE(ServerExchange)
public:
    struct Request
    {
        QByteArray verb;
        QString path; // query included
        QByteArray body; // JSON, or empty for none
        int timeoutMs = 10000;
        // False: `timeoutMs` is the whole time, shared among the servers not tried yet, so that
        // one that never answers cannot use it all. True: each server gets all of it.
        bool eachServer = false;
    };

    // The pool must outlive the exchange.
    explicit ServerExchange(ServerPool &pool);

    // Every answer, also one from a server that was away before moving on (its clock, say).
    void setObserver(std::function<void(const ServerAnswer &)> observer)
    {
        m_observer = std::move(observer);
    }

    // Sends `request` and calls `done` (guarded by `context`) with the last server's answer.
    void send(const Request &request, QObject *context,
              std::function<void(const ServerAnswer &)> done);

private:
    void sendTo(const Request &request, qint64 deadlineMs, int serversLeft, QObject *context,
                std::function<void(const ServerAnswer &)> done);

    ServerPool &m_pool;
    QNetworkAccessManager m_network;
    std::function<void(const ServerAnswer &)> m_observer;
};
