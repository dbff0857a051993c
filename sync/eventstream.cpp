#include "eventstream.h"

#include "recordcodec.h"
#include "tlstrust.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcEventStream, "playmark.sync.events")

EventStream::EventStream(QObject *parent) : QObject(parent), m_tls(TlsTrust::configuration({}))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream()
{
    stop();
}

void EventStream::setServer(const QUrl &server, const QString &token)
{
    m_server = server;
    m_token = token;
}

void EventStream::setTrustedCertificates(const QList<QSslCertificate> &certificates)
{
    m_tls = TlsTrust::configuration(certificates);
}

void EventStream::start()
{
    if (m_running || !m_server.isValid() || m_token.isEmpty())
        return;
    m_running = true;
    m_backoff.reset();
    connectNow();
}

void EventStream::stop()
{
    m_running = false;
    m_retry.stop();
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    setConnected(false);
}

void EventStream::connectNow()
{
    if (!m_running)
        return;
    QUrl url = m_server;
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
    if (m_running)
        m_retry.start(m_backoff.nextDelayMs());
}

void EventStream::setConnected(bool connected)
{
    if (m_connected == connected)
        return;
    m_connected = connected;
    Q_EMIT connectedChanged(connected);
}
