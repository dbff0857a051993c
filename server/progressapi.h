#pragma once

#include "apiresponse.h"
#include "progressrecord.h"

#include <QUrlQuery>

class EventHub;
class Metrics;
class ServerStorage;

// The /v1 endpoints, one method each, as plain calls returning a response. The caller has
// already matched the route, checked the method and found the user from the token.
class ProgressApi final
{
    Q_DISABLE_COPY_MOVE(ProgressApi)
public:
    static constexpr qint64 kMaxClockAheadMs = 60000;
    static constexpr int kMaxSyncUpdates = 500;
    static constexpr int kMaxListLimit = 200;

    ProgressApi(ServerStorage &storage, EventHub &events, Metrics &metrics);

    ApiResponse put(qint64 userId, const QString &contentId, const QByteArray &body);
    ApiResponse get(qint64 userId, const QString &contentId);
    ApiResponse remove(qint64 userId, const QString &contentId);
    ApiResponse list(qint64 userId, const QUrlQuery &query);
    ApiResponse history(qint64 userId, const QString &contentId, const QUrlQuery &query);
    ApiResponse sync(qint64 userId, const QByteArray &body);

private:
    struct Applied
    {
        ApiResponse failure; // meaningful when !ok
        bool ok = false;
        bool applied = false;
        ProgressRecord record;
    };
    Applied apply(qint64 userId, const ProgressRecord &update);

    ServerStorage &m_storage;
    EventHub &m_events;
    Metrics &m_metrics;
};
