#include "tcplistener.h"

#include "connectionguard.h"

#include <QFile>
#include <QLoggingCategory>
#include <QSslSocket>
#include <QTimer>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcListener, "playmark.server.listener")

namespace {
// Connections the kernel may hold for accept(): thousands of devices reconnect at once after a
// restart. The kernel caps it at net.core.somaxconn.
int listenBacklog()
{
    QFile file(QStringLiteral("/proc/sys/net/core/somaxconn"));
    bool ok = false;
    const int allowed = file.open(QIODevice::ReadOnly) ? file.readAll().trimmed().toInt(&ok) : 0;
    return qMax(4096, ok ? allowed : 0);
}

// Whether this machine can make IPv6 sockets at all (not so on a kernel booted with
// ipv6.disable=1, or in some containers).
bool hasIpv6()
{
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno != EAFNOSUPPORT; // any other failure is the real attempt's to report
    ::close(fd);
    return true;
}
} // namespace

int TcpListener::openConnections() const
{
    return m_guard.shared().openConnections.load();
}

bool TcpListener::listenSharingPort(const QHostAddress &address, quint16 port, PortUse mode,
                                    QString *error)
{
    const auto fail = [error](int fd, const char *what) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(QLatin1String(what),
                                                  QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return false;
    };
    // QHostAddress::Any is both IPv6 and IPv4, as QTcpServer::listen makes it; IPv4 alone where
    // there is no IPv6 (as QTcpServer falls back too).
    if (address == QHostAddress(QHostAddress::Any) && !hasIpv6())
        return listenSharingPort(QHostAddress(QHostAddress::AnyIPv4), port, mode, error);
    const bool v4 = address.protocol() == QAbstractSocket::IPv4Protocol;
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v4) {
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    } else {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = address == QHostAddress(QHostAddress::Any)
            ? QHostAddress(QHostAddress::AnyIPv6).toIPv6Address()
            : address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof(bytes));
        in6->sin6_scope_id = address.scopeId().toUInt();
        length = sizeof(sockaddr_in6);
    }
    // A bound socket for `address`, sharing the port (SO_REUSEPORT) or not; -1 on failure, with
    // `error` set.
    const auto makeSocket = [&](bool reusePort) {
        const auto failed = [&fail](int fd, const char *what) {
            fail(fd, what);
            return -1;
        };
        const int on = 1;
        const int off = 0;
        const int fd =
            ::socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return failed(fd, "socket");
        if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
            || (reusePort && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0))
            return failed(fd, "setsockopt");
        // As QTcpServer: Any serves IPv4 too, AnyIPv6 only IPv6.
        if (!v4 && (address == QHostAddress(QHostAddress::Any) || address == QHostAddress::AnyIPv6)
            && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
                            address == QHostAddress::AnyIPv6 ? &on : &off, sizeof(int))
                != 0)
            return failed(fd, "setsockopt");
        if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0)
            return failed(fd, "bind");
        return fd;
    };
    if (mode == PortUse::First && port != 0) {
        // SO_REUSEPORT would let this server share the port with another process of the same
        // user that listens there too (a second server started by mistake), each silently
        // taking some of the connections: a socket bound without it finds the port taken.
        const int probe = makeSocket(false);
        if (probe < 0)
            return false;
        ::close(probe);
    }
    const int fd = makeSocket(true);
    if (fd < 0)
        return false;
    if (::listen(fd, listenBacklog()) != 0)
        return fail(fd, "listen");
    if (!setSocketDescriptor(fd)) {
        if (error)
            *error = errorString();
        ::close(fd);
        return false;
    }
    return true;
}

void TcpListener::incomingConnection(qintptr socketDescriptor)
{
    QSslSocket *tls = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tls ? tls : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    // Before the guard may write a refusal, so that even that goes out encrypted. The guard and
    // the HTTP layer then see only decrypted bytes: a QSslSocket's readyRead is for those.
    if (tls)
        startTls(tls);
    // The guard connects to readyRead first, so it sees every byte before the HTTP layer does.
    if (!m_guard.admit(socket)) {
        // Answered 503 and closing: never handed to the HTTP layer.
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return;
    }
    addPendingConnection(socket);
}

void TcpListener::startTls(QSslSocket *socket)
{
    socket->setSslConfiguration(*m_tls);
    // A client that fails the handshake (plain HTTP on this port, or one that does not trust the
    // certificate) is cut off, and so is one that does not finish it within the idle timeout;
    // once disconnected, the socket is deleted like any other. Queued: the TLS code that reports
    // the error still uses the connection after the signal returns.
    const auto cutOff = [socket] {
        if (!socket->isEncrypted())
            socket->abort();
    };
    connect(socket, &QSslSocket::errorOccurred, socket, [socket, cutOff] {
        if (socket->isEncrypted())
            return;
        qCDebug(lcListener).noquote() << "TLS handshake with" << socket->peerAddress().toString()
                                      << "failed:" << socket->errorString();
        QTimer::singleShot(0, socket, cutOff);
    });
    QTimer::singleShot(m_guard.limits().idleTimeoutMs, socket, cutOff);
    socket->startServerEncryption();
}
