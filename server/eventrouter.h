#pragma once

#include "protocol/progressrecord.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>
#include <QVarLengthArray>

#include <functional>

class EventHub;

// Which EventHub (one per HTTP thread) holds the event streams of which user, so that an update
// applied on one thread reaches the streams held on every other, and an update of a user with no
// stream open costs a lookup, not an encoding. Thread-safe; the hubs tell it of each stream they
// open and end.
class EventRouter final
{
    Q_DISABLE_COPY_MOVE(EventRouter)
public:
    EventRouter() = default;

    // `hub` opened / ended a stream of `userId`.
    void opened(EventHub *hub, qint64 userId);
    void ended(EventHub *hub, qint64 userId);
    // Every hub's streams are ended before it is deleted; then it is forgotten here too.
    void forget(EventHub *hub);

    // The update is written to every stream of `userId`, on whichever thread holds it: queued
    // for every hub, the calling thread's too, each in the order publish admitted it. Updates of
    // one user are applied on several threads and so published in no set order: one older than
    // what the user's streams already heard of its video is left out, so that a stream never
    // goes back (as with a single thread, which published in commit order). One exactly as new
    // is left out too unless its counts changed (a stale finish counted): the same record heard
    // again, from a change feed that caught up and the notice of the same commit, goes once.
    void publish(qint64 userId, const ProgressRecord &record);
    // Ends the streams of a removed device (deviceKey empty: every device of the user), on every
    // hub, queued in the same order as publish's updates.
    void closeDevice(qint64 userId, const QString &deviceKey);

    int subscriberCount() const;

private:
    struct Holder
    {
        EventHub *hub;
        int streams;
    };
    struct User
    {
        QVarLengthArray<Holder, 2> hubs;
        // The newest record published per video while the user has streams (only its ordering
        // fields, observed_at_ms and device_id, and its counts). A list, searched: a QHash takes a
        // block of 128 slots (22 KB here) at its first insert, which was most of what a stream cost
        // once its user had had one update (10,000 streams: 15 KB each once open, 38 KB after
        // updates).
        struct Newest
        {
            QString contentId;
            qint64 observedAtMs = 0;
            QString deviceId;
            int playCount = 0;
            qint64 lastFinishedMs = 0;
        };
        QList<Newest> newest;
    };
    // Calls `action` on each hub holding a stream of `userId`, if `admit(user)` (under the lock,
    // so that what it admits is posted in the order it was admitted), queued for every hub.
    void forEachHub(qint64 userId, const std::function<bool(User &)> &admit,
                    const std::function<void(EventHub *)> &action);

    mutable QMutex m_mutex; // guards everything below
    QHash<qint64, User> m_users;
    int m_streams = 0;
};
