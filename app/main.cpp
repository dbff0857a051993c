// playmark: parses the command line and starts PlayerApp. No logic here.
#include "appoptions.h"
#include "playerapp.h"
#include "profileinstance.h"
#include "protocol/signalwatcher.h"

#include <QApplication>
#include <QRegularExpression>

#include <csignal>
#include <cstdio>
#include <optional>

namespace {

void nameTheApplication()
{
    QCoreApplication::setApplicationName(QStringLiteral("playmark"));
    // No application display name: the platform would add it to every window title after the
    // title's own "Playmark", as in "sample.mp4 — Playmark (Phone) — Playmark".
    QCoreApplication::setApplicationVersion(QStringLiteral(PLAYMARK_VERSION));
}

// Qt's options are one dash and a word (-platform, -style); Playmark's are two dashes, or -h/-v.
bool takesQtOptions(const QStringList &arguments)
{
    static const QRegularExpression qtOption(QStringLiteral("^-[A-Za-z]{2,}$"));
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        if (arguments.at(i) == QLatin1String("--"))
            return false;
        if (qtOption.match(arguments.at(i)).hasMatch())
            return true;
    }
    return false;
}

// What main() returns when the arguments are answered instead of run; nothing when they run.
std::optional<int> answer(AppOptions::Outcome outcome, const QString &text)
{
    switch (outcome) {
    case AppOptions::Outcome::Help:
    case AppOptions::Outcome::Version:
        std::printf("%s\n", qPrintable(text));
        return 0;
    case AppOptions::Outcome::Error:
        std::fprintf(stderr, "playmark: %s\nTry 'playmark --help'.\n", qPrintable(text));
        return 2;
    case AppOptions::Outcome::Run:
        break;
    }
    return std::nullopt;
}

// --help, --version and bad arguments are answered before any window system is touched, so
// they work over ssh or in a terminal with no display.
std::optional<int> answerWithoutWindow(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    nameTheApplication();
    AppOptions options;
    QString text;
    const AppOptions::Outcome outcome =
        AppOptions::parse(QCoreApplication::arguments(), &options, &text);
    // Qt's own options (-platform, -style, ...) are taken out only by QApplication: with one of
    // those the arguments are judged again there.
    if (outcome == AppOptions::Outcome::Error && takesQtOptions(QCoreApplication::arguments()))
        return std::nullopt;
    return answer(outcome, text);
}

} // namespace

int main(int argc, char *argv[])
{
    if (const std::optional<int> answered = answerWithoutWindow(argc, argv))
        return *answered;

    QApplication app(argc, argv);
    nameTheApplication();
    QApplication::setDesktopFileName(QStringLiteral("playmark"));

    AppOptions options;
    QString text;
    if (const std::optional<int> answered =
            answer(AppOptions::parse(QApplication::arguments(), &options, &text), text))
        return *answered;

    // One window per profile: a second start hands its file to the window already open.
    ProfileInstance instance(options.profileDir);
    QString handedOver;
    const ProfileInstance::Claim claim =
        instance.claim(options.file, ProfileInstance::kDefaultWaitMs, &handedOver);
    if (claim != ProfileInstance::Claim::Owner) {
        std::fprintf(stderr, "playmark: %s\n", qPrintable(handedOver));
        return claim == ProfileInstance::Claim::HandedOver ? 0 : 1;
    }

    PlayerApp player(options);
    QObject::connect(&instance, &ProfileInstance::activationRequested, &player,
                     &PlayerApp::activate);
    QObject::connect(&player, &PlayerApp::closing, &instance, &ProfileInstance::stopListening);
    QObject::connect(&player, &PlayerApp::exitRequested, &instance,
                     &ProfileInstance::stopListening);
    QObject::connect(&player, &PlayerApp::exitRequested, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    // Ctrl-C or a service manager's stop closes the window as a person would: the last
    // position is saved first.
    SignalWatcher signalWatcher({SIGINT, SIGTERM});
    QObject::connect(&signalWatcher, &SignalWatcher::received, &player, &PlayerApp::closeWindow);
    player.start();
    return QApplication::exec();
}
