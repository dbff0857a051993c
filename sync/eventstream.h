#pragma once

#include "backoff.h"
#include "progressrecord.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

class QNetworkReply;

// Keeps GET /v1/events open and turns its server-sent events into records. Reconnects with
// backoff when the server goes away, and treats a stream silent for three keep-alive periods as
// dead. Lives on the GUI thread; all network work is asynchronous.
class EventStream final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStream)
public:
    static constexpr int kSilenceLimitMs = 45000;

    explicit EventStream(QObject *parent = nullptr);
    ~EventStream() override;

    void setServer(const QUrl &server, const QString &token);
    // Certificates to trust besides the system's for an https server (TlsTrust).
    void setTrustedCertificates(const QList<QSslCertificate> &certificates);
    void start();
    void stop();
    bool isConnected() const { return m_connected; }

Q_SIGNALS:
    void progressReceived(const ProgressRecord &record);
    void connectedChanged(bool connected);

private:
    void connectNow();
    void readEvents();
    void handleEnd();
    void setConnected(bool connected);

    QNetworkAccessManager m_network;
    QUrl m_server;
    QString m_token;
    QSslConfiguration m_tls;
    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
    bool m_running = false;
    bool m_connected = false;
    Backoff m_backoff;
    QTimer m_retry;
};
