#pragma once

#include "protocol/progressrecord.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

// Open server-sent event streams, by user. Each applied update is written to every stream of its
// owner and no one else's. Streams whose client hung up are dropped on the spot.
class EventHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventHub)
public:
    explicit EventHub(QObject *parent = nullptr);
    ~EventHub() override;

    // `socket` has had its response headers written; from now on it carries this user's events.
    void subscribe(qint64 userId, QTcpSocket *socket);
    void publish(qint64 userId, const ProgressRecord &record);

    int subscriberCount() const;
    bool isStreaming(QTcpSocket *socket) const;
    void setKeepAliveInterval(int milliseconds) { m_keepAlive.setInterval(milliseconds); }
    // Ends every stream, as on shutdown.
    void closeAll();

private:
    void sendKeepAlive();
    void drop(QTcpSocket *socket);

    QMultiHash<qint64, QPointer<QTcpSocket>> m_streams;
    QTimer m_keepAlive;
};
