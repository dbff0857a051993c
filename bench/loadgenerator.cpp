#include "loadgenerator.h"

#include "qnamhttpconnection.h"
#include "rawhttpconnection.h"

#include <QDateTime>
#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QNetworkAccessManager>

#include <cmath>

Q_LOGGING_CATEGORY(lcLoad, "playmark.bench")

namespace {

constexpr qint64 kNsPerMs = 1'000'000;
constexpr qint64 kNsPerSecond = 1'000'000'000;
constexpr int kSweepIntervalMs = 10;
constexpr qint64 kMinWakeGapNs = 50'000;
constexpr int kQnamConnectionsPerHost = 6; // QNetworkAccessManager's fixed limit

qint64 toNs(double seconds)
{
    return qint64(std::llround(seconds * double(kNsPerSecond)));
}

} // namespace

LoadGenerator::LoadGenerator(const LoadOptions &options, QObject *parent)
    : QObject(parent),
      m_options(options),
      m_schedule(options.devices, toNs(options.intervalSeconds), options.jitter,
                 options.readsPerSecond, options.seed),
      m_workload(options.devices, options.videos, options.sharedVideos,
                 qint64(std::llround(options.intervalSeconds * 1000)), options.seed),
      m_stats(toNs(options.warmupSeconds), toNs(options.warmupSeconds + options.durationSeconds)),
      m_timeoutNs(toNs(options.timeoutSeconds)),
      m_endNs(toNs(options.warmupSeconds + options.durationSeconds))
{
    connect(&m_tick, &WakeupTimer::timeout, this, &LoadGenerator::tick);
    m_sweep.setInterval(kSweepIntervalMs);
    connect(&m_sweep, &QTimer::timeout, this, &LoadGenerator::sweep);
}

LoadGenerator::~LoadGenerator()
{
    // Connections before the managers their replies belong to.
    for (Slot &slot : m_slots)
        delete slot.connection;
    m_slots.clear();
}

double LoadGenerator::measuredSeconds() const
{
    return double(std::max<qint64>(0, m_stats.windowEndNs() - m_stats.windowStartNs()))
        / double(kNsPerSecond);
}

void LoadGenerator::start()
{
    const QString host = m_options.url.host();
    QHostAddress address(host);
    if (address.isNull()) {
        // Resolved once, before the clock starts; every connection then goes to this address.
        const QHostInfo info = QHostInfo::fromName(host);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            finish(QStringLiteral("cannot resolve %1: %2").arg(host, info.errorString()));
            return;
        }
        address = info.addresses().constFirst();
    }
    createConnections(address);
    m_opening = int(m_slots.size());
    for (Slot &slot : m_slots)
        slot.connection->open();
}

// Raw sockets, not QNetworkAccessManager, by default: on this 2-core machine the generator shares
// the CPU with the server it measures, so what it costs per request is taken from the server.
// The raw client writes one buffer and parses the answer in place; QNetworkAccessManager builds a
// QNetworkRequest and a QNetworkReply with their signals, runs HTTP on a thread of its own, and
// opens at most 6 connections per host, so one manager serves every 6 connections here.
// Measured against playmark-server (user + system time of the generator, 16 connections):
//   1000 PUT/s:   raw 68 us a request (7% of a core),  QNAM 230 us (23%)
//   10000 GET/s:  raw 42-49 us, all 10000/s answered, p99 2-5 ms;
//                 QNAM 130-150 us, at 66-90% of a core it only sent 4700-7000/s while the
//                 server sat at 14-22% CPU: the generator, not the server, was the limit.
// `--client qnam` stays, to repeat the comparison and to cross-check the raw client's numbers.
void LoadGenerator::createConnections(const QHostAddress &address)
{
    const QUrl &url = m_options.url;
    const QByteArray hostHeader = url.authority(QUrl::FullyEncoded).toLatin1(); // [::1]:8787 too
    // Without --token, requests of no device of this run go with the first of --tokens.
    const QByteArray authorization = m_options.token.isEmpty() && !m_deviceAuthorizations.isEmpty()
        ? m_deviceAuthorizations.constFirst()
        : QByteArray("Bearer ") + m_options.token.toLatin1();
    const QByteArray basePath = url.path(QUrl::FullyEncoded).toLatin1();
    // With --tokens, each request brings its Authorization (RawHttpConnection adds it).
    const QByteArray ownAuthorization = m_deviceAuthorizations.isEmpty()
        ? QByteArray("Authorization: ") + authorization + "\r\n"
        : QByteArray();
    const QByteArray headers = QByteArray("Host: ") + hostHeader + "\r\n" + ownAuthorization
        + "User-Agent: playmark-loadgen\r\nAccept: application/json\r\n";
    m_defaultAuthorization = authorization;

    m_slots.resize(size_t(m_options.connections + m_options.readConnections));
    for (int i = 0; i < int(m_slots.size()); ++i) {
        HttpConnection *connection = nullptr;
        if (m_options.client == LoadOptions::Client::Raw) {
            connection =
                new RawHttpConnection(address, quint16(url.port()), basePath, headers, this);
        } else {
            if (i % kQnamConnectionsPerHost == 0)
                m_managers.push_back(std::make_unique<QNetworkAccessManager>());
            QUrl base = url;
            base.setHost(address.toString());
            connection = new QnamHttpConnection(m_managers.back().get(), base, authorization, this);
        }
        m_slots[size_t(i)].connection = connection;
        m_slots[size_t(i)].lane = i < m_options.connections ? 0 : 1;
        connect(connection, &HttpConnection::openFinished, this, &LoadGenerator::onOpened);
        connect(connection, &HttpConnection::responded, this,
                [this, i](int status) { onResponded(i, status); });
        connect(connection, &HttpConnection::failed, this,
                [this, i](const QString &reason) { onFailed(i, reason); });
    }
}

void LoadGenerator::onOpened(const QString &error)
{
    if (error.isEmpty())
        ++m_opened;
    else
        m_openError = error;
    if (--m_opening > 0 || m_finished)
        return;
    if (m_opened == 0) {
        finish(
            QStringLiteral("cannot connect to %1: %2").arg(m_options.url.toString(), m_openError));
        return;
    }
    if (m_opened < int(m_slots.size()))
        qCWarning(lcLoad, "only %d of %d connections opened (%s); the others retry when used",
                  m_opened, int(m_slots.size()), qPrintable(m_openError));
    begin();
}

void LoadGenerator::begin()
{
    for (std::vector<int> &idle : m_idle)
        idle.clear();
    for (int i = int(m_slots.size()) - 1; i >= 0; --i)
        m_idle[size_t(m_slots[size_t(i)].lane)].push_back(i);
    m_epochMsAtStart = QDateTime::currentMSecsSinceEpoch();
    m_clock.start();
    m_scheduling = true;
    m_sweep.start();
    tick();
}

void LoadGenerator::tick()
{
    if (!m_scheduling)
        return;
    const qint64 now = m_clock.nsecsElapsed();
    ArrivalSchedule::Arrival arrival;
    while (m_schedule.takeDue(std::min(now, m_endNs - 1), &arrival))
        enqueue(arrival);
    dispatch();
    if (now >= m_endNs) {
        m_scheduling = false;
        finishIfDone();
        return;
    }
    const qint64 next = m_schedule.isEmpty() ? m_endNs : std::min(m_schedule.nextAtNs(), m_endNs);
    // Wake when the next request is due, but not more often than every kMinWakeGapNs: at
    // thousands of requests a second, taking a few at a time costs less CPU, and their short wait
    // is part of the measured latency like any other.
    m_tick.start(std::max(next - now, kMinWakeGapNs));
}

void LoadGenerator::enqueue(const ArrivalSchedule::Arrival &arrival)
{
    Pending pending;
    pending.dueNs = arrival.atNs;
    if (arrival.source == ArrivalSchedule::kReadSource) {
        pending.kind = RequestKind::Read;
        m_stats.recordDue(RequestKind::Read, arrival.atNs);
        if (!m_workload.nextRead(&pending.request)) {
            m_stats.recordSkipped(RequestKind::Read, arrival.atNs);
            return;
        }
    } else {
        pending.kind = RequestKind::Write;
        m_stats.recordDue(RequestKind::Write, arrival.atNs);
        // The device observed its position when the report was due.
        pending.request =
            m_workload.nextReport(arrival.source, m_epochMsAtStart + arrival.atNs / kNsPerMs);
    }
    m_queue[size_t(laneOf(pending.kind))].push_back(std::move(pending));
}

void LoadGenerator::dispatch()
{
    if (m_dispatching)
        return;
    m_dispatching = true;
    for (size_t lane = 0; lane < kLanes; ++lane) {
        std::deque<Pending> &queue = m_queue[lane];
        std::vector<int> &idle = m_idle[lane];
        while (!queue.empty() && !idle.empty()) {
            const int index = idle.back();
            idle.pop_back();
            Slot &slot = m_slots[size_t(index)];
            slot.busy = true;
            slot.request = std::move(queue.front());
            queue.pop_front();
            m_stats.recordSent(slot.request.dueNs, m_clock.nsecsElapsed());
            const Workload::Request &request = slot.request.request;
            slot.connection->send(request.method, request.path, request.body,
                                  authorization(request));
        }
    }
    m_dispatching = false;
}

void LoadGenerator::setDeviceTokens(const QList<QByteArray> &tokens)
{
    m_deviceAuthorizations.clear();
    for (const QByteArray &token : tokens)
        m_deviceAuthorizations.append(QByteArray("Bearer ") + token);
}

QByteArray LoadGenerator::authorization(const Workload::Request &request) const
{
    if (m_deviceAuthorizations.isEmpty())
        return QByteArray();
    if (request.device < 0)
        return m_defaultAuthorization;
    return m_deviceAuthorizations.at(request.device % m_deviceAuthorizations.size());
}

void LoadGenerator::release(int index)
{
    Slot &slot = m_slots[size_t(index)];
    slot.busy = false;
    slot.request.request = {};
    m_idle[size_t(slot.lane)].push_back(index);
}

void LoadGenerator::onResponded(int index, int status)
{
    Slot &slot = m_slots[size_t(index)];
    if (!slot.busy)
        return;
    const qint64 now = m_clock.nsecsElapsed();
    const Pending &done = slot.request;
    m_stats.recordResponse(done.kind, done.dueNs, now, status);
    if (done.kind == RequestKind::Write && status >= 200 && status < 300)
        m_workload.markWritten(done.request.content);
    release(index);
    dispatch();
    finishIfDone();
}

void LoadGenerator::onFailed(int index, const QString &reason)
{
    Slot &slot = m_slots[size_t(index)];
    if (!slot.busy)
        return;
    m_stats.recordConnectionError(slot.request.kind, slot.request.dueNs, reason);
    release(index);
    dispatch();
    finishIfDone();
}

// Gives up on requests that have been due longer than --timeout: queued ones are dropped, and
// the connection of one in flight is closed (HTTP/1.1 has no other way to cancel).
void LoadGenerator::sweep()
{
    const qint64 now = m_clock.nsecsElapsed();
    for (std::deque<Pending> &queue : m_queue) {
        while (!queue.empty() && now - queue.front().dueNs > m_timeoutNs) {
            m_stats.recordTimeout(queue.front().kind, queue.front().dueNs, now);
            queue.pop_front();
        }
    }
    for (size_t i = 0; i < m_slots.size(); ++i) {
        Slot &slot = m_slots[i];
        if (!slot.busy || now - slot.request.dueNs <= m_timeoutNs)
            continue;
        slot.connection->abort();
        m_stats.recordTimeout(slot.request.kind, slot.request.dueNs, now);
        release(int(i));
    }
    dispatch();
    finishIfDone();
}

void LoadGenerator::stop()
{
    if (m_finished)
        return;
    if (!m_clock.isValid()) {
        finish(QStringLiteral("stopped before the run began"));
        return;
    }
    if (!m_scheduling) { // second stop: stop waiting for the requests in flight
        finish(QString());
        return;
    }
    const qint64 now = m_clock.nsecsElapsed();
    m_endNs = std::max(now, m_stats.windowStartNs());
    m_stats.setWindowEndNs(m_endNs);
    m_scheduling = false;
    m_tick.stop();
    finishIfDone();
}

bool LoadGenerator::allIdle() const
{
    size_t idle = 0;
    for (size_t lane = 0; lane < kLanes; ++lane) {
        if (!m_queue[lane].empty())
            return false;
        idle += m_idle[lane].size();
    }
    return idle == m_slots.size();
}

void LoadGenerator::finishIfDone()
{
    if (m_scheduling || m_finished || !allIdle())
        return;
    finish(QString());
}

void LoadGenerator::finish(const QString &failure)
{
    if (m_finished)
        return;
    m_finished = true;
    m_failure = failure;
    m_tick.stop();
    m_sweep.stop();
    for (Slot &slot : m_slots) {
        if (slot.busy)
            slot.connection->abort();
    }
    // From the event loop, so that a caller of start() or stop() connects first.
    QMetaObject::invokeMethod(this, &LoadGenerator::finished, Qt::QueuedConnection);
}
