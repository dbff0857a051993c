#include "eventprobe.h"

#include "rawhttpconnection.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <algorithm>
#include <cmath>
#include <optional>

namespace {

constexpr qint64 kNsPerMs = 1'000'000;
constexpr qint64 kDurationMs = 3'600'000;
constexpr qsizetype kMaxStreamHeaderBytes = 16 * 1024;

QJsonObject toJson(const EventProbe::Summary &summary)
{
    return QJsonObject{
        {QStringLiteral("count"), summary.count}, {QStringLiteral("p50"), summary.p50},
        {QStringLiteral("p90"), summary.p90},     {QStringLiteral("p99"), summary.p99},
        {QStringLiteral("max"), summary.max},     {QStringLiteral("mean"), summary.mean}};
}

QString row(const char *name, const EventProbe::Summary &summary)
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
        .arg(QString::fromLatin1(name), -12)
        .arg(summary.count, 6)
        .arg(summary.p50, 9, 'f', 3)
        .arg(summary.p90, 9, 'f', 3)
        .arg(summary.p99, 9, 'f', 3)
        .arg(summary.max, 9, 'f', 3)
        .arg(summary.mean, 9, 'f', 3);
}

} // namespace

EventProbe::EventProbe(const Options &options, QObject *parent)
    : QObject(parent), m_options(options), m_samples(size_t(std::max(0, options.count)))
{
    m_interval.setTimerType(Qt::PreciseTimer);
    m_interval.setInterval(std::max(0, options.intervalMs));
    connect(&m_interval, &QTimer::timeout, this, &EventProbe::tick);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (!m_streamHeadersDone)
            fail(QStringLiteral("the event stream did not open within %1 ms")
                     .arg(m_options.timeoutMs));
        else
            finish(); // events still missing are counted as such
    });
}

EventProbe::~EventProbe() = default;

namespace {

// A server's address, port, path and request headers, from --url or --stream-url.
struct Endpoint
{
    QHostAddress address;
    quint16 port = 0;
    QByteArray basePath;
    QByteArray headers;
};

std::optional<Endpoint> endpoint(const QUrl &url, const QString &token)
{
    const QString host = url.host();
    Endpoint result;
    result.address = host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                        : QHostAddress(host);
    if (result.address.isNull() || url.scheme() != QLatin1String("http"))
        return std::nullopt;
    result.port = quint16(url.port(80));
    result.basePath = url.path(QUrl::FullyEncoded).toLatin1();
    result.headers = "Host: " + url.authority().toLatin1() + "\r\nAuthorization: Bearer "
        + token.toLatin1() + "\r\nUser-Agent: playmark-eventlatency\r\n";
    return result;
}

} // namespace

QUrl EventProbe::streamUrl() const
{
    return m_options.streamUrl.isEmpty() ? m_options.url : m_options.streamUrl;
}

void EventProbe::start()
{
    const std::optional<Endpoint> put = endpoint(m_options.url, m_options.token);
    if (!put) {
        fail(QStringLiteral("--url wants http://ADDRESS:PORT with an IP address (got '%1')")
                 .arg(m_options.url.toString()));
        return;
    }
    const std::optional<Endpoint> stream = endpoint(streamUrl(), m_options.token);
    if (!stream) {
        fail(QStringLiteral("--stream-url wants http://ADDRESS:PORT with an IP address (got '%1')")
                 .arg(streamUrl().toString()));
        return;
    }
    m_clock.start();

    m_stream = new QTcpSocket(this);
    connect(m_stream, &QTcpSocket::connected, this, [this, stream] {
        m_stream->write("GET " + stream->basePath + "/v1/events HTTP/1.1\r\n" + stream->headers
                        + "Accept: text/event-stream\r\n\r\n");
    });
    connect(m_stream, &QTcpSocket::readyRead, this, &EventProbe::onStreamReadyRead);
    connect(m_stream, &QTcpSocket::disconnected, this, [this] {
        if (!m_finished)
            fail(QStringLiteral("the server closed the event stream"));
    });
    connect(m_stream, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (!m_finished && m_stream->state() != QAbstractSocket::ConnectedState)
            fail(QStringLiteral("event stream: %1").arg(m_stream->errorString()));
    });

    m_put = new RawHttpConnection(put->address, put->port, put->basePath, put->headers, this);
    connect(m_put, &HttpConnection::openFinished, this, &EventProbe::onPutOpened);
    connect(m_put, &HttpConnection::responded, this, &EventProbe::onResponded);
    connect(m_put, &HttpConnection::failed, this, &EventProbe::onPutFailed);

    m_deadline.start(m_options.timeoutMs);
    m_stream->connectToHost(stream->address, stream->port);
}

void EventProbe::onStreamReadyRead()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_streamBuffer += m_stream->readAll();
    if (!m_streamHeadersDone) {
        const qsizetype end = m_streamBuffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_streamBuffer.size() > kMaxStreamHeaderBytes)
                fail(QStringLiteral("the event stream's headers are too long"));
            return;
        }
        const QByteArray statusLine = m_streamBuffer.left(m_streamBuffer.indexOf("\r\n"));
        if (statusLine.split(' ').value(1) != "200") {
            fail(QStringLiteral("GET /v1/events answered '%1'")
                     .arg(QString::fromLatin1(statusLine)));
            return;
        }
        m_streamBuffer.remove(0, end + 4);
        m_streamHeadersDone = true;
        onStreamOpened();
    }
    // Server-sent events: frames end with a blank line; the server writes "\n" line ends.
    for (qsizetype end = m_streamBuffer.indexOf("\n\n"); end >= 0;
         end = m_streamBuffer.indexOf("\n\n")) {
        handleFrame(m_streamBuffer.left(end), now);
        m_streamBuffer.remove(0, end + 2);
    }
    finishIfDone();
}

void EventProbe::handleFrame(const QByteArray &frame, qint64 nowNs)
{
    for (const QByteArray &line : frame.split('\n')) {
        if (!line.startsWith("data:"))
            continue; // event name, or a comment such as the keep-alive
        const QJsonObject record = QJsonDocument::fromJson(line.mid(5).trimmed()).object();
        const qint64 index =
            record.value(QStringLiteral("position_ms")).toInteger(-1) - kFirstPosition;
        if (record.value(QStringLiteral("content_id")).toString().toLatin1() != m_options.contentId
            || index < 0 || index >= qint64(m_sent) || m_samples[size_t(index)].eventNs >= 0) {
            ++m_unexpectedEvents;
            continue;
        }
        m_samples[size_t(index)].eventNs = nowNs;
    }
}

void EventProbe::onStreamOpened()
{
    m_deadline.stop();
    m_put->open();
}

void EventProbe::onPutOpened(const QString &error)
{
    if (m_finished)
        return;
    if (!error.isEmpty()) {
        fail(QStringLiteral("cannot open the PUT connection: %1").arg(error));
        return;
    }
    if (m_samples.empty()) {
        finish();
        return;
    }
    sendNext();
    m_interval.start();
}

void EventProbe::tick()
{
    if (m_sent >= int(m_samples.size())) {
        m_interval.stop();
        return;
    }
    if (m_inFlight) {
        m_due = true;
        return;
    }
    sendNext();
}

void EventProbe::sendNext()
{
    const int index = m_sent++;
    // Strictly increasing on the server's clock (this machine's), so every update is applied and
    // so makes an event.
    m_lastObservedMs = std::max(QDateTime::currentMSecsSinceEpoch(), m_lastObservedMs + 1);
    const QByteArray body = "{\"position_ms\":" + QByteArray::number(kFirstPosition + index)
        + ",\"duration_ms\":" + QByteArray::number(kDurationMs)
        + ",\"device_id\":\"bench-eventlatency\",\"device_name\":\"eventlatency\""
          ",\"observed_at_ms\":"
        + QByteArray::number(m_lastObservedMs) + ",\"state\":\"playing\"}";
    m_inFlight = true;
    m_due = false;
    m_samples[size_t(index)].sentNs = m_clock.nsecsElapsed();
    m_put->send("PUT", "/v1/progress/" + m_options.contentId, body, QByteArray());
}

void EventProbe::onResponded(int status)
{
    if (m_finished || !m_inFlight)
        return;
    Sample &sample = m_samples[size_t(m_sent - 1)];
    sample.answeredNs = m_clock.nsecsElapsed();
    sample.status = status;
    m_inFlight = false;
    ++m_answered;
    if (m_due && m_sent < int(m_samples.size()))
        sendNext();
    finishIfDone();
}

void EventProbe::onPutFailed(const QString &reason)
{
    if (m_finished)
        return;
    fail(QStringLiteral("PUT %1: %2").arg(m_sent).arg(reason));
}

void EventProbe::finishIfDone()
{
    if (m_finished || m_answered < int(m_samples.size()) || m_samples.empty())
        return;
    if (eventsReceived() == qint64(m_samples.size())) {
        finish();
        return;
    }
    // Every PUT answered: give the events still missing a last while to come.
    if (!m_deadline.isActive())
        m_deadline.start(m_options.timeoutMs);
}

void EventProbe::fail(const QString &reason)
{
    if (m_finished)
        return;
    m_failure = reason;
    finish();
}

void EventProbe::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_interval.stop();
    m_deadline.stop();
    if (m_stream)
        m_stream->abort();
    if (m_put)
        m_put->abort();
    QMetaObject::invokeMethod(this, &EventProbe::finished, Qt::QueuedConnection);
}

EventProbe::Summary EventProbe::summarize(std::vector<qint64> nanoseconds)
{
    Summary summary;
    summary.count = qint64(nanoseconds.size());
    if (nanoseconds.empty())
        return summary;
    std::sort(nanoseconds.begin(), nanoseconds.end());
    // Nearest rank: the smallest sample with at least p% of the samples at or below it.
    const auto at = [&nanoseconds](double percent) {
        const double rank = std::ceil(percent / 100.0 * double(nanoseconds.size()));
        const size_t index = size_t(std::max(1.0, rank)) - 1;
        return double(nanoseconds[std::min(index, nanoseconds.size() - 1)]) / double(kNsPerMs);
    };
    summary.p50 = at(50);
    summary.p90 = at(90);
    summary.p99 = at(99);
    summary.max = double(nanoseconds.back()) / double(kNsPerMs);
    double total = 0;
    for (const qint64 value : nanoseconds)
        total += double(value);
    summary.mean = total / double(nanoseconds.size()) / double(kNsPerMs);
    return summary;
}

EventProbe::Summary EventProbe::eventLatency() const
{
    std::vector<qint64> values;
    for (const Sample &sample : m_samples) {
        if (sample.sentNs >= 0 && sample.eventNs >= 0)
            values.push_back(sample.eventNs - sample.sentNs);
    }
    return summarize(std::move(values));
}

EventProbe::Summary EventProbe::answerLatency() const
{
    std::vector<qint64> values;
    for (const Sample &sample : m_samples) {
        if (sample.sentNs >= 0 && sample.answeredNs >= 0)
            values.push_back(sample.answeredNs - sample.sentNs);
    }
    return summarize(std::move(values));
}

qint64 EventProbe::eventsReceived() const
{
    return std::count_if(m_samples.cbegin(), m_samples.cend(),
                         [](const Sample &sample) { return sample.eventNs >= 0; });
}

qint64 EventProbe::putErrors() const
{
    return std::count_if(m_samples.cbegin(), m_samples.cend(), [](const Sample &sample) {
        return sample.status < 200 || sample.status >= 300;
    });
}

QString EventProbe::text() const
{
    const QString where = streamUrl() == m_options.url
        ? m_options.url.toString()
        : QStringLiteral("%1, events from %2")
              .arg(m_options.url.toString(), streamUrl().toString());
    return QStringLiteral("playmark-eventlatency: %1 PUTs, one every %2 ms, to %3; "
                          "%4 events received, %5 missing, %6 PUT errors\n")
               .arg(m_samples.size())
               .arg(m_options.intervalMs)
               .arg(where)
               .arg(eventsReceived())
               .arg(qint64(m_samples.size()) - eventsReceived())
               .arg(putErrors())
        + QStringLiteral("%1  count    p50 ms    p90 ms    p99 ms    max ms   mean ms\n")
              .arg(QString(), -12)
        + row("event", eventLatency()) + row("PUT answer", answerLatency());
}

QJsonObject EventProbe::json() const
{
    return QJsonObject{
        {QStringLiteral("url"), m_options.url.toString()},
        {QStringLiteral("stream_url"), streamUrl().toString()},
        {QStringLiteral("count"), qint64(m_samples.size())},
        {QStringLiteral("interval_ms"), m_options.intervalMs},
        {QStringLiteral("events_received"), eventsReceived()},
        {QStringLiteral("events_missing"), qint64(m_samples.size()) - eventsReceived()},
        {QStringLiteral("unexpected_events"), m_unexpectedEvents},
        {QStringLiteral("put_errors"), putErrors()},
        {QStringLiteral("event_ms"), toJson(eventLatency())},
        {QStringLiteral("put_answer_ms"), toJson(answerLatency())},
    };
}
