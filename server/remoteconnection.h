#pragma once

#include <QTcpSocket>

// Stands for a connection of an HTTP thread on another thread (DevicesApi's, the main thread),
// for code there that watches whether the client is still connected: it is connected until the
// real connection disconnects or is deleted, then says disconnected() once and deletes itself.
// Nothing is read or written through it. Made on the real connection's thread, then moved.
class RemoteConnection final : public QTcpSocket
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteConnection)
public:
    explicit RemoteConnection(QAbstractSocket *connection);
    ~RemoteConnection() override;

    // How many exist in the process (for tests: none may outlive its answer).
    static int liveCount();

private:
    void hangUp();
};
