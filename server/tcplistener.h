#pragma once

#include <QTcpServer>

// The listening socket the HTTP server is bound to. It makes every connection's socket itself,
// so it can count them (and, later, guard them before the HTTP layer reads a byte).
class TcpListener final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TcpListener)
public:
    explicit TcpListener(QObject *parent = nullptr) : QTcpServer(parent) { }

    int openConnections() const { return m_open; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    int m_open = 0;
};
