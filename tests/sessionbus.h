#pragma once

// A private D-Bus session bus for the desktop integration tests: its own dbus-daemon, so the
// tests never touch the desktop's bus and can run side by side. Stopped when destroyed.
#include "serverprocess.h"

#include <QProcessEnvironment>

class SessionBus
{
public:
    SessionBus() = default;
    ~SessionBus() { stopProcess(m_daemon); }
    Q_DISABLE_COPY_MOVE(SessionBus)

    // Waits for the daemon to print its address (its first line).
    bool start(int timeoutMs, QString *error)
    {
        m_daemon.start(QStringLiteral("dbus-daemon"),
                       {QStringLiteral("--session"), QStringLiteral("--print-address"),
                        QStringLiteral("--nofork")});
        const QByteArray out = readOutputUntil(
            m_daemon, [](const QByteArray &read) { return read.contains('\n'); }, timeoutMs);
        m_address = QString::fromUtf8(out.left(out.indexOf('\n')).trimmed());
        if (!out.contains('\n') || m_address.isEmpty()) {
            *error = QStringLiteral("dbus-daemon gave no address: %1 %2")
                         .arg(m_daemon.errorString(),
                              QString::fromLocal8Bit(m_daemon.readAllStandardError()));
            return false;
        }
        return true;
    }

    QString address() const { return m_address; }
    // `base` with this bus as the session bus.
    QProcessEnvironment environment(QProcessEnvironment base) const
    {
        base.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), m_address);
        return base;
    }

private:
    QProcess m_daemon;
    QString m_address;
};
