#pragma once

#include <QByteArray>
#include <QString>

// Reads HTTP/1.1 responses from the bytes of one connection, one response after another: the
// status line, the headers it needs (Content-Length, Transfer-Encoding: chunked, Connection), and
// the body, which it skips. Enough for playmark-server's answers; not a general client.
class HttpResponseParser
{
public:
    enum class Result { NeedMore, Complete, Error };

    void append(const QByteArray &bytes) { m_buffer += bytes; }
    // Consumes the next complete response from what was appended. After Complete, status() and
    // keepAlive() describe it; after Error, error() says what was wrong and the connection should
    // be dropped.
    Result next();
    // The peer closed the connection: completes a response whose body runs to the end.
    Result finish();
    void reset();

    int status() const { return m_status; }
    bool keepAlive() const { return m_keepAlive; }
    QString error() const { return m_error; }
    bool isIdle() const { return m_state == State::Head && m_buffer.isEmpty(); }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose };

    Result fail(const QString &message);
    Result parseHead(qsizetype end);

    QByteArray m_buffer;
    State m_state = State::Head;
    qint64 m_remaining = 0;
    int m_status = 0;
    bool m_keepAlive = true;
    QString m_error;
};
