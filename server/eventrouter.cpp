#include "eventrouter.h"

#include "eventhub.h"
#include "protocol/progressorder.h"

#include <QMetaObject>

#include <algorithm>

void EventRouter::opened(EventHub *hub, qint64 userId)
{
    QMutexLocker lock(&m_mutex);
    ++m_streams;
    auto &holders = m_users[userId].hubs;
    const auto it = std::find_if(holders.begin(), holders.end(),
                                 [hub](const Holder &holder) { return holder.hub == hub; });
    if (it != holders.end())
        ++it->streams;
    else
        holders.append({hub, 1});
}

void EventRouter::ended(EventHub *hub, qint64 userId)
{
    QMutexLocker lock(&m_mutex);
    const auto user = m_users.find(userId);
    if (user == m_users.end())
        return;
    auto &holders = user->hubs;
    const auto it = std::find_if(holders.begin(), holders.end(),
                                 [hub](const Holder &holder) { return holder.hub == hub; });
    if (it == holders.end())
        return;
    --m_streams;
    if (--it->streams == 0)
        holders.erase(it);
    if (holders.isEmpty())
        m_users.erase(user);
}

void EventRouter::forget(EventHub *hub)
{
    QMutexLocker lock(&m_mutex);
    for (auto user = m_users.begin(); user != m_users.end();) {
        auto &holders = user->hubs;
        for (qsizetype i = holders.size() - 1; i >= 0; --i) {
            if (holders.at(i).hub == hub) {
                m_streams -= holders.at(i).streams;
                holders.remove(i);
            }
        }
        user = holders.isEmpty() ? m_users.erase(user) : std::next(user);
    }
}

void EventRouter::forEachHub(qint64 userId, const std::function<bool(User &)> &admit,
                             const std::function<void(EventHub *)> &action)
{
    QMutexLocker lock(&m_mutex);
    const auto user = m_users.find(userId);
    if (user == m_users.end() || (admit && !admit(*user)))
        return;
    // Queued for every hub, the calling thread's too, and posted under the lock: each hub's
    // queue then holds what was admitted in the order it was admitted. Writing the calling
    // thread's hub at once would overtake what another thread admitted earlier and queued for
    // it (a stream going back in time; a removed device's stream hearing one more event).
    // Posted while the lock keeps the hub from being forgotten, so deleted: once it is, what is
    // still queued for it is dropped with it.
    for (const Holder &holder : std::as_const(user->hubs))
        QMetaObject::invokeMethod(
            holder.hub, [hub = holder.hub, action] { action(hub); }, Qt::QueuedConnection);
}

void EventRouter::publish(qint64 userId, const ProgressRecord &record)
{
    {
        // Most updates have nobody listening: do not even encode them.
        QMutexLocker lock(&m_mutex);
        if (!m_users.contains(userId))
            return;
    }
    const QByteArray frame = EventHub::frame(record);
    const auto isNewest = [&record](User &user) {
        auto known = std::find_if(
            user.newest.begin(), user.newest.end(),
            [&record](const User::Newest &newest) { return newest.contentId == record.contentId; });
        if (known != user.newest.end()) {
            const int newer = ProgressOrder::compare(record.observedAtMs, record.deviceId,
                                                     known->observedAtMs, known->deviceId);
            if (newer < 0
                || (newer == 0 && record.playCount == known->playCount
                    && record.lastFinishedMs == known->lastFinishedMs))
                return false;
            known->observedAtMs = record.observedAtMs;
            known->deviceId = record.deviceId;
            known->playCount = record.playCount;
            known->lastFinishedMs = record.lastFinishedMs;
        } else {
            user.newest.append({record.contentId, record.observedAtMs, record.deviceId,
                                record.playCount, record.lastFinishedMs});
        }
        return true;
    };
    forEachHub(userId, isNewest, [userId, frame](EventHub *hub) { hub->deliver(userId, frame); });
}

void EventRouter::closeDevice(qint64 userId, const QString &deviceKey)
{
    forEachHub(userId, {},
               [userId, deviceKey](EventHub *hub) { hub->closeDevice(userId, deviceKey); });
}

int EventRouter::subscriberCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_streams;
}
