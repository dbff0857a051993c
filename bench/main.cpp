// playmark-loadgen: parses the command line, runs a LoadGenerator, prints its LoadReport.
#include "loadgenerator.h"
#include "loadoptions.h"
#include "loadreport.h"
#include "protocol/signalwatcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text), stream);
    std::fflush(stream);
}

double cpuSeconds()
{
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return -1;
    const auto seconds = [](const timeval &t) {
        return double(t.tv_sec) + double(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool writeJson(const QString &path, const QJsonObject &json, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(json).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("playmark-loadgen"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PLAYMARK_VERSION));

    LoadOptions options;
    QString error;
    switch (LoadOptions::parse(QCoreApplication::arguments(),
                               qEnvironmentVariable("PLAYMARK_TOKEN"), &options, &error)) {
    case LoadOptions::Outcome::Help:
        print(stdout, LoadOptions::helpText());
        return 0;
    case LoadOptions::Outcome::Version:
        print(stdout,
              QStringLiteral("playmark-loadgen %1\n").arg(QStringLiteral(PLAYMARK_VERSION)));
        return 0;
    case LoadOptions::Outcome::Error:
        print(stderr,
              QStringLiteral("playmark-loadgen: %1\nTry 'playmark-loadgen --help'.\n").arg(error));
        return kExitUsage;
    case LoadOptions::Outcome::Run:
        break;
    }
    if (!options.jsonPath.isEmpty() && !QFileInfo(options.jsonPath).absoluteDir().exists()) {
        print(
            stderr,
            QStringLiteral("playmark-loadgen: --json %1: no such folder\n").arg(options.jsonPath));
        return kExitUsage;
    }

    print(stderr,
          QStringLiteral("playmark-loadgen: %1 updates/s from %2 devices and %3 reads/s "
                         "to %4 for %5 s (+%6 s warm-up)\n")
              .arg(options.writesPerSecond, 0, 'f', 1)
              .arg(options.devices)
              .arg(options.readsPerSecond, 0, 'f', 1)
              .arg(options.url.toString())
              .arg(options.durationSeconds, 0, 'g', 6)
              .arg(options.warmupSeconds, 0, 'g', 6));

    LoadGenerator generator(options);
    if (!options.readIdsPath.isEmpty()) {
        QList<QByteArray> ids;
        if (!Workload::loadContentIds(options.readIdsPath, &ids, &error)) {
            print(stderr, QStringLiteral("playmark-loadgen: --read-ids %1\n").arg(error));
            return kExitUsage;
        }
        print(stderr,
              QStringLiteral("playmark-loadgen: reads also choose among %1 ids from %2\n")
                  .arg(ids.size())
                  .arg(options.readIdsPath));
        generator.addReadIds(ids);
    }
    if (!options.tokensPath.isEmpty()) {
        QList<QByteArray> tokens;
        if (!LoadOptions::readTokens(options.tokensPath, &tokens, &error)) {
            print(stderr, QStringLiteral("playmark-loadgen: --tokens %1\n").arg(error));
            return kExitUsage;
        }
        print(stderr,
              QStringLiteral("playmark-loadgen: %1 devices send with %2 tokens from %3%4\n")
                  .arg(options.devices)
                  .arg(tokens.size())
                  .arg(options.tokensPath,
                       tokens.size() < options.devices
                           ? QStringLiteral(" (fewer tokens than devices: some share one)")
                           : QString()));
        generator.setDeviceTokens(tokens);
    }
    SignalWatcher watcher({SIGINT, SIGTERM});
    QObject::connect(&watcher, &SignalWatcher::received, &generator, &LoadGenerator::stop);
    QObject::connect(&generator, &LoadGenerator::finished, &app, &QCoreApplication::quit);
    generator.start();
    QCoreApplication::exec();

    if (!generator.failure().isEmpty()) {
        print(stderr, QStringLiteral("playmark-loadgen: %1\n").arg(generator.failure()));
        return kExitFailure;
    }
    LoadReport::Run run;
    run.measuredSeconds = generator.measuredSeconds();
    run.wallSeconds = double(generator.elapsedNs()) / 1e9;
    run.cpuSeconds = cpuSeconds();
    const LoadReport report(options, generator.stats(), run);
    print(stdout, report.text());
    if (!options.jsonPath.isEmpty() && !writeJson(options.jsonPath, report.json(), &error)) {
        print(
            stderr,
            QStringLiteral("playmark-loadgen: cannot write %1: %2\n").arg(options.jsonPath, error));
        return kExitFailure;
    }
    if (generator.stats().writes().ok + generator.stats().reads().ok == 0) {
        print(stderr,
              QStringLiteral("playmark-loadgen: no request succeeded; check --url and "
                             "--token\n"));
        return kExitFailure;
    }
    return 0;
}
