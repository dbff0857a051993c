#pragma once

// gnome-keyring-daemon on a test's private session bus, unlocked for the test (its password on
// stdin; its files wherever the environment's HOME and XDG folders say, a temporary folder), as
// a desktop session has it. Started only here: nothing asks the bus to start one. Stopped when
// destroyed.
#include "serverprocess.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDeadlineTimer>
#include <QTest>

class UnlockedKeyring
{
public:
    UnlockedKeyring() = default;
    ~UnlockedKeyring() { stopProcess(m_daemon); }
    Q_DISABLE_COPY_MOVE(UnlockedKeyring)

    // `environment` has the bus (DBUS_SESSION_BUS_ADDRESS) and the folders. Waits until the
    // keyring's name is on the bus.
    bool start(const QProcessEnvironment &environment, int timeoutMs, QString *error)
    {
        m_daemon.setProcessEnvironment(environment);
        m_daemon.start(QStringLiteral("gnome-keyring-daemon"),
                       {QStringLiteral("--unlock"), QStringLiteral("--components=secrets"),
                        QStringLiteral("--foreground")});
        if (!m_daemon.waitForStarted(timeoutMs)) {
            *error = m_daemon.errorString();
            return false;
        }
        m_daemon.write("test-password");
        m_daemon.closeWriteChannel();
        const bool up = waitForName(environment, true, timeoutMs);
        if (!up)
            *error = QStringLiteral("gnome-keyring-daemon did not come on the bus: ")
                + QString::fromLocal8Bit(m_daemon.readAllStandardError());
        return up;
    }

    // Stops the daemon and waits until its name has left the bus; start() again brings the same
    // keyring back (its files stay), unlocked.
    bool stop(const QProcessEnvironment &environment, int timeoutMs)
    {
        stopProcess(m_daemon);
        return waitForName(environment, false, timeoutMs);
    }

private:
    // Until the keyring's name is (or is no longer) on the bus. Asked without starting
    // anything: the name's owner, not the service.
    static bool waitForName(const QProcessEnvironment &environment, bool owned, int timeoutMs)
    {
        QDBusConnection probe = QDBusConnection::connectToBus(
            environment.value(QStringLiteral("DBUS_SESSION_BUS_ADDRESS")),
            QStringLiteral("keyring-probe"));
        const bool reached =
            probe.isConnected()
            && QTest::qWaitFor(
                [&probe, owned] {
                    return probe.interface()
                               ->isServiceRegistered(QStringLiteral("org.freedesktop.secrets"))
                               .value()
                        == owned;
                },
                timeoutMs);
        QDBusConnection::disconnectFromBus(QStringLiteral("keyring-probe"));
        return reached;
    }

    QProcess m_daemon;
};
