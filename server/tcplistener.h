#pragma once

#include <QTcpServer>

class ConnectionGuard;

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

    int openConnections() const { return m_open; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    ConnectionGuard &m_guard;
    int m_open = 0;
};
