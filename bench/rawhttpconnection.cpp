#include "rawhttpconnection.h"

#include <QMetaObject>
#include <QTcpSocket>

namespace {

QString describe(QAbstractSocket::SocketError error, const QString &text)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QStringLiteral("connection refused");
    case QAbstractSocket::RemoteHostClosedError:
        return QStringLiteral("closed by server");
    case QAbstractSocket::SocketTimeoutError:
        return QStringLiteral("socket timeout");
    case QAbstractSocket::NetworkError:
        return QStringLiteral("network error");
    case QAbstractSocket::SocketResourceError:
        return QStringLiteral("out of sockets");
    default:
        return text;
    }
}

} // namespace

RawHttpConnection::RawHttpConnection(const QHostAddress &address, quint16 port,
                                     const QByteArray &basePath, const QByteArray &headers,
                                     QObject *parent)
    : HttpConnection(parent),
      m_socket(new QTcpSocket(this)),
      m_address(address),
      m_port(port),
      m_basePath(basePath),
      m_headers(headers)
{
    connect(m_socket, &QTcpSocket::connected, this, &RawHttpConnection::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &RawHttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &RawHttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &RawHttpConnection::onError);
}

void RawHttpConnection::open()
{
    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        Q_EMIT openFinished(QString());
        return;
    }
    m_opening = true;
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        connectSocket();
}

void RawHttpConnection::connectSocket()
{
    m_parser.reset();
    m_socket->connectToHost(m_address, m_port);
}

void RawHttpConnection::send(const QByteArray &method, const QByteArray &path,
                             const QByteArray &body, const QByteArray &authorization)
{
    Q_ASSERT(!m_busy);
    m_busy = true;
    QByteArray request;
    request.reserve(m_headers.size() + path.size() + body.size() + authorization.size() + 128);
    request += method + ' ' + m_basePath + path + " HTTP/1.1\r\n" + m_headers;
    if (!authorization.isEmpty())
        request += QByteArray("Authorization: ") + authorization + "\r\n";
    if (!body.isEmpty() || method == "PUT" || method == "POST")
        request += QByteArray("Content-Type: application/json\r\nContent-Length: ")
            + QByteArray::number(body.size()) + "\r\n";
    request += QByteArray("\r\n") + body;

    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->write(request);
        return;
    }
    m_unsent = request;
    if (m_socket->state() == QAbstractSocket::ConnectingState)
        return;
    // From the event loop: send() is often called from inside this socket's own signals, where
    // Qt says a reconnect may not work, and a refused connect would report back into the caller.
    QMetaObject::invokeMethod(
        this,
        [this] {
            const QAbstractSocket::SocketState state = m_socket->state();
            if (!m_busy || state == QAbstractSocket::ConnectedState
                || state == QAbstractSocket::ConnectingState)
                return;
            m_socket->abort();
            connectSocket();
        },
        Qt::QueuedConnection);
}

void RawHttpConnection::abort()
{
    m_busy = false;
    dropConnection();
}

void RawHttpConnection::dropConnection()
{
    m_unsent.clear();
    m_parser.reset();
    m_socket->abort(); // any disconnected() it emits finds nothing in flight
}

void RawHttpConnection::onConnected()
{
    // One write per request and a wait for its answer: Nagle would only add delay.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (!m_unsent.isEmpty()) {
        m_socket->write(m_unsent);
        m_unsent.clear();
    }
    finishOpening(QString());
}

void RawHttpConnection::finishOpening(const QString &error)
{
    if (!m_opening)
        return;
    m_opening = false;
    Q_EMIT openFinished(error);
}

void RawHttpConnection::onReadyRead()
{
    m_parser.append(m_socket->readAll());
    const HttpResponseParser::Result result = m_parser.next();
    if (result == HttpResponseParser::Result::NeedMore)
        return;
    if (result == HttpResponseParser::Result::Error || !m_busy) {
        const QString reason = result == HttpResponseParser::Result::Error
            ? QStringLiteral("bad response: ") + m_parser.error()
            : QStringLiteral("bad response: an answer to no request");
        if (m_busy)
            failRequest(reason);
        else
            dropConnection();
        return;
    }
    const int status = m_parser.status();
    m_busy = false;
    // No pipelining, so nothing may follow the answer; a server that says close is obeyed now.
    if (!m_parser.keepAlive() || !m_parser.isIdle())
        dropConnection();
    Q_EMIT responded(status); // the receiver may send() the next request from here
}

void RawHttpConnection::onDisconnected()
{
    if (!m_busy || !m_unsent.isEmpty())
        return; // nothing in flight on the connection that closed
    if (m_parser.finish() == HttpResponseParser::Result::Complete) {
        m_busy = false;
        const int status = m_parser.status();
        m_parser.reset();
        Q_EMIT responded(status);
        return;
    }
    failRequest(describe(QAbstractSocket::RemoteHostClosedError, QString()));
}

void RawHttpConnection::onError(QAbstractSocket::SocketError error)
{
    const QString reason = describe(error, m_socket->errorString());
    if (error == QAbstractSocket::RemoteHostClosedError
        && m_socket->state() == QAbstractSocket::ConnectedState)
        return; // onDisconnected() follows, and may still complete a body that ran to the end
    finishOpening(reason);
    if (m_busy)
        failRequest(reason);
    else
        dropConnection();
}

void RawHttpConnection::failRequest(const QString &reason)
{
    m_busy = false;
    dropConnection();
    Q_EMIT failed(reason);
}
