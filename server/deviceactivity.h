#pragma once

#include "devicetouch.h"
#include "protocol/progressrecord.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

// When a device's activity is worth writing: its last_seen_ms at most once a minute, and its last
// video and name when they change, so that a device sending the same video's position every few
// seconds costs no statement beyond its update's. Per server, in memory, shared by its HTTP threads
// (every method is thread-safe): each server of a shared database touches a device at most once a
// minute.
class DeviceActivity final
{
public:
    static constexpr qint64 kTouchIntervalMs = 60 * 1000;

    // Any authenticated request of the device at `nowMs`.
    std::optional<DeviceTouch> seen(const QString &deviceKey, qint64 nowMs);
    // An update the device sent (validated), about to be written.
    std::optional<DeviceTouch> updated(const QString &deviceKey, const ProgressRecord &update,
                                       qint64 nowMs);
    qsizetype size() const;

private:
    struct Known
    {
        qint64 touchedAtMs = -1; // -1: never by this server
        qint64 newestObservedMs = -1;
        QString contentId;
        QString deviceName;
    };
    DeviceTouch touch(const QString &deviceKey, Known &known, qint64 nowMs);

    mutable QMutex m_mutex;
    QHash<QString, Known> m_devices; // guarded by m_mutex
};
