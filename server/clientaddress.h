#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

// Who a request comes from, as the per-address limits count it (pairings pending, wrong codes,
// failed logins). Behind a reverse proxy every connection is the proxy's; a proxy named here
// (--trusted-proxy) is believed about the client: the last address in X-Forwarded-For that is
// not itself a trusted proxy, else X-Real-IP. Anyone else's headers are ignored, or a client
// could name itself anything. IPv6 clients are counted by their /64: one host is usually given
// a whole /64, and would otherwise have 2^64 addresses to rotate through.
class ClientAddress final
{
public:
    // "ADDR[,ADDR...]", each an address or a subnet ("10.0.0.0/8", "fd00::/8"); empty: none.
    // False, with the one that is not, in *error.
    bool setTrustedProxies(const QString &list, QString *error);
    bool hasTrustedProxies() const { return !m_trusted.isEmpty(); }

    QString of(const QHostAddress &peer, const QByteArray &forwardedFor,
               const QByteArray &realIp) const;
    // The text an address is counted as: IPv4 as is (also when mapped into IPv6), IPv6 as its
    // /64 ("2001:db8:1:2::/64").
    static QString key(const QHostAddress &address);

private:
    bool isTrusted(const QHostAddress &address) const;

    QList<QPair<QHostAddress, int>> m_trusted;
};
