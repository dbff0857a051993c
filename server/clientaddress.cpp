#include "clientaddress.h"

#include <QStringList>

namespace {

// A v4-mapped IPv6 address ("::ffff:127.0.0.1", how a dual-stack socket shows IPv4) as IPv4.
QHostAddress plain(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

} // namespace

bool ClientAddress::setTrustedProxies(const QString &list, QString *error)
{
    m_trusted.clear();
    for (const QString &item : list.split(u',', Qt::SkipEmptyParts)) {
        const QString text = item.trimmed();
        QPair<QHostAddress, int> subnet = text.contains(u'/')
            ? QHostAddress::parseSubnet(text)
            : QPair<QHostAddress, int>(QHostAddress(text), -1);
        if (subnet.first.isNull()) {
            if (error)
                *error = QStringLiteral("'%1' is not an IP address or subnet").arg(text);
            m_trusted.clear();
            return false;
        }
        subnet.first = plain(subnet.first);
        if (subnet.second < 0)
            subnet.second = subnet.first.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
        m_trusted.append(subnet);
    }
    return true;
}

bool ClientAddress::isTrusted(const QHostAddress &address) const
{
    const QHostAddress candidate = plain(address);
    for (const auto &subnet : m_trusted) {
        if (candidate.isInSubnet(subnet))
            return true;
    }
    return false;
}

QString ClientAddress::of(const QHostAddress &peer, const QByteArray &forwardedFor,
                          const QByteArray &realIp) const
{
    if (!isTrusted(peer))
        return key(peer);
    // Each proxy appends the address it was reached from: read from the end, past our own.
    const QList<QByteArray> hops = forwardedFor.split(',');
    for (auto hop = hops.crbegin(); hop != hops.crend(); ++hop) {
        const QHostAddress address(QString::fromLatin1(hop->trimmed()));
        if (address.isNull())
            break; // not an address (a proxy's "unknown", garbage): what is before it is unknown
        if (!isTrusted(address))
            return key(address);
    }
    const QHostAddress real(QString::fromLatin1(realIp.trimmed()));
    if (!real.isNull())
        return key(real);
    return key(peer);
}

QString ClientAddress::key(const QHostAddress &address)
{
    const QHostAddress shown = plain(address);
    if (shown.protocol() != QAbstractSocket::IPv6Protocol)
        return shown.toString();
    Q_IPV6ADDR bytes = shown.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}
