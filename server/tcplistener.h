#pragma once

#include <QHostAddress>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

class ConnectionGuard;
class QSslSocket;

// The listening socket the HTTP server is bound to. It makes every connection's socket itself,
// so it can hand each to the ConnectionGuard (which counts them) before the HTTP layer sees it.
class TcpListener final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TcpListener)
public:
    explicit TcpListener(ConnectionGuard &guard, QObject *parent = nullptr)
        : QTcpServer(parent), m_guard(guard)
    {
    }

    // Every connection is then HTTPS, with this configuration's certificate and key.
    void setTlsConfiguration(const QSslConfiguration &configuration) { m_tls = configuration; }

    // Listens on a socket of its own that other listeners (one per HTTP thread) may bind to the
    // same address and port too (SO_REUSEPORT): the kernel spreads new connections over them.
    // The first fails when the port is taken, even by a listener that would share it; port 0
    // picks a free one (serverPort() says which), for the others to bind.
    enum class PortUse { First, Joining };
    bool listenSharingPort(const QHostAddress &address, quint16 port, PortUse mode, QString *error);

    // The connections open now, on every listener that shares this one's guard counts.
    int openConnections() const;

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void startTls(QSslSocket *socket);

    ConnectionGuard &m_guard;
    std::optional<QSslConfiguration> m_tls;
};
