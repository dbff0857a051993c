#pragma once

#include <QLocalServer>
#include <QLockFile>
#include <QObject>
#include <QString>

class QLocalSocket;

// One window per profile (a profile is a device: two windows on one would report over each
// other). The first start of a profile holds a lock file in the profile folder and listens on a
// local socket named after the folder; a later start, or two at once, finds the lock held and
// hands its file to that window through the socket, then exits. After a crash (kill -9) the lock
// names a process that is gone, so the next start takes it over and replaces the stale socket.
class ProfileInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProfileInstance)
public:
    enum class Claim {
        Owner, // this process is the profile's window: listen for later starts
        HandedOver, // the profile's window has the file (or was raised): exit
        Failed, // a window holds the profile but does not answer
    };
    static constexpr int kDefaultWaitMs = 10000;

    explicit ProfileInstance(const QString &profileFolder, QObject *parent = nullptr);
    ~ProfileInstance() override;

    // The socket's path: under $XDG_RUNTIME_DIR (else the temporary folder), named after a hash
    // of the canonical profile folder, so it stays within a socket path's 108 bytes however long
    // the folder's name.
    static QString socketPath(const QString &profileFolder);

    // Becomes the profile's window, or hands `file` ("" only raises the window) to the one that
    // is. Runs before any window exists and waits up to `waitMs` for a window that is itself
    // still starting. `message` says what happened (for stderr) unless Owner.
    Claim claim(const QString &file, int waitMs, QString *message);

    // The window is closing: later starts wait for this process to end and then take the profile
    // over, instead of handing a file to a window that is going away.
    void stopListening();

Q_SIGNALS:
    // A later start of this profile: open `file` (when not empty) and come to the front.
    void activationRequested(const QString &file);

private:
    bool listen(QString *error);
    void serve(QLocalSocket *socket);
    // Sends `file` to the window listening; false when none answered (not listening yet, or
    // closing).
    bool handOver(const QString &file, int waitMs, qint64 *ownerPid);

    QString m_folder;
    QString m_socketPath;
    QLockFile m_lock;
    QLocalServer m_server;
};
