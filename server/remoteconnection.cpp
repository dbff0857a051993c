#include "remoteconnection.h"

#include <atomic>

namespace {
std::atomic<int> g_live{0};
} // namespace

RemoteConnection::RemoteConnection(QAbstractSocket *connection)
{
    ++g_live;
    setSocketState(QAbstractSocket::ConnectedState);
    // Queued once this object is on its own thread: the real connection is never touched there.
    connect(connection, &QAbstractSocket::disconnected, this, &RemoteConnection::hangUp);
    connect(connection, &QObject::destroyed, this, &RemoteConnection::hangUp);
    if (connection->state() != QAbstractSocket::ConnectedState)
        hangUp();
}

void RemoteConnection::hangUp()
{
    if (state() == QAbstractSocket::UnconnectedState)
        return;
    setSocketState(QAbstractSocket::UnconnectedState);
    Q_EMIT disconnected();
    deleteLater();
}

RemoteConnection::~RemoteConnection()
{
    --g_live;
}

int RemoteConnection::liveCount()
{
    return g_live.load();
}
