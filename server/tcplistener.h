#pragma once

#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

class ConnectionGuard;
class QSslSocket;

// The listening socket the HTTP server is bound to. It makes every connection's socket itself,
// so it can count them and hand each to the ConnectionGuard before the HTTP layer sees it.
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
    bool usesTls() const { return m_tls.has_value(); }

    int openConnections() const { return m_open; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void startTls(QSslSocket *socket);

    ConnectionGuard &m_guard;
    std::optional<QSslConfiguration> m_tls;
    int m_open = 0;
};
