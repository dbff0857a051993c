#pragma once

// One keep-alive HTTP/1.1 connection to a test server, from a chosen source address of the
// loopback network (127.0.0.2 and up are all this machine's too), so that a test can be several
// clients at once, as the server's per-address limits see them. Requests are written as bytes
// and answers parsed by Content-Length; the event loop runs while waiting.
#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QTcpSocket>
#include <QTest>

struct HttpAnswer
{
    int status = -1; // -1: no answer (the connection ended, or the time ran out)
    QList<QPair<QByteArray, QByteArray>> headers; // names in lower case
    QByteArray body;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const
    {
        return json()
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key == name.toLower())
                return value;
        }
        return {};
    }
};

class HttpConnection
{
public:
    HttpConnection(quint16 port, const QHostAddress &source = QHostAddress::LocalHost,
                   int timeoutMs = 30000)
        : m_port(port), m_source(source), m_timeoutMs(timeoutMs)
    {
    }
    Q_DISABLE_COPY_MOVE(HttpConnection)

    // Writes the request; read the answer with next(). Several may be written before reading
    // (pipelined): the server answers them in order.
    void send(const QByteArray &method, const QString &path, const QString &token = {},
              const QByteArray &body = {}, const QByteArray &extraHeaders = {})
    {
        if (m_socket.state() != QAbstractSocket::ConnectedState) {
            m_socket.abort();
            m_buffer.clear();
            m_socket.bind(m_source, 0);
            m_socket.connectToHost(QHostAddress::LocalHost, m_port);
            if (!m_socket.waitForConnected(m_timeoutMs))
                return;
        }
        QByteArray request = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!token.isEmpty())
            request += "Authorization: Bearer " + token.toUtf8() + "\r\n";
        request += extraHeaders; // whole lines, each ending in \r\n
        if (!body.isEmpty() || method == "POST" || method == "PUT")
            request += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
        request += "\r\n" + body;
        m_socket.write(request);
    }

    HttpAnswer next()
    {
        HttpAnswer answer;
        const QDeadlineTimer deadline(m_timeoutMs);
        while (!parse(&answer)) {
            if (deadline.hasExpired() || m_socket.state() != QAbstractSocket::ConnectedState)
                return HttpAnswer();
            // The event loop runs meanwhile (a test may be waiting on other things too).
            QTest::qWait(1);
            m_buffer += m_socket.readAll();
        }
        return answer;
    }

    HttpAnswer request(const QByteArray &method, const QString &path, const QString &token = {},
                       const QByteArray &body = {}, const QByteArray &extraHeaders = {})
    {
        send(method, path, token, body, extraHeaders);
        return next();
    }

private:
    // One whole answer from the front of the buffer, removed from it.
    bool parse(HttpAnswer *answer)
    {
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
        HttpAnswer parsed;
        parsed.status = lines.constFirst().split(' ').value(1).toInt();
        qint64 length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon < 0)
                continue;
            const QByteArray name = lines.at(i).left(colon).trimmed().toLower();
            const QByteArray value = lines.at(i).mid(colon + 1).trimmed();
            parsed.headers.append({name, value});
            if (name == "content-length")
                length = value.toLongLong();
        }
        if (m_buffer.size() - headEnd - 4 < length)
            return false;
        parsed.body = m_buffer.mid(headEnd + 4, length);
        m_buffer.remove(0, headEnd + 4 + length);
        *answer = parsed;
        return true;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    quint16 m_port;
    QHostAddress m_source;
    int m_timeoutMs;
};
