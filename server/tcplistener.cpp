#include "tcplistener.h"

#include "connectionguard.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcListener, "playmark.server.listener")

void TcpListener::incomingConnection(qintptr socketDescriptor)
{
    QSslSocket *tls = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tls ? tls : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    // Before the guard may write a refusal, so that even that goes out encrypted. The guard and
    // the HTTP layer then see only decrypted bytes: a QSslSocket's readyRead is for those.
    if (tls)
        startTls(tls);
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

void TcpListener::startTls(QSslSocket *socket)
{
    socket->setSslConfiguration(*m_tls);
    // A client that fails the handshake (plain HTTP on this port, or one that does not trust the
    // certificate) is cut off, and so is one that does not finish it within the idle timeout;
    // once disconnected, the socket is deleted like any other. Queued: the TLS code that reports
    // the error still uses the connection after the signal returns.
    const auto cutOff = [socket] {
        if (!socket->isEncrypted())
            socket->abort();
    };
    connect(socket, &QSslSocket::errorOccurred, socket, [socket, cutOff] {
        if (socket->isEncrypted())
            return;
        qCDebug(lcListener).noquote() << "TLS handshake with" << socket->peerAddress().toString()
                                      << "failed:" << socket->errorString();
        QTimer::singleShot(0, socket, cutOff);
    });
    QTimer::singleShot(m_guard.limits().idleTimeoutMs, socket, cutOff);
    socket->startServerEncryption();
}
