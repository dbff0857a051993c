#include "profileinstance.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcInstance, "playmark.app.instance")

namespace {

// sockaddr_un's sun_path is 108 bytes on Linux, the final NUL included.
constexpr qsizetype kMaxSocketPath = 107;
// A request is one line: a path, quoted. Anything longer is not one of ours.
constexpr qint64 kMaxRequestBytes = 64 * 1024;
// Between two looks at the lock and the socket while the window that holds the profile starts
// or closes.
constexpr int kRetryMs = 100;

QByteArray line(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

ProfileInstance::ProfileInstance(const QString &profileFolder, QObject *parent)
    : QObject(parent),
      m_folder(QDir(profileFolder).absolutePath()),
      m_socketPath(socketPath(profileFolder)),
      m_lock(m_folder + QStringLiteral("/instance.lock"))
{
    // Only a lock whose process is gone is stale, however old: a window stays open for days.
    m_lock.setStaleLockTime(0);
    connect(&m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server.nextPendingConnection())
            serve(socket);
    });
}

ProfileInstance::~ProfileInstance() = default;

QString ProfileInstance::socketPath(const QString &profileFolder)
{
    const QString absolute = QDir(profileFolder).absolutePath();
    QDir().mkpath(absolute);
    // The same folder by another name (a symbolic link, "a/../b") is the same profile.
    const QString canonical = QFileInfo(absolute).canonicalFilePath();
    const QByteArray hash =
        QCryptographicHash::hash((canonical.isEmpty() ? absolute : canonical).toUtf8(),
                                 QCryptographicHash::Sha256)
            .toHex()
            .left(24);
    const QString name = QStringLiteral("/playmark-%1.socket").arg(QString::fromLatin1(hash));
    QString folder = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QDir::tempPath();
    if ((folder + name).toLocal8Bit().size() > kMaxSocketPath)
        folder = QStringLiteral("/tmp");
    return folder + name;
}

ProfileInstance::Claim ProfileInstance::claim(const QString &file, int waitMs, QString *message)
{
    const QDeadlineTimer deadline(waitMs);
    int lockWaitMs = 0;
    for (;;) {
        if (m_lock.tryLock(lockWaitMs)) {
            QString error;
            if (!listen(&error)) {
                // This window still plays; a later start simply cannot reach it.
                qCWarning(lcInstance).noquote()
                    << "later starts of this profile cannot reach this window:" << error;
            }
            return Claim::Owner;
        }
        if (m_lock.error() != QLockFile::LockFailedError) {
            // A folder that cannot hold the lock (read-only): play without the guard, as before.
            qCWarning(lcInstance).noquote()
                << "cannot lock" << m_lock.fileName()
                << "- another window may open this profile at the same time";
            return Claim::Owner;
        }
        qint64 ownerPid = 0;
        if (handOver(file, int(qMax<qint64>(1, deadline.remainingTime())), &ownerPid)) {
            *message = file.isEmpty()
                ? QStringLiteral("the profile %1 is open in another window (process %2): "
                                 "brought it to the front")
                      .arg(QDir::toNativeSeparators(m_folder))
                      .arg(ownerPid)
                : QStringLiteral("the profile %1 is open in another window (process %2): "
                                 "sent %3 to it")
                      .arg(QDir::toNativeSeparators(m_folder))
                      .arg(ownerPid)
                      .arg(QDir::toNativeSeparators(file));
            return Claim::HandedOver;
        }
        if (deadline.hasExpired()) {
            qint64 pid = 0;
            QString host;
            QString application;
            m_lock.getLockInfo(&pid, &host, &application);
            *message = QStringLiteral("the profile %1 is in use by process %2, which does not "
                                      "answer on %3 (close it, or use another --profile)")
                           .arg(QDir::toNativeSeparators(m_folder))
                           .arg(pid)
                           .arg(m_socketPath);
            return Claim::Failed;
        }
        // The window holding the profile is starting (not listening yet) or closing (no longer
        // listening): look again, waiting on the lock in between.
        lockWaitMs = int(qMin<qint64>(kRetryMs, qMax<qint64>(1, deadline.remainingTime())));
    }
}

bool ProfileInstance::handOver(const QString &file, int waitMs, qint64 *ownerPid)
{
    const QDeadlineTimer deadline(waitMs);
    QLocalSocket socket;
    socket.connectToServer(m_socketPath);
    if (!socket.waitForConnected(int(qMax<qint64>(1, deadline.remainingTime()))))
        return false;
    socket.write(line({{QStringLiteral("open"), file}}));
    while (!socket.canReadLine() && socket.state() == QLocalSocket::ConnectedState
           && !deadline.hasExpired())
        socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    if (!socket.canReadLine())
        return false; // it closed without taking the file: it is going away
    const QJsonObject reply = QJsonDocument::fromJson(socket.readLine()).object();
    *ownerPid = reply.value(QStringLiteral("pid")).toInteger();
    return reply.value(QStringLiteral("opened")).toBool();
}

bool ProfileInstance::listen(QString *error)
{
    // The lock is ours, so a socket left there is a crashed window's. (Listening with socket
    // options also replaces it, by a rename; this does not count on that.)
    QLocalServer::removeServer(m_socketPath);
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server.listen(m_socketPath)) {
        *error = QStringLiteral("%1: %2").arg(m_socketPath, m_server.errorString());
        return false;
    }
    qCDebug(lcInstance).noquote() << "listening on" << m_socketPath;
    return true;
}

void ProfileInstance::stopListening()
{
    m_server.close();
}

void ProfileInstance::serve(QLocalSocket *socket)
{
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
        if (!socket->canReadLine()) {
            if (socket->bytesAvailable() > kMaxRequestBytes)
                socket->abort();
            return;
        }
        const QJsonObject request = QJsonDocument::fromJson(socket->readLine()).object();
        Q_EMIT activationRequested(request.value(QStringLiteral("open")).toString());
        socket->write(line({{QStringLiteral("opened"), true},
                            {QStringLiteral("pid"), QCoreApplication::applicationPid()}}));
        socket->disconnectFromServer();
    });
}
