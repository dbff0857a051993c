#pragma once

#include <QString>

// One device of the user, as GET /v1/devices lists it (PROTOCOL.md, "Devices and pairing").
struct DeviceEntry
{
    QString id; // the server's own id, for DELETE /v1/devices/{id}
    QString deviceName; // "" until the device's first report named it
    QString deviceId; // the player's device_id, "" until its first update
    qint64 createdAtMs = 0; // server clock
    qint64 lastSeenMs = 0; // server clock
    QString lastContentId; // what it last played, "" for nothing yet
    bool thisDevice = false; // the device asking
};
