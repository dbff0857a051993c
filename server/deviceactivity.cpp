#include "deviceactivity.h"

std::optional<DeviceTouch> DeviceActivity::seen(const QString &deviceKey, qint64 nowMs)
{
    if (deviceKey.isEmpty())
        return std::nullopt;
    QMutexLocker lock(&m_mutex);
    Known &known = m_devices[deviceKey];
    if (known.touchedAtMs >= 0 && nowMs - known.touchedAtMs < kTouchIntervalMs)
        return std::nullopt;
    return touch(deviceKey, known, nowMs);
}

std::optional<DeviceTouch> DeviceActivity::updated(const QString &deviceKey,
                                                   const ProgressRecord &update, qint64 nowMs)
{
    if (deviceKey.isEmpty())
        return std::nullopt;
    QMutexLocker lock(&m_mutex);
    Known &known = m_devices[deviceKey];
    bool changed = false;
    // The newest update's video and name: an older one (from an outbox) changes neither.
    if (update.observedAtMs >= known.newestObservedMs) {
        known.newestObservedMs = update.observedAtMs;
        changed = update.contentId != known.contentId
            || (!update.deviceName.isEmpty() && update.deviceName != known.deviceName);
        known.contentId = update.contentId;
        if (!update.deviceName.isEmpty())
            known.deviceName = update.deviceName;
    }
    if (!changed && known.touchedAtMs >= 0 && nowMs - known.touchedAtMs < kTouchIntervalMs)
        return std::nullopt;
    return touch(deviceKey, known, nowMs);
}

DeviceTouch DeviceActivity::touch(const QString &deviceKey, Known &known, qint64 nowMs)
{
    known.touchedAtMs = nowMs;
    return {deviceKey, nowMs, known.contentId, known.deviceName};
}

qsizetype DeviceActivity::size() const
{
    QMutexLocker lock(&m_mutex);
    return m_devices.size();
}
