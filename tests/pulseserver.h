#pragma once

// A private PulseAudio sound server for the tests that listen to the player: its own daemon
// (`pulseaudio -n`, no configuration, no D-Bus, no other clients) with one null sink, reached
// through its own socket in a temporary folder, so a test never plays to the machine's speakers
// and never hears anything but its own player. Stopped when destroyed.
#include "serverprocess.h"

#include <QProcessEnvironment>
#include <QTemporaryDir>

class PulseServer
{
public:
    // What the null sink is called; its monitor, `kSink + ".monitor"`, records what it plays.
    static constexpr const char *kSink = "playmark_test";

    PulseServer() = default;
    ~PulseServer() { stopProcess(m_daemon); }
    Q_DISABLE_COPY_MOVE(PulseServer)

    // Waits for the daemon to say it has started (its "Daemon startup complete." line). As root
    // it warns that it is not meant for root and runs all the same (measured): --system would
    // need the system configuration and the pulse user, which a test must not touch.
    bool start(int timeoutMs, QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary folder: %1").arg(m_dir.errorString());
            return false;
        }
        // HOME too: the daemon writes its cookie under it.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("HOME"), m_dir.path());
        environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir.path());
        environment.insert(QStringLiteral("PULSE_RUNTIME_PATH"),
                           m_dir.filePath(QStringLiteral("run")));
        environment.remove(QStringLiteral("PULSE_SERVER"));
        environment.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        m_daemon.setProcessEnvironment(environment);
        m_daemon.setProcessChannelMode(QProcess::MergedChannels);
        m_daemon.start(
            QStringLiteral("pulseaudio"),
            {QStringLiteral("-n"), QStringLiteral("--daemonize=no"),
             QStringLiteral("--exit-idle-time=-1"), QStringLiteral("--use-pid-file=no"),
             QStringLiteral("--log-target=stderr"), QStringLiteral("--log-level=info"),
             QStringLiteral("--load=module-null-sink sink_name=%1").arg(QLatin1String(kSink)),
             QStringLiteral("--load=module-native-protocol-unix socket=%1 auth-anonymous=1")
                 .arg(socket())});
        m_log = readOutputUntil(
            m_daemon,
            [](const QByteArray &read) { return read.contains("Daemon startup complete"); },
            timeoutMs);
        if (!m_log.contains("Daemon startup complete")) {
            *error = QStringLiteral("pulseaudio did not start: %1 %2")
                         .arg(m_daemon.errorString(), QString::fromLocal8Bit(m_log));
            return false;
        }
        return true;
    }

    // For PULSE_SERVER or a client's --server.
    QString address() const { return QStringLiteral("unix:") + socket(); }
    // `base` with this server as the only sound server.
    QProcessEnvironment environment(QProcessEnvironment base) const
    {
        base.insert(QStringLiteral("PULSE_SERVER"), address());
        return base;
    }

private:
    QString socket() const { return m_dir.filePath(QStringLiteral("native")); }

    QTemporaryDir m_dir;
    QProcess m_daemon;
    QByteArray m_log;
};
