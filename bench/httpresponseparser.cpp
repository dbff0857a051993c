#include "httpresponseparser.h"

#include <QList>

namespace {

constexpr qsizetype kMaxHeadBytes = 64 * 1024;

} // namespace

void HttpResponseParser::reset()
{
    m_buffer.clear();
    m_state = State::Head;
    m_remaining = 0;
    m_status = 0;
    m_keepAlive = true;
    m_error.clear();
}

HttpResponseParser::Result HttpResponseParser::fail(const QString &message)
{
    m_error = message;
    return Result::Error;
}

HttpResponseParser::Result HttpResponseParser::parseHead(qsizetype end)
{
    const QList<QByteArray> lines = m_buffer.left(end).split('\n');
    m_buffer.remove(0, end + 4);

    const QByteArray statusLine = lines.constFirst().trimmed();
    const QList<QByteArray> parts = statusLine.split(' ');
    bool ok = false;
    m_status = parts.size() >= 2 ? parts.at(1).toInt(&ok) : 0;
    if (!statusLine.startsWith("HTTP/1.") || !ok || m_status < 100 || m_status > 999)
        return fail(QStringLiteral("malformed status line"));
    m_keepAlive = !statusLine.startsWith("HTTP/1.0");

    qint64 contentLength = -1;
    bool chunked = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed().toLower();
        if (name == "content-length") {
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0)
                return fail(QStringLiteral("malformed Content-Length"));
        } else if (name == "transfer-encoding") {
            chunked = value.contains("chunked");
        } else if (name == "connection") {
            if (value.contains("close"))
                m_keepAlive = false;
            else if (value.contains("keep-alive"))
                m_keepAlive = true;
        }
    }

    if (m_status < 200 || m_status == 204 || m_status == 304) {
        if (m_status < 200) // 100 Continue and the like: the real answer follows
            return next();
        return Result::Complete;
    }
    if (chunked) {
        m_state = State::ChunkSize;
    } else if (contentLength >= 0) {
        m_state = State::Body;
        m_remaining = contentLength;
    } else {
        m_state = State::UntilClose;
        m_keepAlive = false;
    }
    return next();
}

HttpResponseParser::Result HttpResponseParser::next()
{
    for (;;) {
        switch (m_state) {
        case State::Head: {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_buffer.size() > kMaxHeadBytes)
                    return fail(QStringLiteral("response headers over 64 KiB"));
                return Result::NeedMore;
            }
            return parseHead(end);
        }
        case State::Body: {
            const qint64 take = std::min<qint64>(m_remaining, m_buffer.size());
            m_buffer.remove(0, take);
            m_remaining -= take;
            if (m_remaining > 0)
                return Result::NeedMore;
            m_state = State::Head;
            return Result::Complete;
        }
        case State::ChunkSize: {
            const qsizetype end = m_buffer.indexOf("\r\n");
            if (end < 0)
                return m_buffer.size() > 1024 ? fail(QStringLiteral("malformed chunk size"))
                                              : Result::NeedMore;
            QByteArray size = m_buffer.left(end);
            const qsizetype extension = size.indexOf(';');
            if (extension >= 0)
                size.truncate(extension);
            bool ok = false;
            m_remaining = size.trimmed().toLongLong(&ok, 16);
            if (!ok || m_remaining < 0)
                return fail(QStringLiteral("malformed chunk size"));
            m_buffer.remove(0, end + 2);
            m_state = m_remaining == 0 ? State::Trailers : State::ChunkData;
            break;
        }
        case State::ChunkData: {
            const qint64 take = std::min<qint64>(m_remaining, m_buffer.size());
            m_buffer.remove(0, take);
            m_remaining -= take;
            if (m_remaining > 0)
                return Result::NeedMore;
            m_state = State::ChunkEnd;
            break;
        }
        case State::ChunkEnd:
            if (m_buffer.size() < 2)
                return Result::NeedMore;
            if (!m_buffer.startsWith("\r\n"))
                return fail(QStringLiteral("malformed chunk"));
            m_buffer.remove(0, 2);
            m_state = State::ChunkSize;
            break;
        case State::Trailers: {
            const qsizetype end = m_buffer.indexOf("\r\n");
            if (end < 0)
                return Result::NeedMore;
            m_buffer.remove(0, end + 2);
            if (end == 0) { // the blank line after the trailers
                m_state = State::Head;
                return Result::Complete;
            }
            break;
        }
        case State::UntilClose:
            m_buffer.clear();
            return Result::NeedMore;
        }
    }
}

HttpResponseParser::Result HttpResponseParser::finish()
{
    if (m_state == State::UntilClose) {
        m_state = State::Head;
        return Result::Complete;
    }
    return m_state == State::Head && m_buffer.isEmpty()
        ? Result::NeedMore
        : fail(QStringLiteral("connection closed in the middle of a response"));
}
