#include "progressapi.h"

#include "eventrouter.h"
#include "metrics.h"
#include "protocol/protocollimits.h"
#include "protocol/recordcodec.h"
#include "recordcache.h"
#include "storageservice.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <memory>

Q_LOGGING_CATEGORY(lcApi, "playmark.server.api")

namespace {

const QString kInvalidContentId = QStringLiteral("content_id must match [A-Za-z0-9._:-]{1,128}");

ApiResponse badRequest(const ValidationError &error)
{
    return ApiResponse::error(ApiError::BadRequest, error.message);
}

ApiResponse unavailable(const QString &reason)
{
    qCWarning(lcApi).noquote() << "storage failure:" << reason;
    return ApiResponse::error(
        ApiError::Unavailable,
        QStringLiteral("storage is unavailable; nothing was written, try again"));
}

ApiResponse notFound(const QString &contentId)
{
    return ApiResponse::error(ApiError::NotFound,
                              QStringLiteral("no progress stored for %1").arg(contentId));
}

// limit=N: absent gives `fallback`, above the maximum is capped, anything else is an error.
bool readLimit(const QUrlQuery &query, int fallback, int *limit, ApiResponse *failure)
{
    if (!query.hasQueryItem(QStringLiteral("limit"))) {
        *limit = fallback;
        return true;
    }
    bool ok = false;
    const int value = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
    if (!ok || value < 1) {
        *failure = ApiResponse::error(ApiError::BadRequest,
                                      QStringLiteral("limit must be an integer from 1 to %1")
                                          .arg(ProgressApi::kMaxListLimit));
        return false;
    }
    *limit = qMin(value, ProgressApi::kMaxListLimit);
    return true;
}

// An observation more than the allowed minute ahead of the server's clock (PROTOCOL.md "Clock").
std::optional<ApiResponse> clockSkew(qint64 observedAtMs, qint64 now)
{
    if (observedAtMs <= now + ProtocolLimits::kMaxClockAheadMs)
        return std::nullopt;
    return ApiResponse::error(
        ApiError::ClockSkew,
        QStringLiteral("observed_at_ms is %1 s ahead of the server's clock (at most %2 s "
                       "allowed); estimate the clock offset from server_time_ms and resend")
            .arg((observedAtMs - now) / 1000)
            .arg(ProtocolLimits::kMaxClockAheadMs / 1000));
}

// Answers are written straight to JSON text (RecordCodec::appendJson), members in key order as
// QJsonDocument wrote them before: the same bytes without building QJsonObjects (measured: 14%
// of a PUT's CPU went to that).

// What PUT and each /v1/sync result say of an applied or stale update: `"applied":...,` then the
// record or forgotten_at_ms, appended to `out` after `between` (what comes between "applied" and
// them: a sync result's content_id).
void appendOutcome(QByteArray &out, bool applied, const ProgressRecord &record,
                   qint64 forgottenAtMs, const QByteArray &between = {})
{
    out.append(applied ? "\"applied\":true" : "\"applied\":false");
    out.append(between);
    // Stale by a forget: there is no record to give (the video is forgotten, or stands again
    // from a newer observation this update knows nothing of).
    if (forgottenAtMs >= 0) {
        out.append(",\"forgotten_at_ms\":");
        RecordCodec::appendJsonInteger(out, forgottenAtMs);
    } else {
        out.append(",\"record\":");
        RecordCodec::appendJson(out, record);
    }
}

// {"<key>":[...] with `encode(out, item)` writing each item.
template<typename Item, typename Encode>
ApiResponse itemsAnswer(const char *key, const QList<Item> &items, Encode encode)
{
    QByteArray out;
    out.reserve(16 + items.size() * 320);
    out.append("{\"").append(key).append("\":[");
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i > 0)
            out.append(',');
        encode(out, items.at(i));
    }
    out.append(']');
    return ApiResponse::readyJson(std::move(out));
}

ApiResponse recordAnswer(const ProgressRecord &record)
{
    QByteArray out("{\"record\":");
    RecordCodec::appendJson(out, record);
    return ApiResponse::readyJson(std::move(out));
}

} // namespace

ProgressApi::ProgressApi(StorageService &storage, RecordCache &cache, EventRouter &router,
                         Metrics &metrics, DeviceActivity &activity, QObject *parent)
    : QObject(parent),
      m_storage(storage),
      m_cache(cache),
      m_router(router),
      m_metrics(metrics),
      m_activity(activity)
{
}

void ProgressApi::apply(const DeviceIdentity &who, const ProgressRecord &update,
                        std::function<void(const Applied &)> done)
{
    const qint64 userId = who.userId;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (const std::optional<ApiResponse> skew = clockSkew(update.observedAtMs, now)) {
        Applied result;
        result.failure = *skew;
        done(result);
        return;
    }
    WriteOp op;
    op.userId = userId;
    op.update = update;
    op.receivedAtMs = now;
    op.touch = m_activity.updated(who.deviceKey, update, now);
    const quint64 epoch = m_cache.epoch();
    m_storage.write(
        op, this,
        [this, userId, epoch, done](bool ok, const ApplyOutcome &outcome, const QString &error) {
            if (!ok) {
                Applied result;
                result.failure = unavailable(error);
                done(result);
                return;
            }
            m_metrics.countUpdate(outcome.applied);
            if (outcome.countsKnown)
                return settle(userId, outcome, epoch, done);
            // Not a finish: the counts are the ones the record had, which the cache has unless
            // it was dropped; else read them (they never come out older than the update's).
            const QString contentId = outcome.record.contentId;
            if (const std::optional<RecordCache::Counts> before =
                    m_cache.counts(userId, contentId)) {
                ApplyOutcome known = outcome;
                known.record.playCount = before->playCount;
                known.record.lastFinishedMs = before->lastFinishedMs;
                return settle(userId, known, epoch, done);
            }
            using Read = std::pair<bool, std::optional<ProgressRecord>>;
            m_storage.read<Read>(
                [userId, contentId](ServerStorage &storage) {
                    Read read;
                    QString failure;
                    read.first =
                        storage.progress().record(userId, contentId, &read.second, &failure);
                    // The update is durable all the same: answered, without its counts.
                    if (!read.first)
                        qCWarning(lcApi).noquote() << "cannot read the counts:" << failure;
                    return read;
                },
                this,
                [this, userId, epoch, done, outcome](const Read &read) {
                    ApplyOutcome known = outcome;
                    if (read.first && read.second) {
                        known.record.playCount = read.second->playCount;
                        known.record.lastFinishedMs = read.second->lastFinishedMs;
                    }
                    settle(userId, known, epoch, done);
                });
        });
}

void ProgressApi::bindThen(const DeviceIdentity &who, const QList<ProgressRecord> &updates,
                           std::function<void(const std::optional<ApiResponse> &)> next)
{
    QStringList unbound;
    for (const ProgressRecord &update : updates) {
        if (update.deviceId != who.boundDeviceId) {
            unbound.removeAll(update.deviceId);
            unbound.append(update.deviceId); // the last one is bound
        }
    }
    // Once bound, nothing: the steady state costs no statement here.
    if (unbound.isEmpty() || who.deviceKey.isEmpty())
        return next(std::nullopt);
    WriteOp op;
    op.kind = WriteOp::Kind::Bind;
    op.userId = who.userId;
    op.deviceKey = who.deviceKey;
    op.bindDeviceIds = unbound;
    m_storage.write(
        op, this,
        [this, who, unbound, next](bool ok, const ApplyOutcome &outcome, const QString &error) {
            if (!ok)
                return next(unavailable(error));
            if (outcome.deviceIdTaken) {
                qCInfo(lcApi).noquote() << "device" << who.deviceKey << "sent a device_id of"
                                        << "another device of its user: 409";
                return next(ApiResponse::error(
                    ApiError::DeviceIdTaken,
                    QStringLiteral("this device_id belongs to another device of yours; make a "
                                   "new one and send again")));
            }
            Q_EMIT deviceBound(who.deviceKey, unbound.constLast());
            next(std::nullopt);
        });
}

void ProgressApi::deviceSeen(const DeviceIdentity &who)
{
    const std::optional<DeviceTouch> touch =
        m_activity.seen(who.deviceKey, QDateTime::currentMSecsSinceEpoch());
    if (!touch)
        return;
    WriteOp op;
    op.kind = WriteOp::Kind::Touch;
    op.userId = who.userId;
    op.touch = touch;
    // Nobody waits for it; a failure is logged by the store and the next minute tries again.
    m_storage.write(op, this, [](bool, const ApplyOutcome &, const QString &) {});
}

void ProgressApi::settle(qint64 userId, const ApplyOutcome &outcome, quint64 epoch,
                         const std::function<void(const Applied &)> &done)
{
    Applied result;
    result.ok = true;
    result.applied = outcome.applied;
    result.record = outcome.record;
    result.forgottenAtMs = outcome.forgottenAtMs;
    if (outcome.forgottenAtMs >= 0)
        return done(result); // nothing changed, and no record to keep
    // Committed: from now on every read sees it, and every stream hears it (a stale finish too:
    // the record's count changed).
    m_cache.storeWritten(userId, outcome.record, epoch);
    if (outcome.applied || outcome.counted)
        m_router.publish(userId, outcome.record);
    done(result);
}

void ProgressApi::applyCommitted(const QString &origin, const QList<CommittedChange> &changes)
{
    const bool ours = origin == m_origin; // already published when its write was answered
    for (const CommittedChange &change : changes) {
        if (change.kind == CommittedChange::Kind::Removed) {
            m_cache.remove(change.userId, change.record.contentId);
            continue;
        }
        // A notice can arrive after this server answered a newer write of its own: streams have
        // heard that one already, and an older record must not follow it.
        const bool outdated = !m_cache.store(change.userId, change.record);
        if (!ours && !outdated)
            m_router.publish(change.userId, change.record);
    }
}

void ProgressApi::dropCache()
{
    m_cache.clear();
}

void ProgressApi::applyCaughtUp(const QList<CommittedChange> &changes)
{
    // Not cached: a write this server answered after the feed read them may be newer (and its
    // store was dropped with the cache); reads fill the cache from the database again.
    for (const CommittedChange &change : changes)
        m_router.publish(change.userId, change.record);
}

void ProgressApi::put(const DeviceIdentity &who, const QString &contentId, const QByteArray &body,
                      Reply reply)
{
    if (!RecordCodec::isValidContentId(contentId))
        return reply(ApiResponse::error(ApiError::BadRequest, kInvalidContentId));
    ValidationError error;
    const std::optional<QJsonObject> object = RecordCodec::parseObject(body, &error);
    if (!object)
        return reply(badRequest(error));
    const std::optional<ProgressRecord> update =
        RecordCodec::fromJson(*object, contentId, RecordCodec::Source::Client, &error);
    if (!update)
        return reply(badRequest(error));

    bindThen(who, {*update},
             [this, who, update = *update, reply](const std::optional<ApiResponse> &failure) {
                 if (failure)
                     return reply(*failure);
                 apply(who, update, [reply](const Applied &result) {
                     if (!result.ok)
                         return reply(result.failure);
                     QByteArray answer("{");
                     appendOutcome(answer, result.applied, result.record, result.forgottenAtMs);
                     reply(ApiResponse::readyJson(std::move(answer)));
                 });
             });
}

void ProgressApi::get(qint64 userId, const QString &contentId, Reply reply)
{
    if (!RecordCodec::isValidContentId(contentId))
        return reply(ApiResponse::error(ApiError::BadRequest, kInvalidContentId));
    if (const std::optional<ProgressRecord> cached = m_cache.find(userId, contentId))
        return reply(recordAnswer(*cached));

    struct Found
    {
        bool ok = false;
        std::optional<ProgressRecord> record;
        QString error;
    };
    const quint64 epoch = m_cache.epoch();
    m_storage.read<Found>(
        [userId, contentId](ServerStorage &storage) {
            Found found;
            found.ok = storage.progress().record(userId, contentId, &found.record, &found.error);
            return found;
        },
        this,
        [this, userId, contentId, epoch, reply](const Found &found) {
            if (!found.ok)
                return reply(unavailable(found.error));
            if (!found.record)
                return reply(notFound(contentId));
            m_cache.storeRead(userId, *found.record, epoch);
            // A write may have committed while the read ran: answer what stands now.
            const ProgressRecord latest = m_cache.find(userId, contentId).value_or(*found.record);
            reply(recordAnswer(latest));
        });
}

void ProgressApi::remove(qint64 userId, const QString &contentId, const QUrlQuery &query,
                         Reply reply)
{
    if (!RecordCodec::isValidContentId(contentId))
        return reply(ApiResponse::error(ApiError::BadRequest, kInvalidContentId));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 observedAtMs = now;
    if (query.hasQueryItem(QStringLiteral("observed_at_ms"))) {
        bool ok = false;
        observedAtMs = query.queryItemValue(QStringLiteral("observed_at_ms")).toLongLong(&ok);
        if (!ok || observedAtMs < 0)
            return reply(ApiResponse::error(
                ApiError::BadRequest, QStringLiteral("observed_at_ms must be an integer >= 0")));
        if (const std::optional<ApiResponse> skew = clockSkew(observedAtMs, now))
            return reply(*skew);
    }
    WriteOp op;
    op.kind = WriteOp::Kind::Remove;
    op.userId = userId;
    op.update.contentId = contentId;
    op.update.observedAtMs = observedAtMs;
    m_storage.write(op, this,
                    [this, userId, contentId, reply](bool ok, const ApplyOutcome &outcome,
                                                     const QString &error) {
                        if (!ok)
                            return reply(unavailable(error));
                        m_cache.remove(userId, contentId);
                        reply(outcome.applied ? ApiResponse::noContent() : notFound(contentId));
                    });
}

// A list route of the user's: ?limit=N (default 20), the items read off the HTTP thread by
// `read` (false: storage failed, with the reason), answered as {"items":[...]} with `encode`
// making each item.
template<typename Item, typename Read, typename Encode>
void ProgressApi::answerList(const QUrlQuery &query, Read read, Encode encode, Reply reply)
{
    int limit = 0;
    ApiResponse failure;
    if (!readLimit(query, 20, &limit, &failure))
        return reply(failure);
    using Listed = std::pair<QString, QList<Item>>; // error, items
    m_storage.read<Listed>(
        [read, limit](ServerStorage &storage) {
            Listed listed;
            if (!read(storage, limit, &listed.second, &listed.first) && listed.first.isEmpty())
                listed.first = QStringLiteral("failed");
            return listed;
        },
        this,
        [reply, encode](const Listed &listed) {
            if (!listed.first.isEmpty())
                return reply(unavailable(listed.first));
            reply(itemsAnswer("items", listed.second, encode));
        });
}

void ProgressApi::list(qint64 userId, const QUrlQuery &query, Reply reply)
{
    answerList<ProgressRecord>(
        query,
        [userId](ServerStorage &storage, int limit, QList<ProgressRecord> *records,
                 QString *error) {
            return storage.progress().continueWatching(userId, limit, records, error);
        },
        &RecordCodec::appendJson, reply);
}

void ProgressApi::continueList(qint64 userId, const QUrlQuery &query, Reply reply)
{
    answerList<ContinueItem>(
        query,
        [userId](ServerStorage &storage, int limit, QList<ContinueItem> *items, QString *error) {
            return storage.progress().continueByShow(userId, limit, items, error);
        },
        [](QByteArray &out, const ContinueItem &item) {
            out.append('{');
            if (item.nextAfter) {
                out.append("\"next_after\":");
                RecordCodec::appendJson(out, *item.nextAfter);
                out.append(',');
            }
            out.append("\"record\":");
            RecordCodec::appendJson(out, item.record);
            out.append('}');
        },
        reply);
}

void ProgressApi::history(qint64 userId, const QString &contentId, const QUrlQuery &query,
                          Reply reply)
{
    if (!RecordCodec::isValidContentId(contentId))
        return reply(ApiResponse::error(ApiError::BadRequest, kInvalidContentId));
    int limit = 0;
    ApiResponse failure;
    if (!readLimit(query, 50, &limit, &failure))
        return reply(failure);
    struct History
    {
        bool ok = false;
        bool exists = false;
        QList<ProgressRecord> items;
        QString error;
    };
    m_storage.read<History>(
        [userId, contentId, limit](ServerStorage &storage) {
            History result;
            std::optional<ProgressRecord> standing;
            result.ok = storage.progress().record(userId, contentId, &standing, &result.error)
                && storage.progress().history(userId, contentId, limit, &result.items,
                                              &result.error);
            result.exists = standing.has_value();
            // Each entry carries the video's counts as they are now.
            for (ProgressRecord &item : result.items) {
                if (standing) {
                    item.playCount = standing->playCount;
                    item.lastFinishedMs = standing->lastFinishedMs;
                }
            }
            return result;
        },
        this,
        [contentId, reply](const History &result) {
            if (!result.ok)
                return reply(unavailable(result.error));
            if (!result.exists)
                return reply(notFound(contentId));
            reply(itemsAnswer("items", result.items, &RecordCodec::appendJson));
        });
}

void ProgressApi::sync(const DeviceIdentity &who, const QByteArray &body, Reply reply)
{
    ValidationError error;
    const std::optional<QJsonObject> object = RecordCodec::parseObject(body, &error);
    if (!object)
        return reply(badRequest(error));
    const QJsonValue updates = object->value(QStringLiteral("updates"));
    if (!updates.isArray())
        return reply(ApiResponse::error(
            ApiError::BadRequest, QStringLiteral("updates must be an array of progress records")));
    const QJsonArray array = updates.toArray();
    if (array.size() > ProtocolLimits::kMaxSyncUpdates)
        return reply(
            ApiResponse::error(ApiError::BadRequest,
                               QStringLiteral("updates holds %1 records; at most %2 are allowed")
                                   .arg(array.size())
                                   .arg(ProtocolLimits::kMaxSyncUpdates)));

    // Each update is applied on its own; the answer goes once the last one is known. Each result
    // is kept as its JSON text: {"applied":...,"content_id":...,"record":...} or
    // {"content_id":...,"error":...} (members in key order).
    struct Batch
    {
        QList<QByteArray> ids; // each update's content_id as JSON: its string, or null
        QList<QByteArray> results;
        qsizetype waiting = 0;
        Reply reply;
    };
    auto batch = std::make_shared<Batch>();
    batch->reply = std::move(reply);
    batch->ids.resize(array.size());
    batch->results.resize(array.size());
    const auto finishOne = [batch] {
        if (--batch->waiting > 0)
            return;
        batch->reply(
            itemsAnswer("results", batch->results,
                        [](QByteArray &out, const QByteArray &result) { out.append(result); }));
    };
    const auto failed = [batch](qsizetype i, const QJsonObject &why) {
        batch->results[i] = "{\"content_id\":" + batch->ids.at(i)
            + ",\"error\":" + QJsonDocument(why).toJson(QJsonDocument::Compact) + '}';
    };
    batch->waiting = array.size() + 1; // +1: the loop below holds the answer back until it ends
    QList<qsizetype> places; // where each accepted update is in `updates`
    QList<ProgressRecord> accepted;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue item = array.at(i);
        const QJsonValue id = item.toObject().value(QStringLiteral("content_id"));
        if (id.isString())
            RecordCodec::appendJsonString(batch->ids[i], id.toString());
        else
            batch->ids[i] = "null";
        if (!item.isObject()) {
            failed(i,
                   errorObject(ApiError::BadRequest,
                               QStringLiteral("each update must be a JSON object")));
            finishOne();
            continue;
        }
        const std::optional<ProgressRecord> update =
            RecordCodec::fromJson(item.toObject(), RecordCodec::Source::Client, &error);
        if (!update) {
            failed(i, errorObject(ApiError::BadRequest, error.message));
            finishOne();
            continue;
        }
        places.append(i);
        accepted.append(*update);
    }
    // A device_id of another device fails the whole request, before anything is written.
    bindThen(
        who, accepted,
        [this, who, batch, places, accepted, finishOne,
         failed](const std::optional<ApiResponse> &failure) {
            if (failure)
                return batch->reply(*failure);
            for (qsizetype k = 0; k < accepted.size(); ++k) {
                apply(who, accepted.at(k),
                      [batch, i = places.at(k), finishOne, failed](const Applied &applied) {
                          if (applied.ok) {
                              QByteArray &answer = batch->results[i];
                              answer = "{";
                              appendOutcome(answer, applied.applied, applied.record,
                                            applied.forgottenAtMs,
                                            ",\"content_id\":" + batch->ids.at(i));
                              answer.append('}');
                          } else {
                              failed(
                                  i,
                                  applied.failure.json.value(QStringLiteral("error")).toObject());
                          }
                          finishOne();
                      });
            }
            finishOne();
        });
}
