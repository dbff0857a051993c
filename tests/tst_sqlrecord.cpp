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
    const SqlRecord::Row &row = ProgressStore::progressRow();
    for (const QString &table : {QStringLiteral("progress"), QStringLiteral("history")})
        QCOMPARE(columnsOf(database.raw(), table), namesOf(row));

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

    QList<ProgressRecord> continueWatching;
    QVERIFY2(storage.progress().continueWatching(userId, 10, &continueWatching, &error),
             qPrintable(error));
    QCOMPARE(continueWatching.size(), 1);
    compareFields(continueWatching.constFirst(), written, "continue watching");

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

void tst_SqlRecord::benchScriptsUseTheServersColumns()
{
    const SqlRecord::Row &row = ProgressStore::progressRow();

    // bench/scale-fill.sql fills progress and history as the server would.
    const QString fill = readSource(QStringLiteral("bench/scale-fill.sql"));
    QVERIFY(!fill.isEmpty());
    const QRegularExpression insert(QStringLiteral("INSERT INTO (progress|history) \\(([^)]*)\\)"));
    int inserts = 0;
    for (auto it = insert.globalMatch(fill); it.hasNext(); ++inserts)
        QCOMPARE(normalized(it.next().captured(2)), row.columns());
    QCOMPARE(inserts, 2);
    const QRegularExpressionMatch copied =
        QRegularExpression(QStringLiteral("SELECT (user_id,[^;]*?)\\s+FROM progress")).match(fill);
    QVERIFY(copied.hasMatch());
    QCOMPARE(normalized(copied.captured(1)), row.columns());

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
