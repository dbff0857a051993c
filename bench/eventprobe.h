#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <vector>

class HttpConnection;
class QTcpSocket;

// How long an applied update takes to reach another device: holds GET /v1/events open on one
// connection, PUTs `count` updates one every `intervalMs` on another, and times each PUT from the
// moment it is written to the socket to the arrival of its answer and of its event (matched by
// position_ms, unique per PUT). The stream may be held on another server than the one the PUTs go
// to (`streamUrl`): servers sharing one PostgreSQL database hear each other's changes. One PUT at a
// time: a tick that finds the previous one unanswered sends as soon as it is answered.
class EventProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventProbe)
public:
    struct Options
    {
        QUrl url; // http://HOST:PORT, HOST an IP address or localhost: where the PUTs go
        QUrl streamUrl; // where GET /v1/events is held open; empty: the same as `url`
        QString token;
        int count = 500;
        int intervalMs = 10;
        QByteArray contentId = "bench-eventlatency";
        int timeoutMs = 10000; // for the stream to open, and for events after the last answer
    };
    struct Sample
    {
        qint64 sentNs = -1;
        qint64 answeredNs = -1;
        qint64 eventNs = -1;
        int status = 0;
    };
    struct Summary // milliseconds, over the samples that have the value
    {
        qint64 count = 0;
        double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
    };

    explicit EventProbe(const Options &options, QObject *parent = nullptr);
    ~EventProbe() override;

    // Opens the stream, then starts the PUTs; emits finished() at the end or on failure.
    void start();

    QString failure() const { return m_failure; } // why the run could not be made; empty if it ran
    const std::vector<Sample> &samples() const { return m_samples; }
    Summary eventLatency() const; // PUT written to its event read
    Summary answerLatency() const; // PUT written to its answer read
    qint64 eventsReceived() const;
    qint64 putErrors() const; // answers that were not 2xx, and PUTs never answered
    qint64 unexpectedEvents() const { return m_unexpectedEvents; }

    QString text() const;
    QJsonObject json() const;

Q_SIGNALS:
    void finished();

private:
    void onStreamReadyRead();
    void onStreamOpened();
    void onPutOpened(const QString &error);
    void tick();
    void sendNext();
    void onResponded(int status);
    void onPutFailed(const QString &reason);
    void handleFrame(const QByteArray &frame, qint64 nowNs);
    void finishIfDone();
    void fail(const QString &reason);
    void finish();
    QUrl streamUrl() const;
    static Summary summarize(std::vector<qint64> nanoseconds);

    static constexpr qint64 kFirstPosition = 1000;

    Options m_options;
    QTcpSocket *m_stream = nullptr;
    HttpConnection *m_put = nullptr;
    QByteArray m_streamBuffer;
    bool m_streamHeadersDone = false;
    QTimer m_interval;
    QTimer m_deadline;
    QElapsedTimer m_clock;
    std::vector<Sample> m_samples;
    int m_sent = 0;
    int m_answered = 0;
    bool m_inFlight = false;
    bool m_due = false; // a tick came while a PUT was in flight
    qint64 m_lastObservedMs = 0;
    qint64 m_unexpectedEvents = 0;
    QString m_failure;
    bool m_finished = false;
};
