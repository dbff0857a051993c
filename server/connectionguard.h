#pragma once

#include "serverdefaults.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <array>
#include <atomic>
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
    static constexpr int kRefusals = int(Refusal::ConnectionCap) + 1;
    // What the guards of a server's HTTP threads count together, so that the limits hold for the
    // process as a whole (--max-connections) and /metrics shows every refusal. Thread-safe.
    struct Shared
    {
        std::atomic<int> openConnections{0}; // counted by the listeners, refused ones too
        std::array<std::atomic<quint64>, kRefusals> refusalCounts{};

        quint64 refusals(Refusal reason) const { return refusalCounts.at(size_t(reason)); }
    };

    // `shared`: the counts this guard adds to, which outlive it and every socket it admits.
    explicit ConnectionGuard(Shared &shared, QObject *parent = nullptr);

    void setLimits(const Limits &limits) { m_limits = limits; }
    const Limits &limits() const { return m_limits; }
    // Whether a quiet connection is legitimately quiet: an answer is being made for it, or it
    // carries an event stream. Such connections are not timed out.
    void setBusyCheck(std::function<bool(QTcpSocket *)> isBusy) { m_isBusy = std::move(isBusy); }

    // Starts watching `socket`, counted in shared().openConnections from now on until it is
    // destroyed; false when the connection cap is reached (the connection was then answered 503
    // and closed).
    bool admit(QTcpSocket *socket);

    Shared &shared() { return m_shared; }

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
    Shared &m_shared;
    QTimer m_sweep;
};
