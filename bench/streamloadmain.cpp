// playmark-streamload: parses the command line, runs a StreamLoad, prints what it measured.
#include "epolleventdispatcher.h"
#include "loadoptions.h"
#include "streamload.h"
#include "streamloadoptions.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>
#include <sys/resource.h>

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr rlim_t kSpareFiles = 64; // the PUT connections are counted apart

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text), stream);
    std::fflush(stream);
}

// One open file a stream and a PUT connection: raise the soft limit, up to the hard one.
bool raiseFileLimit(rlim_t needed, QString *error)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return true; // then the connections will say
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        *error = QStringLiteral("%1 streams and connections need %2 open files, the hard limit "
                                "is %3 (ulimit -Hn)")
                     .arg(qulonglong(needed - kSpareFiles))
                     .arg(qulonglong(needed))
                     .arg(qulonglong(limit.rlim_max));
        return false;
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        limit.rlim_cur = needed;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's GLib event dispatcher keeps socket notifiers in a list (each enabled or disabled write
    // notifier a linear search) and hands GLib every descriptor on every pass: at 10,000 streams
    // this tool spent its time there, not reading events (measured with gdb). Qt's own Unix one
    // polls every descriptor on every pass. The server's epoll dispatcher costs what is ready
    // (PLAYMARK_EVENT_LOOP=qt: Qt's Unix one, or GLib's unless QT_NO_GLIB says otherwise).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QString dispatcherError;
    if (EpollEventDispatcher *dispatcher = EpollEventDispatcher::create(&dispatcherError))
        QCoreApplication::setEventDispatcher(dispatcher);
    else if (!dispatcherError.isEmpty())
        std::fprintf(stderr, "playmark-streamload: Qt's event loop instead of epoll: %s\n",
                     qPrintable(dispatcherError));
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("playmark-streamload"));

    StreamLoadOptions options;
    QString error;
    switch (StreamLoadOptions::parse(QCoreApplication::arguments(), &options, &error)) {
    case StreamLoadOptions::Outcome::Help:
        print(stdout, StreamLoadOptions::helpText());
        return 0;
    case StreamLoadOptions::Outcome::Error:
        print(stderr,
              QStringLiteral("playmark-streamload: %1\nTry 'playmark-streamload "
                             "--help'.\n")
                  .arg(error));
        return kExitUsage;
    case StreamLoadOptions::Outcome::Run:
        break;
    }
    QList<QByteArray> tokens;
    if (!LoadOptions::readTokens(options.tokensPath, &tokens, &error)) {
        print(stderr, QStringLiteral("playmark-streamload: --tokens %1\n").arg(error));
        return kExitUsage;
    }
    const qsizetype streams =
        options.streams > 0 ? std::min<qsizetype>(options.streams, tokens.size()) : tokens.size();
    if (!raiseFileLimit(rlim_t(streams + options.connections) + kSpareFiles, &error)) {
        print(stderr, QStringLiteral("playmark-streamload: %1\n").arg(error));
        return kExitUsage;
    }

    StreamLoad load(options, tokens);
    QObject::connect(&load, &StreamLoad::waitingForRestart, &load, [] {
        print(stderr, QStringLiteral("playmark-streamload: waiting for the server to restart\n"));
    });
    QObject::connect(&load, &StreamLoad::measuring, &load, [](int open) {
        print(stderr,
              QStringLiteral("playmark-streamload: %1 streams open; measuring\n").arg(open));
    });
    QObject::connect(&load, &StreamLoad::finished, &app, &QCoreApplication::quit);
    print(stderr,
          QStringLiteral("playmark-streamload: opening %1 streams at %2\n")
              .arg(streams)
              .arg(options.url.toString()));
    load.start();
    QCoreApplication::exec();

    if (!load.failure().isEmpty()) {
        print(stderr, QStringLiteral("playmark-streamload: %1\n").arg(load.failure()));
        return kExitFailure;
    }
    print(stdout, load.text());
    if (!options.jsonPath.isEmpty()) {
        QSaveFile file(options.jsonPath);
        if (!file.open(QIODevice::WriteOnly)
            || file.write(QJsonDocument(load.json()).toJson(QJsonDocument::Indented)) < 0
            || !file.commit()) {
            print(stderr,
                  QStringLiteral("playmark-streamload: cannot write %1: %2\n")
                      .arg(options.jsonPath, file.errorString()));
            return kExitFailure;
        }
    }
    return 0;
}
