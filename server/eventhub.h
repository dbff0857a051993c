#pragma once

#include "protocol/progressrecord.h"
#include "serverdefaults.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

class EventRouter;

// Open server-sent event streams, by user and by device. Each applied update is written to every
// stream of its owner and no one else's. Streams whose client hung up are dropped on the spot; a
// removed device's streams are ended (closeDevice) without looking at anyone else's.
// One per HTTP thread, holding the streams of that thread's connections; with a router, what is
// published on any thread reaches the streams of every hub (EventRouter).
class EventHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventHub)
public:
    // `router`: shared by the hubs of one server (null: this hub alone).
    explicit EventHub(EventRouter *router = nullptr, QObject *parent = nullptr);
    ~EventHub() override;

    // `socket` has had its response headers written; from now on it carries this user's events.
    // `deviceKey`: the device whose token opened it (devices.id).
    void subscribe(qint64 userId, const QString &deviceKey, QTcpSocket *socket);
    // To every stream of the user, this hub's and (through the router) every other hub's.
    void publish(qint64 userId, const ProgressRecord &record);
    // Writes an encoded frame (frame()) to this hub's streams of the user.
    void deliver(qint64 userId, const QByteArray &frame);
    static QByteArray frame(const ProgressRecord &record);

    // This hub's streams.
    int subscriberCount() const;
    bool isStreaming(QTcpSocket *socket) const;
    // Each stream gets a `: keep-alive` at least this often (PROTOCOL.md: 15 s).
    void setKeepAliveInterval(int milliseconds);
    // Ends this hub's streams of a removed device (deviceKey empty: of every device of the user);
    // EventRouter::closeDevice ends them on every hub.
    void closeDevice(qint64 userId, const QString &deviceKey);
    // Ends every stream of this hub, as on shutdown.
    void closeAll();

private:
    struct Stream
    {
        QPointer<QTcpSocket> socket;
        qint64 userId = -1;
        QString deviceKey;
    };
    void sendKeepAlive();
    void drop(QTcpSocket *socket);
    void end(const QList<QTcpSocket *> &sockets);

    // The socket is only a key here: it may already be destroyed when drop() runs.
    QHash<QTcpSocket *, Stream> m_streams;
    QMultiHash<qint64, QTcpSocket *> m_byUser;
    QMultiHash<QString, QTcpSocket *> m_byDevice;
    // sendKeepAlive(): ticks of a slice each on a fixed grid from m_keepAliveClock's start.
    QTimer m_keepAlive;
    QElapsedTimer m_keepAliveClock;
    qint64 m_keepAliveRound = ServerDefaults::kKeepAliveMs; // ms: every slice once
    qint64 m_keepAliveTicks = 0; // ticks sent so far
    EventRouter *m_router;
};
