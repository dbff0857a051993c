#pragma once

#include "client/approveresult.h"
#include "client/deviceentry.h"

#include <QHash>
#include <QList>
#include <QString>

// What Settings > Devices says, decided without a window: each device's name ("Unnamed device
// (since 3 March)" until its first report names it), its line ("This device", "last seen 5 min
// ago", the title of what it last played when this device knows the video), the answers to a
// code typed in Add a Device, and why the page has no list.
class DevicesPresenter final
{
public:
    struct Row
    {
        QString id;
        QString name;
        QString detail;
        bool thisDevice = false;
    };
    enum class Connection { NoServer, NoToken, Removed };

    // This device first, then the others in the server's order. `titles`: content id -> title,
    // for the videos the local copy knows. `nowMs` on the server's clock, as the entries' times.
    static QList<Row> rows(const QList<DeviceEntry> &devices, qint64 nowMs,
                           const QHash<QString, QString> &titles);
    static QString name(const DeviceEntry &device, qint64 nowMs);
    // The content ids whose titles the rows would show.
    static QStringList contentIds(const QList<DeviceEntry> &devices);

    static QString approveAnswer(const ApproveResult &result);
    // The page instead of a list: why, and what to do.
    static QString notConnectedText(Connection connection);
    static QString listFailed(const QString &error);
    static QString removeFailed(const QString &name, const QString &error);
    static QString asking();
};
