#pragma once

#include "client/approveresult.h"
#include "client/backoff.h"
#include "client/continueentry.h"
#include "client/deviceentry.h"
#include "client/localstore.h"
#include "client/serverexchange.h"
#include "client/serverpool.h"
#include "protocol/clockoffset.h"
#include "protocol/progressrecord.h"
#include "protocol/protocollimits.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <optional>

class LocalCopy;
class QNetworkReply;

struct FetchResult
{
    enum class Status { Found, NotFound, Failed };
    Status status = Status::Failed;
    std::optional<ProgressRecord> record;
    QString error;
};

// The client half of the protocol. Every report goes to the local copy first, then to the
// server through the outbox (POST /v1/sync, in batches), retried with backoff while the server
// is away. Keeps the clock offset from every exchange. Lives on the GUI thread; all network
// work is asynchronous.
//
// With several servers it uses the current one of its ServerPool (shared with the event stream)
// and stays on it while it answers. A request that finds it away (ServerPool::isAway) moves the
// pool on to the next server and goes again there at once: each server is tried once per
// delivery attempt before the backoff, and once per fetch within the caller's time. Any other
// answer, a 401 or 404 say, is the answer. An update leaves the outbox only once a server took
// it, and sending it to another server again is safe: the newest observation wins everywhere.
//
// A 401 to any request means this device was removed (or its token revoked): deviceRemoved(),
// and nothing is sent any more; the local copy and the outbox stay. A 409 device_id_taken means
// another device of the user has this device id (a copied profile): the client makes itself a
// new one (deviceIdRenewed), gives it to the updates of the outbox and sends them again.
class SyncClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncClient)
public:
    static constexpr int kBatchSize = ProtocolLimits::kMaxSyncUpdates;
    // Well under the server's default body limit.
    static constexpr int kMaxBatchBytes = int(ProtocolLimits::kMaxBodyBytes * 3 / 4);
    static constexpr int kRequestTimeoutMs = 10000;

    // Requests go to the current server of `pool`, which must outlive the client.
    SyncClient(LocalCopy &local, ServerPool &pool, QObject *parent = nullptr);

    bool hasServer() const { return m_pool.isUsable(); }
    void setDevice(const QString &deviceId, const QString &deviceName);
    QString deviceId() const { return m_deviceId; }
    QString deviceName() const { return m_deviceName; }
    void setClockOffset(qint64 offsetMs) { m_clock = ClockOffset(offsetMs); }
    const ClockOffset &clock() const { return m_clock; }

    bool isOnline() const { return m_online; }
    // When the server last answered an exchange (local clock, ms since the epoch; 0: never).
    qint64 lastExchangeMs() const { return m_lastExchangeMs; }
    int pendingCount() const { return m_pendingCount; }

    // A strictly increasing observation time on the server's clock, for this device. After a
    // clock_skew answer it restarts from the corrected clock (the refused stamps are withdrawn).
    qint64 stampNow();

    // Fills in device and observation time, keeps it locally and queues it for the server.
    // Returns the record as stored. reportSettled() tells when its delivery was tried.
    ProgressRecord report(ProgressRecord record);

    // Mark as Watched / Unwatched for a video that is not open (Continue Watching; the session
    // marks the one open itself): a report now of `base`'s video, keeping what is known of it
    // (title, show, episode, duration, choices). Watched keeps the place and is a finish at this
    // observation (finished_at_ms = observed_at_ms); unwatched puts it back to 0. State
    // `stopped`. The newer mark wins on every device. Returns the report as stored.
    ProgressRecord markWatched(const ProgressRecord &base, bool watched);

    // GET /v1/progress/{id}, answered within `timeoutMs` (Failed on timeout or without a server).
    void fetch(const QString &contentId, int timeoutMs, QObject *context,
               std::function<void(FetchResult)> done);

    // GET /v1/progress?limit=N: the server's Continue Watching list, newest first.
    void fetchList(int limit, int timeoutMs, QObject *context,
                   std::function<void(bool ok, QList<ProgressRecord>)> done);
    // GET /v1/continue?limit=N: one item per show and per film, newest activity first. Not ok
    // without an answer in time, or from an older server without the route (404).
    void fetchContinue(int limit, int timeoutMs, QObject *context,
                       std::function<void(bool ok, QList<ContinueEntry>)> done);
    // GET /v1/progress/{id}/history: where each device was, newest first.
    void fetchHistory(const QString &contentId, int limit, int timeoutMs, QObject *context,
                      std::function<void(bool ok, QList<ProgressRecord>)> done);
    // DELETE /v1/progress/{id}: forget the video on every device.
    // A forget is an observation, stamped now and, when the person saw the video's record
    // (`seenObservedAtMs`, 0: none), after it: a record another device stamped a little ahead of
    // this one's clock is forgotten too.
    void forget(const QString &contentId, qint64 seenObservedAtMs, QObject *context,
                std::function<void(bool ok)> done);

    // GET /v1/devices: the user's devices, newest last seen first. Not ok (with why) without an
    // answer in time.
    void fetchDevices(int timeoutMs, QObject *context,
                      std::function<void(bool ok, QList<DeviceEntry>, QString error)> done);
    // DELETE /v1/devices/{id}. This device's own id signs it out (deviceRemoved follows at its
    // next request).
    void removeDevice(const QString &id, QObject *context,
                      std::function<void(bool ok, QString error)> done);
    // POST /v1/pairings/approve: the device showing `code` becomes one of this user's.
    void approvePairing(const QString &code, QObject *context,
                        std::function<void(ApproveResult)> done);

    // Tries to deliver the outbox now (at launch, and whenever the server may be back).
    void deliver();

    // For closing: delivers what is pending for at most `timeoutMs`, then calls `done` with the
    // number of updates still in the outbox (-1 when the outbox cannot be read). Never waits
    // longer.
    void finish(int timeoutMs, QObject *context, std::function<void(int)> done);

Q_SIGNALS:
    void reportSettled(const ProgressRecord &record, bool delivered);
    void onlineChanged(bool online);
    // Any change of online, pending count, last exchange or server in use: for a status display.
    void statusChanged();
    void pendingCountChanged(int count);
    void clockOffsetChanged(qint64 offsetMs);
    // The record that stands on the server for a video, as learned from an answer.
    void serverRecordSeen(const ProgressRecord &record);
    // An update was stale because the video was forgotten (DELETE) at `forgottenAtMs`, after it
    // was observed: it left the outbox, and the local copy no longer holds the video unless it
    // knows a newer observation.
    void forgottenSeen(const QString &contentId, qint64 forgottenAtMs);
    // A delivery attempt ended: the outbox is empty (ok), or the server could not be reached or
    // the outbox could not be read.
    void deliveryFinished(bool ok);
    // A server answered 401: this device was removed. Once per token (ServerPool::tokenRefused).
    void deviceRemoved();
    // The device id was another device's (409 device_id_taken): this one uses `deviceId` from
    // now on, to be kept in the profile.
    void deviceIdRenewed(const QString &deviceId);

private:
    // One request and its answer (ServerExchange), online state kept. Without a usable server
    // it answers at once: 401 once the token was refused, else no answer (0).
    void exchange(const ServerExchange::Request &request, QObject *context,
                  std::function<void(const ServerAnswer &)> done);
    // The same, for callers that need only the status and the JSON body.
    void exchange(const QByteArray &verb, const QString &path, int timeoutMs, QObject *context,
                  std::function<void(int, const QJsonObject &)> done);
    void fetchRecords(const QString &path, int timeoutMs, QObject *context,
                      std::function<void(bool, QList<ProgressRecord>)> done);
    void noteServerTime(const ServerAnswer &answer);
    void setOnline(bool online);
    void sendBatch(const QList<PendingUpdate> &batch);
    void handleBatchReply(const ServerAnswer &answer, const QList<PendingUpdate> &batch);
    // After a 409 device_id_taken: a new device id for this device and its outbox.
    void renewDeviceId();
    void settleReports(const QList<PendingUpdate> &batch, bool delivered);
    void scheduleRetry();
    void refreshPendingCount();

    LocalCopy &m_local;
    ServerPool &m_pool;
    ServerExchange m_exchange;
    QString m_deviceId;
    QString m_deviceName;
    ClockOffset m_clock;
    qint64 m_lastStampMs = 0;

    bool m_online = false;
    qint64 m_lastExchangeMs = 0;
    bool m_inFlight = false;
    bool m_again = false; // a report arrived while a batch was in flight
    bool m_renewed = false; // a new device id is being tried: another 409 waits for the backoff
    int m_pendingCount = 0;
    QList<ProgressRecord> m_unsettled; // reports whose delivery has not been tried yet
    Backoff m_backoff;
    QTimer m_retry;
};
