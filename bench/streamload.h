#pragma once

#include "latencyhistogram.h"
#include "streamloadoptions.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>

#include <deque>
#include <random>
#include <vector>

class HttpConnection;
class QTcpSocket;

// Many event streams against one server (playmark-streamload): opens one GET /v1/events a token,
// then PUTs updates to random users at a fixed rate and times each from its due time to its
// event on that user's stream; counts keep-alives, drops and, with `restart`, the streams' return
// after the server went away and came back. One thread, one event loop.
class StreamLoad final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StreamLoad)
public:
    StreamLoad(const StreamLoadOptions &options, const QList<QByteArray> &tokens,
               QObject *parent = nullptr);
    ~StreamLoad() override;

    void start(); // emits finished() at the end or on failure
    QString failure() const { return m_failure; }
    QString text() const;
    QJsonObject json() const;

Q_SIGNALS:
    void measuring(int openStreams); // every stream is open (or the time for that is up)
    void waitingForRestart(); // the measured part is over: the server may be restarted now
    void finished();

private:
    enum class Phase { Opening, Measuring, Draining, AwaitingRestart, Done };
    struct Stream
    {
        QTcpSocket *socket = nullptr;
        QByteArray buffer;
        bool attempting = false; // connecting or waiting for the answer's headers
        bool open = false; // 200 and headers read
        bool everOpened = false;
        int attempts = 0; // failed in a row, for the backoff
        qint64 lastKeepAliveMs = -1;
        qint64 keepAlives = 0;
        qint64 longestKeepAliveGapMs = 0;
    };
    struct Put
    {
        qint64 dueNs = 0;
        qint64 eventNs = -1;
        int status = 0;
    };
    struct PutSlot
    {
        HttpConnection *connection = nullptr;
        qint64 seq = -1;
        size_t user = 0;
    };

    void connectStream(int index);
    void onStreamConnected(int index);
    void onStreamReadyRead(int index);
    void onStreamGone(int index, const QString &reason);
    void onStreamOpened(int index);
    void openMore();
    void handleFrame(int index, const QByteArray &frame, qint64 nowNs);
    void beginMeasuring();
    void tick();
    void dispatch();
    void onPutAnswered(int slot, int status);
    void onPutFailed(int slot, const QString &reason);
    void endMeasuring();
    void checkDrained();
    void awaitRestart();
    void fail(const QString &reason);
    void finish();
    qint64 nowMs() const { return m_clock.elapsed(); }

    StreamLoadOptions m_options;
    QList<QByteArray> m_tokens;
    QHostAddress m_address;
    quint16 m_port = 0;
    QByteArray m_host;
    std::vector<Stream> m_streams;
    std::vector<PutSlot> m_slots;
    std::vector<int> m_idle;
    std::deque<qint64> m_queue; // PUTs due, not sent
    std::vector<Put> m_puts;
    std::vector<qint64> m_lastObservedMs; // per user: each update newer than the last
    std::vector<bool> m_userBusy; // per user: an update in flight
    std::mt19937_64 m_random{20261205};
    QElapsedTimer m_clock;
    QTimer m_tick;
    QTimer m_deadline;
    Phase m_phase = Phase::Opening;
    int m_nextToOpen = 0;
    int m_openStreams = 0;
    int m_putsOpened = 0;
    qint64 m_measureStartNs = 0;
    qint64 m_measureEndNs = 0;
    qint64 m_putsDue = 0;
    qint64 m_putsAnswered = 0;
    qint64 m_putErrors = 0;
    qint64 m_eventsMatched = 0;
    qint64 m_unexpectedEvents = 0;
    LatencyHistogram m_eventLatency;
    LatencyHistogram m_answerLatency; // PUT due to its answer
    std::vector<LatencyHistogram> m_latencyBySecond; // of the measured time, by arrival
    std::vector<qint64> m_keepAlivesBySecond;
    qint64 m_keepAlives = 0;
    double m_openSeconds = 0;
    qint64 m_openFailures = 0;
    QHash<QString, qint64> m_drops; // streams the server ended before the restart, by reason
    qint64 m_rssBeforeKb = -1;
    qint64 m_rssOpenKb = -1;
    qint64 m_rssEndKb = -1;
    // The restart: when the first stream went, when the first came back, when the last did.
    qint64 m_restartDropNs = -1;
    qint64 m_restartFirstBackNs = -1;
    qint64 m_restartAllBackNs = -1;
    int m_restartGone = 0;
    int m_restartBack = 0;
    qint64 m_restartAttempts = 0;
    bool m_restartTimedOut = false;
    QString m_failure;
};
