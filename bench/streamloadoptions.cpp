#include "streamloadoptions.h"

#include <QCommandLineParser>

#include <cmath>

namespace {

const char *const kHelp =
    R"(Usage: playmark-streamload --tokens FILE [options]

Holds GET /v1/events open for many users at once, one stream a token (each token one user's
device: `playmark-server user add u1 u2 ...` prints them), PUTs updates to random users at a
fixed rate on other connections, and measures what a server carrying that many devices does:
the server's memory per open stream, update-to-event latency (from the moment each PUT was due,
so a server that falls behind shows it), keep-alives and the latency around them, streams the
server dropped, and with --restart how many streams come back after a server restart and how
long that takes.

  --url URL               the server, http only (default http://127.0.0.1:8787)
  --tokens FILE           a token a line; one stream each
  --streams N             only the first N tokens (default: all)
  --rate R                updates a second, each to a random user (default 2000)
  --duration SECONDS      measured time after every stream is open (default 20; keep-alives
                          come every 15 s)
  --connections C         keep-alive connections for the PUTs (default 32)
  --open-at-once N        streams being opened at the same time at the start (default 256)
  --server-pid PID        the server's process, for its memory (/proc/PID/status VmRSS)
  --restart               after the measured time, print "waiting for the server to restart"
                          on stderr, wait for it to go and come back on the same address, and
                          time every stream's return (each reconnects with a backoff of
                          0.1 to 2 s and jitter, as players do)
  --restart-timeout SECONDS  how long to wait for that (default 120)
  --json FILE             also write the results as JSON to FILE
  -h, --help              show this help

Exit status: 0 after a run, 1 if it could not run (server not there, streams never opened),
2 on bad arguments. It raises its own open-file limit to what the streams need.
)";

bool number(const QCommandLineParser &parser, const char *name, double low, double high,
            double *value, QString *error)
{
    const QString text = parser.value(QString::fromLatin1(name));
    bool ok = false;
    const double parsed = text.toDouble(&ok);
    if (!ok || !std::isfinite(parsed) || parsed < low || parsed > high) {
        *error = QStringLiteral("--%1 wants a number from %2 to %3 (got '%4')")
                     .arg(QString::fromLatin1(name))
                     .arg(low)
                     .arg(high)
                     .arg(text);
        return false;
    }
    *value = parsed;
    return true;
}

} // namespace

QString StreamLoadOptions::helpText()
{
    return QString::fromUtf8(kHelp);
}

StreamLoadOptions::Outcome StreamLoadOptions::parse(const QStringList &arguments,
                                                    StreamLoadOptions *options, QString *error)
{
    QCommandLineParser parser;
    for (const char *name : {"url", "tokens", "streams", "rate", "duration", "connections",
                             "open-at-once", "server-pid", "restart-timeout", "json"})
        parser.addOption(
            QCommandLineOption(QString::fromLatin1(name), QString(), QStringLiteral("VALUE")));
    parser.addOption(QCommandLineOption(QStringLiteral("restart")));
    parser.addOption(QCommandLineOption(QStringList{QStringLiteral("h"), QStringLiteral("help")}));
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return Outcome::Error;
    }
    if (parser.isSet(QStringLiteral("help")))
        return Outcome::Help;
    if (!parser.positionalArguments().isEmpty()) {
        *error = QStringLiteral("unexpected argument '%1'")
                     .arg(parser.positionalArguments().constFirst());
        return Outcome::Error;
    }
    StreamLoadOptions result;
    const QUrl url(parser.isSet(QStringLiteral("url")) ? parser.value(QStringLiteral("url"))
                                                       : QStringLiteral("http://127.0.0.1:8787"),
                   QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("http") || url.host().isEmpty()
        || url.port() < 0 || !url.userInfo().isEmpty() || url.hasQuery()) {
        *error = QStringLiteral("--url wants http://ADDRESS:PORT");
        return Outcome::Error;
    }
    result.url = url;
    result.tokensPath = parser.value(QStringLiteral("tokens"));
    if (result.tokensPath.isEmpty()) {
        *error = QStringLiteral("--tokens FILE is needed: a token a line, one stream each");
        return Outcome::Error;
    }
    double value = 0;
    const auto isSet = [&parser](const char *name) {
        return parser.isSet(QString::fromLatin1(name));
    };
    if (isSet("streams")) {
        if (!number(parser, "streams", 1, 1000000, &value, error))
            return Outcome::Error;
        result.streams = int(value);
    }
    if (isSet("rate") && !number(parser, "rate", 0, 1000000, &result.updatesPerSecond, error))
        return Outcome::Error;
    if (isSet("duration")
        && !number(parser, "duration", 0.1, 24 * 3600, &result.durationSeconds, error))
        return Outcome::Error;
    if (isSet("connections")) {
        if (!number(parser, "connections", 1, 1024, &value, error))
            return Outcome::Error;
        result.connections = int(value);
    }
    if (isSet("open-at-once")) {
        if (!number(parser, "open-at-once", 1, 1000000, &value, error))
            return Outcome::Error;
        result.openAtOnce = int(value);
    }
    if (isSet("server-pid")) {
        if (!number(parser, "server-pid", 1, 1e9, &value, error))
            return Outcome::Error;
        result.serverPid = qint64(value);
    }
    result.restart = isSet("restart");
    if (isSet("restart-timeout")
        && !number(parser, "restart-timeout", 1, 3600, &result.restartTimeoutSeconds, error))
        return Outcome::Error;
    result.jsonPath = parser.value(QStringLiteral("json"));
    *options = result;
    return Outcome::Run;
}
