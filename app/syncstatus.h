#pragma once

#include <QList>
#include <QString>
#include <QUrl>

// What the status bar says about syncing: "Online", "Offline", "3 updates waiting", and a
// tooltip naming the server in use (and the others listed) and the last successful exchange. A
// local copy that fails comes first: positions are then not kept on this device. Then a device
// removed from the account: "This device was removed: connect again", which offers pairing.
struct SyncStatus
{
    bool hasServer = false;
    bool online = false;
    int pending = 0;
    QUrl server; // the one in use
    QList<QUrl> otherServers; // the rest of the list, to move on to when it fails
    qint64 lastExchangeMs = 0;
    QString localFailure; // why the local copy fails now (LocalCopy::failure); empty: it works
    bool deviceRemoved = false; // the server answered 401: this device's token no longer works

    QString text() const;
    QString toolTip() const;
    // A click on the text offers to connect with a code (it says "connect again").
    bool offersPairing() const;
};
