#pragma once

#include "serverlist/serverlist.h"

#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

class QNetworkReply;

// The sync servers a player may use and the one it uses now, shared by the sync client and the
// event stream so that both always talk to the same server: whichever of them finds it away first
// moves both on. Builds every request to the server in use (its URL, the token, the TLS trust).
//
// A server is away when a request to it got no HTTP answer (refused, no such host, timeout, TLS)
// or a 502, 503 or 504: a proxy or the server saying it cannot serve now, which another server of
// the list may. Every other answer, a 401 or 404 say, is the server's word. Lives on the GUI
// thread.
class ServerPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerPool)
public:
    // Which server a request went to, taken when it is sent and handed to moveOn() once it found
    // that server away: requests in flight together all find the same server away, and only the
    // first of them moves on.
    struct Ticket
    {
        int index = 0;
        quint64 generation = 0;
    };

    explicit ServerPool(QObject *parent = nullptr);

    // Starts from the first server, unless the list is the one already in use.
    void setServers(const ServerList &servers, const QString &token);
    // Certificates to trust besides the system's for an https server (TlsTrust).
    void setTrustedCertificates(const QList<QSslCertificate> &certificates);

    const ServerList &servers() const { return m_servers; }
    QString token() const { return m_token; }
    // A server to talk to and a token to talk with, which no server refused.
    bool isUsable() const { return !m_servers.isEmpty() && !m_token.isEmpty() && !m_refused; }
    // A server answered 401 to `token`: the device was removed (or the token revoked), on every
    // server of the list alike. Nothing is sent with it any more; another token (setServers)
    // starts again. Ignored for a token no longer in use.
    void refuseToken(const QString &token);
    bool isTokenRefused() const { return m_refused; }
    // The server requests go to now (empty without one).
    QUrl current() const { return m_servers.at(m_current); }
    // Uses `server` of the list from now on; ignores a server not in the list.
    void setCurrent(const QUrl &server);

    Ticket ticket() const { return {m_current, m_generation}; }
    // A request for `path` (query included) on the current server, with the token (none while it
    // is empty: pairing), the trusted certificates and a transfer timeout of `timeoutMs`.
    QNetworkRequest request(const QString &path, int timeoutMs) const;

    static bool isAway(int status);
    // Why a request failed, for a log line: "HTTP 503", or the network error.
    static QString failure(const QNetworkReply *reply, int status);
    // After the request of `ticket` found its server away: moves on to the next server unless
    // another request already did. False when there is no other server to go to (or the list
    // changed since).
    bool moveOn(Ticket ticket, const QString &why);

Q_SIGNALS:
    // Requests go to another server of the list from now on.
    void currentChanged(const QUrl &server);
    // Another list of servers is in use.
    void serversChanged();
    // The token in use was refused (401), once per token.
    void tokenRefused();

private:
    ServerList m_servers;
    int m_current = 0;
    quint64 m_generation = 0; // changes with the list: an answer from an older list moves nothing
    QString m_token;
    bool m_refused = false;
    QSslConfiguration m_tls;
};
