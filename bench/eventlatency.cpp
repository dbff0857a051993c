// playmark-eventlatency: parses the command line, runs an EventProbe, prints its results.
#include "eventprobe.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <cstdio>

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const char *const kDescription = R"(
How long an update takes to reach another device: opens GET /v1/events as one device, PUTs
--count updates of one video, one every --interval-ms, on another connection, and prints the
percentiles of PUT-written-to-event-read, next to those of PUT-written-to-answer-read (the
baseline: an event cannot come sooner than the update is committed). Loopback or LAN, http only.

With --stream-url the event stream is held on another server than the one the PUTs go to: two
servers on one PostgreSQL database, where the event travels through the database's NOTIFY.

Exit status: 0 when every PUT was answered 2xx and its event arrived, 1 otherwise, 2 on bad
arguments.)";

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text), stream);
    std::fflush(stream);
}

int usageError(const QString &message)
{
    print(stderr,
          QStringLiteral("playmark-eventlatency: %1\nTry 'playmark-eventlatency --help'.\n")
              .arg(message));
    return kExitUsage;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("playmark-eventlatency"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(kDescription));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("url"),
                      QStringLiteral("The server (default http://127.0.0.1:8787)."),
                      QStringLiteral("URL"), QStringLiteral("http://127.0.0.1:8787")});
    parser.addOption({QStringLiteral("stream-url"),
                      QStringLiteral("The server that holds the event stream (default: --url)."),
                      QStringLiteral("URL")});
    parser.addOption({QStringLiteral("token"),
                      QStringLiteral("Bearer token (default: env PLAYMARK_TOKEN)."),
                      QStringLiteral("TOKEN")});
    parser.addOption({QStringLiteral("count"), QStringLiteral("PUTs to make (default 500)."),
                      QStringLiteral("N"), QStringLiteral("500")});
    parser.addOption({QStringLiteral("interval-ms"),
                      QStringLiteral("Milliseconds between PUTs (default 10)."),
                      QStringLiteral("MS"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("content-id"),
                      QStringLiteral("The video the PUTs are about (default bench-eventlatency)."),
                      QStringLiteral("ID"), QStringLiteral("bench-eventlatency")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Also write the results as JSON."),
                      QStringLiteral("FILE")});
    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        print(stdout, parser.helpText());
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument '%1'")
                              .arg(parser.positionalArguments().constFirst()));

    EventProbe::Options options;
    options.url = QUrl(parser.value(QStringLiteral("url")), QUrl::StrictMode);
    if (!options.url.isValid() || options.url.scheme() != QLatin1String("http")
        || options.url.port() < 0)
        return usageError(QStringLiteral("--url wants http://ADDRESS:PORT"));
    if (parser.isSet(QStringLiteral("stream-url"))) {
        options.streamUrl = QUrl(parser.value(QStringLiteral("stream-url")), QUrl::StrictMode);
        if (!options.streamUrl.isValid() || options.streamUrl.scheme() != QLatin1String("http")
            || options.streamUrl.port() < 0)
            return usageError(QStringLiteral("--stream-url wants http://ADDRESS:PORT"));
    }
    options.token = parser.isSet(QStringLiteral("token")) ? parser.value(QStringLiteral("token"))
                                                          : qEnvironmentVariable("PLAYMARK_TOKEN");
    if (options.token.isEmpty())
        return usageError(QStringLiteral("no token: give --token TOKEN or set PLAYMARK_TOKEN"));
    bool ok = false;
    options.count = parser.value(QStringLiteral("count")).toInt(&ok);
    if (!ok || options.count < 1 || options.count > 1000000)
        return usageError(QStringLiteral("--count wants a whole number from 1 to 1000000"));
    options.intervalMs = parser.value(QStringLiteral("interval-ms")).toInt(&ok);
    if (!ok || options.intervalMs < 0 || options.intervalMs > 60000)
        return usageError(QStringLiteral("--interval-ms wants milliseconds from 0 to 60000"));
    options.contentId = parser.value(QStringLiteral("content-id")).toLatin1();
    static const QRegularExpression idPattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9._:-]{1,128}")));
    if (!idPattern.match(QString::fromLatin1(options.contentId)).hasMatch())
        return usageError(QStringLiteral("--content-id wants 1 to 128 of A-Z a-z 0-9 . _ : -"));

    EventProbe probe(options);
    QObject::connect(&probe, &EventProbe::finished, &app, &QCoreApplication::quit);
    probe.start();
    QCoreApplication::exec();

    if (!probe.failure().isEmpty()) {
        print(stderr, QStringLiteral("playmark-eventlatency: %1\n").arg(probe.failure()));
        return kExitFailure;
    }
    print(stdout, probe.text());
    if (parser.isSet(QStringLiteral("json"))) {
        QSaveFile file(parser.value(QStringLiteral("json")));
        if (!file.open(QIODevice::WriteOnly)
            || file.write(QJsonDocument(probe.json()).toJson(QJsonDocument::Indented)) < 0
            || !file.commit()) {
            print(stderr,
                  QStringLiteral("playmark-eventlatency: cannot write %1: %2\n")
                      .arg(file.fileName(), file.errorString()));
            return kExitFailure;
        }
    }
    const bool complete = probe.putErrors() == 0 && probe.eventsReceived() == options.count;
    return complete ? 0 : kExitFailure;
}
