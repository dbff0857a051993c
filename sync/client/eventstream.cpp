#include "client/eventstream.h"

#include "client/tlstrust.h"
#include "protocol/recordcodec.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcEventStream, "playmark.sync.events")

namespace {
// As for the sync client: no HTTP answer, or one saying this server cannot serve now.
bool isAway(int status)
{
    return status == 0 || status == 502 || status == 503 || status == 504;
}
} // namespace

EventStream::EventStream(QObject *parent) : QObject(parent), m_tls(TlsTrust::configuration({}))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream()
{
    stop();
}

void EventStream::setServers(const ServerList &servers, const QString &token)
{
    m_token = token;
    if (servers == m_servers)
        return;
    const QUrl before = currentServer();
    m_servers = servers;
    m_current = 0;
    m_untried = m_servers.size();
    if (currentServer() != before)
        Q_EMIT currentServerChanged(currentServer());
}

void EventStream::setCurrentServer(const QUrl &server)
{
    const int index = m_servers.indexOf(server);
    if (index < 0 || index == m_current)
        return;
    m_current = index;
    m_untried = m_servers.size();
    qCInfo(lcEventStream).noquote() << "following" << server.toDisplayString();
    Q_EMIT currentServerChanged(server);
    if (!m_running)
        return;
    hangUp();
    m_retry.stop();
    connectNow();
}

void EventStream::setTrustedCertificates(const QList<QSslCertificate> &certificates)
{
    m_tls = TlsTrust::configuration(certificates);
}

void EventStream::start()
{
    if (m_running || m_servers.isEmpty() || m_token.isEmpty())
        return;
    m_running = true;
    m_backoff.reset();
    m_untried = m_servers.size();
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
    QUrl url = currentServer();
    url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0)
                + QStringLiteral("/v1/events"));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setRawHeader("Accept", "text/event-stream");
    // An inactivity limit: the server sends a keep-alive at least every 15 s.
    request.setTransferTimeout(kSilenceLimitMs);
    request.setSslConfiguration(m_tls);
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
    m_untried = m_servers.size();
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
    if (!m_running)
        return;
    // A stream that ended after it was open goes back to the same server first (a restart, a
    // dropped connection); one that could not be opened moves on to the next.
    if (isAway(status) && m_servers.size() > 1) {
        const QUrl away = currentServer();
        m_current = (m_current + 1) % m_servers.size();
        qCInfo(lcEventStream).noquote()
            << QStringLiteral("%1 is away (%2); moving on to %3")
                   .arg(away.toDisplayString(),
                        status ? QStringLiteral("HTTP %1").arg(status) : reply->errorString(),
                        currentServer().toDisplayString());
        Q_EMIT currentServerChanged(currentServer());
        if (--m_untried > 0) {
            connectNow();
            return;
        }
        m_untried = m_servers.size();
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
