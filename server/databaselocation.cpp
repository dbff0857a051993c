#include "databaselocation.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

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

    const QUrl url(text, QUrl::StrictMode);
    const QString example = QStringLiteral("postgresql://USER@HOST:PORT/DATABASE");
    if (!url.isValid())
        return fail(QStringLiteral("the PostgreSQL URL is not valid (%1); it looks like %2")
                        .arg(url.errorString(), example));
    location.kind = Kind::PostgreSQL;
    location.host = url.host();
    location.port = url.port(-1);
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
        options.append(name + u'=' + setting);
    }
    location.options = options.join(u';');
    return location;
}

QString DatabaseLocation::displayName() const
{
    if (kind == Kind::SQLite)
        return path;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(host);
    url.setPort(port);
    url.setUserName(user);
    url.setPath(u'/' + database);
    return url.toString();
}

void DatabaseLocation::configure(QSqlDatabase &db) const
{
    if (!host.isEmpty())
        db.setHostName(host);
    if (port > 0)
        db.setPort(port);
    if (!user.isEmpty())
        db.setUserName(user);
    if (!password.isEmpty())
        db.setPassword(password);
    db.setDatabaseName(database);
    QString connectOptions = options;
    if (!connectOptions.contains(QLatin1String("connect_timeout=")))
        connectOptions += QLatin1String(connectOptions.isEmpty() ? "" : ";")
            + QStringLiteral("connect_timeout=5");
    db.setConnectOptions(connectOptions);
}
