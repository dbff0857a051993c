#pragma once

#include "arrivalschedule.h"
#include "loadoptions.h"
#include "loadstats.h"
#include "wakeuptimer.h"
#include "workload.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <array>
#include <deque>
#include <memory>
#include <vector>

class HttpConnection;
class QHostAddress;
class QNetworkAccessManager;

// Runs one load test: opens the connection pool, then follows the ArrivalSchedule, queueing each
// request at its due time and sending it on the first free connection. The timeline never waits
// for the server (open model); a request that has to wait for a connection is sent late and still
// measured from its due time. Single-threaded: on a 2-core machine shared with the server, one
// event loop is the lightest way to keep thousands of requests a second in flight.
class LoadGenerator final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadGenerator)
public:
    explicit LoadGenerator(const LoadOptions &options, QObject *parent = nullptr);
    ~LoadGenerator() override;

    // Ids stored before the run, for reads to choose from as well (--read-ids); before start().
    void addReadIds(const QList<QByteArray> &ids) { m_workload.addReadIds(ids); }
    // --tokens: device i sends with tokens[i % size]; before start().
    void setDeviceTokens(const QList<QByteArray> &tokens);
    // Connects, then runs; emits finished() at the end, or at once if it cannot start.
    void start();
    // Ends the measured time now; requests in flight are still waited for. Called again, gives
    // up on them too.
    void stop();

    QString failure() const { return m_failure; } // why it could not run; empty when it ran
    const LoadStats &stats() const { return m_stats; }
    double measuredSeconds() const;
    qint64 elapsedNs() const { return m_clock.isValid() ? m_clock.nsecsElapsed() : 0; }

Q_SIGNALS:
    void finished();

private:
    struct Pending
    {
        RequestKind kind = RequestKind::Write;
        qint64 dueNs = 0;
        Workload::Request request;
    };
    struct Slot
    {
        HttpConnection *connection = nullptr;
        bool busy = false;
        int lane = 0;
        Pending request;
    };
    // Requests wait in the queue of their lane for a connection of that lane: lane 0 has
    // --connections and takes every request, unless --read-connections gives reads lane 1.
    static constexpr int kLanes = 2;
    int laneOf(RequestKind kind) const
    {
        return kind == RequestKind::Read && m_options.readConnections > 0 ? 1 : 0;
    }
    bool allIdle() const;

    void createConnections(const QHostAddress &address);
    void onOpened(const QString &error);
    void begin();
    void tick();
    void sweep();
    void enqueue(const ArrivalSchedule::Arrival &arrival);
    void dispatch();
    // The request's Authorization value when devices have tokens of their own; else empty (the
    // connection's own).
    QByteArray authorization(const Workload::Request &request) const;
    void onResponded(int slot, int status);
    void onFailed(int slot, const QString &reason);
    void release(int slot);
    void finishIfDone();
    void finish(const QString &failure);

    LoadOptions m_options;
    ArrivalSchedule m_schedule;
    Workload m_workload;
    LoadStats m_stats;
    QElapsedTimer m_clock;
    WakeupTimer m_tick;
    QTimer m_sweep;
    std::vector<std::unique_ptr<QNetworkAccessManager>> m_managers;
    std::vector<Slot> m_slots;
    std::array<std::vector<int>, kLanes> m_idle;
    std::array<std::deque<Pending>, kLanes> m_queue;
    QList<QByteArray> m_deviceAuthorizations; // "Bearer TOKEN" by device, modulo; empty: none
    QByteArray m_defaultAuthorization; // for requests of no device
    qint64 m_timeoutNs = 0;
    qint64 m_endNs = 0;
    qint64 m_epochMsAtStart = 0;
    int m_opening = 0;
    int m_opened = 0;
    QString m_openError;
    QString m_failure;
    bool m_scheduling = false;
    bool m_dispatching = false;
    bool m_finished = false;
};
