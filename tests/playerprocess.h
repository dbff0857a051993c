#pragma once

// A real `playmark` process on a private X display (Xvfb), driven as a person would: real key
// presses through the X server (xdotool), its --events lines read as they come, and its window
// looked at (ffmpeg's x11grab). For the tests that check what a person sees and does.
#include "serverprocess.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRect>
#include <QSignalSpy>
#include <QTest>

#include <functional>

// A private X server (Xvfb) on a display number it picks itself (-displayfd), so tests running
// at the same time never share one. Stopped when destroyed.
class VirtualDisplay
{
public:
    VirtualDisplay() = default;
    ~VirtualDisplay() { stopProcess(m_xvfb); }
    Q_DISABLE_COPY_MOVE(VirtualDisplay)

    // Waits for Xvfb to say which display it took.
    bool start(const QSize &size, int timeoutMs, QString *error)
    {
        dieWithTheTest(m_xvfb);
        m_xvfb.start(QStringLiteral("Xvfb"),
                     {QStringLiteral("-displayfd"), QStringLiteral("1"), QStringLiteral("-screen"),
                      QStringLiteral("0"),
                      QStringLiteral("%1x%2x24").arg(size.width()).arg(size.height()),
                      QStringLiteral("-nolisten"), QStringLiteral("tcp")});
        const QByteArray out = readOutputUntil(
            m_xvfb, [](const QByteArray &read) { return read.contains('\n'); }, timeoutMs);
        bool ok = false;
        const int number = out.trimmed().toInt(&ok);
        if (!out.contains('\n') || !ok) {
            *error = QStringLiteral("Xvfb gave no display: %1 %2")
                         .arg(m_xvfb.errorString(),
                              QString::fromLocal8Bit(m_xvfb.readAllStandardError()));
            return false;
        }
        m_name = QStringLiteral(":%1").arg(number);
        return true;
    }

    QString name() const { return m_name; }
    QProcessEnvironment environment() const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DISPLAY"), m_name);
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
        return environment;
    }

    // xdotool with these arguments on this display.
    Run xdotool(const QStringList &arguments, int timeoutMs) const
    {
        return runProcess(QStringLiteral("xdotool"), arguments, environment(), timeoutMs);
    }

    // Gives `window` the focus, then presses `keys` in one command (they land together, about
    // 12 ms apart): keys go to whichever window has the focus, as on a desk. The first run that
    // failed, else the key press.
    Run focusAndPress(const QString &window, const QStringList &keys, int timeoutMs) const
    {
        const Run focus =
            xdotool({QStringLiteral("windowfocus"), QStringLiteral("--sync"), window}, timeoutMs);
        if (!focus.exitedNormally() || focus.exitCode != 0)
            return focus;
        return xdotool(QStringList{QStringLiteral("key")} + keys, timeoutMs);
    }

    // Where `window` is on the screen (its frame, root coordinates); empty when xdotool cannot
    // say.
    QRect windowGeometry(const QString &window, int timeoutMs) const
    {
        const Run run = xdotool(
            {QStringLiteral("getwindowgeometry"), QStringLiteral("--shell"), window}, timeoutMs);
        QHash<QString, int> values;
        const QStringList lines = QString::fromUtf8(run.out).split(QLatin1Char('\n'));
        for (const QString &line : lines) {
            const qsizetype equals = line.indexOf(QLatin1Char('='));
            if (equals > 0)
                values.insert(line.left(equals), line.mid(equals + 1).toInt());
        }
        return QRect(values.value(QStringLiteral("X")), values.value(QStringLiteral("Y")),
                     values.value(QStringLiteral("WIDTH")), values.value(QStringLiteral("HEIGHT")));
    }

    // One picture of `area` of the screen, without the pointer, 3 bytes (R, G, B) a pixel, row
    // by row; empty when ffmpeg could not take it.
    QByteArray grab(const QRect &area, int timeoutMs) const
    {
        const Run run = runProcess(
            QStringLiteral("ffmpeg"),
            {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-f"),
             QStringLiteral("x11grab"), QStringLiteral("-draw_mouse"), QStringLiteral("0"),
             QStringLiteral("-video_size"),
             QStringLiteral("%1x%2").arg(area.width()).arg(area.height()), QStringLiteral("-i"),
             QStringLiteral("%1+%2,%3").arg(m_name).arg(area.x()).arg(area.y()),
             QStringLiteral("-frames:v"), QStringLiteral("1"), QStringLiteral("-f"),
             QStringLiteral("rawvideo"), QStringLiteral("-pix_fmt"), QStringLiteral("rgb24"),
             QStringLiteral("-")},
            environment(), timeoutMs);
        if (!run.exitedNormally() || run.exitCode != 0
            || run.out.size() != qsizetype(area.width()) * area.height() * 3) {
            qWarning() << "ffmpeg x11grab failed:" << run.err;
            return {};
        }
        return run.out;
    }

private:
    QProcess m_xvfb;
    QString m_name;
};

// `playmark --events ...` in the background on a display: each stdout line parsed as it comes.
// Closed as a person would (SIGTERM closes the window) and waited for when destroyed.
class PlayerProcess
{
public:
    PlayerProcess(const QString &program, const QStringList &arguments,
                  const QProcessEnvironment &environment)
    {
        m_process.setProcessEnvironment(environment);
        dieWithTheTest(m_process);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { readLines(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_err += m_process.readAllStandardError(); });
        m_process.start(program, arguments);
    }
    ~PlayerProcess() { stopProcess(m_process, 15000); }
    Q_DISABLE_COPY_MOVE(PlayerProcess)

    QProcess &process() { return m_process; }
    const QByteArray &err() const { return m_err; }
    const QList<QJsonObject> &events() const { return m_events; }

    // The next line `{"event":name,...}` after the last one this returned, for which `accept`
    // (when given) is true; lines of that name it skips are not offered again. Waits for it as
    // it comes, up to `timeoutMs`; an empty object when none came.
    QJsonObject waitForEvent(const QString &name, int timeoutMs,
                             const std::function<bool(const QJsonObject &)> &accept = {})
    {
        QSignalSpy output(&m_process, &QProcess::readyReadStandardOutput);
        QSignalSpy finished(&m_process, &QProcess::finished);
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            while (m_next < m_events.size()) {
                const QJsonObject event = m_events.at(m_next++);
                if (event.value(QStringLiteral("event")).toString() == name
                    && (!accept || accept(event)))
                    return event;
            }
            if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
                return {};
            // Woken by the end too: a player that exits (or crashes) without another line must
            // not hold the test until the deadline (each such row of tst_formatmatrix waited its
            // full 30 s). Woken or not, the loop looks again.
            const qsizetype before = output.size();
            [[maybe_unused]] const bool woke =
                QTest::qWaitFor([&] { return output.size() > before || !finished.isEmpty(); },
                                int(qMax<qint64>(1, deadline.remainingTime())));
            readLines();
        }
    }

    // The player's main window (an X window id), waiting for it to be shown; with `title`, its
    // window whose title matches it (a regular expression): a dialog such as "Settings".
    QString windowId(const VirtualDisplay &display, int timeoutMs,
                     const QString &title = QString()) const
    {
        const QDeadlineTimer deadline(timeoutMs);
        QStringList arguments{QStringLiteral("search"), QStringLiteral("--sync"),
                              QStringLiteral("--onlyvisible"), QStringLiteral("--pid"),
                              QString::number(m_process.processId())};
        if (!title.isEmpty())
            arguments << QStringLiteral("--all") << QStringLiteral("--name") << title;
        for (;;) {
            const Run run =
                display.xdotool(arguments, int(qMax<qint64>(1, deadline.remainingTime())));
            const QString window =
                QString::fromUtf8(run.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts).value(0);
            if (!window.isEmpty())
                return window;
            // Debian 12's xdotool (3.20160805) walks the whole window tree and exits on the first
            // X error, so a window of anyone destroyed during the walk ends the search with
            // BadWindow (fixed upstream in 2021, xdotool PR #335). The player makes such windows
            // itself: just after its main window maps, Qt's video output creates and destroys
            // two 100x100 windows (seen with xev); under load the walk meets one. That says
            // nothing about our window: look again. Any other failure is the answer.
            if (!run.err.contains("BadWindow") || deadline.hasExpired()) {
                qWarning() << "xdotool found no window: exit" << run.exitCode << run.err;
                return {};
            }
        }
    }

private:
    void readLines()
    {
        m_out += m_process.readAllStandardOutput();
        qsizetype end = -1;
        while ((end = m_out.indexOf('\n')) >= 0) {
            const QByteArray line = m_out.left(end).trimmed();
            m_out.remove(0, end + 1);
            if (!line.isEmpty())
                m_events.append(QJsonDocument::fromJson(line).object());
        }
    }

    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
    QList<QJsonObject> m_events;
    qsizetype m_next = 0;
};
