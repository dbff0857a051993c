#include "appoptions.h"

#include "client/clientprofile.h"
#include "client/tlstrust.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QRegularExpression>

namespace {

bool parsePositive(const QString &text, int *value)
{
    bool ok = false;
    const int number = text.toInt(&ok);
    if (!ok || number <= 0)
        return false;
    *value = number;
    return true;
}

// "WxH+X+Y", as X11's -geometry writes it, with a size of at least 1x1.
std::optional<QRect> parseGeometry(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d{1,5})x(\\d{1,5})\\+(\\d{1,5})\\+(\\d{1,5})$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return std::nullopt;
    const QRect rect(match.captured(3).toInt(), match.captured(4).toInt(),
                     match.captured(1).toInt(), match.captured(2).toInt());
    if (rect.isEmpty())
        return std::nullopt;
    return rect;
}

} // namespace

AppOptions::Outcome AppOptions::parse(const QStringList &arguments, AppOptions *options,
                                      QString *text)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Plays your own video files and resumes them on any of your devices at the same second."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("server"),
         QStringLiteral("Sync server URL, such as http://127.0.0.1:8787, or several separated by "
                        "commas (http://a:8787,http://b:8787): the first that answers is used, and "
                        "the next when it fails (saved in the profile)."),
         QStringLiteral("URL[,URL...]")},
        {QStringLiteral("token"),
         QStringLiteral("Access token from 'playmark-server user add' (env PLAYMARK_TOKEN; saved "
                        "in the desktop's keyring, or in the profile where there is none). "
                        "--pair gets one without typing it."),
         QStringLiteral("TOKEN")},
        {QStringLiteral("pair"),
         QStringLiteral("Connect this device to your account with a code instead of a token: "
                        "shows a 6-digit code (with --events, prints it), to approve on a "
                        "connected player (Settings > Devices > Add a Device) or on the server "
                        "('playmark-server user approve NAME CODE'). Needs --server. Once "
                        "approved, the token is kept (in the desktop's keyring, or in the "
                        "profile where there is none) and FILE opens; a token kept before is "
                        "not used meanwhile.")},
        {QStringLiteral("ca-cert"),
         QStringLiteral("Also trust the certificates in this PEM file for an https server, such "
                        "as a self-signed server's own (env PLAYMARK_CA_CERT; saved in the "
                        "profile; '' forgets it)."),
         QStringLiteral("PEM")},
        {QStringLiteral("device"),
         QStringLiteral("This device's name, shown on your other devices (saved in the profile)."),
         QStringLiteral("NAME")},
        {QStringLiteral("profile"),
         QStringLiteral("Folder with all local state: local copy, outbox, settings, device id "
                        "(default %1). Two profiles are two devices. One window per profile: "
                        "while it is open, another start with the same profile sends FILE to it "
                        "(or only brings it to the front) and exits 0; its other options are not "
                        "used.")
             .arg(ClientProfile::defaultFolder()),
         QStringLiteral("DIR")},
        {QStringLiteral("quit-after"),
         QStringLiteral("Once playback has started, play that long, then close as a person would."),
         QStringLiteral("SECONDS")},
        {QStringLiteral("from-start"),
         QStringLiteral("Ignore the saved position and play from the beginning.")},
        {QStringLiteral("paused"),
         QStringLiteral(
             "Open the file at its resume point, paused; play jumps to a newer place another "
             "device reported meanwhile.")},
        {QStringLiteral("report-interval"),
         QStringLiteral("Seconds between position reports while playing (default 5)."),
         QStringLiteral("SECONDS")},
        {QStringLiteral("events"),
         QStringLiteral("Print one JSON object a line on stdout: resumed, reported, remote, "
                        "seeked, notice, quit; with --pair also pairing (the code) and paired.")},
        {QStringLiteral("window-geometry"),
         QStringLiteral("Put the window there, such as 960x540+0+0 (width x height + left + top, "
                        "in pixels), instead of where it was last."),
         QStringLiteral("WxH+X+Y")},
    });
    parser.addPositionalArgument(
        QStringLiteral("FILE"),
        QStringLiteral("The video to play; without it, the window opens empty."),
        QStringLiteral("[FILE]"));

    if (!parser.parse(arguments)) {
        *text = parser.errorText();
        return Outcome::Error;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        *text = parser.helpText();
        return Outcome::Help;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        *text = QStringLiteral("playmark ") + QStringLiteral(PLAYMARK_VERSION);
        return Outcome::Version;
    }

    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        *text = QStringLiteral("one FILE at most (got %1)").arg(files.size());
        return Outcome::Error;
    }
    if (!files.isEmpty()) {
        const QFileInfo info(files.constFirst());
        if (!info.exists()) {
            *text = QStringLiteral("no such file: %1").arg(files.constFirst());
            return Outcome::Error;
        }
        options->file = info.absoluteFilePath();
    }

    options->profileDir = parser.isSet(QStringLiteral("profile"))
        ? parser.value(QStringLiteral("profile"))
        : ClientProfile::defaultFolder();
    if (parser.isSet(QStringLiteral("server"))) {
        QString error;
        const auto servers = ServerList::parse(parser.value(QStringLiteral("server")), &error);
        if (!servers || servers->isEmpty()) {
            *text = QStringLiteral("--server wants an http:// or https:// URL, such as "
                                   "http://127.0.0.1:8787, or several separated by commas: %1")
                        .arg(servers ? QStringLiteral("got nothing") : error);
            return Outcome::Error;
        }
        options->servers = *servers;
    }
    if (parser.isSet(QStringLiteral("token")))
        options->token = parser.value(QStringLiteral("token"));
    else if (qEnvironmentVariableIsSet("PLAYMARK_TOKEN"))
        options->token = qEnvironmentVariable("PLAYMARK_TOKEN");
    const QString caCertificate = parser.isSet(QStringLiteral("ca-cert"))
        ? parser.value(QStringLiteral("ca-cert"))
        : qEnvironmentVariable("PLAYMARK_CA_CERT");
    if (parser.isSet(QStringLiteral("ca-cert")) || !caCertificate.isEmpty()) {
        QList<QSslCertificate> certificates;
        QString error;
        if (!caCertificate.isEmpty()
            && !TlsTrust::loadCertificates(caCertificate, &certificates, &error)) {
            *text = QStringLiteral("--ca-cert wants a PEM certificate file: ") + error;
            return Outcome::Error;
        }
        options->caCertificate =
            caCertificate.isEmpty() ? QString() : QFileInfo(caCertificate).absoluteFilePath();
    }
    if (parser.isSet(QStringLiteral("device"))) {
        const QString name = parser.value(QStringLiteral("device")).trimmed();
        if (name.isEmpty() || name.toUcs4().size() > 64) {
            *text = QStringLiteral("--device wants a name of 1 to 64 characters");
            return Outcome::Error;
        }
        options->deviceName = name;
    }
    if (parser.isSet(QStringLiteral("quit-after"))
        && !parsePositive(parser.value(QStringLiteral("quit-after")), &options->quitAfterSeconds)) {
        *text = QStringLiteral("--quit-after wants a whole number of seconds > 0");
        return Outcome::Error;
    }
    if (parser.isSet(QStringLiteral("report-interval"))
        && !parsePositive(parser.value(QStringLiteral("report-interval")),
                          &options->reportIntervalSeconds)) {
        *text = QStringLiteral("--report-interval wants a whole number of seconds > 0");
        return Outcome::Error;
    }
    if (parser.isSet(QStringLiteral("window-geometry"))) {
        options->windowGeometry = parseGeometry(parser.value(QStringLiteral("window-geometry")));
        if (!options->windowGeometry) {
            *text = QStringLiteral("--window-geometry wants WIDTHxHEIGHT+LEFT+TOP, such as "
                                   "960x540+0+0");
            return Outcome::Error;
        }
    }
    options->pair = parser.isSet(QStringLiteral("pair"));
    if (options->pair && !options->servers) {
        *text = QStringLiteral("--pair needs --server: the server to pair with");
        return Outcome::Error;
    }
    if (options->pair && parser.isSet(QStringLiteral("token"))) {
        *text = QStringLiteral("--pair gets a token: give it no --token");
        return Outcome::Error;
    }
    if (options->pair)
        options->token.reset(); // PLAYMARK_TOKEN: pairing gets another
    options->reportIntervalSet = parser.isSet(QStringLiteral("report-interval"));
    options->fromStart = parser.isSet(QStringLiteral("from-start"));
    options->paused = parser.isSet(QStringLiteral("paused"));
    options->events = parser.isSet(QStringLiteral("events"));
    return Outcome::Run;
}
