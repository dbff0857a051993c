#pragma once

#include "client/backoff.h"
#include "client/serverpool.h"
#include "protocol/progressrecord.h"
#include "protocol/protocollimits.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkReply;

// Keeps GET /v1/events open and turns its server-sent events into records. Reconnects with
// backoff when the server goes away, and treats a stream silent for three keep-alive periods as
// dead. With several servers it streams from the current one of its ServerPool (shared with the
// sync client), and follows the pool when the sync client moves it on; when the current one cannot
// be reached (ServerPool::isAway) it moves the pool on to the next at once, and waits out the
// backoff only once every server of the list was tried. Lives on the GUI thread; all network work
// is asynchronous.
class EventStream final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStream)
public:
    // Three keep-alives missed.
    static constexpr int kSilenceLimitMs = 3 * ProtocolLimits::kKeepAliveMs;

    // Streams from the current server of `pool`, which must outlive the stream.
    explicit EventStream(ServerPool &pool, QObject *parent = nullptr);
    ~EventStream() override;

    void start();
    void stop();
    bool isConnected() const { return m_connected; }
    // Neither asking a server nor waiting to ask again: no request comes from this stream until
    // start() or the pool's current server changes (for tests: proves "nothing more is asked"
    // without waiting).
    bool isIdle() const { return m_reply.isNull() && !m_retry.isActive(); }

Q_SIGNALS:
    void progressReceived(const ProgressRecord &record);
    void connectedChanged(bool connected);

private:
    // The pool moved to another server (the sync client found this one away): stream from there.
    void followCurrentServer();
    void connectNow();
    void hangUp();
    void readEvents();
    void handleEnd();
    void setConnected(bool connected);

    QNetworkAccessManager m_network;
    ServerPool &m_pool;
    int m_untried = 0; // servers of this round not tried yet, the current one included
    ServerPool::Ticket m_ticket; // the server of the stream being opened or open
    QString m_token; // the token it was opened with
    bool m_movingOn = false; // this stream is moving the pool on: nothing to follow
    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
    bool m_running = false;
    bool m_connected = false;
    Backoff m_backoff;
    QTimer m_retry;
};
