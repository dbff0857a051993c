#pragma once

#include "apiresponse.h"
#include "changefeed.h"
#include "deviceactivity.h"
#include "deviceidentity.h"
#include "progressstore.h"
#include "protocol/progressrecord.h"

#include <QObject>
#include <QUrlQuery>

#include <functional>

class EventRouter;
class Metrics;
class RecordCache;
class StorageService;

// The /v1 endpoints, one method each. The caller has already matched the route, checked the
// method and found the user from the token. Every answer goes to `reply`, at once (validation
// errors, cached reads) or once the storage threads have answered (writes are answered only
// after their transaction is committed). One per HTTP thread, living there, plus the server
// thread's, which applies changes committed by other servers and drops the cache on a resync.
class ProgressApi final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressApi)
public:
    static constexpr int kMaxListLimit = 200;

    using Reply = std::function<void(const ApiResponse &)>;

    ProgressApi(StorageService &storage, RecordCache &cache, EventRouter &router, Metrics &metrics,
                DeviceActivity &activity, QObject *parent = nullptr);

    // `who`'s updates: a device_id new to the device is bound to it first (409 device_id_taken
    // when another device of the user has it); the device's activity goes with them.
    void put(const DeviceIdentity &who, const QString &contentId, const QByteArray &body,
             Reply reply);
    void get(qint64 userId, const QString &contentId, Reply reply);
    // A forget, observed at ?observed_at_ms=N (default: now).
    void remove(qint64 userId, const QString &contentId, const QUrlQuery &query, Reply reply);
    void list(qint64 userId, const QUrlQuery &query, Reply reply);
    void continueList(qint64 userId, const QUrlQuery &query, Reply reply);
    void history(qint64 userId, const QString &contentId, const QUrlQuery &query, Reply reply);
    void sync(const DeviceIdentity &who, const QByteArray &body, Reply reply);
    // Any other request of the device: its last_seen_ms, at most once a minute.
    void deviceSeen(const DeviceIdentity &who);

    // Several servers on one database (ChangeFeed): changes committed by any of them, in commit
    // order. Keeps the read cache coherent and tells this server's event streams of the others'.
    void setOrigin(const QString &origin) { m_origin = origin; }
    void applyCommitted(const QString &origin, const QList<CommittedChange> &changes);
    // Changes may have been missed: nothing cached can be trusted.
    void dropCache();
    // What the change feed read again after reconnecting (ChangeFeed::caughtUp): told to the
    // streams that have not heard of it, whichever server committed it.
    void applyCaughtUp(const QList<CommittedChange> &changes);

Q_SIGNALS:
    // The device's updates now carry `deviceId` (written before this is said).
    void deviceBound(const QString &deviceKey, const QString &deviceId);

private:
    struct Applied
    {
        ApiResponse failure; // meaningful when !ok
        bool ok = false;
        bool applied = false;
        ProgressRecord record;
        qint64 forgottenAtMs = -1; // >= 0: stale by a forget, no record
    };
    void apply(const DeviceIdentity &who, const ProgressRecord &update,
               std::function<void(const Applied &)> done);
    // Binds the device_ids of `updates` that are not `who`'s yet, then `next(failure)`: none
    // when the updates may be written.
    void bindThen(const DeviceIdentity &who, const QList<ProgressRecord> &updates,
                  std::function<void(const std::optional<ApiResponse> &failure)> next);
    template<typename Item, typename Read, typename Encode>
    void answerList(const QUrlQuery &query, Read read, Encode encode, Reply reply);
    // A committed outcome with its counts: into the cache and the event streams, then `done`.
    void settle(qint64 userId, const ApplyOutcome &outcome, quint64 epoch,
                const std::function<void(const Applied &)> &done);

    StorageService &m_storage;
    RecordCache &m_cache;
    EventRouter &m_router;
    Metrics &m_metrics;
    QString m_origin;
    DeviceActivity &m_activity;
};
