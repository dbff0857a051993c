// playmark: parses the command line and starts PlayerApp. No logic here.
#include "appoptions.h"
#include "playerapp.h"
#include "profileinstance.h"
#include "protocol/signalwatcher.h"

#include <QApplication>

#include <csignal>
#include <cstdio>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("playmark"));
    // No application display name: the platform would add it to every window title after the
    // title's own "Playmark", as in "sample.mp4 — Playmark (Phone) — Playmark".
    QApplication::setApplicationVersion(QStringLiteral(PLAYMARK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("playmark"));

    AppOptions options;
    QString text;
    switch (AppOptions::parse(QApplication::arguments(), &options, &text)) {
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
