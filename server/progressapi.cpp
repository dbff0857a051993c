#include "progressapi.h"

#include "eventhub.h"
#include "metrics.h"
#include "recordcodec.h"
#include "serverstorage.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

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

QJsonArray toArray(const QList<ProgressRecord> &records)
{
    QJsonArray items;
    for (const ProgressRecord &record : records)
        items.append(RecordCodec::toJson(record));
    return items;
}

} // namespace

ProgressApi::ProgressApi(ServerStorage &storage, EventHub &events, Metrics &metrics)
    : m_storage(storage), m_events(events), m_metrics(metrics)
{
}

ProgressApi::Applied ProgressApi::apply(qint64 userId, const ProgressRecord &update)
{
    Applied result;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (update.observedAtMs > now + kMaxClockAheadMs) {
        result.failure = ApiResponse::error(
            ApiError::ClockSkew,
            QStringLiteral("observed_at_ms is %1 s ahead of the server's clock (at most %2 s "
                           "allowed); estimate the clock offset from server_time_ms and resend")
                .arg((update.observedAtMs - now) / 1000)
                .arg(kMaxClockAheadMs / 1000));
        return result;
    }
    ApplyOutcome outcome;
    QString error;
    if (!m_storage.apply(userId, update, now, &outcome, &error)) {
        result.failure = unavailable(error);
        return result;
    }
    m_metrics.countUpdate(outcome.applied);
    if (outcome.applied)
        m_events.publish(userId, outcome.record);
    result.ok = true;
    result.applied = outcome.applied;
    result.record = outcome.record;
    return result;
}

ApiResponse ProgressApi::put(qint64 userId, const QString &contentId, const QByteArray &body)
{
    if (!RecordCodec::isValidContentId(contentId))
        return ApiResponse::error(ApiError::BadRequest, kInvalidContentId);
    ValidationError error;
    const std::optional<QJsonObject> object = RecordCodec::parseObject(body, &error);
    if (!object)
        return badRequest(error);
    const std::optional<ProgressRecord> update =
        RecordCodec::fromJson(*object, contentId, RecordCodec::Source::Client, &error);
    if (!update)
        return badRequest(error);

    const Applied result = apply(userId, *update);
    if (!result.ok)
        return result.failure;
    return ApiResponse::ok({{QStringLiteral("applied"), result.applied},
                            {QStringLiteral("record"), RecordCodec::toJson(result.record)}});
}

ApiResponse ProgressApi::get(qint64 userId, const QString &contentId)
{
    if (!RecordCodec::isValidContentId(contentId))
        return ApiResponse::error(ApiError::BadRequest, kInvalidContentId);
    std::optional<ProgressRecord> record;
    QString error;
    if (!m_storage.record(userId, contentId, &record, &error))
        return unavailable(error);
    if (!record)
        return notFound(contentId);
    return ApiResponse::ok({{QStringLiteral("record"), RecordCodec::toJson(*record)}});
}

ApiResponse ProgressApi::remove(qint64 userId, const QString &contentId)
{
    if (!RecordCodec::isValidContentId(contentId))
        return ApiResponse::error(ApiError::BadRequest, kInvalidContentId);
    bool existed = false;
    QString error;
    if (!m_storage.remove(userId, contentId, &existed, &error))
        return unavailable(error);
    return existed ? ApiResponse::noContent() : notFound(contentId);
}

ApiResponse ProgressApi::list(qint64 userId, const QUrlQuery &query)
{
    int limit = 0;
    ApiResponse failure;
    if (!readLimit(query, 20, &limit, &failure))
        return failure;
    QList<ProgressRecord> records;
    QString error;
    if (!m_storage.continueWatching(userId, limit, &records, &error))
        return unavailable(error);
    return ApiResponse::ok({{QStringLiteral("items"), toArray(records)}});
}

ApiResponse ProgressApi::history(qint64 userId, const QString &contentId, const QUrlQuery &query)
{
    if (!RecordCodec::isValidContentId(contentId))
        return ApiResponse::error(ApiError::BadRequest, kInvalidContentId);
    int limit = 0;
    ApiResponse failure;
    if (!readLimit(query, 50, &limit, &failure))
        return failure;
    std::optional<ProgressRecord> standing;
    QList<ProgressRecord> records;
    QString error;
    if (!m_storage.record(userId, contentId, &standing, &error)
        || !m_storage.history(userId, contentId, limit, &records, &error))
        return unavailable(error);
    if (!standing)
        return notFound(contentId);
    return ApiResponse::ok({{QStringLiteral("items"), toArray(records)}});
}

ApiResponse ProgressApi::sync(qint64 userId, const QByteArray &body)
{
    ValidationError error;
    const std::optional<QJsonObject> object = RecordCodec::parseObject(body, &error);
    if (!object)
        return badRequest(error);
    const QJsonValue updates = object->value(QStringLiteral("updates"));
    if (!updates.isArray())
        return ApiResponse::error(ApiError::BadRequest,
                                  QStringLiteral("updates must be an array of progress records"));
    const QJsonArray array = updates.toArray();
    if (array.size() > kMaxSyncUpdates)
        return ApiResponse::error(ApiError::BadRequest,
                                  QStringLiteral("updates holds %1 records; at most %2 are allowed")
                                      .arg(array.size())
                                      .arg(kMaxSyncUpdates));

    QJsonArray results;
    for (const QJsonValue &item : array) {
        QJsonObject result;
        const QJsonValue id = item.toObject().value(QStringLiteral("content_id"));
        result.insert(QStringLiteral("content_id"), id.isString() ? id : QJsonValue());
        if (!item.isObject()) {
            result.insert(QStringLiteral("error"),
                          errorObject(ApiError::BadRequest,
                                      QStringLiteral("each update must be a JSON object")));
            results.append(result);
            continue;
        }
        const std::optional<ProgressRecord> update =
            RecordCodec::fromJson(item.toObject(), RecordCodec::Source::Client, &error);
        if (!update) {
            result.insert(QStringLiteral("error"),
                          errorObject(ApiError::BadRequest, error.message));
            results.append(result);
            continue;
        }
        const Applied applied = apply(userId, *update);
        if (applied.ok) {
            result.insert(QStringLiteral("applied"), applied.applied);
            result.insert(QStringLiteral("record"), RecordCodec::toJson(applied.record));
        } else {
            result.insert(QStringLiteral("error"),
                          applied.failure.json.value(QStringLiteral("error")));
        }
        results.append(result);
    }
    return ApiResponse::ok({{QStringLiteral("results"), results}});
}
