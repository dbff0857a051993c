#include "syncstatus.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("SyncStatus", text);
}
} // namespace

QString SyncStatus::text() const
{
    if (!localFailure.isEmpty())
        return tr("Not saving on this device");
    if (!hasServer)
        return tr("Offline: no server set");
    if (deviceRemoved)
        return tr("This device was removed: connect again");
    if (pending > 0)
        return pending == 1 ? tr("1 update waiting") : tr("%1 updates waiting").arg(pending);
    return online ? tr("Online") : tr("Offline");
}

QString SyncStatus::toolTip() const
{
    if (!localFailure.isEmpty())
        return tr("The local copy of positions fails: %1").arg(localFailure)
            + (hasServer ? tr("\nServer in use: %1").arg(server.toDisplayString()) : QString());
    if (!hasServer)
        return tr("Positions are kept on this device only. Set a server to share them.");
    if (deviceRemoved)
        return tr("%1 no longer accepts this device: it was removed from your devices. Positions "
                  "are still kept here (%2 waiting) and go out once it is connected again.\n"
                  "Click to connect with a code.")
            .arg(server.toDisplayString())
            .arg(pending);
    const QString last = lastExchangeMs > 0 ? QDateTime::fromMSecsSinceEpoch(lastExchangeMs)
                                                  .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                                            : tr("never");
    if (otherServers.isEmpty())
        return tr("Server: %1\nLast successful exchange: %2").arg(server.toDisplayString(), last);
    QStringList others;
    for (const QUrl &other : otherServers)
        others.append(other.toDisplayString());
    return tr("Server in use: %1\nAlso listed: %2\nLast successful exchange: %3")
        .arg(server.toDisplayString(), others.join(QStringLiteral(", ")), last);
}

bool SyncStatus::offersPairing() const
{
    return localFailure.isEmpty() && hasServer && deviceRemoved;
}
