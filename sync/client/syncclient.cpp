#include "client/syncclient.h"

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
    : QObject(parent), m_local(local), m_pool(pool)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &SyncClient::deliver);
    // The status display names the server in use.
    connect(&m_pool, &ServerPool::currentChanged, this, &SyncClient::statusChanged);
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

QNetworkRequest SyncClient::request(const QString &path, int timeoutMs) const
{
    QNetworkRequest request = m_pool.request(path, timeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return request;
}

void SyncClient::noteServerTime(const QByteArray &body, qint64 sentAtMs, qint64 receivedAtMs)
{
    const QJsonValue serverTime =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("server_time_ms"));
    if (!serverTime.isDouble())
        return;
    const qint64 previous = m_clock.offsetMs();
    m_clock.addSample(qint64(serverTime.toDouble()), sentAtMs, receivedAtMs);
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

void SyncClient::exchange(const QByteArray &verb, const QString &path, int timeoutMs,
                          QObject *context, std::function<void(int, const QJsonObject &)> done)
{
    if (!hasServer()) {
        QMetaObject::invokeMethod(
            context, [done] { done(0, {}); }, Qt::QueuedConnection);
        return;
    }
    exchangeUntil(verb, path, nowMs() + timeoutMs, m_pool.servers().size(), context,
                  std::move(done));
}

void SyncClient::exchangeUntil(const QByteArray &verb, const QString &path, qint64 deadlineMs,
                               int serversLeft, QObject *context,
                               std::function<void(int, const QJsonObject &)> done)
{
    // The time left is shared among the servers not tried yet, so that one that never answers
    // cannot use it all.
    const qint64 sentAt = nowMs();
    const int timeoutMs = int(std::max<qint64>(1, (deadlineMs - sentAt) / serversLeft));
    const ServerPool::Ticket ticket = m_pool.ticket();
    QNetworkReply *reply = m_network.sendCustomRequest(request(path, timeoutMs), verb);
    connect(reply, &QNetworkReply::finished, context,
            [this, reply, sentAt, verb, path, deadlineMs, serversLeft, context, ticket, done] {
                reply->deleteLater();
                const QByteArray body =
                    reply->isOpen() ? reply->readAll() : QByteArray(); // not after a timeout
                const int status =
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status != 0)
                    noteServerTime(body, sentAt, nowMs());
                if (ServerPool::isAway(status) && serversLeft > 1 && nowMs() < deadlineMs
                    && m_pool.moveOn(ticket, ServerPool::failure(reply, status))) {
                    exchangeUntil(verb, path, deadlineMs, serversLeft - 1, context, done);
                    return;
                }
                setOnline(status >= 200 && status < 500 && status != 401);
                done(status, QJsonDocument::fromJson(body).object());
            });
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
    postBatch(batch, m_pool.servers().size());
}

void SyncClient::postBatch(const QList<PendingUpdate> &batch, int serversLeft)
{
    QJsonArray updates;
    for (const PendingUpdate &update : batch)
        updates.append(RecordCodec::toJson(update.record));
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("updates"), updates}})
                                .toJson(QJsonDocument::Compact);
    const qint64 sentAt = nowMs();
    const ServerPool::Ticket ticket = m_pool.ticket();
    QNetworkReply *reply =
        m_network.post(request(QStringLiteral("/v1/sync"), kRequestTimeoutMs), body);
    connect(
        reply, &QNetworkReply::finished, this, [this, reply, batch, sentAt, ticket, serversLeft] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            // The same batch to the next server, in this same attempt: nothing has left the
            // outbox, and an update this server applied before going away may land twice,
            // which the ordering rule makes harmless.
            if (ServerPool::isAway(status) && serversLeft > 1
                && m_pool.moveOn(ticket, ServerPool::failure(reply, status))) {
                reply->deleteLater();
                postBatch(batch, serversLeft - 1);
                return;
            }
            handleBatchReply(reply, batch, sentAt);
        });
}

void SyncClient::handleBatchReply(QNetworkReply *reply, const QList<PendingUpdate> &batch,
                                  qint64 sentAtMs)
{
    reply->deleteLater();
    m_inFlight = false;
    const QByteArray body =
        reply->isOpen() ? reply->readAll() : QByteArray(); // not after a timeout
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0)
        noteServerTime(body, sentAtMs, nowMs());

    if (status != 200) {
        qCInfo(lcSync).noquote() << "delivery failed:" << ServerPool::failure(reply, status) << "-"
                                 << batch.size() << "update(s) stay in the outbox";
        setOnline(false);
        settleReports(batch, false);
        refreshPendingCount();
        scheduleRetry();
        Q_EMIT deliveryFinished(false);
        return;
    }

    setOnline(true);
    m_backoff.reset();
    const QJsonArray results =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("results")).toArray();
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
