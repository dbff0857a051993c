#include "streamload.h"

#include "rawhttpconnection.h"
#include "residentmemory.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

#include <algorithm>
#include <cmath>

namespace {

constexpr qint64 kNsPerMs = 1'000'000;
constexpr qint64 kNsPerSecond = 1'000'000'000;
constexpr int kTickMs = 1;
constexpr int kDrainMs = 10000; // for the last answers and events after the measured time
constexpr qint64 kDurationMs = 36'000'000; // of the video the updates are about: 10 h
constexpr qsizetype kMaxHeaderBytes = 16 * 1024;
constexpr qint64 kFirstBackoffMs = 100;
constexpr qint64 kLongestBackoffMs = 2000;

double toMs(qint64 ns)
{
    return double(ns) / double(kNsPerMs);
}

QJsonObject summary(const LatencyHistogram &histogram)
{
    return QJsonObject{{QStringLiteral("count"), histogram.count()},
                       {QStringLiteral("p50"), toMs(histogram.valueAtPercentile(50))},
                       {QStringLiteral("p90"), toMs(histogram.valueAtPercentile(90))},
                       {QStringLiteral("p99"), toMs(histogram.valueAtPercentile(99))},
                       {QStringLiteral("max"), toMs(histogram.max())},
                       {QStringLiteral("mean"), histogram.mean() / double(kNsPerMs)}};
}

} // namespace

StreamLoad::StreamLoad(const StreamLoadOptions &options, const QList<QByteArray> &tokens,
                       QObject *parent)
    : QObject(parent), m_options(options), m_tokens(tokens)
{
    if (m_options.streams > 0 && m_options.streams < m_tokens.size())
        m_tokens = m_tokens.mid(0, m_options.streams);
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(kTickMs);
    connect(&m_tick, &QTimer::timeout, this, &StreamLoad::tick);
    m_deadline.setSingleShot(true);
}

StreamLoad::~StreamLoad() = default;

void StreamLoad::start()
{
    const QString host = m_options.url.host();
    m_address = host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                   : QHostAddress(host);
    if (m_address.isNull()) {
        fail(QStringLiteral("--url wants an IP address (got '%1')").arg(host));
        return;
    }
    m_port = quint16(m_options.url.port());
    m_host = m_options.url.authority().toLatin1();
    m_streams.resize(size_t(m_tokens.size()));
    m_lastObservedMs.assign(m_streams.size(), 0);
    m_userBusy.assign(m_streams.size(), false);
    m_rssBeforeKb = residentKiB(m_options.serverPid);
    m_clock.start();
    // Streams that never open in this long: measured without them, and told.
    disconnect(&m_deadline, nullptr, this, nullptr);
    connect(&m_deadline, &QTimer::timeout, this, &StreamLoad::beginMeasuring);
    m_deadline.start(int(m_options.restartTimeoutSeconds * 1000));
    openMore();
}

void StreamLoad::openMore()
{
    int opening = 0;
    for (int i = 0; i < m_nextToOpen; ++i)
        opening += m_streams[size_t(i)].everOpened ? 0 : 1;
    while (m_nextToOpen < int(m_streams.size()) && opening < m_options.openAtOnce) {
        connectStream(m_nextToOpen++);
        ++opening;
    }
}

void StreamLoad::connectStream(int index)
{
    Stream &stream = m_streams[size_t(index)];
    if (!stream.socket) {
        stream.socket = new QTcpSocket(this);
        QTcpSocket *socket = stream.socket;
        connect(socket, &QTcpSocket::connected, this, [this, index] { onStreamConnected(index); });
        connect(socket, &QTcpSocket::readyRead, this, [this, index] { onStreamReadyRead(index); });
        connect(socket, &QTcpSocket::disconnected, this,
                [this, index] { onStreamGone(index, QStringLiteral("closed by server")); });
        connect(socket, &QTcpSocket::errorOccurred, this,
                [this, index, socket](QAbstractSocket::SocketError error) {
                    if (error == QAbstractSocket::RemoteHostClosedError)
                        return; // disconnected() says it
                    onStreamGone(index,
                                 error == QAbstractSocket::ConnectionRefusedError
                                     ? QStringLiteral("connection refused")
                                     : socket->errorString());
                });
    }
    stream.open = false;
    stream.attempting = false;
    stream.socket->abort(); // a disconnected() it emits finds nothing to drop
    stream.buffer.clear();
    stream.attempting = true;
    stream.socket->connectToHost(m_address, m_port);
}

void StreamLoad::onStreamConnected(int index)
{
    Stream &stream = m_streams[size_t(index)];
    stream.socket->write("GET /v1/events HTTP/1.1\r\nHost: " + m_host + "\r\nAuthorization: Bearer "
                         + m_tokens.at(index)
                         + "\r\nAccept: text/event-stream\r\nUser-Agent: playmark-streamload"
                           "\r\n\r\n");
}

void StreamLoad::onStreamReadyRead(int index)
{
    const qint64 now = m_clock.nsecsElapsed();
    Stream &stream = m_streams[size_t(index)];
    stream.buffer += stream.socket->readAll();
    if (!stream.open) {
        const qsizetype end = stream.buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (stream.buffer.size() > kMaxHeaderBytes)
                onStreamGone(index, QStringLiteral("headers too long"));
            return;
        }
        const QByteArray status =
            stream.buffer.left(stream.buffer.indexOf("\r\n")).split(' ').value(1);
        if (status != "200") {
            onStreamGone(index, QStringLiteral("answered ") + QString::fromLatin1(status));
            return;
        }
        stream.buffer.remove(0, end + 4);
        onStreamOpened(index);
    }
    for (qsizetype end = stream.buffer.indexOf("\n\n"); end >= 0;
         end = stream.buffer.indexOf("\n\n")) {
        const QByteArray frame = stream.buffer.left(end);
        stream.buffer.remove(0, end + 2);
        handleFrame(index, frame, now);
    }
}

void StreamLoad::onStreamOpened(int index)
{
    Stream &stream = m_streams[size_t(index)];
    stream.open = true;
    stream.attempting = false;
    stream.attempts = 0;
    stream.lastKeepAliveMs = -1; // gaps are counted within one connection
    ++m_openStreams;
    if (!stream.everOpened) {
        stream.everOpened = true;
        openMore();
    }
    if (m_phase == Phase::Opening && m_openStreams == int(m_streams.size())) {
        beginMeasuring();
    } else if (m_phase == Phase::AwaitingRestart && m_restartDropNs >= 0) {
        const qint64 now = m_clock.nsecsElapsed();
        ++m_restartBack;
        if (m_restartFirstBackNs < 0)
            m_restartFirstBackNs = now;
        if (m_openStreams == int(m_streams.size())) {
            m_restartAllBackNs = now;
            finish();
        }
    }
}

void StreamLoad::onStreamGone(int index, const QString &reason)
{
    Stream &stream = m_streams[size_t(index)];
    if (!stream.attempting && !stream.open)
        return;
    const bool wasOpen = stream.open;
    stream.open = false;
    stream.attempting = false;
    if (wasOpen)
        --m_openStreams;
    if (m_phase == Phase::Done)
        return;
    if (m_phase == Phase::AwaitingRestart) {
        if (wasOpen) {
            if (m_restartDropNs < 0)
                m_restartDropNs = m_clock.nsecsElapsed();
            ++m_restartGone;
        } else {
            ++m_restartAttempts;
        }
    } else if (wasOpen) {
        ++m_drops[reason];
    } else {
        ++m_openFailures;
    }
    // Back again after a backoff with jitter, as a player's stream does.
    const int attempts = stream.attempts++;
    const qint64 backoff = std::min(kLongestBackoffMs, kFirstBackoffMs << std::min(attempts, 5));
    const qint64 delay = backoff / 2 + qint64(m_random() % quint64(backoff / 2 + 1));
    QTimer::singleShot(int(delay), stream.socket, [this, index] {
        if (m_phase != Phase::Done && !m_streams[size_t(index)].open
            && !m_streams[size_t(index)].attempting)
            connectStream(index);
    });
}

void StreamLoad::handleFrame(int index, const QByteArray &frame, qint64 nowNs)
{
    const bool measuring = m_phase == Phase::Measuring || m_phase == Phase::Draining;
    const qint64 second = (nowNs - m_measureStartNs) / kNsPerSecond;
    const bool inWindow = measuring && second >= 0 && second < qint64(m_keepAlivesBySecond.size());
    for (const QByteArray &line : frame.split('\n')) {
        if (line.startsWith(": keep-alive")) {
            Stream &stream = m_streams[size_t(index)];
            const qint64 now = nowNs / kNsPerMs;
            if (stream.lastKeepAliveMs >= 0)
                stream.longestKeepAliveGapMs =
                    std::max(stream.longestKeepAliveGapMs, now - stream.lastKeepAliveMs);
            stream.lastKeepAliveMs = now;
            ++stream.keepAlives;
            ++m_keepAlives;
            if (inWindow)
                ++m_keepAlivesBySecond[size_t(second)];
            continue;
        }
        if (!line.startsWith("data:"))
            continue;
        const qint64 position = QJsonDocument::fromJson(line.mid(5))
                                    .object()
                                    .value(QStringLiteral("position_ms"))
                                    .toInteger(-1);
        const qint64 seq = position - 1;
        if (seq < 0 || seq >= qint64(m_puts.size()) || m_puts[size_t(seq)].eventNs >= 0) {
            ++m_unexpectedEvents;
            continue;
        }
        Put &put = m_puts[size_t(seq)];
        put.eventNs = nowNs;
        ++m_eventsMatched;
        m_eventLatency.record(nowNs - put.dueNs);
        if (inWindow)
            m_latencyBySecond[size_t(second)].record(nowNs - put.dueNs);
    }
    if (m_phase == Phase::Draining)
        checkDrained();
}

void StreamLoad::beginMeasuring()
{
    if (m_phase != Phase::Opening)
        return;
    m_deadline.stop();
    m_openSeconds = double(m_clock.nsecsElapsed()) / double(kNsPerSecond);
    m_rssOpenKb = residentKiB(m_options.serverPid);
    m_phase = Phase::Measuring;
    const int seconds = int(std::ceil(m_options.durationSeconds));
    m_latencyBySecond.resize(size_t(seconds));
    m_keepAlivesBySecond.assign(size_t(seconds), 0);
    const QByteArray headers =
        "Host: " + m_host + "\r\nUser-Agent: playmark-streamload\r\nAccept: application/json\r\n";
    m_slots.resize(size_t(m_options.connections));
    for (int i = 0; i < m_options.connections; ++i) {
        auto *connection = new RawHttpConnection(m_address, m_port, QByteArray(), headers, this);
        m_slots[size_t(i)].connection = connection;
        connect(connection, &HttpConnection::responded, this,
                [this, i](int status) { onPutAnswered(i, status); });
        connect(connection, &HttpConnection::failed, this,
                [this, i](const QString &reason) { onPutFailed(i, reason); });
        m_idle.push_back(i);
    }
    m_measureStartNs = m_clock.nsecsElapsed();
    m_measureEndNs =
        m_measureStartNs + qint64(std::llround(m_options.durationSeconds * double(kNsPerSecond)));
    m_tick.start();
    Q_EMIT measuring(m_openStreams);
}

void StreamLoad::tick()
{
    const qint64 now = std::min(m_clock.nsecsElapsed(), m_measureEndNs);
    const qint64 due =
        qint64(double(now - m_measureStartNs) / double(kNsPerSecond) * m_options.updatesPerSecond);
    while (m_putsDue < due) {
        Put put;
        put.dueNs = m_measureStartNs
            + qint64(double(m_putsDue) * double(kNsPerSecond) / m_options.updatesPerSecond);
        m_puts.push_back(put);
        m_queue.push_back(m_putsDue++);
    }
    dispatch();
    if (now >= m_measureEndNs)
        endMeasuring();
}

void StreamLoad::dispatch()
{
    const qint64 epochMs = QDateTime::currentMSecsSinceEpoch();
    while (!m_queue.empty() && !m_idle.empty()) {
        const int index = m_idle.back();
        m_idle.pop_back();
        const qint64 seq = m_queue.front();
        // A user with no update in flight: two at once could be applied out of order, and the
        // older one, stale then, makes no event.
        size_t user = size_t(m_random() % m_streams.size());
        for (int tries = 0; m_userBusy[user] && tries < 64; ++tries)
            user = size_t(m_random() % m_streams.size());
        if (m_userBusy[user]) { // fewer users than connections, all busy: wait for an answer
            m_idle.push_back(index);
            return;
        }
        m_queue.pop_front();
        m_userBusy[user] = true;
        m_slots[size_t(index)].seq = seq;
        m_slots[size_t(index)].user = user;
        // Strictly newer than the user's last, so every update is applied and makes an event.
        const qint64 observed = std::max(epochMs, m_lastObservedMs[user] + 1);
        m_lastObservedMs[user] = observed;
        const QByteArray body = "{\"position_ms\":" + QByteArray::number(seq + 1)
            + ",\"duration_ms\":" + QByteArray::number(kDurationMs) + ",\"device_id\":\"streamload-"
            + QByteArray::number(quint64(user))
            + "\",\"device_name\":\"streamload\",\"observed_at_ms\":" + QByteArray::number(observed)
            + ",\"state\":\"playing\"}";
        m_slots[size_t(index)].connection->send("PUT", "/v1/progress/streamload", body,
                                                "Bearer " + m_tokens.at(qsizetype(user)));
    }
}

void StreamLoad::onPutAnswered(int slot, int status)
{
    PutSlot &put = m_slots[size_t(slot)];
    if (put.seq < 0)
        return;
    m_puts[size_t(put.seq)].status = status;
    m_answerLatency.record(m_clock.nsecsElapsed() - m_puts[size_t(put.seq)].dueNs);
    ++m_putsAnswered;
    if (status < 200 || status >= 300)
        ++m_putErrors;
    put.seq = -1;
    m_userBusy[put.user] = false;
    m_idle.push_back(slot);
    if (m_phase == Phase::Measuring || m_phase == Phase::Draining)
        dispatch();
    if (m_phase == Phase::Draining)
        checkDrained();
}

void StreamLoad::onPutFailed(int slot, const QString &reason)
{
    Q_UNUSED(reason) // counted as an error: no status
    onPutAnswered(slot, 0);
}

void StreamLoad::endMeasuring()
{
    if (m_phase != Phase::Measuring)
        return;
    m_tick.stop();
    m_phase = Phase::Draining;
    disconnect(&m_deadline, nullptr, this, nullptr);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        // Give up on what is still missing: updates never sent or answered count as errors,
        // answered ones without their event as missing.
        m_putErrors +=
            qint64(m_queue.size()) + (m_putsDue - qint64(m_queue.size()) - m_putsAnswered);
        m_queue.clear();
        m_putsAnswered = m_putsDue;
        checkDrained();
    });
    m_deadline.start(kDrainMs);
    checkDrained();
}

void StreamLoad::checkDrained()
{
    if (m_phase != Phase::Draining || m_putsAnswered < m_putsDue || !m_queue.empty())
        return;
    const qint64 applied = m_putsDue - m_putErrors;
    if (m_eventsMatched < applied && m_deadline.isActive())
        return;
    m_deadline.stop();
    m_rssEndKb = residentKiB(m_options.serverPid);
    for (PutSlot &slot : m_slots)
        slot.connection->abort();
    if (m_options.restart)
        awaitRestart();
    else
        finish();
}

void StreamLoad::awaitRestart()
{
    m_phase = Phase::AwaitingRestart;
    disconnect(&m_deadline, nullptr, this, nullptr);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        m_restartTimedOut = true;
        finish();
    });
    m_deadline.start(int(m_options.restartTimeoutSeconds * 1000));
    Q_EMIT waitingForRestart();
}

void StreamLoad::fail(const QString &reason)
{
    if (m_failure.isEmpty())
        m_failure = reason;
    finish();
}

void StreamLoad::finish()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_tick.stop();
    m_deadline.stop();
    for (Stream &stream : m_streams) {
        if (stream.socket)
            stream.socket->abort();
    }
    QMetaObject::invokeMethod(this, &StreamLoad::finished, Qt::QueuedConnection);
}

QJsonObject StreamLoad::json() const
{
    const qint64 streams = qint64(m_streams.size());
    qint64 neverOpened = 0;
    qint64 fewestKeepAlives = -1;
    qint64 longestGap = 0;
    for (const Stream &stream : m_streams) {
        neverOpened += stream.everOpened ? 0 : 1;
        if (stream.everOpened)
            fewestKeepAlives = fewestKeepAlives < 0 ? stream.keepAlives
                                                    : std::min(fewestKeepAlives, stream.keepAlives);
        longestGap = std::max(longestGap, stream.longestKeepAliveGapMs);
    }
    qint64 busiestSecond = 0;
    double worstSecondP99 = 0;
    for (size_t i = 0; i < m_keepAlivesBySecond.size(); ++i) {
        busiestSecond = std::max(busiestSecond, m_keepAlivesBySecond[i]);
        if (m_latencyBySecond[i].count() >= 10)
            worstSecondP99 =
                std::max(worstSecondP99, toMs(m_latencyBySecond[i].valueAtPercentile(99)));
    }
    qint64 dropped = 0;
    QJsonObject dropReasons;
    for (auto it = m_drops.cbegin(); it != m_drops.cend(); ++it) {
        dropped += it.value();
        dropReasons.insert(it.key(), it.value());
    }
    const auto perStream = [streams](qint64 afterKb, qint64 beforeKb) {
        return afterKb < 0 || beforeKb < 0 || streams == 0
            ? QJsonValue()
            : QJsonValue(double(afterKb - beforeKb) / double(streams));
    };
    const auto seconds = [](qint64 fromNs, qint64 toNs) {
        return fromNs < 0 || toNs < 0 ? QJsonValue()
                                      : QJsonValue(double(toNs - fromNs) / double(kNsPerSecond));
    };
    const qint64 applied = m_putsDue - m_putErrors;
    QJsonObject result{
        {QStringLiteral("url"), m_options.url.toString()},
        {QStringLiteral("streams"), streams},
        {QStringLiteral("updates_per_second"), m_options.updatesPerSecond},
        {QStringLiteral("duration_seconds"), m_options.durationSeconds},
        {QStringLiteral("open"),
         QJsonObject{{QStringLiteral("seconds"), m_openSeconds},
                     {QStringLiteral("never_opened"), neverOpened},
                     {QStringLiteral("failed_attempts"), m_openFailures}}},
        {QStringLiteral("memory"),
         QJsonObject{{QStringLiteral("server_rss_before_kb"), m_rssBeforeKb},
                     {QStringLiteral("server_rss_open_kb"), m_rssOpenKb},
                     {QStringLiteral("server_rss_end_kb"), m_rssEndKb},
                     {QStringLiteral("kb_per_stream_open"), perStream(m_rssOpenKb, m_rssBeforeKb)},
                     {QStringLiteral("kb_per_stream_end"), perStream(m_rssEndKb, m_rssBeforeKb)}}},
        {QStringLiteral("updates"),
         QJsonObject{
             {QStringLiteral("due"), m_putsDue},
             {QStringLiteral("errors"), m_putErrors},
             {QStringLiteral("events_received"), m_eventsMatched},
             {QStringLiteral("events_missing"), std::max<qint64>(0, applied - m_eventsMatched)},
             {QStringLiteral("unexpected_events"), m_unexpectedEvents}}},
        {QStringLiteral("event_ms"), summary(m_eventLatency)},
        {QStringLiteral("event_worst_second_p99_ms"), worstSecondP99},
        {QStringLiteral("put_answer_ms"), summary(m_answerLatency)},
        {QStringLiteral("keepalives"),
         QJsonObject{{QStringLiteral("received"), m_keepAlives},
                     {QStringLiteral("fewest_on_a_stream"), fewestKeepAlives},
                     {QStringLiteral("longest_gap_ms"), longestGap},
                     {QStringLiteral("most_in_one_second"), busiestSecond}}},
        {QStringLiteral("dropped"),
         QJsonObject{{QStringLiteral("count"), dropped}, {QStringLiteral("reasons"), dropReasons}}},
    };
    if (m_options.restart)
        result.insert(QStringLiteral("restart"),
                      QJsonObject{{QStringLiteral("streams_gone"), m_restartGone},
                                  {QStringLiteral("streams_back"), m_restartBack},
                                  {QStringLiteral("all_back"), m_restartAllBackNs >= 0},
                                  {QStringLiteral("timed_out"), m_restartTimedOut},
                                  {QStringLiteral("failed_attempts"), m_restartAttempts},
                                  {QStringLiteral("seconds_from_gone_to_all_back"),
                                   seconds(m_restartDropNs, m_restartAllBackNs)},
                                  {QStringLiteral("seconds_from_first_back_to_all_back"),
                                   seconds(m_restartFirstBackNs, m_restartAllBackNs)}});
    return result;
}

QString StreamLoad::text() const
{
    const QJsonObject j = json();
    const QJsonObject memory = j.value(QStringLiteral("memory")).toObject();
    const QJsonObject updates = j.value(QStringLiteral("updates")).toObject();
    const QJsonObject event = j.value(QStringLiteral("event_ms")).toObject();
    const QJsonObject keep = j.value(QStringLiteral("keepalives")).toObject();
    const QJsonObject open = j.value(QStringLiteral("open")).toObject();
    const auto number = [](const QJsonValue &value, int decimals = 1) {
        return value.isNull() || value.isUndefined()
            ? QStringLiteral("-")
            : QString::number(value.toDouble(), 'f', decimals);
    };
    QString out =
        QStringLiteral("playmark-streamload: %1 streams open in %2 s (%3 never opened, %4 failed "
                       "attempts); %5 updates/s for %6 s to %7\n")
            .arg(j.value(QStringLiteral("streams")).toInteger())
            .arg(number(open.value(QStringLiteral("seconds"))))
            .arg(open.value(QStringLiteral("never_opened")).toInteger())
            .arg(open.value(QStringLiteral("failed_attempts")).toInteger())
            .arg(m_options.updatesPerSecond)
            .arg(m_options.durationSeconds)
            .arg(m_options.url.toString());
    out += QStringLiteral("server memory: %1 KB per stream once open, %2 KB at the end (RSS %3 -> "
                          "%4 -> %5 KB)\n")
               .arg(number(memory.value(QStringLiteral("kb_per_stream_open"))),
                    number(memory.value(QStringLiteral("kb_per_stream_end"))),
                    number(memory.value(QStringLiteral("server_rss_before_kb")), 0),
                    number(memory.value(QStringLiteral("server_rss_open_kb")), 0),
                    number(memory.value(QStringLiteral("server_rss_end_kb")), 0));
    out +=
        QStringLiteral("updates: %1 due, %2 errors; events %3 received, %4 missing; "
                       "update-to-event p50 %5 ms, p90 %6, p99 %7, max %8; worst 1-s p99 %9 ms\n")
            .arg(updates.value(QStringLiteral("due")).toInteger())
            .arg(updates.value(QStringLiteral("errors")).toInteger())
            .arg(updates.value(QStringLiteral("events_received")).toInteger())
            .arg(updates.value(QStringLiteral("events_missing")).toInteger())
            .arg(number(event.value(QStringLiteral("p50")), 2),
                 number(event.value(QStringLiteral("p90")), 2),
                 number(event.value(QStringLiteral("p99")), 2),
                 number(event.value(QStringLiteral("max")), 2),
                 number(j.value(QStringLiteral("event_worst_second_p99_ms")), 2));
    const QJsonObject answer = j.value(QStringLiteral("put_answer_ms")).toObject();
    out += QStringLiteral("PUT answers (from due time): p50 %1 ms, p99 %2, max %3\n")
               .arg(number(answer.value(QStringLiteral("p50")), 2),
                    number(answer.value(QStringLiteral("p99")), 2),
                    number(answer.value(QStringLiteral("max")), 2));
    out += QStringLiteral("keep-alives: %1 received, at least %2 on each stream, longest gap %3 "
                          "ms, at most %4 in one second\n")
               .arg(keep.value(QStringLiteral("received")).toInteger())
               .arg(keep.value(QStringLiteral("fewest_on_a_stream")).toInteger())
               .arg(keep.value(QStringLiteral("longest_gap_ms")).toInteger())
               .arg(keep.value(QStringLiteral("most_in_one_second")).toInteger());
    out += QStringLiteral("dropped by the server: %1 %2\n")
               .arg(j.value(QStringLiteral("dropped"))
                        .toObject()
                        .value(QStringLiteral("count"))
                        .toInteger())
               .arg(QString::fromUtf8(QJsonDocument(j.value(QStringLiteral("dropped"))
                                                        .toObject()
                                                        .value(QStringLiteral("reasons"))
                                                        .toObject())
                                          .toJson(QJsonDocument::Compact)));
    if (m_options.restart) {
        const QJsonObject restart = j.value(QStringLiteral("restart")).toObject();
        out += QStringLiteral("restart: %1 streams gone, %2 back%3; all back %4 s after the first "
                              "went, %5 s after the first came back; %6 failed attempts\n")
                   .arg(restart.value(QStringLiteral("streams_gone")).toInteger())
                   .arg(restart.value(QStringLiteral("streams_back")).toInteger())
                   .arg(restart.value(QStringLiteral("timed_out")).toBool()
                            ? QStringLiteral(" (timed out)")
                            : QString())
                   .arg(number(restart.value(QStringLiteral("seconds_from_gone_to_all_back")), 2),
                        number(restart.value(QStringLiteral("seconds_from_first_back_to_all_back")),
                               2))
                   .arg(restart.value(QStringLiteral("failed_attempts")).toInteger());
    }
    return out;
}
