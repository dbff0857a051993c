#pragma once

// A bare client for GET /v1/events for the server tests: every frame as it arrives, comments
// included, with no reconnection or interpretation (the player's own client is
// sync/client/eventstream).
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QObject>

// One GET /v1/events, read as it arrives.
class EventReader final : public QObject
{
public:
    struct Event
    {
        QByteArray name;
        QByteArray data;
        int lines = 0;
        QJsonObject json() const { return QJsonDocument::fromJson(data).object(); }
    };

    EventReader(const QString &baseUrl, const QString &token)
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
        QNetworkRequest request(QUrl(baseUrl + QStringLiteral("/v1/events")));
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
        request.setRawHeader("Accept", "text/event-stream");
        m_reply = m_nam.get(request);
        connect(m_reply, &QNetworkReply::readyRead, this, &EventReader::read);
    }
    ~EventReader() override
    {
        disconnect(m_reply, nullptr, this, nullptr);
        m_reply->abort();
    }
    Q_DISABLE_COPY_MOVE(EventReader)

    // The server has registered the stream once its opening comment arrived.
    bool isOpen() const { return !m_comments.isEmpty(); }
    bool isFinished() const { return m_reply->isFinished(); }
    int status() const
    {
        return m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
    QByteArray contentType() const { return m_reply->rawHeader("Content-Type"); }
    const QList<Event> &events() const { return m_events; }
    const QList<QByteArray> &comments() const { return m_comments; }
    void hangUp() { m_reply->abort(); }

private:
    void read()
    {
        m_buffer += m_reply->readAll();
        qsizetype end = -1;
        while ((end = m_buffer.indexOf("\n\n")) >= 0) {
            const QByteArray frame = m_buffer.left(end);
            m_buffer.remove(0, end + 2);
            Event event;
            for (const QByteArray &line : frame.split('\n')) {
                ++event.lines;
                if (line.startsWith(':'))
                    m_comments << line.mid(1).trimmed();
                else if (line.startsWith("event: "))
                    event.name = line.mid(7);
                else if (line.startsWith("data: "))
                    event.data += line.mid(6);
            }
            if (!event.name.isEmpty() || !event.data.isEmpty())
                m_events << event;
        }
    }

    QNetworkAccessManager m_nam;
    QNetworkReply *m_reply = nullptr;
    QByteArray m_buffer;
    QList<Event> m_events;
    QList<QByteArray> m_comments;
};
