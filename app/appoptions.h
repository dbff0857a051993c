#pragma once

#include "serverlist/serverlist.h"

#include <QRect>
#include <QString>
#include <QStringList>

#include <optional>

// The player's command line (docs/protocol.md, `playmark`).
struct AppOptions
{
    QString file;
    QString profileDir;
    // --server: one URL, or several separated by commas, tried in that order.
    std::optional<ServerList> servers;
    std::optional<QString> token;
    // --ca-cert / PLAYMARK_CA_CERT: an absolute path to a readable PEM file ("": trust no extra).
    std::optional<QString> caCertificate;
    std::optional<QString> deviceName;
    int quitAfterSeconds = -1; // < 0: stay open
    int reportIntervalSeconds = 5;
    bool reportIntervalSet = false; // given on the command line: overrides the profile's setting
    bool fromStart = false;
    bool paused = false;
    bool events = false;
    // --pair: get a token by pairing with a code at start (needs a server, excludes --token).
    bool pair = false;
    // --window-geometry WxH+X+Y: where the window goes (over the one saved in the profile), so a
    // script can place windows side by side whatever the window manager would choose.
    std::optional<QRect> windowGeometry;

    enum class Outcome { Run, Help, Version, Error };
    // `arguments` includes the program name. On Help/Version, *text holds what to print; on
    // Error, the message.
    static Outcome parse(const QStringList &arguments, AppOptions *options, QString *text);
};
