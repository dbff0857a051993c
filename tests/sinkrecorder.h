#pragma once

// What a sink of a PulseAudio server plays, recorded from its monitor as it comes (parec): mono
// 16-bit samples at kRate, for the tests that check what a person hears.
#include <QDeadlineTimer>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>

class SinkRecorder
{
public:
    static constexpr int kRate = 16000;

    SinkRecorder() = default;
    ~SinkRecorder()
    {
        if (m_parec.state() != QProcess::NotRunning) {
            m_parec.kill();
            m_parec.waitForFinished(5000);
        }
    }
    Q_DISABLE_COPY_MOVE(SinkRecorder)

    // Records `source` (a sink's monitor, "NAME.monitor") of the server at `address`.
    bool start(const QString &address, const QString &source, int timeoutMs, QString *error)
    {
        QObject::connect(&m_parec, &QProcess::readyReadStandardOutput, &m_parec,
                         [this] { read(); });
        m_parec.start(QStringLiteral("parec"),
                      {QStringLiteral("--server=") + address, QStringLiteral("--device=") + source,
                       QStringLiteral("--raw"), QStringLiteral("--format=s16le"),
                       QStringLiteral("--rate=%1").arg(kRate), QStringLiteral("--channels=1"),
                       // Small pieces, so what was played arrives soon after.
                       QStringLiteral("--latency-msec=20")});
        if (!m_parec.waitForStarted(timeoutMs)) {
            *error = QStringLiteral("parec did not start: %1").arg(m_parec.errorString());
            return false;
        }
        return true;
    }

    // Forgets what was recorded so far: what comes next was played after this call.
    void clear()
    {
        read();
        m_samples.clear();
    }

    // Waits until at least `count` samples were recorded since clear(), or the time is up, or
    // parec ended; true when they were.
    bool waitFor(qsizetype count, int timeoutMs)
    {
        QSignalSpy output(&m_parec, &QProcess::readyReadStandardOutput);
        const QDeadlineTimer deadline(timeoutMs);
        read();
        while (m_samples.size() < count && !deadline.hasExpired()
               && m_parec.state() == QProcess::Running) {
            output.wait(int(qMax<qint64>(1, deadline.remainingTime())));
            read();
        }
        return m_samples.size() >= count;
    }

    const QList<qint16> &samples() const { return m_samples; }
    QString problem()
    {
        return QStringLiteral("parec: %1 %2")
            .arg(m_parec.errorString(), QString::fromLocal8Bit(m_parec.readAllStandardError()));
    }

private:
    void read()
    {
        m_bytes += m_parec.readAllStandardOutput();
        const qsizetype whole = m_bytes.size() / 2;
        m_samples.reserve(m_samples.size() + whole);
        for (qsizetype i = 0; i < whole; ++i) {
            const auto low = quint8(m_bytes.at(2 * i));
            const auto high = quint8(m_bytes.at(2 * i + 1));
            m_samples.append(qint16(quint16(low | (high << 8))));
        }
        m_bytes.remove(0, whole * 2);
    }

    QProcess m_parec;
    QByteArray m_bytes;
    QList<qint16> m_samples;
};
