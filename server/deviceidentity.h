#pragma once

#include <QString>

// Who is asking: the user and the device a request's token belongs to (docs/protocol.md,
// "Devices and pairing"). Found from the token by HttpFrontend for every request that needs one.
struct DeviceIdentity
{
    qint64 userId = -1; // -1: no one (an unknown or revoked token)
    QString deviceKey; // the server's id of the device (devices.id)
    QString boundDeviceId; // the player's device_id its updates carry; "" until the first

    bool isKnown() const { return userId >= 0; }
};
