#include "databaselocation.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>

bool DatabaseLocation::isPostgreSqlUrl(const QString &text)
{
    return text.startsWith(QLatin1String("postgresql://"))
        || text.startsWith(QLatin1String("postgres://"));
}

std::optional<DatabaseLocation> DatabaseLocation::parse(const QString &text, QString *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    DatabaseLocation location;
    if (!isPostgreSqlUrl(text)) {
        if (text.contains(QLatin1String("://")))
            return fail(QStringLiteral("--db wants a SQLite file path or a postgresql:// URL "
                                       "(got '%1')")
                            .arg(text));
        if (text.isEmpty())
            return fail(QStringLiteral("--db wants a SQLite file path or a postgresql:// URL"));
        location.path = text;
        return location;
    }

    // QUrl takes one host: the list of hosts (libpq's multi-host form) is cut out and each of
    // them read on its own; the URL is read with the first in their place.
    const QString example = QStringLiteral("postgresql://USER@HOST:PORT/DATABASE");
    const qsizetype authorityStart = text.indexOf(QLatin1String("://")) + 3;
    qsizetype authorityEnd = text.indexOf(u'/', authorityStart);
    if (const qsizetype query = text.indexOf(u'?', authorityStart);
        query >= 0 && (authorityEnd < 0 || query < authorityEnd))
        authorityEnd = query;
    if (authorityEnd < 0)
        authorityEnd = text.size();
    const QString authority = text.mid(authorityStart, authorityEnd - authorityStart);
    const qsizetype hostsStart = authority.lastIndexOf(u'@') + 1;
    const QStringList hostList = authority.mid(hostsStart).split(u',');
    for (const QString &item : hostList) {
        const QUrl hostUrl(QStringLiteral("postgresql://") + item, QUrl::StrictMode);
        if (!hostUrl.isValid() || !hostUrl.path().isEmpty() || hostUrl.port() == 0)
            return fail(QStringLiteral("the PostgreSQL URL's host '%1' is not valid (%2); it "
                                       "looks like %3")
                            .arg(item, hostUrl.errorString(), example));
        if (hostList.size() > 1 && (item.isEmpty() || hostUrl.host().isEmpty()))
            return fail(QStringLiteral("the PostgreSQL URL lists an empty host; several hosts "
                                       "look like postgresql://USER@HOST1:PORT1,HOST2:PORT2/"
                                       "DATABASE"));
        location.hosts.append({hostUrl.host(), hostUrl.port(-1)});
    }
    const QString firstHostOnly = text.left(authorityStart) + authority.left(hostsStart)
        + hostList.constFirst() + text.mid(authorityEnd);
    const QUrl url(firstHostOnly, QUrl::StrictMode);
    if (!url.isValid())
        return fail(QStringLiteral("the PostgreSQL URL is not valid (%1); it looks like %2")
                        .arg(url.errorString(), example));
    location.kind = Kind::PostgreSQL;
    location.user = url.userName();
    location.password = url.password();
    location.database = url.path().mid(1); // without the leading '/'
    if (location.database.contains(u'/'))
        return fail(QStringLiteral("the PostgreSQL URL names one database after the host (got "
                                   "'%1'); it looks like %2")
                        .arg(url.path(), example));
    if (location.database.isEmpty())
        return fail(
            QStringLiteral("the PostgreSQL URL names no database; it looks like %1").arg(example));

    // Query items are libpq options (sslmode=require, connect_timeout=5, host=/run/postgresql...).
    // QPSQL joins them into a conninfo string: keep them to what needs no quoting.
    static const QRegularExpression key(QStringLiteral("^[a-z_]{1,64}$"));
    static const QRegularExpression value(QStringLiteral("^[A-Za-z0-9_./:@-]{0,256}$"));
    QStringList options;
    const auto items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &[name, setting] : items) {
        if (!key.match(name).hasMatch() || !value.match(setting).hasMatch())
            return fail(QStringLiteral("the PostgreSQL URL option '%1=%2' is not a libpq "
                                       "option this server can pass on")
                            .arg(name, setting));
        // libpq takes the last of two: one in the query would silently replace the host list.
        const bool named =
            std::any_of(location.hosts.cbegin(), location.hosts.cend(),
                        [](const Host &host) { return !host.name.isEmpty() || host.port > 0; });
        if (named
            && (name == QLatin1String("host") || name == QLatin1String("hostaddr")
                || name == QLatin1String("port")))
            return fail(QStringLiteral("the PostgreSQL URL gives its hosts and ports before the "
                                       "database, and again as '%1=%2': give them once")
                            .arg(name, setting));
        options.append(name + u'=' + setting);
    }
    location.options = options.join(u';');
    return location;
}

QString DatabaseLocation::displayName() const
{
    if (kind == Kind::SQLite)
        return path;
    QStringList names;
    for (const Host &host : hosts) {
        QUrl one;
        one.setHost(host.name);
        one.setPort(host.port);
        names.append(one.authority());
    }
    QString text = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        text += QString::fromUtf8(QUrl::toPercentEncoding(user)) + u'@';
    return text + names.join(u',') + u'/' + QString::fromUtf8(QUrl::toPercentEncoding(database));
}

QString DatabaseLocation::connectOptions() const
{
    QStringList connect;
    if (!options.isEmpty())
        connect = options.split(u';');
    const auto given = [&connect](const QString &key) {
        return std::any_of(connect.cbegin(), connect.cend(),
                           [key](const QString &option) { return option.startsWith(key); });
    };
    if (hosts.size() > 1) {
        // QPSQL passes one port: libpq's list of them, one per host ("" for its default), goes
        // among the options.
        QStringList ports;
        for (const Host &host : hosts)
            ports.append(host.port > 0 ? QString::number(host.port) : QString());
        if (!ports.join(QString()).isEmpty())
            connect.append(QStringLiteral("port=") + ports.join(u','));
    }
    const auto byDefault = [&given, &connect](const char *key, const char *value) {
        if (!given(QLatin1String(key) + u'='))
            connect.append(QLatin1String(key) + u'=' + QLatin1String(value));
    };
    // A server must write: a standby reached first (one of several hosts, or a name that
    // resolves to every member of a cluster) would refuse every update.
    byDefault("target_session_attrs", "read-write");
    byDefault("connect_timeout", "5");
    // A database machine that vanishes (power, network) sends nothing more: without keep-alives
    // an idle connection would notice after the kernel's 2 hours, and without a user timeout a
    // query sent to it would be retransmitted for about 15 minutes. About 25 s each here.
    byDefault("keepalives_idle", "10");
    byDefault("keepalives_interval", "5");
    byDefault("keepalives_count", "3");
    byDefault("tcp_user_timeout", "25000");
    return connect.join(u';');
}

void DatabaseLocation::configure(QSqlDatabase &db) const
{
    QStringList names;
    for (const Host &host : hosts)
        names.append(host.name);
    const QString hostNames = names.join(u',');
    if (!hostNames.isEmpty())
        db.setHostName(hostNames);
    if (hosts.size() == 1 && hosts.constFirst().port > 0)
        db.setPort(hosts.constFirst().port);
    if (!user.isEmpty())
        db.setUserName(user);
    if (!password.isEmpty())
        db.setPassword(password);
    db.setDatabaseName(database);
    db.setConnectOptions(connectOptions());
}
