#pragma once

#include <QString>

// What a server writes of a device's activity (devices.last_seen_ms, last_content_id,
// device_name), in the writer's group (ProgressStore). Empty strings leave a column as it is.
struct DeviceTouch
{
    QString deviceKey;
    qint64 seenAtMs = 0;
    QString contentId; // the newest update's video
    QString deviceName; // the newest update's name
};
