#include "client/localstore.h"

#include "protocol/progressorder.h"
#include "protocol/sqlmigrator.h"
#include "protocol/sqlrecord.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>

Q_LOGGING_CATEGORY(lcLocal, "playmark.sync.local")

namespace {

bool exec(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    const QString message = QStringLiteral("local copy: ") + query.lastError().text();
    qCWarning(lcLocal).noquote() << message;
    if (error)
        *error = message;
    return false;
}

// The local tables that hold records: the newest known per video, and the undelivered updates
// with the clock offset each was stamped with.
const SqlRecord::Row &recordsRow()
{
    static const SqlRecord::Row row({}, {QStringLiteral("received_at_ms")});
    return row;
}

const SqlRecord::Row &outboxRow()
{
    static const SqlRecord::Row row({}, {QStringLiteral("offset_ms")});
    return row;
}

// The outcome of a statement that gives nothing back.
StoreResult<void> done(QSqlQuery &query)
{
    if (QString error; !exec(query, &error))
        return StoreError{error};
    return {};
}

} // namespace

LocalStore::LocalStore()
{
    static std::atomic<int> counter{0};
    m_connectionName = QStringLiteral("playmark-local-%1").arg(counter++);
}

LocalStore::~LocalStore()
{
    close();
}

StoreResult<void> LocalStore::open(const QString &path)
{
    close();
    QString error;
    if (openConnection(path, &error))
        return {};
    close();
    return StoreError{error};
}

bool LocalStore::openConnection(const QString &path, QString *error)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        if (error)
            *error = QStringLiteral("cannot create the folder of %1").arg(path);
        return false;
    }
    // What this device watched is the person's own: readable by them alone. SQLite makes the
    // -wal and -shm files with the database's mode; an older version's files were 0644.
    QFile database(path);
    if (!database.exists())
        database.open(QIODevice::WriteOnly); // an empty file is an empty database to SQLite
    for (const QString &file : QStringList{path, path + u"-wal", path + u"-shm"})
        QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=3000"));
    if (!db.open()) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2").arg(path, db.lastError().text());
        return false;
    }
    const SqlMigrator migrator(QStringLiteral(":/playmark/sync/migrations"));
    int version = 0;
    if (!migrator.checkVersion(db, &version, error))
        return false;
    // FULL: a position written before a crash or power cut is there after it.
    for (const QString &pragma :
         {QStringLiteral("PRAGMA journal_mode=WAL"), QStringLiteral("PRAGMA synchronous=FULL")}) {
        QSqlQuery query(db);
        if (!query.exec(pragma)) {
            if (error)
                *error = pragma + QStringLiteral(": ") + query.lastError().text();
            return false;
        }
        query.finish();
    }
    return migrator.migrate(db, &version, error);
}

void LocalStore::close()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    QSqlDatabase::database(m_connectionName, false).close();
    QSqlDatabase::removeDatabase(m_connectionName);
}

StoreResult<void> LocalStore::save(const ProgressRecord &record, bool queue, qint64 offsetMs)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    SqlTransaction transaction(db);
    QString error;
    if (!transaction.begun(&error))
        return StoreError{error};

    QSqlQuery keep(db);
    keep.prepare(recordsRow().insertInto(QStringLiteral("records"))
                 + QStringLiteral(" ON CONFLICT (content_id)") + recordsRow().updateAll()
                 + SqlRecord::whereNewer(QStringLiteral("records")));
    recordsRow().bind(keep, {}, record, {record.receivedAtMs});
    if (!exec(keep, &error))
        return StoreError{error};

    if (queue) {
        QSqlQuery outbox(db);
        outbox.prepare(outboxRow().insertInto(QStringLiteral("outbox"))
                       + QStringLiteral(" ON CONFLICT (content_id)") + outboxRow().updateAll()
                       + SqlRecord::whereNewer(QStringLiteral("outbox")));
        outboxRow().bind(outbox, {}, record, {offsetMs});
        if (!exec(outbox, &error))
            return StoreError{error};
        // This device's own place to offer again; a watched report (finished here, or marked:
        // its place may be another device's) leaves nothing to go back to.
        QSqlQuery own(db);
        if (record.isWatched()) {
            own.prepare(QStringLiteral(
                "DELETE FROM own_places WHERE content_id = ? AND observed_at_ms <= ?"));
        } else {
            own.prepare(QStringLiteral(
                "INSERT INTO own_places (content_id, position_ms, observed_at_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (content_id) DO UPDATE SET position_ms = excluded.position_ms,"
                " observed_at_ms = excluded.observed_at_ms"
                " WHERE excluded.observed_at_ms >= own_places.observed_at_ms"));
        }
        own.addBindValue(record.contentId);
        if (!record.isWatched())
            own.addBindValue(record.positionMs);
        own.addBindValue(record.observedAtMs);
        if (!exec(own, &error))
            return StoreError{error};
    }
    if (!transaction.commit(&error))
        return StoreError{error};
    return {};
}

StoreResult<std::optional<ProgressRecord>> LocalStore::record(const QString &contentId)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(
        QStringLiteral("SELECT %1 FROM records WHERE content_id = ?").arg(recordsRow().columns()));
    query.addBindValue(contentId);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    std::optional<ProgressRecord> record;
    if (query.next()) {
        record = recordsRow().read(query);
        record->receivedAtMs =
            query.value(recordsRow().index(QStringLiteral("received_at_ms"))).toLongLong();
    }
    return record;
}

StoreResult<std::optional<OwnPlace>> LocalStore::ownPlace(const QString &contentId)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(
        QStringLiteral("SELECT position_ms, observed_at_ms FROM own_places WHERE content_id = ?"));
    query.addBindValue(contentId);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    if (!query.next())
        return std::optional<OwnPlace>();
    return std::optional<OwnPlace>(
        OwnPlace{query.value(0).toLongLong(), query.value(1).toLongLong()});
}

StoreResult<QList<ProgressRecord>> LocalStore::recent(int limit)
{
    return newest(QStringLiteral(" WHERE state <> 'ended' AND NOT EXISTS ("
                                 "SELECT 1 FROM hidden h WHERE h.content_id = records.content_id"
                                 " AND h.observed_at_ms >= records.observed_at_ms)"),
                  limit);
}

StoreResult<QList<ProgressRecord>> LocalStore::latest(int limit)
{
    return newest(QString(), limit);
}

StoreResult<QList<ProgressRecord>> LocalStore::newest(const QString &where, int limit)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT %1 FROM records%2%3 LIMIT ?")
                      .arg(recordsRow().columns(), where, SqlRecord::newestFirst()));
    query.addBindValue(limit);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    QList<ProgressRecord> records;
    while (query.next())
        records.append(recordsRow().read(query));
    return records;
}

StoreResult<QList<PendingUpdate>> LocalStore::pending(int limit)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT %1 FROM outbox ORDER BY observed_at_ms LIMIT ?")
                      .arg(outboxRow().columns()));
    query.addBindValue(limit);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    QList<PendingUpdate> updates;
    while (query.next())
        updates.append({outboxRow().read(query),
                        query.value(outboxRow().index(QStringLiteral("offset_ms"))).toLongLong()});
    return updates;
}

StoreResult<int> LocalStore::pendingCount()
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM outbox"));
    if (QString error; !exec(query, &error))
        return StoreError{error};
    if (!query.next())
        return StoreError{QStringLiteral("local copy: the outbox could not be counted")};
    return query.value(0).toInt();
}

StoreResult<void> LocalStore::markDelivered(const ProgressRecord &delivered)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("DELETE FROM outbox WHERE content_id = ? AND observed_at_ms = ?"
                                 " AND device_id = ?"));
    query.addBindValue(delivered.contentId);
    query.addBindValue(delivered.observedAtMs);
    query.addBindValue(delivered.deviceId);
    return done(query);
}

StoreResult<void> LocalStore::restamp(const ProgressRecord &old, const ProgressRecord &restamped,
                                      qint64 offsetMs)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    SqlTransaction transaction(db);
    QString error;
    if (!transaction.begun(&error))
        return StoreError{error};
    if (const StoreResult<void> removed = markDelivered(old); !removed.ok())
        return removed;
    // Force the replacement in: the re-stamped copy may sort before the wrongly stamped one.
    QSqlQuery outbox(db);
    outbox.prepare(outboxRow().insertInto(QStringLiteral("outbox"))
                   + QStringLiteral(" ON CONFLICT (content_id) DO NOTHING"));
    outboxRow().bind(outbox, {}, restamped, {offsetMs});
    QSqlQuery fix(db);
    fix.prepare(QStringLiteral("UPDATE records SET observed_at_ms = ? WHERE content_id = ?"
                               " AND observed_at_ms = ? AND device_id = ?"));
    fix.addBindValue(restamped.observedAtMs);
    fix.addBindValue(old.contentId);
    fix.addBindValue(old.observedAtMs);
    fix.addBindValue(old.deviceId);
    if (!exec(outbox, &error) || !exec(fix, &error) || !transaction.commit(&error))
        return StoreError{error};
    return {};
}

StoreResult<void> LocalStore::renameDevice(const QString &from, const QString &to)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("UPDATE outbox SET device_id = ? WHERE device_id = ?"));
    query.addBindValue(to);
    query.addBindValue(from);
    return done(query);
}

StoreResult<void> LocalStore::hide(const QString &contentId, qint64 observedAtMs)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral(
        "INSERT INTO hidden (content_id, observed_at_ms) VALUES (?, ?)"
        " ON CONFLICT (content_id) DO UPDATE SET observed_at_ms = excluded.observed_at_ms"));
    query.addBindValue(contentId);
    query.addBindValue(observedAtMs);
    return done(query);
}

StoreResult<QList<ProgressRecord>> LocalStore::withoutHidden(const QList<ProgressRecord> &records)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT observed_at_ms FROM hidden WHERE content_id = ?"));
    QList<ProgressRecord> visible;
    for (const ProgressRecord &record : records) {
        query.addBindValue(record.contentId);
        if (QString error; !exec(query, &error))
            return StoreError{error};
        const bool hidden = query.next() && query.value(0).toLongLong() >= record.observedAtMs;
        query.finish();
        if (!hidden)
            visible.append(record);
    }
    return visible;
}

StoreResult<void> LocalStore::dropForgotten(const QString &contentId, qint64 forgottenAtMs)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    SqlTransaction transaction(db);
    QString error;
    if (!transaction.begun(&error))
        return StoreError{error};
    for (const QString &table : {QStringLiteral("records"), QStringLiteral("outbox")}) {
        QSqlQuery query(db);
        query.prepare(QStringLiteral("DELETE FROM %1 WHERE content_id = ? AND observed_at_ms <= ?")
                          .arg(table));
        query.addBindValue(contentId);
        query.addBindValue(forgottenAtMs);
        if (!exec(query, &error))
            return StoreError{error};
    }
    if (!transaction.commit(&error))
        return StoreError{error};
    return {};
}

StoreResult<void> LocalStore::setLocation(const QString &contentId, const QString &path)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(
        QStringLiteral("INSERT INTO locations (content_id, path, seen_at_ms) VALUES (?, ?, ?)"
                       " ON CONFLICT (content_id) DO UPDATE SET path = excluded.path,"
                       " seen_at_ms = excluded.seen_at_ms"));
    query.addBindValue(contentId);
    query.addBindValue(path);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    return done(query);
}

StoreResult<QString> LocalStore::location(const QString &contentId)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT path FROM locations WHERE content_id = ?"));
    query.addBindValue(contentId);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    return query.next() ? query.value(0).toString() : QString();
}

StoreResult<QString> LocalStore::showLocation(const QString &showId)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    query.prepare(QStringLiteral("SELECT l.path FROM locations l JOIN records r"
                                 " ON r.content_id = l.content_id WHERE r.show_id = ?"
                                 " ORDER BY l.seen_at_ms DESC LIMIT 1"));
    query.addBindValue(showId);
    if (QString error; !exec(query, &error))
        return StoreError{error};
    return query.next() ? query.value(0).toString() : QString();
}
