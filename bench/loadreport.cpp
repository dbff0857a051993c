#include "loadreport.h"

#include <QStringList>

namespace {

struct Percentile
{
    const char *key;
    const char *label;
    double value;
};

const Percentile kPercentiles[] = {
    {"p50", "p50", 50.0}, {"p90", "p90", 90.0}, {"p99", "p99", 99.0}, {"p99_9", "p99.9", 99.9}};

double toMs(qint64 ns)
{
    return double(ns) / 1e6;
}

QString formatMs(qint64 ns)
{
    const double ms = toMs(ns);
    return QString::number(ms, 'f', ms < 10 ? 3 : ms < 100 ? 2 : 1);
}

QString column(const QString &text, int width)
{
    return text.rightJustified(width);
}

double rate(qint64 count, double seconds)
{
    return seconds > 0 ? double(count) / seconds : 0.0;
}

} // namespace

LoadReport::LoadReport(const LoadOptions &options, const LoadStats &stats, const Run &run)
    : m_options(options), m_stats(stats), m_run(run)
{
}

QString LoadReport::errorsText(RequestKind kind) const
{
    const KindStats &stats = m_stats.of(kind);
    QStringList parts;
    for (auto it = stats.statusErrors.cbegin(); it != stats.statusErrors.cend(); ++it)
        parts << QStringLiteral("HTTP %1: %2").arg(it.key()).arg(it.value());
    for (auto it = stats.connectionErrors.cbegin(); it != stats.connectionErrors.cend(); ++it)
        parts << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
    if (stats.timeouts)
        parts << QStringLiteral("timeout: %1").arg(stats.timeouts);
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

QString LoadReport::text() const
{
    const double seconds = m_run.measuredSeconds;
    QString out = QStringLiteral("playmark-loadgen: %1 s measured at %2 after %3 s warm-up; %4 "
                                 "devices every %5 s (+-%6%), %7 connections (%8)\n")
                      .arg(seconds, 0, 'f', 1)
                      .arg(m_options.url.toString())
                      .arg(m_options.warmupSeconds, 0, 'g', 4)
                      .arg(m_options.devices)
                      .arg(m_options.intervalSeconds, 0, 'g', 4)
                      .arg(m_options.jitter * 100, 0, 'g', 3)
                      .arg(m_options.readConnections > 0 ? QStringLiteral("%1 + %2 for reads")
                                                               .arg(m_options.connections)
                                                               .arg(m_options.readConnections)
                                                         : QString::number(m_options.connections))
                      .arg(m_options.clientName());

    QString header = QStringLiteral("        ") + column(QStringLiteral("target/s"), 10)
        + column(QStringLiteral("achieved/s"), 11) + column(QStringLiteral("due"), 9)
        + column(QStringLiteral("ok"), 9) + column(QStringLiteral("errors"), 8);
    for (const Percentile &p : kPercentiles)
        header += column(QString::fromLatin1(p.label) + QStringLiteral(" ms"), 11);
    header += column(QStringLiteral("max ms"), 11);
    out += header + u'\n';

    const auto row = [&](const QString &name, RequestKind kind, double target) -> QString {
        const KindStats &stats = m_stats.of(kind);
        QString line = name.leftJustified(8) + column(QString::number(target, 'f', 1), 10)
            + column(QString::number(rate(stats.okInWindow, seconds), 'f', 1), 11)
            + column(QString::number(stats.due), 9) + column(QString::number(stats.ok), 9)
            + column(QString::number(stats.errors()), 8);
        for (const Percentile &p : kPercentiles)
            line +=
                column(stats.latency.count() ? formatMs(stats.latency.valueAtPercentile(p.value))
                                             : QStringLiteral("-"),
                       11);
        line +=
            column(stats.latency.count() ? formatMs(stats.latency.max()) : QStringLiteral("-"), 11);
        return line + u'\n';
    };
    out += row(QStringLiteral("writes"), RequestKind::Write, m_options.writesPerSecond);
    out += row(QStringLiteral("reads"), RequestKind::Read, m_options.readsPerSecond);

    out += QStringLiteral("errors: writes: %1; reads: %2\n")
               .arg(errorsText(RequestKind::Write), errorsText(RequestKind::Read));
    const auto anyStatus = [this](int status) {
        return m_stats.writes().statusErrors.contains(status)
            || m_stats.reads().statusErrors.contains(status);
    };
    if (anyStatus(429))
        out += QStringLiteral("hint: 429 is the server's per-token rate limit; to size the server, "
                              "run it with --rate-limit 0\n");
    if (anyStatus(401))
        out += QStringLiteral("hint: 401: the token is not valid for this server's database\n");
    if (m_stats.reads().skipped)
        out += QStringLiteral("reads skipped (due before any write succeeded): %1\n")
                   .arg(m_stats.reads().skipped);

    const LatencyHistogram &lag = m_stats.sendLag();
    out += QStringLiteral("generator: send lag (sent minus due) p50 %1 ms, p99 %2 ms, max %3 ms")
               .arg(formatMs(lag.valueAtPercentile(50)), formatMs(lag.valueAtPercentile(99)),
                    formatMs(lag.max()));
    if (m_run.cpuSeconds >= 0 && m_run.wallSeconds > 0)
        out += QStringLiteral("; CPU %1 s in %2 s (%3% of one core)")
                   .arg(m_run.cpuSeconds, 0, 'f', 2)
                   .arg(m_run.wallSeconds, 0, 'f', 1)
                   .arg(100.0 * m_run.cpuSeconds / m_run.wallSeconds, 0, 'f', 1);
    out += u'\n';
    return out;
}

QJsonObject LoadReport::kindJson(RequestKind kind, double target) const
{
    const KindStats &stats = m_stats.of(kind);
    QJsonObject status;
    for (auto it = stats.statusErrors.cbegin(); it != stats.statusErrors.cend(); ++it)
        status.insert(QString::number(it.key()), it.value());
    QJsonObject connection;
    for (auto it = stats.connectionErrors.cbegin(); it != stats.connectionErrors.cend(); ++it)
        connection.insert(it.key(), it.value());

    QJsonObject latency{{QStringLiteral("count"), stats.latency.count()},
                        {QStringLiteral("mean"), toMs(qint64(stats.latency.mean()))},
                        {QStringLiteral("max"), toMs(stats.latency.max())}};
    for (const Percentile &p : kPercentiles)
        latency.insert(QString::fromLatin1(p.key), toMs(stats.latency.valueAtPercentile(p.value)));

    return QJsonObject{
        {QStringLiteral("target_per_second"), target},
        {QStringLiteral("achieved_per_second"), rate(stats.okInWindow, m_run.measuredSeconds)},
        {QStringLiteral("due"), stats.due},
        {QStringLiteral("responses"), stats.responses},
        {QStringLiteral("ok"), stats.ok},
        {QStringLiteral("skipped"), stats.skipped},
        {QStringLiteral("errors"),
         QJsonObject{{QStringLiteral("total"), stats.errors()},
                     {QStringLiteral("status"), status},
                     {QStringLiteral("connection"), connection},
                     {QStringLiteral("timeouts"), stats.timeouts}}},
        {QStringLiteral("latency_ms"), latency},
    };
}

QJsonObject LoadReport::json() const
{
    const LatencyHistogram &lag = m_stats.sendLag();
    QJsonObject generator{
        {QStringLiteral("send_lag_ms"),
         QJsonObject{{QStringLiteral("p50"), toMs(lag.valueAtPercentile(50))},
                     {QStringLiteral("p99"), toMs(lag.valueAtPercentile(99))},
                     {QStringLiteral("max"), toMs(lag.max())}}},
        {QStringLiteral("wall_seconds"), m_run.wallSeconds},
    };
    if (m_run.cpuSeconds >= 0) {
        generator.insert(QStringLiteral("cpu_seconds"), m_run.cpuSeconds);
        generator.insert(QStringLiteral("cpu_percent_of_one_core"),
                         m_run.wallSeconds > 0 ? 100.0 * m_run.cpuSeconds / m_run.wallSeconds
                                               : 0.0);
    }
    return QJsonObject{
        {QStringLiteral("url"), m_options.url.toString()},
        {QStringLiteral("measured_seconds"), m_run.measuredSeconds},
        {QStringLiteral("warmup_seconds"), m_options.warmupSeconds},
        {QStringLiteral("devices"), m_options.devices},
        {QStringLiteral("interval_seconds"), m_options.intervalSeconds},
        {QStringLiteral("jitter"), m_options.jitter},
        {QStringLiteral("videos"), m_options.videos},
        {QStringLiteral("shared_videos"), m_options.sharedVideos},
        {QStringLiteral("connections"), m_options.connections},
        {QStringLiteral("read_connections"), m_options.readConnections},
        {QStringLiteral("client"), m_options.clientName()},
        {QStringLiteral("timeout_seconds"), m_options.timeoutSeconds},
        {QStringLiteral("seed"), qint64(m_options.seed)},
        {QStringLiteral("read_ids_file"), m_options.readIdsPath},
        {QStringLiteral("writes"), kindJson(RequestKind::Write, m_options.writesPerSecond)},
        {QStringLiteral("reads"), kindJson(RequestKind::Read, m_options.readsPerSecond)},
        {QStringLiteral("generator"), generator},
    };
}
