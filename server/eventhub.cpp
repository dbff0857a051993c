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

// sendKeepAlive(): each stream's keep-alive goes out in one of these slices of a round.
constexpr uint kKeepAliveSlices = 32;
} // namespace

EventHub::EventHub(EventRouter *router, QObject *parent) : QObject(parent), m_router(router)
{
    m_keepAlive.setTimerType(Qt::PreciseTimer);
    connect(&m_keepAlive, &QTimer::timeout, this, &EventHub::sendKeepAlive);
    setKeepAliveInterval(ServerDefaults::kKeepAliveMs);
}

void EventHub::setKeepAliveInterval(int milliseconds)
{
    // A round a little shorter than the promise: a tick that comes late (a busy event loop, a
    // loaded machine) still leaves each stream's next keep-alive within the interval.
    m_keepAliveRound = qMax(qint64(kKeepAliveSlices), qint64(milliseconds) - milliseconds / 8);
    m_keepAliveTicks = 0;
    m_keepAliveClock.start();
    m_keepAlive.start(int(m_keepAliveRound / kKeepAliveSlices));
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
    // keep-alive goes out in one of kKeepAliveSlices slices, its slice chosen by its socket's
    // address, and slice k goes out at tick k, k + kKeepAliveSlices, ... of a grid of ticks
    // m_keepAliveRound / kKeepAliveSlices apart, from the first round on. So a stream gets one
    // every round (a little under the interval), and a new stream its first within a round
    // whenever it opened. The grid is kept by the clock, not by counting timer calls: ticks a late
    // timer missed go out now, so lateness never adds up from one round to the next.
    const qint64 due = m_keepAliveClock.elapsed() * kKeepAliveSlices / m_keepAliveRound + 1;
    if (due <= m_keepAliveTicks)
        return;
    quint64 slices = 0; // bit k: slice k is due
    if (due - m_keepAliveTicks >= kKeepAliveSlices) {
        slices = ~quint64(0);
    } else {
        for (qint64 tick = m_keepAliveTicks; tick < due; ++tick)
            slices |= quint64(1) << (tick % kKeepAliveSlices);
    }
    m_keepAliveTicks = due;
    // A copy: a write may end in a hang-up that edits the streams.
    QList<QPointer<QTcpSocket>> targets;
    for (auto it = m_streams.cbegin(); it != m_streams.cend(); ++it) {
        if (slices & (quint64(1) << (qHash(it.key()) % kKeepAliveSlices)))
            targets.append(it->socket);
    }
    for (const QPointer<QTcpSocket> &socket : std::as_const(targets)) {
        if (isLive(socket))
            socket->write(": keep-alive\n\n");
    }
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
