#include "qnamhttpconnection.h"

#include <QMetaObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

QnamHttpConnection::QnamHttpConnection(QNetworkAccessManager *manager, const QUrl &base,
                                       const QByteArray &authorization, QObject *parent)
    : HttpConnection(parent), m_manager(manager), m_base(base), m_authorization(authorization)
{
}

QnamHttpConnection::~QnamHttpConnection()
{
    abort();
}

void QnamHttpConnection::open()
{
    // The manager opens its connections on demand; telling it the host early saves nothing
    // measurable on loopback.
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT openFinished(QString()); }, Qt::QueuedConnection);
}

void QnamHttpConnection::send(const QByteArray &method, const QByteArray &path,
                              const QByteArray &body, const QByteArray &authorization)
{
    Q_ASSERT(!m_reply);
    QUrl url = m_base;
    url.setPath(m_base.path() + QString::fromLatin1(path));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization",
                         authorization.isEmpty() ? m_authorization : authorization);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    m_reply = m_manager->sendCustomRequest(request, method, body);
    connect(m_reply, &QNetworkReply::finished, this, &QnamHttpConnection::onFinished);
}

void QnamHttpConnection::abort()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    reply->abort();
    reply->deleteLater();
}

void QnamHttpConnection::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid()) {
        Q_EMIT responded(status.toInt());
        return;
    }
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        Q_EMIT failed(QStringLiteral("connection refused"));
        break;
    case QNetworkReply::RemoteHostClosedError:
        Q_EMIT failed(QStringLiteral("closed by server"));
        break;
    default:
        Q_EMIT failed(reply->errorString());
        break;
    }
}
