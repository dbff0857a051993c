#include "client/eventstream.h"

#include "protocol/recordcodec.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcEventStream, "playmark.sync.events")

EventStream::EventStream(ServerPool &pool, QObject *parent) : QObject(parent), m_pool(pool)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::connectNow);
    connect(&m_pool, &ServerPool::currentChanged, this, &EventStream::followCurrentServer);
    connect(&m_pool, &ServerPool::serversChanged, this, [this] {
        m_untried = m_pool.servers().size();
        // A stream still open goes to the same server, now the first of the new list; had that
        // one changed, followCurrentServer() opens another with a ticket of its own.
        m_ticket = m_pool.ticket();
    });
    // A removed device streams nothing more (the sync client found out first).
    connect(&m_pool, &ServerPool::tokenRefused, this, &EventStream::stop);
}

EventStream::~EventStream()
{
    stop();
}

void EventStream::followCurrentServer()
{
    if (m_movingOn)
        return;
    m_untried = m_pool.servers().size();
    if (!m_running)
        return;
    qCInfo(lcEventStream).noquote() << "following" << m_pool.current().toDisplayString();
    hangUp();
    m_retry.stop();
    connectNow();
}

void EventStream::start()
{
    if (m_running || !m_pool.isUsable())
        return;
    m_running = true;
    m_backoff.reset();
    m_untried = m_pool.servers().size();
    connectNow();
}

void EventStream::stop()
{
    m_running = false;
    m_retry.stop();
    hangUp();
}

void EventStream::hangUp()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
    setConnected(false);
}

void EventStream::connectNow()
{
    if (!m_running)
        return;
    // An inactivity limit: the server sends a keep-alive at least every 15 s.
    QNetworkRequest request = m_pool.request(QStringLiteral("/v1/events"), kSilenceLimitMs);
    request.setRawHeader("Accept", "text/event-stream");
    m_ticket = m_pool.ticket();
    m_token = m_pool.token();
    m_buffer.clear();
    m_reply = m_network.get(request);
    connect(m_reply, &QNetworkReply::readyRead, this, &EventStream::readEvents);
    connect(m_reply, &QNetworkReply::finished, this, &EventStream::handleEnd);
}

void EventStream::readEvents()
{
    if (!m_reply)
        return;
    if (m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
        return;
    setConnected(true);
    m_backoff.reset();
    m_untried = m_pool.servers().size();
    m_buffer += m_reply->readAll();
    m_buffer.replace("\r\n", "\n");
    qsizetype end = 0;
    while ((end = m_buffer.indexOf("\n\n")) >= 0) {
        const QByteArray block = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        QByteArray event = "message";
        QByteArray data;
        for (const QByteArray &line : block.split('\n')) {
            if (line.startsWith("event:"))
                event = line.mid(6).trimmed();
            else if (line.startsWith("data:"))
                data += line.mid(5).trimmed();
        }
        if (event != "progress" || data.isEmpty())
            continue;
        ValidationError error;
        const auto record = RecordCodec::fromJson(QJsonDocument::fromJson(data).object(),
                                                  RecordCodec::Source::Server, &error);
        if (record)
            Q_EMIT progressReceived(*record);
        else
            qCWarning(lcEventStream).noquote() << "ignored a malformed event:" << error.message;
    }
}

void EventStream::handleEnd()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    qCDebug(lcEventStream) << "event stream ended:"
                           << (status ? QString::number(status) : reply->errorString());
    reply->deleteLater();
    m_reply = nullptr;
    setConnected(false);
    if (status == 401) {
        // The device was removed: the pool tells the sync client, and nothing retries.
        m_pool.refuseToken(m_token);
        m_running = false;
        return;
    }
    if (!m_running)
        return;
    // A stream that ended after it was open goes back to the same server first (a restart, a
    // dropped connection); one that could not be opened moves on to the next.
    m_movingOn = true;
    const bool movedOn =
        ServerPool::isAway(status) && m_pool.moveOn(m_ticket, ServerPool::failure(reply, status));
    m_movingOn = false;
    if (movedOn) {
        if (--m_untried > 0) {
            connectNow();
            return;
        }
        m_untried = m_pool.servers().size();
    }
    m_retry.start(m_backoff.nextDelayMs());
}

void EventStream::setConnected(bool connected)
{
    if (m_connected == connected)
        return;
    m_connected = connected;
    Q_EMIT connectedChanged(connected);
}
