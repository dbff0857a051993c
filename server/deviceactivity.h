#pragma once

#include "devicetouch.h"
#include "protocol/progressrecord.h"

#include <QHash>
#include <QString>

#include <optional>

// When a device's activity is worth writing: its last_seen_ms at most once a minute, and its last
// video and name when they change, so that a device sending the same video's position every few
// seconds costs no statement beyond its update's. Per server, in memory, on the HTTP thread: each
// server of a shared database touches a device at most once a minute.
class DeviceActivity final
{
public:
    static constexpr qint64 kTouchIntervalMs = 60 * 1000;

    // Any authenticated request of the device at `nowMs`.
    std::optional<DeviceTouch> seen(const QString &deviceKey, qint64 nowMs);
    // An update the device sent (validated), about to be written.
    std::optional<DeviceTouch> updated(const QString &deviceKey, const ProgressRecord &update,
                                       qint64 nowMs);
    // The device was removed: nothing more is written for it.
    void forget(const QString &deviceKey) { m_devices.remove(deviceKey); }
    qsizetype size() const { return m_devices.size(); }

private:
    struct Known
    {
        qint64 touchedAtMs = -1; // -1: never by this server
        qint64 newestObservedMs = -1;
        QString contentId;
        QString deviceName;
    };
    DeviceTouch touch(const QString &deviceKey, Known &known, qint64 nowMs);

    QHash<QString, Known> m_devices;
};
