#pragma once

// Real processes for the tests that run the built binaries: `playmark-server serve` (or any
// program) in the background with its stderr collected as it comes, and a program run to its end.
// Shared by the tests that start playmark-server as a child process.
#include <QByteArray>
#include <QDeadlineTimer>
#include <QDebug>
#include <QObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QString>
#include <QStringList>
#include <QTest>

#include <functional>
#include <memory>

#include <signal.h>
#include <sys/prctl.h>

// Makes a child started by `process` die with the test: a test that crashes or that CTest kills
// for its time must not leave servers and players running (holding ports, databases, clusters).
inline void dieWithTheTest(QProcess &process)
{
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

// A program in the background, its stderr collected as it comes; killed (and waited for) when
// destroyed if it is still running.
class ServerProcess
{
public:
    // `timeoutMs` bounds the wait for the killed process on destruction.
    ServerProcess(const QString &program, const QStringList &args,
                  const QProcessEnvironment &environment, int timeoutMs)
        : m_timeoutMs(timeoutMs)
    {
        m_process.setProcessEnvironment(environment);
        dieWithTheTest(m_process);
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_err += m_process.readAllStandardError(); });
        m_process.start(program, args);
    }
    ~ServerProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(m_timeoutMs);
        }
    }
    Q_DISABLE_COPY_MOVE(ServerProcess)

    QProcess &process() { return m_process; }
    const QByteArray &err() const { return m_err; }
    // Starting counts: the test may look before the process has fully started.
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    // The port from "listening on http://127.0.0.1:PORT" (or https://), once that line has been
    // printed; 0 before.
    quint16 port() const
    {
        const QRegularExpressionMatch match = listening();
        return match.hasMatch() ? quint16(match.captured(2).toUInt()) : 0;
    }
    // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" as printed; empty before.
    QString url() const { return listening().captured(1); }

private:
    QRegularExpressionMatch listening() const
    {
        static const QRegularExpression line(
            QStringLiteral("^listening on (https?://127\\.0\\.0\\.1:(\\d+))$"),
            QRegularExpression::MultilineOption);
        return line.match(QString::fromUtf8(m_err));
    }

    QProcess m_process;
    QByteArray m_err;
    int m_timeoutMs = 0;
};

// How a program run by runProcess() ended, and what it printed.
struct Run
{
    bool finished = false; // exited (normally or not) within the time allowed
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    bool exitedNormally() const { return finished && exitStatus == QProcess::NormalExit; }
};

// Runs a program to its end (the event loop runs meanwhile), killing it after `timeoutMs`.
inline Run runProcess(const QString &program, const QStringList &args,
                      const QProcessEnvironment &environment, int timeoutMs)
{
    Run run;
    QProcess process;
    process.setProcessEnvironment(environment);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(program, args);
    if (!finished.wait(timeoutMs)) {
        qWarning() << "no exit from" << program << args << process.errorString();
        process.kill();
        process.waitForFinished(timeoutMs);
        return run;
    }
    run.finished = true;
    run.exitStatus = process.exitStatus();
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// The tests' private child servers (Xvfb, dbus-daemon, pulseaudio) and the player: stdout read
// as it comes until `done` is true of all read so far, the time is up or the process ended; all
// read so far.
inline QByteArray readOutputUntil(QProcess &process,
                                  const std::function<bool(const QByteArray &)> &done,
                                  int timeoutMs)
{
    QByteArray out;
    const QDeadlineTimer deadline(timeoutMs);
    while (!done(out) && !deadline.hasExpired() && process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        out += process.readAllStandardOutput();
    }
    return out;
}

// Ends such a process as a person would (SIGTERM, its chance to clean up), killed if it has not
// gone within `timeoutMs`.
inline void stopProcess(QProcess &process, int timeoutMs = 5000)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

// A server as the player tests use one: a new SQLite database at `db` with one user, served on a
// free port of 127.0.0.1. `error` says what failed; `server` is listening when it is empty.
struct ServedUser
{
    std::unique_ptr<ServerProcess> server;
    QString token;
    QString error;
};

inline ServedUser serveNewUser(const QString &serverBin, const QString &db, int timeoutMs,
                               const QString &user = QStringLiteral("family"))
{
    ServedUser served;
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    const Run add = runProcess(
        serverBin,
        {QStringLiteral("user"), QStringLiteral("add"), user, QStringLiteral("--db"), db},
        environment, timeoutMs);
    if (!add.exitedNormally() || add.exitCode != 0) {
        served.error = QStringLiteral("user add failed: ") + QString::fromUtf8(add.err);
        return served;
    }
    served.token = QString::fromUtf8(add.out.trimmed());
    served.server = std::make_unique<ServerProcess>(
        serverBin,
        QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"), db},
        environment, timeoutMs);
    // The "listening on" line, or the server's end without it.
    ServerProcess &server = *served.server;
    const bool settled =
        QTest::qWaitFor([&server] { return server.port() != 0 || !server.isRunning(); }, timeoutMs);
    Q_UNUSED(settled) // the port says which
    if (served.server->port() == 0)
        served.error =
            QStringLiteral("the server did not start: ") + QString::fromUtf8(served.server->err());
    return served;
}
