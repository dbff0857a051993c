#pragma once

#include "serverdefaults.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>

// docs/protocol.md's limits, enforced on each connection before the HTTP layer reads a byte of it
// (QHttpServer 6.4 has none): it sees every byte first (its readyRead slot is connected before
// the HTTP layer's), follows the request framing, and refuses what breaks a limit there and
// then, closing the connection so nothing more is read or buffered.
class ConnectionGuard final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionGuard)
public:
    struct Limits
    {
        qint64 maxBodyBytes = ServerDefaults::kMaxBodyBytes;
        qint64 maxHeaderBytes = ServerDefaults::kMaxHeaderBytes; // request line and headers
        int idleTimeoutMs = ServerDefaults::kIdleTimeoutMs; // idle, or sending a request
        int maxConnections = ServerDefaults::kMaxConnections;
    };
    enum class Refusal { BodyTooLarge, HeadersTooLarge, LengthRequired, Timeout, ConnectionCap };

    explicit ConnectionGuard(QObject *parent = nullptr);

    void setLimits(const Limits &limits) { m_limits = limits; }
    const Limits &limits() const { return m_limits; }
    // Whether a quiet connection is legitimately quiet: an answer is being made for it, or it
    // carries an event stream. Such connections are not timed out.
    void setBusyCheck(std::function<bool(QTcpSocket *)> isBusy) { m_isBusy = std::move(isBusy); }

    // Starts watching `socket`; false when the connection cap is reached (the connection was
    // then answered 503 and closed).
    bool admit(QTcpSocket *socket, int openConnections);

    quint64 refusals(Refusal reason) const { return m_refusals.value(int(reason)); }

private:
    struct State
    {
        QByteArray header; // of the request being received, until its blank line
        qint64 bodyLeft = 0; // bytes of the current body still to come
        bool inRequest = false;
        QElapsedTimer lastByte;
        QElapsedTimer requestStart;
        bool refused = false;
        qint64 discarded = 0;
    };
    void inspect(QTcpSocket *socket);
    bool inspectBytes(QTcpSocket *socket, State &state, const QByteArray &bytes);
    void refuse(QTcpSocket *socket, Refusal reason, int status, const QString &message);
    void sweep();

    Limits m_limits;
    std::function<bool(QTcpSocket *)> m_isBusy;
    QHash<QTcpSocket *, State> m_states;
    QHash<int, quint64> m_refusals;
    QTimer m_sweep;
};
