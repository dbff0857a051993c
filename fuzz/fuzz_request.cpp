// libFuzzer harness: the request handling path (server/: connection guard, Qt's HTTP parser,
// HttpFrontend, ProgressApi). One SyncServer runs in-process on 127.0.0.1 for the whole run;
// each input is sent on a new loopback connection (raw, or as fields made into a well-formed
// request with a valid token: see httpprobe.h) while the event loop runs both sides. Every
// answer must be well-formed, a well-formed request must be answered, and the server must keep
// answering /healthz without piling up connections; anything else aborts, which libFuzzer
// reports as a crash.
#include "httpprobe.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// Fields inputs wait this long for their answer; raw ones stop once the connection is quiet.
constexpr int kAnswerDeadlineMs = 5000;
constexpr int kRawQuietMs = 3;
constexpr int kRawDeadlineMs = 100;
// How often the server is checked on, in inputs.
constexpr quint64 kCheckEvery = 500;
constexpr double kMaxLingeringConnections = 16;

struct Harness
{
    SyncServer *server = nullptr;
    QByteArray token;
    quint16 port = 0;
    quint64 inputs = 0;
    bool verbose = false; // PLAYMARK_FUZZ_VERBOSE=1: each request and what came back
};
Harness harness;

QByteArray printable(const QByteArray &request)
{
    return request.left(2000).toPercentEncoding(" :/?=&{}\",[]@~");
}

[[noreturn]] void fail(const QString &what, const QByteArray &request = QByteArray())
{
    std::fprintf(stderr, "fuzz_request: %s\n", qUtf8Printable(what));
    if (!request.isNull())
        std::fprintf(stderr, "fuzz_request: the request sent was: %s\n",
                     printable(request).constData());
    std::abort();
}

void checkServer()
{
    if (const QString why = HttpProbe::checkAlive(harness.port); !why.isEmpty())
        fail(QStringLiteral("the server stopped answering: ") + why);
    // Every connection the inputs opened has been hung up: the server must let them go.
    double open = -1;
    for (int attempt = 0; attempt < 50; ++attempt) {
        open = HttpProbe::metric(harness.port, "playmark_open_connections");
        if (open >= 0 && open <= kMaxLingeringConnections)
            return;
        QEventLoop wait;
        QTimer::singleShot(10, &wait, &QEventLoop::quit);
        wait.exec();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    fail(QStringLiteral("%1 connections still open after the clients hung up").arg(open));
}

} // namespace

// The server is never destroyed and answers still owed at exit (a failed authentication's 401
// is held back for seconds) are left behind by design: no leak check, at exit or per input.
extern "C" const char *__asan_default_options()
{
    return "detect_leaks=0";
}

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // Refusals are logged one a line: at thousands of inputs a second that is only noise.
    QLoggingCategory::setFilterRules(QStringLiteral("playmark.*.info=false\n"
                                                    "playmark.*.debug=false"));
    // Never destroyed: the process ends with the fuzzing run, and static destruction of a
    // running server would only add ways to fail that have nothing to do with the inputs.
    new QCoreApplication(*argc, *argv);
    harness.verbose = qEnvironmentVariableIntValue("PLAYMARK_FUZZ_VERBOSE") == 1;
    QStandardPaths::setTestModeEnabled(true);
    // scripts/fuzz points TMPDIR at tmpfs when there is one, so that inputs that write still
    // take a few ms, and removes it even when a crash leaves this folder behind.
    const QString base = QDir::tempPath() + QStringLiteral("/playmark-fuzz-XXXXXX");
    static QTemporaryDir dir(base);
    if (!dir.isValid())
        fail(QStringLiteral("cannot make a temporary folder"));

    ServerOptions options;
    options.databasePath = dir.filePath(QStringLiteral("server.sqlite"));
    options.address = QHostAddress(QHostAddress::LocalHost);
    options.port = 0;
    options.rateLimit = 0; // every input uses the same token
    harness.server = new SyncServer;
    QString error;
    if (!harness.server->start(options, &error))
        fail(QStringLiteral("the server does not start: ") + error);
    harness.port = harness.server->port();
    QString token;
    if (!harness.server->storage().users().addUser(QStringLiteral("fuzz"), &token, &error))
        fail(QStringLiteral("cannot add a user: ") + error);
    harness.token = token.toUtf8();

    if (const QString why = HttpProbe::storeSampleRecords(harness.port, harness.token);
        !why.isEmpty())
        fail(why);
    checkServer();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    HttpProbe::Limits limits;
    const QByteArray request = HttpProbe::requestFor(input, harness.token, &limits);
    if (limits.expectedAnswers > 0) {
        limits.deadlineMs = kAnswerDeadlineMs;
    } else {
        limits.quietMs = kRawQuietMs;
        limits.deadlineMs = kRawDeadlineMs;
    }
    const HttpProbe::Outcome outcome = HttpProbe::exchange(harness.port, request, limits);

    if (harness.verbose) {
        QByteArray statuses;
        for (const HttpProbe::Response &response : outcome.responses)
            statuses += QByteArray::number(response.status) + (response.stream ? "(stream) " : " ");
        std::fprintf(stderr, "fuzz_request: %s-> %s%s\n", printable(request).constData(),
                     statuses.constData(), outcome.closedByServer ? "closed" : "");
    }
    if (const QString why = HttpProbe::verdict(request, limits, outcome); !why.isEmpty())
        fail(why, request);
    if (++harness.inputs % kCheckEvery == 0)
        checkServer();
    return 0;
}
