#pragma once

#include "client/backoff.h"
#include "protocol/progressrecord.h"
#include "protocol/protocollimits.h"
#include "serverlist/serverlist.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

class QNetworkReply;

// Keeps GET /v1/events open and turns its server-sent events into records. Reconnects with
// backoff when the server goes away, and treats a stream silent for three keep-alive periods as
// dead. With several servers it streams from the current one; when that one cannot be reached
// (no HTTP answer, or 502, 503, 504) it moves on to the next at once, and waits out the backoff
// only once every server of the list was tried. Lives on the GUI thread; all network work is
// asynchronous.
class EventStream final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStream)
public:
    // Three keep-alives missed.
    static constexpr int kSilenceLimitMs = 3 * ProtocolLimits::kKeepAliveMs;

    explicit EventStream(QObject *parent = nullptr);
    ~EventStream() override;

    // Starts from the first server, unless the list is the one already in use.
    void setServers(const ServerList &servers, const QString &token);
    QUrl currentServer() const { return m_servers.at(m_current); }
    // Streams from `server` of the list from now on (the sync client found it answering);
    // ignores a server not in the list.
    void setCurrentServer(const QUrl &server);
    // Certificates to trust besides the system's for an https server (TlsTrust).
    void setTrustedCertificates(const QList<QSslCertificate> &certificates);
    void start();
    void stop();
    bool isConnected() const { return m_connected; }

Q_SIGNALS:
    void progressReceived(const ProgressRecord &record);
    void connectedChanged(bool connected);
    void currentServerChanged(const QUrl &server);

private:
    void connectNow();
    void hangUp();
    void readEvents();
    void handleEnd();
    void setConnected(bool connected);

    QNetworkAccessManager m_network;
    ServerList m_servers;
    int m_current = 0;
    int m_untried = 0; // servers of this round not tried yet, the current one included
    QString m_token;
    QSslConfiguration m_tls;
    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
    bool m_running = false;
    bool m_connected = false;
    Backoff m_backoff;
    QTimer m_retry;
};
