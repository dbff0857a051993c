#include "postgresdurability.h"

#include <QLoggingCategory>
#include <QSqlQuery>

#include <atomic>

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

QStringList PostgresDurability::problems(QSqlDatabase &db)
{
    QStringList found;
    for (const char *setting : {"fsync", "synchronous_commit"}) {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SHOW ") + QLatin1String(setting)) || !query.next())
            continue;
        const QString value = query.value(0).toString();
        if (value != QLatin1String("on"))
            found << QStringLiteral("%1 is %2, not on: an acknowledged update can be lost in a "
                                    "crash of the database machine")
                         .arg(QLatin1String(setting), value);
    }
    return found;
}

void PostgresDurability::warnOnce(QSqlDatabase &db, const QString &displayName)
{
    static std::atomic<bool> warned{false};
    if (warned.load())
        return;
    const QStringList found = problems(db);
    if (found.isEmpty() || warned.exchange(true))
        return;
    for (const QString &problem : found)
        qCWarning(lcStorage).noquote() << "warning:" << displayName << problem;
}
