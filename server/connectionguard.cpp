#include "connectionguard.h"

#include "apiresponse.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGuard, "playmark.server.guard")

namespace {
// After a refusal, what is still arriving is read and dropped for this long, or this much, so the
// client gets the answer instead of a reset; then the connection is closed.
constexpr int kLingerMs = 1000;
constexpr qint64 kMaxDiscardBytes = 1024 * 1024;

const char *reasonPhrase(int status)
{
    switch (status) {
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Service Unavailable";
    }
}

QByteArray errorCode(int status)
{
    switch (status) {
    case 408:
        return "request_timeout";
    case 411:
        return "length_required";
    case 413:
        return "payload_too_large";
    case 431:
        return "headers_too_large";
    default:
        return "unavailable";
    }
}
} // namespace

ConnectionGuard::ConnectionGuard(Shared &shared, QObject *parent)
    : QObject(parent), m_shared(shared)
{
    m_sweep.setInterval(500);
    connect(&m_sweep, &QTimer::timeout, this, &ConnectionGuard::sweep);
    m_sweep.start();
}

bool ConnectionGuard::admit(QTcpSocket *socket)
{
    // Counted before it is compared: two threads admitting at once cannot both take the last one.
    const int openConnections = m_shared.openConnections.fetch_add(1);
    // The shared counts outlive every socket (and this guard, which may go first).
    connect(socket, &QObject::destroyed, socket,
            [shared = &m_shared] { --shared->openConnections; });
    if (openConnections >= m_limits.maxConnections) {
        // Nothing reads this socket while it lingers: without a bound, Qt would buffer all the
        // client sends meanwhile.
        socket->setReadBufferSize(4096);
        refuse(socket, Refusal::ConnectionCap, 503,
               QStringLiteral("too many open connections (at most %1); try again shortly")
                   .arg(m_limits.maxConnections));
        return false;
    }
    State &state = m_states[socket];
    state.lastByte.start();
    // Qt keeps no more than this unread: what the guard has not passed is never buffered past it.
    socket->setReadBufferSize(m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 4096);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    // An answer going out is activity too: a connection is idle from its last byte either way,
    // not from its request when the answer took long (a delayed 401, a slow commit).
    connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] {
        if (const auto it = m_states.find(socket); it != m_states.end())
            it->lastByte.restart();
    });
    connect(socket, &QObject::destroyed, this, [this, socket] { m_states.remove(socket); });
    return true;
}

void ConnectionGuard::inspect(QTcpSocket *socket)
{
    const auto it = m_states.find(socket);
    if (it == m_states.end())
        return;
    State &state = *it;
    if (state.refused) {
        // Drained and dropped, never buffered, for a moment: closing at once with unread bytes
        // would reset the connection and the client would lose the answer.
        state.discarded += socket->readAll().size();
        if (state.discarded > kMaxDiscardBytes)
            socket->abort();
        return;
    }
    // Only look: the HTTP layer reads everything available right after this slot.
    const QByteArray bytes = socket->peek(socket->bytesAvailable());
    state.lastByte.restart();
    if (!inspectBytes(socket, state, bytes))
        socket->readAll();
}

bool ConnectionGuard::inspectBytes(QTcpSocket *socket, State &state, const QByteArray &bytes)
{
    qsizetype at = 0;
    while (at < bytes.size()) {
        if (!state.inRequest) {
            state.inRequest = true;
            state.requestStart.start();
            state.header.clear();
        }
        if (state.bodyLeft > 0) {
            const qint64 take = qMin<qint64>(state.bodyLeft, bytes.size() - at);
            state.bodyLeft -= take;
            at += take;
            if (state.bodyLeft == 0)
                state.inRequest = false;
            continue;
        }
        // Headers: gather until the blank line, never more than the limit.
        const qsizetype room = qsizetype(m_limits.maxHeaderBytes) - state.header.size();
        const QByteArray chunk = bytes.mid(at, qMin<qsizetype>(bytes.size() - at, room + 4));
        const qsizetype before = state.header.size();
        state.header += chunk;
        const qsizetype end = state.header.indexOf("\r\n\r\n");
        if (end < 0) {
            if (state.header.size() > m_limits.maxHeaderBytes) {
                refuse(socket, Refusal::HeadersTooLarge, 431,
                       QStringLiteral("the request line and headers exceed %1 bytes")
                           .arg(m_limits.maxHeaderBytes));
                return false;
            }
            at += chunk.size();
            continue;
        }
        if (end + 4 > m_limits.maxHeaderBytes) {
            refuse(socket, Refusal::HeadersTooLarge, 431,
                   QStringLiteral("the request line and headers exceed %1 bytes")
                       .arg(m_limits.maxHeaderBytes));
            return false;
        }
        at += (end + 4) - before;
        qint64 length = 0;
        bool chunked = false;
        const QList<QByteArray> lines = state.header.left(end).split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length") {
                bool ok = false;
                length = value.toLongLong(&ok);
                if (!ok || length < 0)
                    length = m_limits.maxBodyBytes + 1; // unreadable: treat as too large
            } else if (name == "transfer-encoding" && value.toLower().contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            refuse(socket, Refusal::LengthRequired, 411,
                   QStringLiteral("send the body with a Content-Length, not chunked"));
            return false;
        }
        if (length > m_limits.maxBodyBytes) {
            refuse(socket, Refusal::BodyTooLarge, 413,
                   QStringLiteral("the body is %1 bytes; at most %2 are accepted")
                       .arg(length)
                       .arg(m_limits.maxBodyBytes));
            return false;
        }
        state.bodyLeft = length;
        state.header.clear();
        if (length == 0)
            state.inRequest = false;
    }
    return true;
}

void ConnectionGuard::refuse(QTcpSocket *socket, Refusal reason, int status, const QString &message)
{
    ++m_shared.refusalCounts.at(size_t(reason));
    if (const auto it = m_states.find(socket); it != m_states.end())
        it->refused = true;
    qCInfo(lcGuard).noquote() << "refused" << socket->peerAddress().toString() << status << message;
    const QByteArray body =
        QJsonDocument(
            QJsonObject{
                {QStringLiteral("error"),
                 QJsonObject{{QStringLiteral("code"), QString::fromLatin1(errorCode(status))},
                             {QStringLiteral("message"), message}}},
                {QStringLiteral("server_time_ms"), QDateTime::currentMSecsSinceEpoch()}})
            .toJson(QJsonDocument::Compact);
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                  + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    socket->flush();
    if (socket->isOpen()) // not after the client reset the connection
        socket->readAll();
    QTimer::singleShot(kLingerMs, socket, [socket] { socket->disconnectFromHost(); });
}

void ConnectionGuard::sweep()
{
    const QList<QTcpSocket *> sockets = m_states.keys();
    for (QTcpSocket *socket : sockets) {
        const State &state = m_states.value(socket);
        if (state.refused || socket->state() != QAbstractSocket::ConnectedState)
            continue;
        if (state.inRequest && state.requestStart.isValid()
            && state.requestStart.elapsed() > m_limits.idleTimeoutMs) {
            refuse(socket, Refusal::Timeout, 408,
                   QStringLiteral("the request was not complete after %1 s")
                       .arg(m_limits.idleTimeoutMs / 1000));
            continue;
        }
        if (!state.inRequest && state.lastByte.elapsed() > m_limits.idleTimeoutMs
            && !(m_isBusy && m_isBusy(socket))) {
            ++m_shared.refusalCounts.at(size_t(Refusal::Timeout));
            qCDebug(lcGuard) << "closing an idle connection";
            socket->disconnectFromHost();
        }
    }
}
