// The field table (sync/protocol/sqlrecord.h) drives the SQL of both stores: the column lists,
// placeholders, update clauses and indexes come from it, every field goes through the server's
// tables (SQLite or PostgreSQL, tests/testdatabase.h) and the local copy and comes back, the
// tables have exactly the table's columns, and the bench scripts that copy the server's SQL use
// the same columns.
#include "checkcall.h"
#include "client/localstore.h"
#include "protocol/sqlrecord.h"
#include "serverstorage.h"
#include "testdatabase.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

namespace {

// Every field set, none to its default, no two alike.
ProgressRecord everyField()
{
    ProgressRecord record;
    record.contentId = QStringLiteral("pm1-00112233445566778899aabbccddeeff");
    record.positionMs = 754321;
    record.durationMs = 2400000;
    record.deviceId = QStringLiteral("device-7f");
    record.deviceName = QStringLiteral("Living-room TV");
    record.observedAtMs = 1700000123456;
    record.state = PlaybackState::Paused;
    record.title = QStringLiteral("Some Show S02E05");
    record.showId = QStringLiteral("show-42");
    record.episodeId = QStringLiteral("s02e05");
    PlaybackChoices choices;
    choices.audio = TrackIdentity{QStringLiteral("ja"), QString(), QStringLiteral("Opus")};
    choices.subtitles =
        SubtitleChoice{SubtitleChoice::Source::Sidecar, TrackIdentity{QStringLiteral("en"), {}, {}},
                       QStringLiteral("Some Show S02E05.en.srt")};
    choices.subtitleDelayMs = 300;
    choices.speed = 1.25;
    record.choices = choices;
    record.watched = true;
    record.finishedAtMs = 1700000120000;
    return record;
}

// Compares field by field through the table, naming the field that differs.
void compareFields(const ProgressRecord &actual, const ProgressRecord &expected, const char *where)
{
    for (const SqlRecord::Field &field : SqlRecord::fields()) {
        const QVariant got = field.value(actual);
        const QVariant want = field.value(expected);
        QVERIFY2(got == want,
                 qPrintable(QStringLiteral("%1: %2 is %3, wrote %4")
                                .arg(QLatin1String(where), QLatin1String(field.column),
                                     got.toString(), want.toString())));
    }
}

QString normalized(QString text)
{
    return text.replace(QRegularExpression(QStringLiteral("\\s+")), QStringLiteral(" ")).trimmed();
}

QString readSource(const QString &relative)
{
    QFile file(QStringLiteral(PLAYMARK_SOURCE_DIR "/") + relative);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

// Splits "a, f(b, c), d" at the commas outside parentheses.
QStringList topLevelItems(const QString &list)
{
    QStringList items;
    QString current;
    int depth = 0;
    for (const QChar c : list) {
        if (c == QLatin1Char('('))
            ++depth;
        else if (c == QLatin1Char(')'))
            --depth;
        if (c == QLatin1Char(',') && depth == 0) {
            items.append(current.trimmed());
            current.clear();
        } else {
            current.append(c);
        }
    }
    items.append(current.trimmed());
    return items;
}

QSet<QString> columnsOf(const QSqlDatabase &db, const QString &table)
{
    QSet<QString> columns;
    const QSqlRecord record = db.record(table);
    for (int i = 0; i < record.count(); ++i)
        columns.insert(record.fieldName(i));
    return columns;
}

QSet<QString> namesOf(const SqlRecord::Row &row)
{
    const QStringList names = row.names();
    return {names.cbegin(), names.cend()};
}

// progress: the row's columns and the server's counts.
QSet<QString> progressColumns()
{
    QSet<QString> columns = namesOf(ProgressStore::progressRow());
    for (const QString &column : ProgressStore::countColumns())
        columns.insert(column);
    return columns;
}

// A writable copy of tests/data/`name` in `dir`, empty on failure: SQLite writes beside a WAL
// database it opens, even to read it, and the source tree stays as it is.
QString releaseCopy(const QTemporaryDir &dir, const QString &name)
{
    const QString copy = dir.filePath(QStringLiteral("release.sqlite"));
    const bool ok = QFile::copy(QStringLiteral(PLAYMARK_SOURCE_DIR "/tests/data/") + name, copy)
        && QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    return ok ? copy : QString();
}

// Every row of `sql`'s answer, each value as text (the same for SQLite and PostgreSQL).
QList<QStringList> rowsOf(const QSqlDatabase &db, const QString &sql)
{
    QList<QStringList> rows;
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        qWarning() << sql << query.lastError().text();
        return {{QStringLiteral("failed")}};
    }
    while (query.next()) {
        QStringList row;
        for (int i = 0; i < query.record().count(); ++i)
            row.append(query.isNull(i) ? QStringLiteral("NULL") : query.value(i).toString());
        rows.append(row);
    }
    return rows;
}

// History's: the row's and whether the entry is kept beyond the newest (migration 6).
QSet<QString> historyColumns()
{
    QSet<QString> columns = namesOf(ProgressStore::progressRow());
    columns.insert(QStringLiteral("kept"));
    return columns;
}

} // namespace

class tst_SqlRecord : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowIsMadeFromTheTable();
    void sampleSetsEveryField();
    void everyFieldThroughTheServer();
    void everyFieldThroughTheLocalCopy();
    void benchScriptsUseTheServersColumns();
    void recordWithoutChoicesStoresNull();
    void serverSchemaOneUpgradesInPlace();
    void releaseDatabaseUpgradesInPlace();
    void schemaFiveReleaseUpgradesInPlace();
    void localSchemaTwoUpgradesInPlace();
};

void tst_SqlRecord::rowIsMadeFromTheTable()
{
    QStringList fieldColumns;
    for (const SqlRecord::Field &field : SqlRecord::fields())
        fieldColumns.append(QString::fromLatin1(field.column));
    QVERIFY(fieldColumns.contains(QStringLiteral("content_id")));

    const SqlRecord::Row row({QStringLiteral("user_id")}, {QStringLiteral("received_at_ms")});
    const QStringList expected = QStringList{QStringLiteral("user_id")} + fieldColumns
        + QStringList{QStringLiteral("received_at_ms")};
    QCOMPARE(row.names(), expected);
    QCOMPARE(row.count(), expected.size());
    QCOMPARE(row.columns(), expected.join(QStringLiteral(", ")));
    QCOMPARE(row.placeholders().count(QLatin1Char('?')), expected.size());
    QCOMPARE(
        row.insertInto(QStringLiteral("t")),
        QStringLiteral("INSERT INTO t (%1) VALUES (%2)")
            .arg(expected.join(QStringLiteral(", ")),
                 QStringList(expected.size(), QStringLiteral("?")).join(QStringLiteral(", "))));
    for (qsizetype i = 0; i < expected.size(); ++i)
        QCOMPARE(row.index(expected.at(i)), int(i));

    // Every column but the keys (the leading ones and content_id) is updated on conflict.
    QStringList updated;
    for (const QString &column : expected) {
        if (column != QLatin1String("user_id") && column != QLatin1String("content_id"))
            updated.append(QStringLiteral("%1 = excluded.%1").arg(column));
    }
    QCOMPARE(row.updateAll(),
             QStringLiteral(" DO UPDATE SET ") + updated.join(QStringLiteral(", ")));

    // The local tables: no leading column, the record first.
    const SqlRecord::Row outbox({}, {QStringLiteral("offset_ms")});
    QCOMPARE(outbox.index(QStringLiteral("content_id")), 0);
    QCOMPARE(outbox.index(QStringLiteral("offset_ms")), int(fieldColumns.size()));
}

void tst_SqlRecord::sampleSetsEveryField()
{
    // Otherwise a round trip below could pass with a field that is never stored.
    const ProgressRecord sample = everyField();
    const ProgressRecord defaults;
    for (const SqlRecord::Field &field : SqlRecord::fields())
        QVERIFY2(field.value(sample) != field.value(defaults), field.column);
}

void tst_SqlRecord::everyFieldThroughTheServer()
{
    TestDatabase database(QStringLiteral("sqlrecord"));
    QVERIFY2(database.isValid(), qPrintable(database.error()));
    ServerStorage storage;
    QString error;
    QVERIFY2(storage.open(database.location(), &error), qPrintable(error));

    // The tables have exactly the row's columns: a field in the table needs its migration.
    QCOMPARE(columnsOf(database.raw(), QStringLiteral("history")), historyColumns());
    QCOMPARE(columnsOf(database.raw(), QStringLiteral("progress")), progressColumns());

    QString token;
    QVERIFY2(storage.users().addUser(QStringLiteral("fields"), &token, &error), qPrintable(error));
    qint64 userId = -1;
    QVERIFY2(storage.users().userForToken(token, &userId, &error), qPrintable(error));

    const ProgressRecord written = everyField();
    constexpr qint64 kReceivedAtMs = 1700000123999;
    ApplyOutcome outcome;
    QVERIFY2(storage.progress().apply(userId, written, kReceivedAtMs, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);

    std::optional<ProgressRecord> stored;
    QVERIFY2(storage.progress().record(userId, written.contentId, &stored, &error),
             qPrintable(error));
    QVERIFY(stored);
    compareFields(*stored, written, "progress");
    QCOMPARE(stored->receivedAtMs, kReceivedAtMs);

    QList<ProgressRecord> history;
    QVERIFY2(storage.progress().history(userId, written.contentId, 10, &history, &error),
             qPrintable(error));
    QCOMPARE(history.size(), 1);
    compareFields(history.constFirst(), written, "history");
    QCOMPARE(history.constFirst().receivedAtMs, kReceivedAtMs);

    // A watched record is not in the older players' list, but it is its show's newest record.
    QList<ProgressRecord> continueWatching;
    QVERIFY2(storage.progress().continueWatching(userId, 10, &continueWatching, &error),
             qPrintable(error));
    QCOMPARE(continueWatching.size(), 0);
    QList<ContinueItem> byShow;
    QVERIFY2(storage.progress().continueByShow(userId, 10, &byShow, &error), qPrintable(error));
    QCOMPARE(byShow.size(), 1);
    compareFields(byShow.constFirst().record, written, "continue by show");
    QCOMPARE(byShow.constFirst().record.playCount, 1);
    QCOMPARE(byShow.constFirst().record.lastFinishedMs, written.finishedAtMs);
    QVERIFY(byShow.constFirst().nextAfter);
    compareFields(*byShow.constFirst().nextAfter, written, "next after");

    // The update clause carries every field: a newer record replaces all of them.
    ProgressRecord newer = written;
    for (const SqlRecord::Field &field : SqlRecord::fields()) {
        if (!field.key && field.value(newer).typeId() == QMetaType::QString)
            field.assign(newer, QString(field.value(newer).toString() + QStringLiteral("-2")));
    }
    newer.positionMs += 1;
    newer.durationMs += 1;
    newer.observedAtMs += 1;
    newer.state = PlaybackState::Stopped;
    // (The loop above made the choices' JSON text invalid: give them a valid other value.)
    newer.choices = PlaybackChoices{
        TrackIdentity{QStringLiteral("en"), QStringLiteral("Commentary"), QStringLiteral("Opus")},
        SubtitleChoice{}, -500, 0.5};
    QVERIFY2(storage.progress().apply(userId, newer, kReceivedAtMs + 1, &outcome, &error),
             qPrintable(error));
    QVERIFY2(storage.progress().record(userId, written.contentId, &stored, &error),
             qPrintable(error));
    QVERIFY(stored);
    compareFields(*stored, newer, "progress after a newer update");
    QCOMPARE(stored->receivedAtMs, kReceivedAtMs + 1);
}

void tst_SqlRecord::everyFieldThroughTheLocalCopy()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("local.sqlite"));
    LocalStore store;
    QString error;
    VERIFY_OK(store.open(path));

    ProgressRecord written = everyField();
    written.receivedAtMs = 1700000124000;
    constexpr qint64 kOffsetMs = -1234;
    VERIFY_OK(store.save(written, true, kOffsetMs));

    std::optional<ProgressRecord> stored;
    VERIFY_VALUE(stored, store.record(written.contentId));
    QVERIFY(stored);
    compareFields(*stored, written, "records");
    QCOMPARE(stored->receivedAtMs, written.receivedAtMs);

    QList<PendingUpdate> pending;
    VERIFY_VALUE(pending, store.pending(10));
    QCOMPARE(pending.size(), 1);
    compareFields(pending.constFirst().record, written, "outbox");
    QCOMPARE(pending.constFirst().offsetMs, kOffsetMs);

    QList<ProgressRecord> recent;
    VERIFY_VALUE(recent, store.recent(10));
    QCOMPARE(recent.size(), 1);
    compareFields(recent.constFirst(), written, "recent");

    // The local tables have exactly the rows' columns.
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("sqlrecord-local"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QCOMPARE(columnsOf(db, QStringLiteral("records")),
                 namesOf(SqlRecord::Row({}, {QStringLiteral("received_at_ms")})));
        QCOMPARE(columnsOf(db, QStringLiteral("outbox")),
                 namesOf(SqlRecord::Row({}, {QStringLiteral("offset_ms")})));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("sqlrecord-local"));
}

// No choices is NULL, not "{}" or an empty string: a record without them reads back without them.
void tst_SqlRecord::recordWithoutChoicesStoresNull()
{
    ProgressRecord record = everyField();
    record.choices.reset();
    const SqlRecord::Row row({}, {});
    const SqlRecord::Field &choices = SqlRecord::fields().at(row.index(QStringLiteral("choices")));
    QVERIFY(choices.value(record).isNull());
    ProgressRecord read = everyField();
    choices.assign(read, QVariant(QMetaType::fromType<QString>()));
    QCOMPARE(read.choices, std::nullopt);
    // Text that is not valid choices (a database edited by hand) reads as none, not as defaults.
    choices.assign(read, QStringLiteral(R"({"speed":9})"));
    QCOMPARE(read.choices, std::nullopt);
    choices.assign(read, QStringLiteral("not json"));
    QCOMPARE(read.choices, std::nullopt);
    choices.assign(read, choices.value(everyField()));
    QCOMPARE(read.choices, everyField().choices);
}

namespace {

// Runs the migration file at `relative` in the source tree (TestDatabase::runMigration).
bool runMigration(QSqlDatabase db, const QString &relative, int version)
{
    return TestDatabase::runMigration(db, QStringLiteral(PLAYMARK_SOURCE_DIR "/") + relative,
                                      version);
}

// The record's columns in the first schema of both databases.
QStringList oldColumns()
{
    return {QStringLiteral("content_id"),  QStringLiteral("position_ms"),
            QStringLiteral("duration_ms"), QStringLiteral("device_id"),
            QStringLiteral("device_name"), QStringLiteral("observed_at_ms"),
            QStringLiteral("state"),       QStringLiteral("title"),
            QStringLiteral("show_id"),     QStringLiteral("episode_id")};
}

// Inserts `record` into `table` with the columns of version 1 (before `choices`) and `trailing`.
bool insertOld(QSqlDatabase db, const QString &table, const QVariantList &leading,
               const QStringList &leadingColumns, const ProgressRecord &record,
               const QString &trailingColumn, const QVariant &trailing)
{
    QStringList columns = leadingColumns;
    QVariantList values = leading;
    for (const SqlRecord::Field &field : SqlRecord::fields()) {
        if (!oldColumns().contains(QLatin1String(field.column)))
            continue;
        columns.append(QString::fromLatin1(field.column));
        values.append(field.value(record));
    }
    columns.append(trailingColumn);
    values.append(trailing);
    QSqlQuery query(db);
    query.prepare(
        QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)")
            .arg(table, columns.join(QStringLiteral(", ")),
                 QStringList(values.size(), QStringLiteral("?")).join(QStringLiteral(", "))));
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec()) {
        qWarning() << table << query.lastError().text();
        return false;
    }
    return true;
}

ProgressRecord asTheFirstSchemaKeptIt(ProgressRecord record)
{
    record.choices.reset();
    record.watched.reset();
    record.finishedAtMs = 0;
    return record;
}

} // namespace

// A server database from before `choices` (schema 1, with a record and its history) opens,
// gains the column, keeps what it had, and stores choices from then on.
void tst_SqlRecord::serverSchemaOneUpgradesInPlace()
{
    TestDatabase database(QStringLiteral("upgrade"));
    QVERIFY2(database.isValid(), qPrintable(database.error()));
    const ProgressRecord old = asTheFirstSchemaKeptIt(everyField());
    constexpr qint64 kReceivedAtMs = 1700000123999;
    {
        QSqlDatabase db = database.raw();
        QVERIFY(runMigration(db, QStringLiteral("server/migrations/0001_initial.sql"), 1));
        QSqlQuery user(db);
        QVERIFY2(user.exec(QStringLiteral(
                     "INSERT INTO users (id, name, created_at_ms) VALUES (1, 'old', 0)")),
                 qPrintable(user.lastError().text()));
        QVERIFY(insertOld(db, QStringLiteral("progress"), {1}, {QStringLiteral("user_id")}, old,
                          QStringLiteral("received_at_ms"), kReceivedAtMs));
        QVERIFY(insertOld(db, QStringLiteral("history"), {1}, {QStringLiteral("user_id")}, old,
                          QStringLiteral("received_at_ms"), kReceivedAtMs));
        QVERIFY(!columnsOf(db, QStringLiteral("progress")).contains(QStringLiteral("choices")));
    }
    database.closeRaw();

    ServerStorage storage;
    QString error;
    QVERIFY2(storage.open(database.location(), &error), qPrintable(error));
    QCOMPARE(columnsOf(database.raw(), QStringLiteral("history")), historyColumns());
    QCOMPARE(columnsOf(database.raw(), QStringLiteral("progress")), progressColumns());

    std::optional<ProgressRecord> stored;
    QVERIFY2(storage.progress().record(1, old.contentId, &stored, &error), qPrintable(error));
    QVERIFY(stored);
    QCOMPARE(stored->choices, std::nullopt);
    compareFields(*stored, old, "progress kept");
    QList<ProgressRecord> history;
    QVERIFY2(storage.progress().history(1, old.contentId, 10, &history, &error), qPrintable(error));
    QCOMPARE(history.size(), 1);
    compareFields(history.constFirst(), old, "history kept");

    ProgressRecord newer = everyField();
    newer.observedAtMs += 1;
    ApplyOutcome outcome;
    QVERIFY2(storage.progress().apply(1, newer, kReceivedAtMs + 1, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);
    QVERIFY2(storage.progress().record(1, old.contentId, &stored, &error), qPrintable(error));
    QVERIFY(stored);
    QCOMPARE(stored->choices, newer.choices);
    QCOMPARE(stored->watched, newer.watched);
    QCOMPARE(stored->finishedAtMs, newer.finishedAtMs);
}

// A database the released server (17b723a, schema 2) wrote through its API
// (tests/data/make-release-database.sh): opened by this server, it keeps its records and history,
// counts the episode it saw `ended` as watched once (finished when that was observed), and takes
// updates, finishes and forgets from then on.
void tst_SqlRecord::releaseDatabaseUpgradesInPlace()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString release = releaseCopy(dir, QStringLiteral("server-release-17b723a.sqlite"));
    QVERIFY(!release.isEmpty());
    // SQLite: the file itself. PostgreSQL: the release's schema (its migrations 1 and 2) with the
    // file's rows, so the upgrade there runs on the same data.
    TestDatabase database(QStringLiteral("release"));
    QVERIFY2(database.isValid(), qPrintable(database.error()));
    QString location = dir.filePath(QStringLiteral("server.sqlite"));
    if (TestDatabase::isPostgreSql()) {
        QVERIFY(database.loadRelease(release, QStringLiteral(PLAYMARK_SOURCE_DIR)));
        database.closeRaw();
        location = database.location();
    } else {
        QVERIFY(QFile::copy(release, location));
    }
    ServerStorage storage;
    QString error;
    QVERIFY2(storage.open(location, &error), qPrintable(error));
    QCOMPARE(storage.schemaVersion(), ServerStorage::latestSchemaVersion());
    qint64 userId = -1;
    {
        QList<UserSummary> users;
        QVERIFY2(storage.users().listUsers(&users, &error), qPrintable(error));
        QCOMPARE(users.size(), 1);
        QCOMPARE(users.constFirst().name, QStringLiteral("alice"));
        QCOMPARE(users.constFirst().records, 3);
    }
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("release-check"));
        db.setDatabaseName(release);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT id FROM users")) && query.next());
        userId = query.value(0).toLongLong();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("release-check"));
    {
        // Its token (only its hash is stored) keeps working, as a device of its own that has no
        // name until its first report gives it one.
        QSqlDatabase upgraded = database.raw();
        if (!TestDatabase::isPostgreSql()) {
            upgraded = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                 QStringLiteral("release-upgraded"));
            upgraded.setDatabaseName(location);
            QVERIFY(upgraded.open());
        }
        QSqlQuery tokens(upgraded);
        QVERIFY(tokens.exec(QStringLiteral("SELECT token_hash FROM tokens")));
        QStringList hashes;
        while (tokens.next())
            hashes.append(tokens.value(0).toString());
        QCOMPARE(hashes.size(), 1);
        DeviceIdentity identity;
        QVERIFY2(storage.users().identityForTokenHash(hashes.constFirst(), &identity, &error),
                 qPrintable(error));
        QCOMPARE(identity.userId, userId);
        QCOMPARE(identity.deviceKey, QStringLiteral("d-") + hashes.constFirst().left(16));
        QCOMPARE(identity.boundDeviceId, QString());
        QSqlQuery devices(upgraded);
        QVERIFY(devices.exec(
            QStringLiteral("SELECT device_name, removed_at_ms FROM devices WHERE id = '%1'")
                .arg(identity.deviceKey)));
        QVERIFY(devices.next());
        QCOMPARE(devices.value(0).toString(), QString());
        QVERIFY(devices.value(1).isNull());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("release-upgraded"));

    constexpr qint64 t = 1717200000000;
    std::optional<ProgressRecord> heat;
    QVERIFY2(storage.progress().record(userId, QStringLiteral("heat"), &heat, &error),
             qPrintable(error));
    QVERIFY(heat);
    QCOMPARE(heat->positionMs, 610000);
    QCOMPARE(heat->observedAtMs, t + 10000);
    QCOMPARE(heat->title, QStringLiteral("Heat (1995)"));
    QCOMPARE(heat->watched, std::nullopt);
    QCOMPARE(heat->playCount, 0);
    QList<ProgressRecord> history;
    QVERIFY2(storage.progress().history(userId, QStringLiteral("heat"), 10, &history, &error),
             qPrintable(error));
    QCOMPARE(history.size(), 3);

    std::optional<ProgressRecord> first;
    QVERIFY2(storage.progress().record(userId, QStringLiteral("expanse-s01e01"), &first, &error),
             qPrintable(error));
    QVERIFY(first);
    QCOMPARE(first->state, PlaybackState::Ended);
    QVERIFY(first->isWatched());
    QCOMPARE(first->playCount, 1);
    QCOMPARE(first->lastFinishedMs, t + 360000);
    QVERIFY2(
        storage.progress().history(userId, QStringLiteral("expanse-s01e01"), 10, &history, &error),
        qPrintable(error));
    QCOMPARE(history.size(), 2);

    std::optional<ProgressRecord> second;
    QVERIFY2(storage.progress().record(userId, QStringLiteral("expanse-s01e02"), &second, &error),
             qPrintable(error));
    QVERIFY(second && second->choices);
    QVERIFY(second->choices->audio);
    QCOMPARE(second->choices->audio->language, QStringLiteral("en"));

    // The lists: the ended episode is out of the older players' list; the show's item is the
    // paused episode, following the finished one.
    QList<ProgressRecord> list;
    QVERIFY2(storage.progress().continueWatching(userId, 20, &list, &error), qPrintable(error));
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(0).contentId, QStringLiteral("expanse-s01e02"));
    QCOMPARE(list.at(1).contentId, QStringLiteral("heat"));
    QList<ContinueItem> items;
    QVERIFY2(storage.progress().continueByShow(userId, 20, &items, &error), qPrintable(error));
    QCOMPARE(items.size(), 2);
    QCOMPARE(items.at(0).record.contentId, QStringLiteral("expanse-s01e02"));
    QVERIFY(items.at(0).nextAfter);
    QCOMPARE(items.at(0).nextAfter->contentId, QStringLiteral("expanse-s01e01"));

    // New updates: the release's `ended` again is the same finish; a rewatch is a new one.
    ProgressRecord again = *first;
    again.playCount = 0;
    again.lastFinishedMs = 0;
    ApplyOutcome outcome;
    QVERIFY2(storage.progress().apply(userId, again, t + 400000, &outcome, &error),
             qPrintable(error));
    QVERIFY(!outcome.applied);
    QCOMPARE(outcome.record.playCount, 1);
    ProgressRecord rewatch = again;
    rewatch.observedAtMs = t + 9000000;
    rewatch.watched = true;
    rewatch.finishedAtMs = t + 8900000;
    QVERIFY2(storage.progress().apply(userId, rewatch, t + 9000001, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);
    QCOMPARE(outcome.record.playCount, 2);
    QCOMPARE(outcome.record.lastFinishedMs, t + 8900000);
    bool existed = false;
    QVERIFY2(storage.progress().remove(userId, QStringLiteral("heat"), t + 20000, &existed, &error),
             qPrintable(error));
    QVERIFY(existed);
    QVERIFY2(storage.progress().apply(userId, *heat, t + 20001, &outcome, &error),
             qPrintable(error));
    QCOMPARE(outcome.forgottenAtMs, t + 20000);
}

// A database the server of 725f11c (schema 5) wrote through its API and its `user` commands
// (tests/data/make-release-database-725f11c.sh): a film's 180 reports of which it kept 64, an
// episode finished, a forget, two users, devices paired, removed and waiting, failed codes.
// Opened by this server, every record, device, token, pairing and play survives as it was, and
// history is what the new rule keeps of the entries it had, without the copies of the records.
void tst_SqlRecord::schemaFiveReleaseUpgradesInPlace()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString release = releaseCopy(dir, QStringLiteral("server-release-725f11c.sqlite"));
    QVERIFY(!release.isEmpty());
    const QStringList tables{QStringLiteral("users"),
                             QStringLiteral("tokens"),
                             QStringLiteral("devices"),
                             QStringLiteral("progress"),
                             QStringLiteral("history"),
                             QStringLiteral("plays"),
                             QStringLiteral("forgotten"),
                             QStringLiteral("pairings"),
                             QStringLiteral("pairing_failures"),
                             QStringLiteral("revocations")};
    TestDatabase database(QStringLiteral("release5"));
    QVERIFY2(database.isValid(), qPrintable(database.error()));
    QString location = dir.filePath(QStringLiteral("server.sqlite"));
    if (TestDatabase::isPostgreSql()) {
        QVERIFY(database.loadRelease(
            release, QStringLiteral(PLAYMARK_SOURCE_DIR),
            {QStringLiteral("0001_initial.sql"), QStringLiteral("0002_choices.sql"),
             QStringLiteral("0003_watched.sql"), QStringLiteral("0004_plays.sql"),
             QStringLiteral("0005_devices.sql")},
            tables));
        database.closeRaw();
        location = database.location();
    } else {
        QVERIFY(QFile::copy(release, location));
    }

    // What the release left, read from its file.
    const SqlRecord::Row &row = ProgressStore::progressRow();
    const QString recordColumns =
        row.columns() + u", " + ProgressStore::countColumns().join(QStringLiteral(", "));
    QList<ProgressRecord> records;
    QList<qint64> owners;
    QHash<QString, QList<QStringList>> before; // table -> rows
    QList<QStringList> releaseHistory;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("release5-check"));
        db.setDatabaseName(release);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT %1 FROM progress").arg(recordColumns)));
        while (query.next()) {
            ProgressRecord record = row.read(query);
            record.receivedAtMs =
                query.value(row.index(QStringLiteral("received_at_ms"))).toLongLong();
            record.playCount = query.value(row.count()).toInt();
            record.lastFinishedMs = query.value(row.count() + 1).toLongLong();
            records.append(record);
            owners.append(query.value(0).toLongLong());
        }
        for (const QString &table : tables) {
            if (table != QLatin1String("history") && table != QLatin1String("progress"))
                before.insert(
                    table, rowsOf(db, QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2").arg(table)));
        }
        releaseHistory =
            rowsOf(db,
                   QStringLiteral("SELECT user_id, content_id, observed_at_ms, device_id FROM "
                                  "history ORDER BY user_id, content_id, observed_at_ms DESC"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("release5-check"));
    QCOMPARE(records.size(), 3);
    QCOMPARE(releaseHistory.size(), 67);

    ServerStorage storage;
    QString error;
    QVERIFY2(storage.open(location, &error), qPrintable(error));
    QCOMPARE(storage.schemaVersion(), ServerStorage::latestSchemaVersion());

    // Every record as it was, counts too.
    for (qsizetype i = 0; i < records.size(); ++i) {
        std::optional<ProgressRecord> stored;
        QVERIFY2(storage.progress().record(owners.at(i), records.at(i).contentId, &stored, &error),
                 qPrintable(error));
        QVERIFY(stored);
        QCOMPARE(*stored, records.at(i));
        QCOMPARE(stored->playCount, records.at(i).playCount);
    }
    QCOMPARE(records.at(1).playCount, 1); // the episode the laptop finished

    // History: of Alice's film (reports every 5 s from t, the release's 64 from report 116 on),
    // the newest 50 and, older, the oldest it had, the minute's first (120), the pause (122) and
    // both sides of the seek (125, 126); the others' entries all.
    constexpr qint64 t = 1717200000000;
    qint64 alice = -1;
    for (qsizetype i = 0; i < records.size(); ++i) {
        if (records.at(i).contentId == QLatin1String("heat")
            && records.at(i).deviceId == QLatin1String("phone"))
            alice = owners.at(i);
    }
    QVERIFY(alice >= 0);
    for (qsizetype i = 0; i < records.size(); ++i) {
        QList<ProgressRecord> history;
        QVERIFY2(storage.progress().history(owners.at(i), records.at(i).contentId, 200, &history,
                                            &error),
                 qPrintable(error));
        QList<qint64> expected;
        int place = 0;
        for (const QStringList &entry : std::as_const(releaseHistory)) {
            if (entry.at(0).toLongLong() != owners.at(i) || entry.at(1) != records.at(i).contentId)
                continue;
            const qint64 observed = entry.at(2).toLongLong();
            const qint64 report = (observed - t) / 5000;
            const bool film =
                owners.at(i) == alice && records.at(i).contentId == QLatin1String("heat");
            if (!film || place < 50 || QList<qint64>{116, 120, 122, 125, 126}.contains(report))
                expected.append(observed);
            ++place;
        }
        QList<qint64> kept;
        for (const ProgressRecord &entry : std::as_const(history))
            kept.append(entry.observedAtMs);
        QCOMPARE(kept, expected);
        // The newest entry is the record (entries carry no counts: the API adds the record's).
        ProgressRecord newest = records.at(i);
        newest.playCount = 0;
        newest.lastFinishedMs = 0;
        QCOMPARE(history.constFirst(), newest);
    }
    QSqlDatabase upgraded = database.raw();
    if (!TestDatabase::isPostgreSql()) {
        upgraded = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("release5"));
        upgraded.setDatabaseName(location);
        QVERIFY(upgraded.open());
    }
    // The film's 54 besides its record, the episode's one; no record's copy.
    QCOMPARE(rowsOf(upgraded, QStringLiteral("SELECT COUNT(*) FROM history")),
             QList<QStringList>{{QStringLiteral("55")}});

    // Devices, tokens, plays, the forget, pairings, failed codes and removals: the same rows.
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        QCOMPARE(rowsOf(upgraded, QStringLiteral("SELECT * FROM %1 ORDER BY 1, 2").arg(it.key())),
                 it.value());
    QCOMPARE(before.value(QStringLiteral("devices")).size(), 4);
    QCOMPARE(before.value(QStringLiteral("pairings")).size(), 2);

    // Every token the release gave still works but the removed laptop's.
    QHash<QString, qint64> userIds;
    for (const QStringList &user : before.value(QStringLiteral("users")))
        userIds.insert(user.at(1), user.at(0).toLongLong());
    QFile tokens(QStringLiteral(PLAYMARK_SOURCE_DIR "/tests/data/server-release-725f11c.tokens"));
    QVERIFY(tokens.open(QIODevice::ReadOnly));
    int working = 0;
    while (!tokens.atEnd()) {
        const QList<QByteArray> line = tokens.readLine().trimmed().split(' ');
        QCOMPARE(line.size(), 2);
        qint64 userId = -1;
        QVERIFY2(storage.users().userForToken(QString::fromLatin1(line.at(1)), &userId, &error),
                 qPrintable(error));
        if (line.at(0) == "laptop") {
            QCOMPARE(userId, -1);
        } else {
            QCOMPARE(userId,
                     userIds.value(line.at(0) == "bob" ? QStringLiteral("bob")
                                                       : QStringLiteral("alice")));
            ++working;
        }
    }
    QCOMPARE(working, 3);
    upgraded = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("release5"));
}

// A player's local copy from before `choices` (schema 2) opens and keeps its records and queue.
void tst_SqlRecord::localSchemaTwoUpgradesInPlace()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("local.sqlite"));
    const ProgressRecord old = asTheFirstSchemaKeptIt(everyField());
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("upgrade-local"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QVERIFY(runMigration(db, QStringLiteral("sync/client/migrations/0001_local.sql"), 1));
        QVERIFY(runMigration(db, QStringLiteral("sync/client/migrations/0002_hidden.sql"), 2));
        QVERIFY(insertOld(db, QStringLiteral("records"), {}, {}, old,
                          QStringLiteral("received_at_ms"), qint64(1700000124000)));
        QVERIFY(insertOld(db, QStringLiteral("outbox"), {}, {}, old, QStringLiteral("offset_ms"),
                          qint64(-1234)));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("upgrade-local"));

    LocalStore store;
    VERIFY_OK(store.open(path));
    std::optional<ProgressRecord> stored;
    VERIFY_VALUE(stored, store.record(old.contentId));
    QVERIFY(stored);
    QCOMPARE(stored->choices, std::nullopt);
    compareFields(*stored, old, "records kept");
    QCOMPARE(stored->receivedAtMs, qint64(1700000124000));
    QList<PendingUpdate> pending;
    VERIFY_VALUE(pending, store.pending(10));
    QCOMPARE(pending.size(), 1);
    compareFields(pending.constFirst().record, old, "outbox kept");
    QCOMPARE(pending.constFirst().offsetMs, qint64(-1234));

    ProgressRecord newer = everyField();
    newer.observedAtMs += 1;
    VERIFY_OK(store.save(newer, true, 0));
    VERIFY_VALUE(stored, store.record(old.contentId));
    QVERIFY(stored);
    QCOMPARE(stored->choices, newer.choices);
    QCOMPARE(stored->watched, newer.watched);
    QCOMPARE(stored->finishedAtMs, newer.finishedAtMs);
}

void tst_SqlRecord::benchScriptsUseTheServersColumns()
{
    const SqlRecord::Row &row = ProgressStore::progressRow();

    // bench/scale-fill.sql fills progress as the server would; one applied update leaves no
    // history entry (schema 6).
    const QString fill = readSource(QStringLiteral("bench/scale-fill.sql"));
    QVERIFY(!fill.isEmpty());
    const QRegularExpression insert(QStringLiteral("INSERT INTO (progress|history) \\(([^)]*)\\)"));
    int inserts = 0;
    for (auto it = insert.globalMatch(fill); it.hasNext(); ++inserts)
        QCOMPARE(normalized(it.next().captured(2)), row.columns());
    QCOMPARE(inserts, 1);
    QVERIFY(!fill.contains(QStringLiteral("INTO history")));

    // bench/run-postgres.sh runs the server's statements under pgbench.
    const QString pgbench = readSource(QStringLiteral("bench/run-postgres.sh"));
    QVERIFY(!pgbench.isEmpty());
    const QRegularExpressionMatch columns =
        QRegularExpression(QStringLiteral("local columns=\"([^\"]*)\"")).match(pgbench);
    QVERIFY(columns.hasMatch());
    QCOMPARE(columns.captured(1), row.columns());
    const QRegularExpressionMatch values =
        QRegularExpression(QStringLiteral("local values=\"([^\"]*)\"")).match(pgbench);
    QVERIFY(values.hasMatch());
    QCOMPARE(topLevelItems(values.captured(1)).size(), row.count());
    const QString upsert = row.updateAll()
        + SqlRecord::whereNewer(QStringLiteral("progress"), SqlRecord::Dialect::PostgreSQL);
    QVERIFY2(
        pgbench.contains(QStringLiteral("ON CONFLICT (user_id, content_id)") + upsert
                         + QLatin1Char(';')),
        qPrintable(QStringLiteral("bench/run-postgres.sh lacks the server's upsert:") + upsert));
}

QTEST_GUILESS_MAIN(tst_SqlRecord)
#include "tst_sqlrecord.moc"
