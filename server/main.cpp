// playmark-server: parses the command line and wires SyncServer / ServerStorage. No logic here.
#include "clientaddress.h"
#include "databaselocation.h"
#include "filelimit.h"
#include "protocol/signalwatcher.h"
#include "serverdefaults.h"
#include "serverstorage.h"
#include "syncserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QLoggingCategory>
#include <QStandardPaths>

#include <csignal>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <cstdio>

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const char *const kUsage = R"(Usage:
  playmark-server serve [--listen HOST:PORT] [--db PATH|URL] [--log-level LEVEL]
                        [--tls-cert PEM --tls-key PEM] [--pairing-ttl SECONDS]
                        [--trusted-proxy ADDR[,ADDR...]] [--http-threads N]
  playmark-server user add NAME [NAME...] [--db PATH|URL]
                                                     create users (all or none, in one
                                                     transaction); prints each one's first
                                                     token, one a line in the order given
  playmark-server user token NAME [--db PATH|URL]    issue another token (a new device)
  playmark-server user approve NAME CODE             connect the device showing CODE to NAME
  playmark-server user devices NAME                  list NAME's devices
  playmark-server user remove-device NAME ID         remove one device: its token stops working
  playmark-server user revoke NAME [--db PATH|URL]   remove every device of a user
  playmark-server user list [--db PATH|URL]          list users

A new device is connected with a code: it shows 6 digits, and a connected player
(Settings > Devices > Add a Device) or 'user approve' approves them.

The latest playback position per user and video, shared between devices over HTTP
(or HTTPS, with --tls-cert and --tls-key). The data lives in a SQLite file, or in
PostgreSQL (--db postgresql://USER@HOST:PORT/DATABASE), where several servers can
serve one database side by side: each hears the others' changes (LISTEN/NOTIFY).
A replicated cluster (Patroni) is named by all its hosts,
--db postgresql://USER@HOST1:PORT1,HOST2:PORT2/DATABASE: the servers use the one that
takes writes and find the new one after a failover by themselves.
)";

void printLine(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text + u'\n'), stream);
    std::fflush(stream);
}

int usageError(const QString &message)
{
    printLine(stderr, QStringLiteral("playmark-server: ") + message);
    printLine(stderr, QStringLiteral("Try 'playmark-server --help'."));
    return kExitUsage;
}

QString defaultListen()
{
    return QStringLiteral("127.0.0.1:%1").arg(ServerDefaults::kPort);
}

QString defaultDatabase()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + QStringLiteral("/playmark.sqlite");
}

bool parseListen(const QString &text, QHostAddress *address, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return false;
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint number = text.mid(colon + 1).toUInt(&ok);
    if (!ok || number > 65535)
        return false;
    *port = quint16(number);
    if (host == QLatin1String("localhost"))
        *address = QHostAddress(QHostAddress::LocalHost);
    else if (!address->setAddress(host))
        return false;
    return true;
}

bool applyLogLevel(const QString &level)
{
    static const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"),
                                    QStringLiteral("warning"), QStringLiteral("error")};
    const qsizetype index = levels.indexOf(level);
    if (index < 0)
        return false;
    QString rules = QStringLiteral("*.debug=false\nplaymark.*.debug=%1\nplaymark.*.info=%2\n"
                                   "playmark.*.warning=%3\n")
                        .arg(index <= 0 ? QLatin1String("true") : QLatin1String("false"),
                             index <= 1 ? QLatin1String("true") : QLatin1String("false"),
                             index <= 2 ? QLatin1String("true") : QLatin1String("false"));
    QLoggingCategory::setFilterRules(rules);
    return true;
}

int serve(const QCommandLineParser &parser, const QString &database)
{
    ServerOptions options;
    options.databasePath = database;
    const QString listen = parser.isSet(QStringLiteral("listen"))
        ? parser.value(QStringLiteral("listen"))
        : qEnvironmentVariable("PLAYMARK_LISTEN", defaultListen());
    if (!parseListen(listen, &options.address, &options.port))
        return usageError(QStringLiteral("--listen wants HOST:PORT, such as %1 (got '%2')")
                              .arg(defaultListen(), listen));

    bool ok = false;
    options.cacheRecords = parser.value(QStringLiteral("cache-records")).toLongLong(&ok);
    if (!ok || options.cacheRecords < 1)
        return usageError(QStringLiteral("--cache-records wants a whole number >= 1"));
    options.groupCommit = !parser.isSet(QStringLiteral("commit-per-update"));
    // Every limit is a whole number within a sane range, or the command line is wrong.
    const auto number = [&parser](const char *name, qint64 low, qint64 high, qint64 *value) {
        bool valid = false;
        *value = parser.value(QString::fromLatin1(name)).toLongLong(&valid);
        return valid && *value >= low && *value <= high;
    };
    qint64 value = 0;
    if (!number("max-body-bytes", 1024, qint64(1) << 30, &value))
        return usageError(
            QStringLiteral("--max-body-bytes wants a number of bytes from 1024 to 1 GiB"));
    options.maxBodyBytes = value;
    if (!number("max-header-bytes", 1024, 1 << 20, &value))
        return usageError(
            QStringLiteral("--max-header-bytes wants a number of bytes from 1024 to 1 MiB"));
    options.maxHeaderBytes = value;
    if (!number("idle-timeout", 1, 3600, &value))
        return usageError(QStringLiteral("--idle-timeout wants seconds from 1 to 3600"));
    options.idleTimeoutMs = int(value * 1000);
    if (!number("max-connections", 1, 1000000, &value))
        return usageError(QStringLiteral("--max-connections wants a number from 1 to 1000000"));
    options.maxConnections = int(value);
    {
        // Every connection is an open file: refuse now, clearly, rather than fail accept() later.
        // Only a number the person chose is refused: the default shrinks to what the hard limit
        // holds (1024 on some systems), so that `playmark-server serve` alone always starts.
        QString limitError;
        if (!FileLimit::ensure(FileLimit::neededFor(options.maxConnections), &limitError)) {
            const qint64 fits = FileLimit::connectionsWithinHardLimit();
            if (parser.isSet(QStringLiteral("max-connections")) || fits < 1
                || !FileLimit::ensure(FileLimit::neededFor(fits), &limitError)) {
                printLine(stderr, QStringLiteral("playmark-server: ") + limitError);
                return kExitUsage;
            }
            printLine(stderr,
                      QStringLiteral("playmark-server: the open-file hard limit has room for %1 "
                                     "connections: serving at most %1 instead of the default %2 "
                                     "(raise LimitNOFILE or 'ulimit -Hn', or give "
                                     "--max-connections)")
                          .arg(fits)
                          .arg(options.maxConnections));
            options.maxConnections = int(fits);
        }
    }
    if (!number("rate-limit", 0, 1000000, &value))
        return usageError(QStringLiteral("--rate-limit wants requests a second from 0 (none) up"));
    options.rateLimit = double(value);
    if (!number("rate-burst", 1, 1000000, &value))
        return usageError(QStringLiteral("--rate-burst wants a number from 1 up"));
    options.rateBurst = double(value);
    // 0 (the default): one per core, at most kMaxHttpThreads (SyncServer::start), so that the
    // default starts on a machine with more cores than that.
    if (!number("http-threads", 0, ServerDefaults::kMaxHttpThreads, &value))
        return usageError(QStringLiteral("--http-threads wants a number from 1 to %1, or 0 for "
                                         "one per core")
                              .arg(ServerDefaults::kMaxHttpThreads));
    options.httpThreads = int(value);
    // Both or neither; whether the files can be read and fit is start()'s to say (exit 1).
    const auto fileOption = [&parser](const QString &name, const char *variable) {
        return parser.isSet(name) ? parser.value(name) : qEnvironmentVariable(variable);
    };
    // At least a minute: a person needs that to read and type the code, and expired rows (kept
    // for their 410) then come at most kMaxPending a minute (PairingStore also caps all rows).
    if (!number("pairing-ttl", 60, 24 * 60 * 60, &value))
        return usageError(QStringLiteral("--pairing-ttl wants seconds from 60 to 86400"));
    options.pairingTtlMs = value * 1000;
    options.trustedProxies =
        fileOption(QStringLiteral("trusted-proxy"), "PLAYMARK_TRUSTED_PROXIES");
    {
        QString proxyError;
        if (!ClientAddress().setTrustedProxies(options.trustedProxies, &proxyError))
            return usageError(QStringLiteral("--trusted-proxy wants ADDR[,ADDR...] (addresses or "
                                             "subnets): ")
                              + proxyError);
    }
    options.tlsCertificatePath = fileOption(QStringLiteral("tls-cert"), "PLAYMARK_TLS_CERT");
    options.tlsKeyPath = fileOption(QStringLiteral("tls-key"), "PLAYMARK_TLS_KEY");
    if (options.tlsCertificatePath.isEmpty() != options.tlsKeyPath.isEmpty())
        return usageError(QStringLiteral("HTTPS wants both --tls-cert PEM and --tls-key PEM "
                                         "(or PLAYMARK_TLS_CERT and PLAYMARK_TLS_KEY)"));

    SyncServer server;
    QString error;
    if (!server.start(options, &error)) {
        printLine(stderr, QStringLiteral("playmark-server: ") + error);
        return kExitFailure;
    }
    printLine(stderr, QStringLiteral("listening on ") + server.url());

    SignalWatcher watcher({SIGINT, SIGTERM});
    QObject::connect(&watcher, &SignalWatcher::received, qApp, [](int signalNumber) {
        qInfo("signal %d: shutting down", signalNumber);
        QCoreApplication::quit();
    });
    const int code = QCoreApplication::exec();
    server.stop();
    return code;
}

// `user devices`: one line a device, the columns of kDeviceColumns.
void printDevices(const QList<DeviceSummary> &devices)
{
    const auto row = [](const QStringList &cells) {
        return QStringLiteral("%1 %2 %3 %4 %5 %6")
            .arg(cells.at(0), -18)
            .arg(cells.at(1), -24)
            .arg(cells.at(2), -24)
            .arg(cells.at(3), -20)
            .arg(cells.at(4), -20)
            .arg(cells.at(5));
    };
    const auto time = [](qint64 ms) {
        return QDateTime::fromMSecsSinceEpoch(ms).toString(Qt::ISODate);
    };
    const auto orDash = [](const QString &text) {
        return text.isEmpty() ? QStringLiteral("-") : text;
    };
    printLine(stdout,
              row({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("DEVICE_ID"),
                   QStringLiteral("CREATED"), QStringLiteral("LAST-SEEN"),
                   QStringLiteral("LAST-VIDEO")}));
    for (const DeviceSummary &device : devices)
        printLine(
            stdout,
            row({device.id, orDash(device.deviceName), orDash(device.deviceId),
                 time(device.createdAtMs), time(device.lastSeenMs), orDash(device.lastContentId)}));
}

int userCommand(const QStringList &args, const QString &database)
{
    const QString verb = args.value(1);
    // Each verb and the arguments it wants after NAME.
    const QList<std::pair<QString, QStringList>> verbs{
        {QStringLiteral("add"), {}},
        {QStringLiteral("token"), {}},
        {QStringLiteral("approve"), {QStringLiteral("CODE")}},
        {QStringLiteral("devices"), {}},
        {QStringLiteral("remove-device"), {QStringLiteral("ID")}},
        {QStringLiteral("revoke"), {}},
        {QStringLiteral("list"), {}},
    };
    QStringList names;
    for (const auto &known : verbs)
        names << known.first;
    const QString choices = names.mid(0, names.size() - 1).join(QStringLiteral(", "))
        + QStringLiteral(" or ") + names.constLast();
    if (verb.isEmpty())
        return usageError(QStringLiteral("'user' wants one of %1").arg(choices));
    const qsizetype index = names.indexOf(verb);
    if (index < 0)
        return usageError(QStringLiteral("unknown user command '%1'; use %2").arg(verb, choices));
    const bool wantsName = verb != QLatin1String("list");
    const QStringList extra = verbs.at(index).second;
    // `user add` takes one name or many (bench/run makes 10,000 users in one go).
    const bool manyNames = verb == QLatin1String("add");
    if (manyNames && args.size() < 3)
        return usageError(QStringLiteral("'user add' wants one NAME or more"));
    if (wantsName && !manyNames && args.size() != 3 + extra.size())
        return usageError(QStringLiteral("'user %1' wants exactly %2")
                              .arg(verb,
                                   (QStringList{QStringLiteral("one NAME")} + extra)
                                       .join(QStringLiteral(" and "))));
    if (!wantsName && args.size() != 2)
        return usageError(QStringLiteral("'user list' takes no NAME"));
    const QString name = args.value(2);
    const QStringList newNames = manyNames ? args.mid(2) : QStringList();
    for (const QString &each : manyNames ? newNames : QStringList{name}) {
        if (wantsName && !UserStore::isValidUserName(each))
            return usageError(
                QStringLiteral("a user name is 1 to 64 of the characters A-Z a-z 0-9 . _ @ -"));
    }
    const QString code = PairingStore::normalizedCode(args.value(3));
    if (verb == QLatin1String("approve") && !PairingStore::isWellFormedCode(code))
        return usageError(QStringLiteral("CODE is the 6 digits the new device shows (got '%1')")
                              .arg(args.value(3)));
    if (verb == QLatin1String("remove-device") && !UserStore::isValidDeviceKey(args.value(3)))
        return usageError(QStringLiteral("ID is a device's id as 'user devices %1' shows it "
                                         "(got '%2')")
                              .arg(name, args.value(3)));

    ServerStorage storage;
    QString error;
    if (!storage.open(database, &error)) {
        printLine(stderr, QStringLiteral("playmark-server: ") + error);
        return kExitFailure;
    }

    QString token;
    QStringList newTokens; // `user add`: one a name
    bool ok = false;
    qint64 userId = -1;
    if (verb == QLatin1String("add")) {
        ok = storage.users().addUsers(newNames, &newTokens, &error);
        token = newTokens.join(u'\n');
    } else if (verb == QLatin1String("token")) {
        ok = storage.users().issueToken(name, &token, &error);
    } else if (verb == QLatin1String("approve")) {
        // Not limited: whoever runs this can read the database anyway.
        PairingStore::Approval approval;
        ok = storage.users().findExistingUser(name, &userId, &error)
            && storage.pairings().approve(userId, code, {}, QDateTime::currentMSecsSinceEpoch(),
                                          &approval, &error);
        if (ok && approval.outcome != PairingStore::Approval::Outcome::Approved) {
            ok = false;
            error = QStringLiteral("no device is waiting with the code %1: it is wrong, used or "
                                   "expired (codes are valid for 10 minutes)")
                        .arg(code);
        }
        if (ok)
            printLine(stderr,
                      QStringLiteral("approved '%1' for %2: it connects within a second")
                          .arg(approval.deviceName, name));
    } else if (verb == QLatin1String("devices")) {
        QList<DeviceSummary> devices;
        ok = storage.users().findExistingUser(name, &userId, &error)
            && storage.users().listDevices(userId, &devices, &error);
        if (ok)
            printDevices(devices);
    } else if (verb == QLatin1String("remove-device") || verb == QLatin1String("revoke")) {
        const QString deviceKey = verb == QLatin1String("revoke") ? QString() : args.value(3);
        int devices = 0;
        int tokens = 0;
        qint64 seq = 0;
        ok = storage.users().findExistingUser(name, &userId, &error)
            && storage.users().removeDevices(userId, deviceKey, &devices, &tokens, &seq, &error);
        if (ok && !deviceKey.isEmpty() && devices == 0) {
            ok = false;
            error = QStringLiteral("%1 has no device %2 ('user devices %1' lists them)")
                        .arg(name, deviceKey);
        }
        if (ok)
            printLine(stderr,
                      QStringLiteral("removed %1 device(s) of %2 and revoked %3 token(s)")
                          .arg(devices)
                          .arg(name)
                          .arg(tokens));
    } else {
        QList<UserSummary> users;
        ok = storage.users().listUsers(&users, &error);
        if (ok) {
            printLine(stdout,
                      QStringLiteral("%1 %2 %3 %4")
                          .arg(QStringLiteral("NAME"), -24)
                          .arg(QStringLiteral("TOKENS"), 7)
                          .arg(QStringLiteral("RECORDS"), 8)
                          .arg(QStringLiteral("CREATED")));
            for (const UserSummary &user : std::as_const(users))
                printLine(stdout,
                          QStringLiteral("%1 %2 %3 %4")
                              .arg(user.name, -24)
                              .arg(user.activeTokens, 7)
                              .arg(user.records, 8)
                              .arg(QDateTime::fromMSecsSinceEpoch(user.createdAtMs)
                                       .toString(Qt::ISODate)));
        }
    }
    if (!ok) {
        printLine(stderr, QStringLiteral("playmark-server: ") + error);
        return kExitFailure;
    }
    if (!token.isEmpty())
        printLine(stdout, token); // the token alone on stdout, for scripts
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's GLib event loop finds a socket's notifier by walking the list of all of them: with
    // 10,000 event streams open the server spent its time there and stopped answering (seen in
    // gdb: QEventDispatcherGlib::unregisterSocketNotifier). Qt's own Unix loop keeps them in a
    // hash, and nothing in the server needs GLib's. Every thread's loop reads this when it starts.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
#ifdef __GLIBC__
    // SQLite gives each statement that materialises a subquery a small in-memory table, freed at
    // the statement's end; on the writer thread's malloc arena every such free handed the top of
    // the heap back to the kernel (madvise) and the next statement faulted it in again: 47% of
    // the server's CPU under a write load (perf: do_madvise, page faults). Trimming only past
    // 8 MiB keeps those pages, at the cost of holding up to that much freed memory per arena.
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("playmark-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PLAYMARK_VERSION));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-debug}debug%{endif}"
                                      "%{if-info}info%{endif}%{if-warning}warning%{endif}"
                                      "%{if-critical}error%{endif}%{if-fatal}fatal%{endif} "
                                      "%{category}: %{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(kUsage));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("listen"),
                      QStringLiteral("Address and port to serve on (env PLAYMARK_LISTEN; default "
                                     "%1; port 0 picks a free one).")
                          .arg(defaultListen()),
                      QStringLiteral("HOST:PORT")});
    parser.addOption({QStringLiteral("db"),
                      QStringLiteral("SQLite database file, or postgresql://USER@HOST:PORT/DB "
                                     "(password from PGPASSWORD or ~/.pgpass; libpq options as "
                                     "?sslmode=require...; several hosts as HOST1:PORT1,HOST2:"
                                     "PORT2, of which the one that takes writes is used) (env "
                                     "PLAYMARK_DB; default %1).")
                          .arg(QDir::toNativeSeparators(defaultDatabase())),
                      QStringLiteral("PATH|URL")});
    parser.addOption({QStringLiteral("log-level"),
                      QStringLiteral("debug, info (default), warning or error."),
                      QStringLiteral("LEVEL"), QStringLiteral("info")});
    // A number option whose default (ServerDefaults) is both in its help and its value.
    const auto numberOption = [&parser](const QString &name, const QString &help,
                                        const QString &valueName, qint64 defaultValue) {
        const QString text = QString::number(defaultValue);
        parser.addOption({name, help.arg(text), valueName, text});
    };
    numberOption(QStringLiteral("cache-records"),
                 QStringLiteral("Records kept in memory for reads, about 0.15 KB each "
                                "(default %1)."),
                 QStringLiteral("N"), ServerDefaults::kCacheRecords);
    numberOption(QStringLiteral("max-body-bytes"),
                 QStringLiteral("Largest request body accepted (413 beyond; default %1)."),
                 QStringLiteral("N"), ServerDefaults::kMaxBodyBytes);
    numberOption(QStringLiteral("max-header-bytes"),
                 QStringLiteral("Largest request line and headers (431 beyond; default %1)."),
                 QStringLiteral("N"), ServerDefaults::kMaxHeaderBytes);
    numberOption(QStringLiteral("idle-timeout"),
                 QStringLiteral("Seconds a connection may be idle, or take to send a request "
                                "(default %1)."),
                 QStringLiteral("SECONDS"), ServerDefaults::kIdleTimeoutMs / 1000);
    numberOption(QStringLiteral("max-connections"),
                 QStringLiteral("Open connections at most; more are answered 503 (default %1)."),
                 QStringLiteral("N"), ServerDefaults::kMaxConnections);
    numberOption(
        QStringLiteral("rate-limit"),
        QStringLiteral("Requests a second per token, 0 for none (429 beyond; default %1)."),
        QStringLiteral("N"), ServerDefaults::kRateLimit);
    numberOption(QStringLiteral("rate-burst"),
                 QStringLiteral("Requests a token may make at once above the rate (default %1)."),
                 QStringLiteral("N"), ServerDefaults::kRateBurst);
    parser.addOption(
        {QStringLiteral("http-threads"),
         QStringLiteral("Threads serving HTTP, 1 to %1, each with its own listening socket on the "
                        "port and an epoll event loop (env PLAYMARK_EVENT_LOOP=qt: Qt's own loop "
                        "instead, for comparison) (default 0: one per core, at most %1).")
             .arg(ServerDefaults::kMaxHttpThreads),
         QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("tls-cert"),
                      QStringLiteral("Serve HTTPS with this PEM certificate, or full chain "
                                     "(env PLAYMARK_TLS_CERT; needs --tls-key)."),
                      QStringLiteral("PEM")});
    parser.addOption({QStringLiteral("tls-key"),
                      QStringLiteral("The certificate's unencrypted PEM private key "
                                     "(env PLAYMARK_TLS_KEY)."),
                      QStringLiteral("PEM")});
    parser.addOption(
        {QStringLiteral("trusted-proxy"),
         QStringLiteral("Reverse proxies (addresses or subnets, comma-separated) whose "
                        "X-Forwarded-For or X-Real-IP names the client for the "
                        "per-address limits (env PLAYMARK_TRUSTED_PROXIES)."),
         QStringLiteral("ADDR[,ADDR...]")});
    numberOption(QStringLiteral("pairing-ttl"),
                 QStringLiteral("Seconds a pairing code is valid, 60 to 86400 (default %1)."),
                 QStringLiteral("SECONDS"), ServerDefaults::kPairingTtlMs / 1000);
    parser.addOption({QStringLiteral("commit-per-update"),
                      QStringLiteral("One transaction per update instead of grouping concurrent "
                                     "ones; slower, for benchmarks to compare.")});
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("serve or user"));

    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        printLine(stdout, parser.helpText());
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        printLine(stdout,
                  QStringLiteral("playmark-server ") + QCoreApplication::applicationVersion());
        return 0;
    }
    if (!applyLogLevel(parser.value(QStringLiteral("log-level"))))
        return usageError(QStringLiteral("--log-level wants debug, info, warning or error"));

    QString database = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                          : qEnvironmentVariable("PLAYMARK_DB");
    if (database.isEmpty())
        database = defaultDatabase();
    QString locationError;
    if (!DatabaseLocation::parse(database, &locationError))
        return usageError(locationError);

    const QStringList args = parser.positionalArguments();
    const QString command = args.value(0);
    if (command == QLatin1String("serve")) {
        if (args.size() != 1)
            return usageError(QStringLiteral("'serve' takes no arguments, only options"));
        return serve(parser, database);
    }
    if (command == QLatin1String("user"))
        return userCommand(args, database);
    if (command.isEmpty())
        return usageError(QStringLiteral("missing a command: serve or user"));
    return usageError(QStringLiteral("unknown command '%1'").arg(command));
}
