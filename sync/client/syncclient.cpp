#include "client/syncclient.h"

#include "client/clientprofile.h"
#include "client/localcopy.h"
#include "protocol/errorcode.h"
#include "protocol/progressorder.h"
#include "protocol/recordcodec.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcSync, "playmark.sync")

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

SyncClient::SyncClient(LocalCopy &local, ServerPool &pool, QObject *parent)
    : QObject(parent), m_local(local), m_pool(pool), m_exchange(pool)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &SyncClient::deliver);
    // The status display names the server in use.
    connect(&m_pool, &ServerPool::currentChanged, this, &SyncClient::statusChanged);
    m_exchange.setObserver([this](const ServerAnswer &answer) { noteServerTime(answer); });
    // Whichever request heard the 401 (this client's or the event stream's): nothing waits on
    // it, what is pending stays in the outbox.
    connect(&m_pool, &ServerPool::tokenRefused, this, [this] {
        m_retry.stop();
        setOnline(false);
        Q_EMIT deviceRemoved();
    });
}

void SyncClient::setDevice(const QString &deviceId, const QString &deviceName)
{
    m_deviceId = deviceId;
    m_deviceName = deviceName;
}

qint64 SyncClient::stampNow()
{
    m_lastStampMs = std::max(m_clock.serverNowMs(), m_lastStampMs + 1);
    return m_lastStampMs;
}

ProgressRecord SyncClient::report(ProgressRecord record)
{
    record.deviceId = m_deviceId;
    record.deviceName = m_deviceName;
    record.receivedAtMs = 0;
    if (record.observedAtMs <= 0)
        record.observedAtMs = stampNow();
    m_local.save(record, true, m_clock.offsetMs());
    m_unsettled.append(record);
    if (!hasServer()) {
        // Nowhere to deliver to: it waits in the outbox.
        settleReports({{record, m_clock.offsetMs()}}, false);
        refreshPendingCount();
        return record;
    }
    deliver();
    return record;
}

ProgressRecord SyncClient::markWatched(const ProgressRecord &base, bool watched)
{
    ProgressRecord mark;
    mark.contentId = base.contentId;
    mark.durationMs = base.durationMs;
    mark.title = base.title;
    mark.showId = base.showId;
    mark.episodeId = base.episodeId;
    mark.choices = base.choices;
    mark.positionMs = watched ? base.positionMs : 0;
    mark.state = PlaybackState::Stopped;
    mark.watched = watched;
    if (watched)
        mark.finishedAtMs = mark.observedAtMs = stampNow();
    return report(mark);
}

void SyncClient::noteServerTime(const ServerAnswer &answer)
{
    if (answer.status == 0)
        return;
    const QJsonValue serverTime = answer.json().value(QStringLiteral("server_time_ms"));
    if (!serverTime.isDouble())
        return;
    const qint64 previous = m_clock.offsetMs();
    m_clock.addSample(qint64(serverTime.toDouble()), answer.sentAtMs, answer.receivedAtMs);
    if (m_clock.offsetMs() != previous)
        Q_EMIT clockOffsetChanged(m_clock.offsetMs());
}

void SyncClient::setOnline(bool online)
{
    if (online)
        m_lastExchangeMs = nowMs();
    if (m_online != online) {
        m_online = online;
        qCInfo(lcSync) << (online ? "server reachable" : "server unreachable");
        Q_EMIT onlineChanged(online);
    }
    Q_EMIT statusChanged();
}

void SyncClient::exchange(const ServerExchange::Request &request, QObject *context,
                          std::function<void(const ServerAnswer &)> done)
{
    if (!hasServer()) {
        // Nothing waits: a removed device answers itself as the server did.
        ServerAnswer answer;
        answer.status = m_pool.isTokenRefused() ? 401 : 0;
        answer.failure = m_pool.isTokenRefused() ? QStringLiteral("this device was removed (401)")
                                                 : QStringLiteral("no server");
        QMetaObject::invokeMethod(
            context, [done, answer] { done(answer); }, Qt::QueuedConnection);
        return;
    }
    m_exchange.send(request, context, [this, done](const ServerAnswer &answer) {
        setOnline(answer.status >= 200 && answer.status < 500 && answer.status != 401);
        done(answer);
    });
}

void SyncClient::exchange(const QByteArray &verb, const QString &path, int timeoutMs,
                          QObject *context, std::function<void(int, const QJsonObject &)> done)
{
    exchange({verb, path, {}, timeoutMs}, context,
             [done](const ServerAnswer &answer) { done(answer.status, answer.json()); });
}

void SyncClient::fetch(const QString &contentId, int timeoutMs, QObject *context,
                       std::function<void(FetchResult)> done)
{
    exchange("GET", QStringLiteral("/v1/progress/") + contentId, timeoutMs, context,
             [this, done](int status, const QJsonObject &body) {
                 FetchResult result;
                 if (status == 200) {
                     ValidationError error;
                     result.record =
                         RecordCodec::fromJson(body.value(QStringLiteral("record")).toObject(),
                                               RecordCodec::Source::Server, &error);
                     result.status =
                         result.record ? FetchResult::Status::Found : FetchResult::Status::Failed;
                     result.error = error.message;
                 } else if (status == 404) {
                     result.status = FetchResult::Status::NotFound;
                 } else {
                     result.error = status ? QStringLiteral("HTTP %1").arg(status)
                                           : QStringLiteral("the server did not answer");
                 }
                 if (result.record)
                     Q_EMIT serverRecordSeen(*result.record);
                 done(result);
             });
}

void SyncClient::fetchRecords(const QString &path, int timeoutMs, QObject *context,
                              std::function<void(bool, QList<ProgressRecord>)> done)
{
    exchange("GET", path, timeoutMs, context, [done](int status, const QJsonObject &body) {
        QList<ProgressRecord> records;
        for (const QJsonValue &item : body.value(QStringLiteral("items")).toArray()) {
            ValidationError error;
            if (auto record =
                    RecordCodec::fromJson(item.toObject(), RecordCodec::Source::Server, &error))
                records.append(*record);
        }
        done(status == 200, records);
    });
}

void SyncClient::fetchList(int limit, int timeoutMs, QObject *context,
                           std::function<void(bool, QList<ProgressRecord>)> done)
{
    fetchRecords(QStringLiteral("/v1/progress?limit=%1").arg(limit), timeoutMs, context,
                 std::move(done));
}

void SyncClient::fetchContinue(int limit, int timeoutMs, QObject *context,
                               std::function<void(bool, QList<ContinueEntry>)> done)
{
    exchange("GET", QStringLiteral("/v1/continue?limit=%1").arg(limit), timeoutMs, context,
             [done](int status, const QJsonObject &body) {
                 QList<ContinueEntry> entries;
                 for (const QJsonValue &item : body.value(QStringLiteral("items")).toArray()) {
                     const QJsonObject object = item.toObject();
                     ValidationError error;
                     auto record =
                         RecordCodec::fromJson(object.value(QStringLiteral("record")).toObject(),
                                               RecordCodec::Source::Server, &error);
                     if (!record)
                         continue;
                     ContinueEntry entry{*record, std::nullopt};
                     const QJsonValue next = object.value(QStringLiteral("next_after"));
                     if (next.isObject())
                         entry.nextAfter = RecordCodec::fromJson(
                             next.toObject(), RecordCodec::Source::Server, &error);
                     entries.append(entry);
                 }
                 done(status == 200, entries);
             });
}

void SyncClient::fetchHistory(const QString &contentId, int limit, int timeoutMs, QObject *context,
                              std::function<void(bool, QList<ProgressRecord>)> done)
{
    fetchRecords(QStringLiteral("/v1/progress/%1/history?limit=%2").arg(contentId).arg(limit),
                 timeoutMs, context, std::move(done));
}

void SyncClient::forget(const QString &contentId, qint64 seenObservedAtMs, QObject *context,
                        std::function<void(bool)> done)
{
    // Without a time the server would take its own now, which a record stamped a little ahead of
    // its clock (as it allows) would outlive.
    const qint64 observedAtMs = qMax(stampNow(), seenObservedAtMs + 1);
    exchange("DELETE",
             QStringLiteral("/v1/progress/%1?observed_at_ms=%2").arg(contentId).arg(observedAtMs),
             kRequestTimeoutMs, context,
             [done](int status, const QJsonObject &) { done(status == 204 || status == 404); });
}

void SyncClient::fetchDevices(int timeoutMs, QObject *context,
                              std::function<void(bool, QList<DeviceEntry>, QString)> done)
{
    exchange({"GET", QStringLiteral("/v1/devices"), {}, timeoutMs}, context,
             [done](const ServerAnswer &answer) {
                 QList<DeviceEntry> devices;
                 if (answer.status != 200) {
                     done(false, devices, answer.failure);
                     return;
                 }
                 for (const QJsonValue &item : answer.json().value(u"items").toArray()) {
                     const QJsonObject object = item.toObject();
                     DeviceEntry device;
                     device.id = object.value(u"id").toString();
                     device.deviceName = object.value(u"device_name").toString();
                     device.deviceId = object.value(u"device_id").toString();
                     device.createdAtMs = qint64(object.value(u"created_at_ms").toDouble());
                     device.lastSeenMs = qint64(object.value(u"last_seen_ms").toDouble());
                     device.lastContentId = object.value(u"last_content_id").toString();
                     device.thisDevice = object.value(u"this_device").toBool();
                     if (!device.id.isEmpty())
                         devices.append(device);
                 }
                 done(true, devices, QString());
             });
}

void SyncClient::removeDevice(const QString &id, QObject *context,
                              std::function<void(bool, QString)> done)
{
    const QString path =
        QStringLiteral("/v1/devices/") + QString::fromLatin1(QUrl::toPercentEncoding(id));
    exchange({"DELETE", path, {}, kRequestTimeoutMs}, context, [done](const ServerAnswer &answer) {
        const bool removed = answer.status == 204;
        done(removed, removed ? QString() : answer.failure);
    });
}

void SyncClient::approvePairing(const QString &code, QObject *context,
                                std::function<void(ApproveResult)> done)
{
    const QByteArray body =
        QJsonDocument(QJsonObject{{QStringLiteral("code"), code}}).toJson(QJsonDocument::Compact);
    exchange({"POST", QStringLiteral("/v1/pairings/approve"), body, kRequestTimeoutMs}, context,
             [done](const ServerAnswer &answer) {
                 ApproveResult result;
                 switch (answer.status) {
                 case 200:
                     result.outcome = ApproveResult::Approved;
                     result.deviceName = answer.json().value(u"device_name").toString();
                     break;
                 case 404:
                     result.outcome = ApproveResult::WrongCode;
                     break;
                 case 429:
                     result.outcome = ApproveResult::TooManyTries;
                     result.retryAfterSeconds = answer.retryAfterSeconds;
                     break;
                 default:
                     result.outcome = ApproveResult::Failed;
                     result.error = answer.failure;
                 }
                 done(result);
             });
}

void SyncClient::deliver()
{
    if (!hasServer())
        return;
    if (m_inFlight) {
        m_again = true;
        return;
    }
    m_inFlight = true;
    m_again = false;
    m_retry.stop();
    m_local.pending(kBatchSize, this, [this](const StoreResult<QList<PendingUpdate>> &pending) {
        if (!pending.ok()) {
            // Not an empty outbox: what waits in it cannot be read now (a locked or damaged
            // file). Try again later, as when the server is away.
            qCWarning(lcSync).noquote() << "the outbox cannot be read:" << pending.error();
            m_inFlight = false;
            scheduleRetry();
            Q_EMIT deliveryFinished(false);
            return;
        }
        const QList<PendingUpdate> &batch = pending.value();
        if (batch.isEmpty()) {
            m_inFlight = false;
            refreshPendingCount();
            Q_EMIT deliveryFinished(true);
            return;
        }
        sendBatch(batch);
    });
}

void SyncClient::sendBatch(const QList<PendingUpdate> &pending)
{
    // The server refuses a body over 64 KiB (413) and 500 updates with titles can be more: send
    // what fits and the rest right after this batch is answered.
    QList<PendingUpdate> batch;
    qsizetype bytes = 0;
    for (const PendingUpdate &update : pending) {
        bytes += RecordCodec::toCompactJson(update.record).size() + 1;
        if (!batch.isEmpty() && bytes > kMaxBatchBytes) {
            m_again = true;
            break;
        }
        batch.append(update);
    }
    QJsonArray updates;
    for (const PendingUpdate &update : batch)
        updates.append(RecordCodec::toJson(update.record));
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("updates"), updates}})
                                .toJson(QJsonDocument::Compact);
    // Each server of the list gets the whole time: the same batch goes to the next one in this
    // same attempt when one is away. Nothing has left the outbox, and an update a server applied
    // before going away may land twice, which the ordering rule makes harmless.
    m_exchange.send({"POST", QStringLiteral("/v1/sync"), body, kRequestTimeoutMs, true}, this,
                    [this, batch](const ServerAnswer &answer) { handleBatchReply(answer, batch); });
}

void SyncClient::renewDeviceId()
{
    const QString taken = m_deviceId;
    m_deviceId = ClientProfile::newDeviceId();
    // Once per renewal: a copied profile, two devices from now on.
    qCWarning(lcSync).noquote() << "device id" << taken
                                << "belongs to another device of this user (a copied profile?);"
                                   " this device is now"
                                << m_deviceId;
    m_local.renameDevice(taken, m_deviceId);
    for (ProgressRecord &record : m_unsettled) {
        if (record.deviceId == taken)
            record.deviceId = m_deviceId;
    }
    Q_EMIT deviceIdRenewed(m_deviceId);
}

void SyncClient::handleBatchReply(const ServerAnswer &answer, const QList<PendingUpdate> &batch)
{
    m_inFlight = false;
    if (answer.status == 409 && answer.errorCode() == ErrorCode::kDeviceIdTaken && !m_renewed) {
        // Nothing of the request was written: the outbox goes again under a new id, now.
        // Another 409 before a delivery succeeds waits for the backoff (below).
        m_renewed = true;
        renewDeviceId();
        deliver();
        return;
    }
    if (answer.status != 200) {
        qCInfo(lcSync).noquote() << "delivery failed:" << answer.failure << "-" << batch.size()
                                 << "update(s) stay in the outbox";
        setOnline(false);
        settleReports(batch, false);
        refreshPendingCount();
        // A removed device waits for nothing.
        if (!m_pool.isTokenRefused())
            scheduleRetry();
        Q_EMIT deliveryFinished(false);
        return;
    }

    setOnline(true);
    m_backoff.reset();
    m_renewed = false;
    const QJsonArray results = answer.json().value(u"results").toArray();

    bool restamped = false;
    QList<PendingUpdate> delivered;
    QList<PendingUpdate> kept;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const PendingUpdate &sent = batch.at(i);
        const QJsonObject result = results.at(i).toObject();
        const QJsonObject error = result.value(QStringLiteral("error")).toObject();
        const QString code = error.value(QStringLiteral("code")).toString();
        const QJsonValue forgottenAt = result.value(QStringLiteral("forgotten_at_ms"));
        if (error.isEmpty() && forgottenAt.isDouble()
            && !result.contains(QStringLiteral("record"))) {
            // Observed before the video was forgotten: stale for good, as a replay is. It leaves
            // the outbox, and so does the video from the local copy (unless a newer observation
            // is there), or Continue Watching here would bring back what was forgotten.
            const qint64 forgottenAtMs = qint64(forgottenAt.toDouble());
            delivered.append(sent);
            m_local.markDelivered(sent.record);
            m_local.dropForgotten(sent.record.contentId, forgottenAtMs);
            qCInfo(lcSync).noquote() << "an update of" << sent.record.contentId
                                     << "came after it was forgotten and is dropped";
            Q_EMIT forgottenSeen(sent.record.contentId, forgottenAtMs);
        } else if (error.isEmpty()) {
            delivered.append(sent);
            m_local.markDelivered(sent.record);
            ValidationError decodeError;
            const auto standing =
                RecordCodec::fromJson(result.value(QStringLiteral("record")).toObject(),
                                      RecordCodec::Source::Server, &decodeError);
            if (standing) {
                m_local.save(*standing, false, 0);
                Q_EMIT serverRecordSeen(*standing);
            }
        } else if (code == ErrorCode::kClockSkew) {
            // Stamped with an offset the server disagrees with: move the observation onto the
            // offset just estimated, never past the server's now, and send it again.
            ProgressRecord fixed = sent.record;
            fixed.observedAtMs =
                std::min(sent.record.observedAtMs - sent.offsetMs + m_clock.offsetMs(),
                         m_clock.serverNowMs());
            m_local.restamp(sent.record, fixed, m_clock.offsetMs());
            restamped = true;
            // Later stamps follow the corrected clock, not the refused ones (still above every
            // re-stamped observation, which is at most the server's now).
            m_lastStampMs = std::min(m_lastStampMs, m_clock.serverNowMs());
        } else if (code == ErrorCode::kBadRequest) {
            // It will never be accepted: keeping it would block nothing but retry forever.
            qCWarning(lcSync).noquote()
                << "the server refused an update of" << sent.record.contentId
                << "and it is dropped:" << error.value(QStringLiteral("message")).toString();
            delivered.append(sent);
            m_local.markDelivered(sent.record);
        } else {
            // The server could not take it now (storage unavailable, say): it stays in the
            // outbox and goes again with the next attempt.
            qCInfo(lcSync).noquote() << "the server could not take an update of"
                                     << sent.record.contentId << "now (" << code << "); it waits";
            kept.append(sent);
        }
    }
    settleReports(delivered, true);
    settleReports(kept, false);
    if (!kept.isEmpty()) {
        refreshPendingCount();
        scheduleRetry();
        Q_EMIT deliveryFinished(false);
        return;
    }
    if (restamped || m_again || batch.size() == kBatchSize) {
        deliver();
        return;
    }
    refreshPendingCount();
    Q_EMIT deliveryFinished(true);
}

void SyncClient::settleReports(const QList<PendingUpdate> &batch, bool delivered)
{
    // A report is settled by the attempt that carried it or a newer update of the same video
    // (the outbox keeps only the newest per video).
    for (auto it = m_unsettled.begin(); it != m_unsettled.end();) {
        const auto carried =
            std::find_if(batch.cbegin(), batch.cend(), [&it](const PendingUpdate &update) {
                return update.record.contentId == it->contentId
                    && ProgressOrder::compare(update.record, *it) >= 0;
            });
        if (carried == batch.cend()) {
            ++it;
            continue;
        }
        const ProgressRecord record = *it;
        it = m_unsettled.erase(it);
        Q_EMIT reportSettled(record, delivered);
    }
}

void SyncClient::scheduleRetry()
{
    const int delay = m_backoff.nextDelayMs();
    qCDebug(lcSync) << "next delivery attempt in" << delay << "ms";
    m_retry.start(delay);
}

void SyncClient::refreshPendingCount()
{
    m_local.pendingCount(this, [this](const StoreResult<int> &counted) {
        // A count that cannot be read leaves the last one shown; the local copy's failure is
        // shown beside it.
        const int count = counted.valueOr(m_pendingCount);
        if (count == m_pendingCount)
            return;
        m_pendingCount = count;
        Q_EMIT pendingCountChanged(count);
        Q_EMIT statusChanged();
    });
}

void SyncClient::finish(int timeoutMs, QObject *context, std::function<void(int)> done)
{
    auto finished = std::make_shared<bool>(false);
    auto connection = std::make_shared<QMetaObject::Connection>();
    auto complete = [this, context, done, finished, connection] {
        if (*finished)
            return;
        *finished = true;
        QObject::disconnect(*connection);
        m_local.pendingCount(
            context, [done](const StoreResult<int> &counted) { done(counted.valueOr(-1)); });
    };
    QTimer::singleShot(timeoutMs, context, complete);
    if (!hasServer()) {
        complete();
        return;
    }
    *connection = connect(this, &SyncClient::deliveryFinished, context, complete);
    deliver();
}
