#include "protocol/sqlrecord.h"

#include <QVariant>

namespace SqlRecord {

namespace {
QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}
} // namespace

QString columns()
{
    return QStringLiteral("content_id, position_ms, duration_ms, device_id, device_name, "
                          "observed_at_ms, state, title, show_id, episode_id");
}

void bind(QSqlQuery &query, const ProgressRecord &record)
{
    query.addBindValue(record.contentId);
    query.addBindValue(record.positionMs);
    query.addBindValue(record.durationMs);
    query.addBindValue(record.deviceId);
    // device_name is optional but NOT NULL in the tables, and a null QString binds as NULL: an
    // absent name is stored as an empty one.
    query.addBindValue(record.deviceName.isNull() ? QStringLiteral("") : record.deviceName);
    query.addBindValue(record.observedAtMs);
    query.addBindValue(playbackStateName(record.state));
    query.addBindValue(nullable(record.title));
    query.addBindValue(nullable(record.showId));
    query.addBindValue(nullable(record.episodeId));
}

ProgressRecord read(const QSqlQuery &query, int firstColumn)
{
    const auto at = [&](int column) {
        return query.value(firstColumn + column);
    };
    ProgressRecord record;
    record.contentId = at(0).toString();
    record.positionMs = at(1).toLongLong();
    record.durationMs = at(2).toLongLong();
    record.deviceId = at(3).toString();
    record.deviceName = at(4).toString();
    record.observedAtMs = at(5).toLongLong();
    record.state = playbackStateFromName(at(6).toString()).value_or(PlaybackState::Playing);
    record.title = at(7).toString();
    record.showId = at(8).toString();
    record.episodeId = at(9).toString();
    return record;
}

QString updateAll(const QString &extraColumn)
{
    return QStringLiteral(" DO UPDATE SET position_ms = excluded.position_ms,"
                          " duration_ms = excluded.duration_ms, device_id = excluded.device_id,"
                          " device_name = excluded.device_name,"
                          " observed_at_ms = excluded.observed_at_ms, state = excluded.state,"
                          " title = excluded.title, show_id = excluded.show_id,"
                          " episode_id = excluded.episode_id, %1 = excluded.%1")
        .arg(extraColumn);
}

namespace {
// device_id compared by bytes, as the ordering rule says: SQLite's default (BINARY), PostgreSQL's
// "C" collation (UTF-8 byte order), whatever the database's own collation is.
QString deviceId(Dialect dialect)
{
    return dialect == Dialect::PostgreSQL ? QStringLiteral("device_id COLLATE \"C\"")
                                          : QStringLiteral("device_id");
}
} // namespace

QString whereNewer(const QString &table, Dialect dialect)
{
    // (observed_at_ms, device_id) compared in that order.
    return QStringLiteral(" WHERE excluded.observed_at_ms > %1.observed_at_ms"
                          " OR (excluded.observed_at_ms = %1.observed_at_ms"
                          " AND excluded.%2 > %1.device_id)")
        .arg(table, deviceId(dialect));
}

QString newestFirst(Dialect dialect)
{
    return QStringLiteral(" ORDER BY observed_at_ms DESC, %1 DESC").arg(deviceId(dialect));
}

} // namespace SqlRecord
