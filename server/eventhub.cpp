#include "eventhub.h"

#include "eventrouter.h"
#include "protocol/recordcodec.h"
#include "serverdefaults.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcEvents, "playmark.server.events")

namespace {
bool isLive(const QPointer<QTcpSocket> &socket)
{
    // A QPointer stays set until deleteLater runs; the state tells whether the peer is there.
    return socket && socket->state() == QAbstractSocket::ConnectedState;
}
} // namespace

EventHub::EventHub(EventRouter *router, QObject *parent) : QObject(parent), m_router(router)
{
    m_keepAlive.setInterval(ServerDefaults::kKeepAliveMs);
    connect(&m_keepAlive, &QTimer::timeout, this, &EventHub::sendKeepAlive);
    m_keepAlive.start();
}

EventHub::~EventHub()
{
    if (m_router)
        m_router->forget(this);
}

void EventHub::subscribe(qint64 userId, const QString &deviceKey, QTcpSocket *socket)
{
    m_streams.insert(socket, {QPointer<QTcpSocket>(socket), userId, deviceKey});
    m_byUser.insert(userId, socket);
    m_byDevice.insert(deviceKey, socket);
    if (m_router)
        m_router->opened(this, userId);
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    connect(socket, &QObject::destroyed, this, [this, socket] { drop(socket); });
    qCDebug(lcEvents) << "stream opened; open streams:" << m_streams.size();
}

void EventHub::drop(QTcpSocket *socket)
{
    const auto it = m_streams.find(socket);
    if (it == m_streams.end())
        return;
    const qint64 userId = it->userId;
    m_byUser.remove(userId, socket);
    m_byDevice.remove(it->deviceKey, socket);
    m_streams.erase(it);
    if (m_router)
        m_router->ended(this, userId);
    qCDebug(lcEvents) << "stream closed; open streams:" << m_streams.size();
}

QByteArray EventHub::frame(const ProgressRecord &record)
{
    return "event: progress\ndata: " + RecordCodec::toCompactJson(record) + "\n\n";
}

void EventHub::publish(qint64 userId, const ProgressRecord &record)
{
    if (m_router)
        return m_router->publish(userId, record);
    // Most updates have nobody listening: do not even encode them (measured: 12% of a PUT's CPU).
    if (m_byUser.contains(userId))
        deliver(userId, frame(record));
}

void EventHub::deliver(qint64 userId, const QByteArray &frame)
{
    // A copy: a write may end in a hang-up that edits the streams.
    const QList<QTcpSocket *> targets = m_byUser.values(userId);
    for (QTcpSocket *target : targets) {
        const auto it = m_streams.constFind(target);
        if (it != m_streams.cend() && isLive(it->socket))
            it->socket->write(frame);
    }
}

bool EventHub::isStreaming(QTcpSocket *socket) const
{
    return m_streams.contains(socket);
}

int EventHub::subscriberCount() const
{
    return int(m_streams.size());
}

void EventHub::sendKeepAlive()
{
    // One write to every stream at once held the event loop for tens of milliseconds at 10,000
    // streams, and every event due meanwhile waited (p99 2.2 s measured). So each stream's
    // keep-alive goes out in one of kSlices slices spread over the interval, its slice chosen by
    // its socket's address: the same every round, so each stream gets one every interval
    // (PROTOCOL.md: at least every 15 s), and one opened mid-round within an interval (its slice
    // comes round before the next call). Only the first round goes to every stream at once:
    // streams opened before it may have waited up to an interval already.
    constexpr uint kSlices = 32;
    const bool firstRound = !m_keepAliveStarted;
    m_keepAliveStarted = true;
    const auto sendSlice = [this, firstRound](uint slice) {
        // A copy: a write may end in a hang-up that edits the streams.
        QList<QPointer<QTcpSocket>> targets;
        for (auto it = m_streams.cbegin(); it != m_streams.cend(); ++it) {
            if (firstRound || qHash(it.key()) % kSlices == slice)
                targets.append(it->socket);
        }
        for (const QPointer<QTcpSocket> &socket : std::as_const(targets)) {
            if (isLive(socket))
                socket->write(": keep-alive\n\n");
        }
    };
    sendSlice(0);
    if (firstRound)
        return;
    const qint64 interval = m_keepAlive.interval();
    for (uint slice = 1; slice < kSlices; ++slice)
        QTimer::singleShot(int(interval * slice / kSlices), this,
                           [sendSlice, slice] { sendSlice(slice); });
}

void EventHub::closeDevice(qint64 userId, const QString &deviceKey)
{
    QList<QTcpSocket *> sockets =
        deviceKey.isEmpty() ? m_byUser.values(userId) : m_byDevice.values(deviceKey);
    // A device key is the server's own and names one user's device; the user is checked anyway.
    sockets.removeIf(
        [this, userId](QTcpSocket *socket) { return m_streams.value(socket).userId != userId; });
    if (!sockets.isEmpty())
        qCInfo(lcEvents) << "ending" << sockets.size() << "event streams of a removed device";
    end(sockets);
}

void EventHub::closeAll()
{
    end(m_streams.keys());
}

void EventHub::end(const QList<QTcpSocket *> &sockets)
{
    QList<QPointer<QTcpSocket>> ending;
    for (QTcpSocket *socket : sockets) {
        ending.append(m_streams.value(socket).socket);
        drop(socket); // nothing more is written to it
    }
    for (const QPointer<QTcpSocket> &socket : std::as_const(ending)) {
        if (isLive(socket)) {
            socket->flush();
            socket->disconnectFromHost();
        }
    }
}
