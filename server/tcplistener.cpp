#include "tcplistener.h"

#include "connectionguard.h"

#include <QTcpSocket>

void TcpListener::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    // The guard connects to readyRead first, so it sees every byte before the HTTP layer does.
    if (!m_guard.admit(socket, m_open)) {
        // Answered 503 and closing: never handed to the HTTP layer.
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        ++m_open;
        return;
    }
    ++m_open;
    addPendingConnection(socket);
}
