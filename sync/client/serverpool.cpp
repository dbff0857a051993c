#include "client/serverpool.h"

#include "client/tlstrust.h"

#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcServers, "playmark.sync.servers")

ServerPool::ServerPool(QObject *parent) : QObject(parent), m_tls(TlsTrust::configuration({})) { }

void ServerPool::setServers(const ServerList &servers, const QString &token)
{
    if (token != m_token) {
        m_token = token;
        m_refused = false;
    }
    if (servers == m_servers)
        return;
    const QUrl before = current();
    m_servers = servers;
    m_current = 0;
    ++m_generation;
    Q_EMIT serversChanged();
    if (current() != before)
        Q_EMIT currentChanged(current());
}

void ServerPool::setTrustedCertificates(const QList<QSslCertificate> &certificates)
{
    m_tls = TlsTrust::configuration(certificates);
}

void ServerPool::setCurrent(const QUrl &server)
{
    const int index = m_servers.indexOf(server);
    if (index < 0 || index == m_current)
        return;
    m_current = index;
    qCInfo(lcServers).noquote() << "now using" << server.toDisplayString();
    Q_EMIT currentChanged(server);
}

QNetworkRequest ServerPool::request(const QString &path, int timeoutMs) const
{
    QUrl url = current();
    const QString base = url.path().endsWith(u'/') ? url.path().chopped(1) : url.path();
    url.setPath(base + path.section(u'?', 0, 0));
    url.setQuery(path.section(u'?', 1));
    QNetworkRequest request(url);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setTransferTimeout(timeoutMs);
    request.setSslConfiguration(m_tls);
    return request;
}

void ServerPool::refuseToken(const QString &token)
{
    if (token != m_token || m_refused)
        return;
    m_refused = true;
    qCWarning(lcServers) << "the server refused this device's token (401): it was removed; "
                            "nothing is sent until it is connected again";
    Q_EMIT tokenRefused();
}

bool ServerPool::isAway(int status)
{
    return status == 0 || status == 502 || status == 503 || status == 504;
}

QString ServerPool::failure(const QNetworkReply *reply, int status)
{
    return status ? QStringLiteral("HTTP %1").arg(status) : reply->errorString();
}

bool ServerPool::moveOn(Ticket ticket, const QString &why)
{
    if (ticket.generation != m_generation || m_servers.size() < 2)
        return false;
    // Requests in flight together all find the same server away: the first one moves on.
    if (ticket.index == m_current) {
        const QUrl away = current();
        m_current = (m_current + 1) % m_servers.size();
        qCInfo(lcServers).noquote()
            << QStringLiteral("%1 is away (%2); moving on to %3")
                   .arg(away.toDisplayString(), why, current().toDisplayString());
        Q_EMIT currentChanged(current());
    }
    return true;
}
