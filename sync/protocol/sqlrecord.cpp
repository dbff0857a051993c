#include "protocol/sqlrecord.h"

namespace SqlRecord {

namespace {

QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

} // namespace

const QList<Field> &fields()
{
    static const QList<Field> table{
        {"content_id", true, [](const ProgressRecord &r) { return QVariant(r.contentId); },
         [](ProgressRecord &r, const QVariant &v) {
             r.contentId = v.toString();
         }},
        {"position_ms", false, [](const ProgressRecord &r) { return QVariant(r.positionMs); },
         [](ProgressRecord &r, const QVariant &v) {
             r.positionMs = v.toLongLong();
         }},
        {"duration_ms", false, [](const ProgressRecord &r) { return QVariant(r.durationMs); },
         [](ProgressRecord &r, const QVariant &v) {
             r.durationMs = v.toLongLong();
         }},
        {"device_id", false, [](const ProgressRecord &r) { return QVariant(r.deviceId); },
         [](ProgressRecord &r, const QVariant &v) {
             r.deviceId = v.toString();
         }},
        // device_name is optional but NOT NULL in the tables, and a null QString binds as NULL:
        // an absent name is stored as an empty one.
        {"device_name", false,
         [](const ProgressRecord &r) {
             return QVariant(r.deviceName.isNull() ? QStringLiteral("") : r.deviceName);
         },
         [](ProgressRecord &r, const QVariant &v) {
             r.deviceName = v.toString();
         }},
        {"observed_at_ms", false, [](const ProgressRecord &r) { return QVariant(r.observedAtMs); },
         [](ProgressRecord &r, const QVariant &v) {
             r.observedAtMs = v.toLongLong();
         }},
        {"state", false,
         [](const ProgressRecord &r) { return QVariant(playbackStateName(r.state)); },
         [](ProgressRecord &r, const QVariant &v) {
             r.state = playbackStateFromName(v.toString()).value_or(PlaybackState::Playing);
         }},
        {"title", false, [](const ProgressRecord &r) { return nullable(r.title); },
         [](ProgressRecord &r, const QVariant &v) {
             r.title = v.toString();
         }},
        {"show_id", false, [](const ProgressRecord &r) { return nullable(r.showId); },
         [](ProgressRecord &r, const QVariant &v) {
             r.showId = v.toString();
         }},
        {"episode_id", false, [](const ProgressRecord &r) { return nullable(r.episodeId); },
         [](ProgressRecord &r, const QVariant &v) {
             r.episodeId = v.toString();
         }},
        // Compact JSON as the protocol writes it: one column, so a member added to `choices`
        // later needs no migration. NULL when the record has none.
        {"choices", false,
         [](const ProgressRecord &r) {
             return r.choices ? QVariant(QString::fromUtf8(ChoicesCodec::toCompactJson(*r.choices)))
                              : QVariant(QMetaType::fromType<QString>());
         },
         [](ProgressRecord &r, const QVariant &v) {
             r.choices =
                 v.isNull() ? std::nullopt : ChoicesCodec::fromCompactJson(v.toString().toUtf8());
         }},
        // NULL: the update did not say (isWatched() goes by the state).
        {"watched", false,
         [](const ProgressRecord &r) {
             return r.watched ? QVariant(int(*r.watched)) : QVariant(QMetaType::fromType<int>());
         },
         [](ProgressRecord &r, const QVariant &v) {
             r.watched = v.isNull() ? std::nullopt : std::optional<bool>(v.toInt() != 0);
         }},
        {"finished_at_ms", false,
         [](const ProgressRecord &r) {
             return r.finishedAtMs > 0 ? QVariant(r.finishedAtMs)
                                       : QVariant(QMetaType::fromType<qint64>());
         },
         [](ProgressRecord &r, const QVariant &v) {
             r.finishedAtMs = v.isNull() ? 0 : v.toLongLong();
         }},
    };
    return table;
}

Row::Row(QStringList leading, QStringList trailing)
    : m_leading(int(leading.size())), m_trailing(int(trailing.size())), m_names(std::move(leading))
{
    for (const Field &field : fields())
        m_names.append(QString::fromLatin1(field.column));
    m_names.append(trailing);
}

QStringList Row::names() const
{
    return m_names;
}

QString Row::columns() const
{
    return m_names.join(QStringLiteral(", "));
}

QString Row::placeholders() const
{
    return QStringList(m_names.size(), QStringLiteral("?")).join(QStringLiteral(", "));
}

QString Row::insertInto(const QString &table) const
{
    return QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)").arg(table, columns(), placeholders());
}

QString Row::updateAll() const
{
    QStringList sets;
    for (int i = m_leading; i < count(); ++i) {
        const bool isField = i < m_leading + int(fields().size());
        if (isField && fields().at(i - m_leading).key)
            continue;
        sets.append(QStringLiteral("%1 = excluded.%1").arg(m_names.at(i)));
    }
    return QStringLiteral(" DO UPDATE SET ") + sets.join(QStringLiteral(", "));
}

int Row::index(const QString &column) const
{
    const int at = int(m_names.indexOf(column));
    Q_ASSERT_X(at >= 0, "SqlRecord::Row::index", qPrintable(column));
    return at;
}

QVariantList values(const ProgressRecord &record)
{
    QVariantList values;
    values.reserve(fields().size());
    for (const Field &field : fields())
        values.append(field.value(record));
    return values;
}

void Row::bind(QSqlQuery &query, const QVariantList &leading, const QVariantList &fields,
               const QVariantList &trailing) const
{
    Q_ASSERT(leading.size() == m_leading && fields.size() == SqlRecord::fields().size()
             && trailing.size() == m_trailing);
    for (const QVariantList *part : {&leading, &fields, &trailing}) {
        for (const QVariant &value : *part)
            query.addBindValue(value);
    }
}

ProgressRecord Row::read(const QSqlQuery &query) const
{
    ProgressRecord record;
    int column = m_leading;
    for (const Field &field : fields())
        field.assign(record, query.value(column++));
    return record;
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
