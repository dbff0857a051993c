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
        // Asked without starting anything: the name's owner, not the service.
        QDBusConnection probe = QDBusConnection::connectToBus(
            environment.value(QStringLiteral("DBUS_SESSION_BUS_ADDRESS")),
            QStringLiteral("keyring-probe"));
        const bool up = probe.isConnected()
            && QTest::qWaitFor(
                            [&probe] {
                                return probe.interface()
                                    ->isServiceRegistered(QStringLiteral("org.freedesktop.secrets"))
                                    .value();
                            },
                            timeoutMs);
        QDBusConnection::disconnectFromBus(QStringLiteral("keyring-probe"));
        if (!up)
            *error = QStringLiteral("gnome-keyring-daemon did not come on the bus: ")
                + QString::fromLocal8Bit(m_daemon.readAllStandardError());
        return up;
    }

private:
    QProcess m_daemon;
};
