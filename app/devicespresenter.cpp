#include "devicespresenter.h"

#include "timeformat.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

#include <algorithm>

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("DevicesPresenter", text);
}

// "today", "yesterday", "3 March", "3 March 2024" (local time, English as every word shown).
QString since(qint64 thenMs, qint64 nowMs)
{
    const QDate then = QDateTime::fromMSecsSinceEpoch(thenMs).date();
    const QDate now = QDateTime::fromMSecsSinceEpoch(nowMs).date();
    const qint64 days = then.daysTo(now);
    if (days <= 0)
        return tr("today");
    if (days == 1)
        return tr("yesterday");
    return QLocale(QLocale::English)
        .toString(then,
                  then.year() == now.year() ? QStringLiteral("d MMMM")
                                            : QStringLiteral("d MMMM yyyy"));
}
} // namespace

QList<DevicesPresenter::Row> DevicesPresenter::rows(const QList<DeviceEntry> &devices, qint64 nowMs,
                                                    const QHash<QString, QString> &titles)
{
    QList<Row> rows;
    // This device first, as a person looks for it; the others in the server's order (newest
    // last seen first).
    QList<DeviceEntry> ordered = devices;
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const DeviceEntry &device) { return device.thisDevice; });
    for (const DeviceEntry &device : std::as_const(ordered)) {
        QStringList parts;
        // The device asking is seen now: its own last seen would say nothing.
        parts << (device.thisDevice
                      ? tr("This device")
                      : tr("last seen %1").arg(TimeFormat::ago(device.lastSeenMs, nowMs)));
        if (const QString title = titles.value(device.lastContentId); !title.isEmpty())
            parts << title;
        rows.append(
            {device.id, name(device, nowMs), parts.join(QStringLiteral(" · ")), device.thisDevice});
    }
    return rows;
}

QString DevicesPresenter::name(const DeviceEntry &device, qint64 nowMs)
{
    if (!device.deviceName.isEmpty())
        return device.deviceName;
    return tr("Unnamed device (since %1)").arg(since(device.createdAtMs, nowMs));
}

QStringList DevicesPresenter::contentIds(const QList<DeviceEntry> &devices)
{
    QStringList ids;
    for (const DeviceEntry &device : devices) {
        if (!device.lastContentId.isEmpty() && !ids.contains(device.lastContentId))
            ids << device.lastContentId;
    }
    return ids;
}

QString DevicesPresenter::approveAnswer(const ApproveResult &result)
{
    switch (result.outcome) {
    case ApproveResult::Approved:
        return result.deviceName.isEmpty() ? tr("The device is connected")
                                           : tr("%1 is connected").arg(result.deviceName);
    case ApproveResult::WrongCode:
        return tr("That code is not valid or has expired");
    case ApproveResult::TooManyTries: {
        // Whole minutes, rounded up: "in 0 minutes" would be wrong until the last second.
        const int minutes = qMax(1, (result.retryAfterSeconds + 59) / 60);
        return minutes == 1 ? tr("Too many wrong codes: try again in 1 minute")
                            : tr("Too many wrong codes: try again in %1 minutes").arg(minutes);
    }
    case ApproveResult::Failed:
        break;
    }
    return tr("Could not approve the code: %1").arg(result.error);
}

QString DevicesPresenter::notConnectedText(Connection connection)
{
    switch (connection) {
    case Connection::NoServer:
        return tr("This device is not connected. Enter your server's address under General, then "
                  "connect with a code.");
    case Connection::NoToken:
        return tr("This device is not connected to the server yet.");
    case Connection::Removed:
        break;
    }
    return tr("This device was removed: connect again");
}

QString DevicesPresenter::listFailed(const QString &error)
{
    return tr("Could not list the devices: %1").arg(error);
}

QString DevicesPresenter::removeFailed(const QString &name, const QString &error)
{
    return tr("Could not remove %1: %2").arg(name, error);
}

QString DevicesPresenter::asking()
{
    return tr("Asking the server…");
}
