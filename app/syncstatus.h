#pragma once

#include <QString>
#include <QUrl>

// What the status bar says about syncing: "Online", "Offline", "3 updates waiting", and a
// tooltip naming the server and the last successful exchange.
struct SyncStatus
{
    bool hasServer = false;
    bool online = false;
    int pending = 0;
    QUrl server;
    qint64 lastExchangeMs = 0;

    QString text() const;
    QString toolTip() const;
};
