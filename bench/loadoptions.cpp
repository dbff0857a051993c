#include "loadoptions.h"

#include <QCommandLineParser>
#include <QFile>

#include <cmath>
#include <limits>

namespace {

constexpr int kMaxDevices = 1'000'000;
constexpr int kMaxVideos = 1000;
constexpr qint64 kMaxRecords = 10'000'000;
constexpr double kMaxRate = 1'000'000.0;
constexpr double kMaxSeconds = 24 * 3600.0;
constexpr int kMaxConnections = 1024; // the server's own cap on open connections

const char *const kHelp =
    R"(Usage: playmark-loadgen --token TOKEN (--devices N | --rate R) [options]

An open-model load generator for playmark-server. Simulated devices report their playback
position on a fixed timeline whether or not the server keeps up, and each latency is measured
from the moment its request was due, not from when it could be sent.

Load:
  --devices N             simulated devices; each PUTs its position every --interval seconds
  --interval SECONDS      seconds between one device's reports (default 5)
  --jitter FRACTION       each interval varies by up to +-FRACTION of itself (default 0.1)
  --rate R                aggregate updates per second, instead of --devices or --interval: the
                          missing one is derived (with neither, --interval 5)
  --videos K              videos per device, played one after another (default 3)
  --shared-videos         all devices play the same K videos, so their updates contend
  --reads-per-second R    GET /v1/progress/ID of ids already written (default 0)
  --read-ids FILE         content ids already stored on the server, one a line: reads choose
                          among them as well as among the ids this run wrote (for measuring
                          reads over a database filled beforehand)

Run:
  --duration SECONDS      measured time (default 10); the run then stops by itself
  --warmup SECONDS        load before the measured time, not counted (default 0)
  --timeout SECONDS       a request not answered this long after it was due counts as a
                          timeout (default 10)
  --seed N                seed for phases, jitter and read choices (default 1)

Server:
  --url URL               the server, http only (default http://127.0.0.1:8787); nothing is
                          ever sent anywhere else
  --token TOKEN           bearer token (default: the environment variable PLAYMARK_TOKEN)
  --tokens FILE           a token a line: simulated device i sends with line i (modulo their
                          number), so each device is a device of its own on the server, as
                          real ones are (one token shared by devices with different device_ids
                          rebinds the token's device on each change: 13-30% more server CPU
                          per PUT). Reads of this run's records use their writer's token;
                          reads of --read-ids use --token (default: the first line)
  --connections C         keep-alive connections, one request at a time each (default 16)
  --read-connections R    R more connections for the reads alone (default 0: reads and
                          writes share the C connections). A device's GET does not wait
                          behind other devices' PUTs; with both loads, this keeps a stalled
                          write from holding reads in this generator's queue, so read latency
                          is the server's
  --client raw|qnam       raw QTcpSocket HTTP/1.1 client (default, lighter) or
                          QNetworkAccessManager (one per 6 connections), for comparison

Output:
  --json FILE             also write the results as JSON to FILE
  -h, --help              show this help
  --version               show the version

Requests wait for a free connection (of their kind, with --read-connections) in the order they
were due. Latency percentiles cover the responses (any status) and the timeouts (at the time
they were given up) of requests due in the measured time. Achieved rate: 2xx responses
received in the measured time, per second.

Exit status: 0 after a run in which a request succeeded, 1 if none did or the server could not
be reached, 2 on bad arguments.

Example:
  playmark-server user add bench --db /tmp/bench.sqlite      # prints TOKEN
  playmark-server serve --listen 127.0.0.1:8787 --db /tmp/bench.sqlite --rate-limit 0 &
  playmark-loadgen --token TOKEN --rate 1000 --reads-per-second 200 --duration 10
)";

QString option(const char *name)
{
    return QString::fromLatin1(name);
}

// Reads --name as a finite number within [low, high] (or (low, high] when lowExclusive).
bool number(const QCommandLineParser &parser, const char *name, double low, double high,
            bool lowExclusive, double *value, QString *error)
{
    const QString text = parser.value(option(name));
    bool ok = false;
    const double parsed = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(parsed) || parsed > high || parsed < low
        || (lowExclusive && parsed <= low)) {
        *error = QStringLiteral("--%1 wants a number %2 %3 and <= %4 (got '%5')")
                     .arg(option(name), lowExclusive ? QStringLiteral(">") : QStringLiteral(">="))
                     .arg(low)
                     .arg(high)
                     .arg(text);
        return false;
    }
    *value = parsed;
    return true;
}

bool integer(const QCommandLineParser &parser, const char *name, qint64 low, qint64 high,
             qint64 *value, QString *error)
{
    const QString text = parser.value(option(name));
    bool ok = false;
    const qint64 parsed = text.trimmed().toLongLong(&ok);
    if (!ok || parsed < low || parsed > high) {
        *error = QStringLiteral("--%1 wants a whole number from %2 to %3 (got '%4')")
                     .arg(option(name))
                     .arg(low)
                     .arg(high)
                     .arg(text);
        return false;
    }
    *value = parsed;
    return true;
}

bool parseUrl(const QString &text, QUrl *url, QString *error)
{
    const QUrl parsed(text, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.scheme() != QLatin1String("http") || parsed.host().isEmpty()
        || !parsed.userInfo().isEmpty() || parsed.hasQuery() || parsed.hasFragment()) {
        *error = QStringLiteral("--url wants http://HOST:PORT, such as http://127.0.0.1:8787 "
                                "(got '%1')")
                     .arg(text);
        return false;
    }
    *url = parsed;
    if (url->port() < 0)
        url->setPort(80);
    QString path = url->path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url->setPath(path);
    return true;
}

} // namespace

QString LoadOptions::clientName() const
{
    return client == Client::Raw ? QStringLiteral("raw") : QStringLiteral("qnam");
}

QString LoadOptions::helpText()
{
    return QString::fromUtf8(kHelp);
}

LoadOptions::Outcome LoadOptions::parse(const QStringList &arguments,
                                        const QString &environmentToken, LoadOptions *options,
                                        QString *error)
{
    QCommandLineParser parser;
    const auto valued = [&parser](const char *name, const char *valueName) {
        parser.addOption(QCommandLineOption(option(name), QString(), option(valueName)));
    };
    valued("devices", "N");
    valued("interval", "SECONDS");
    valued("jitter", "FRACTION");
    valued("rate", "R");
    valued("videos", "K");
    valued("reads-per-second", "R");
    valued("duration", "SECONDS");
    valued("warmup", "SECONDS");
    valued("timeout", "SECONDS");
    valued("seed", "N");
    valued("url", "URL");
    valued("token", "TOKEN");
    valued("connections", "C");
    valued("read-connections", "R");
    valued("client", "raw|qnam");
    valued("json", "FILE");
    valued("read-ids", "FILE");
    valued("tokens", "FILE");
    parser.addOption(QCommandLineOption(option("shared-videos")));
    parser.addOption(QCommandLineOption(QStringList{QStringLiteral("h"), QStringLiteral("help")}));
    parser.addOption(QCommandLineOption(option("version")));

    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return Outcome::Error;
    }
    if (parser.isSet(QStringLiteral("help")))
        return Outcome::Help;
    if (parser.isSet(QStringLiteral("version")))
        return Outcome::Version;
    if (!parser.positionalArguments().isEmpty()) {
        *error = QStringLiteral("unexpected argument '%1'; every setting is an --option")
                     .arg(parser.positionalArguments().constFirst());
        return Outcome::Error;
    }

    LoadOptions result;
    const auto fail = [error](const QString &message) {
        *error = message;
        return Outcome::Error;
    };
    const auto isSet = [&parser](const char *name) {
        return parser.isSet(option(name));
    };

    if (!parseUrl(isSet("url") ? parser.value(QStringLiteral("url"))
                               : QStringLiteral("http://127.0.0.1:8787"),
                  &result.url, error))
        return Outcome::Error;
    result.token = isSet("token") ? parser.value(QStringLiteral("token")) : environmentToken;
    if (isSet("tokens")) {
        result.tokensPath = parser.value(QStringLiteral("tokens"));
        if (result.tokensPath.isEmpty())
            return fail(QStringLiteral("--tokens wants a file name"));
    }
    if (result.token.isEmpty() && result.tokensPath.isEmpty())
        return fail(QStringLiteral("no token: give --token TOKEN, --tokens FILE or set "
                                   "PLAYMARK_TOKEN (playmark-server user add NAME prints one)"));
    for (const QChar c : std::as_const(result.token)) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
            return fail(QStringLiteral("--token has a space or a character that cannot go in "
                                       "an HTTP header"));
    }

    qint64 whole = 0;
    if (isSet("devices")) {
        if (!integer(parser, "devices", 1, kMaxDevices, &whole, error))
            return Outcome::Error;
        result.devices = int(whole);
    }
    if (isSet("interval")
        && !number(parser, "interval", 0.0, 3600.0, true, &result.intervalSeconds, error))
        return Outcome::Error;
    if (isSet("jitter") && !number(parser, "jitter", 0.0, 0.9, false, &result.jitter, error))
        return Outcome::Error;

    if (isSet("rate")) {
        if (!number(parser, "rate", 0.0, kMaxRate, true, &result.writesPerSecond, error))
            return Outcome::Error;
        if (isSet("devices") && isSet("interval"))
            return fail(QStringLiteral("--rate, --devices and --interval: give two of the "
                                       "three, the third follows from them"));
        if (isSet("devices")) {
            result.intervalSeconds = result.devices / result.writesPerSecond;
        } else {
            const double devices = std::ceil(result.writesPerSecond * result.intervalSeconds);
            if (devices > kMaxDevices)
                return fail(QStringLiteral("--rate %1 with --interval %2 needs more than %3 "
                                           "devices; give a shorter --interval")
                                .arg(result.writesPerSecond)
                                .arg(result.intervalSeconds)
                                .arg(kMaxDevices));
            result.devices = int(devices);
            result.intervalSeconds = result.devices / result.writesPerSecond;
        }
        if (result.intervalSeconds > 3600.0)
            return fail(QStringLiteral("--rate is so low for %1 devices that each would report "
                                       "less than once an hour")
                            .arg(result.devices));
        if (result.intervalSeconds < 0.001)
            return fail(QStringLiteral("--rate is so high for %1 devices that each would report "
                                       "more than 1000 times a second; give more --devices")
                            .arg(result.devices));
    } else {
        if (!isSet("devices"))
            return fail(QStringLiteral("say how much load: --devices N (each reporting every "
                                       "--interval seconds) or --rate R (updates per second)"));
        result.writesPerSecond = result.devices / result.intervalSeconds;
    }

    if (isSet("videos")) {
        if (!integer(parser, "videos", 1, kMaxVideos, &whole, error))
            return Outcome::Error;
        result.videos = int(whole);
    }
    result.sharedVideos = isSet("shared-videos");
    if (!result.sharedVideos && qint64(result.devices) * result.videos > kMaxRecords)
        return fail(QStringLiteral("%1 devices with %2 videos each is more than %3 records; "
                                   "give fewer --videos or --shared-videos")
                        .arg(result.devices)
                        .arg(result.videos)
                        .arg(kMaxRecords));
    if (isSet("reads-per-second")
        && !number(parser, "reads-per-second", 0.0, kMaxRate, false, &result.readsPerSecond, error))
        return Outcome::Error;
    if (isSet("read-ids")) {
        result.readIdsPath = parser.value(QStringLiteral("read-ids"));
        if (result.readIdsPath.isEmpty())
            return fail(QStringLiteral("--read-ids wants a file name"));
    }
    if (isSet("duration")
        && !number(parser, "duration", 0.0, kMaxSeconds, true, &result.durationSeconds, error))
        return Outcome::Error;
    if (isSet("warmup")
        && !number(parser, "warmup", 0.0, kMaxSeconds, false, &result.warmupSeconds, error))
        return Outcome::Error;
    if (isSet("timeout")
        && !number(parser, "timeout", 0.0, 60.0, true, &result.timeoutSeconds, error))
        return Outcome::Error;
    if (isSet("connections")) {
        if (!integer(parser, "connections", 1, kMaxConnections, &whole, error))
            return Outcome::Error;
        result.connections = int(whole);
    }
    if (isSet("read-connections")) {
        if (!integer(parser, "read-connections", 0, kMaxConnections, &whole, error))
            return Outcome::Error;
        result.readConnections = int(whole);
    }
    if (result.connections + result.readConnections > kMaxConnections)
        return fail(QStringLiteral("--connections and --read-connections open %1 connections; "
                                   "the server takes at most %2")
                        .arg(result.connections + result.readConnections)
                        .arg(kMaxConnections));
    if (isSet("seed")) {
        if (!integer(parser, "seed", 0, std::numeric_limits<quint32>::max(), &whole, error))
            return Outcome::Error;
        result.seed = quint32(whole);
    }
    if (isSet("client")) {
        const QString client = parser.value(QStringLiteral("client"));
        if (client == QLatin1String("raw"))
            result.client = Client::Raw;
        else if (client == QLatin1String("qnam"))
            result.client = Client::Qnam;
        else
            return fail(QStringLiteral("--client wants raw or qnam (got '%1')").arg(client));
    }
    if (isSet("json")) {
        result.jsonPath = parser.value(QStringLiteral("json"));
        if (result.jsonPath.isEmpty())
            return fail(QStringLiteral("--json wants a file name"));
    }

    *options = result;
    return Outcome::Run;
}

bool LoadOptions::readTokens(const QString &path, QList<QByteArray> *tokens, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    QList<QByteArray> result;
    qint64 lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray token = file.readLine().trimmed();
        ++lineNumber;
        if (token.isEmpty())
            continue;
        for (const char c : token) {
            if (c <= 0x20 || c >= 0x7f) {
                *error = QStringLiteral("%1:%2: a token has no spaces or characters that cannot "
                                        "go in an HTTP header")
                             .arg(path)
                             .arg(lineNumber);
                return false;
            }
        }
        result.append(token);
    }
    if (result.isEmpty()) {
        *error = QStringLiteral("%1 has no tokens").arg(path);
        return false;
    }
    *tokens = std::move(result);
    return true;
}
