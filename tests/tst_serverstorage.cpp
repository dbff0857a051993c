// ServerStorage against a real database, SQLite or PostgreSQL (tests/testdatabase.h): migrations,
// the ordering rule in SQL, history, Continue Watching, users and tokens.
#include "serverstorage.h"
#include "testdatabase.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <optional>

char *toString(const ProgressRecord &r)
{
    return QTest::toString(
        QStringLiteral("{%1 pos=%2 dur=%3 dev=%4 name=%5 obs=%6 state=%7 title=%8 show=%9 "
                       "episode=%10 recv=%11}")
            .arg(r.contentId)
            .arg(r.positionMs)
            .arg(r.durationMs)
            .arg(r.deviceId, r.deviceName)
            .arg(r.observedAtMs)
            .arg(playbackStateName(r.state), r.title, r.showId, r.episodeId)
            .arg(r.receivedAtMs));
}

namespace {

// Far enough from any real clock that nothing here depends on the time of day.
constexpr qint64 kBase = 1700000000000;
// The first minute after it: reports every 5 s from here make every 12th the first of its minute.
constexpr qint64 kOnAMinute = (kBase / 60000 + 1) * 60000;

ProgressRecord makeRecord(const QString &contentId, qint64 positionMs, const QString &deviceId,
                          qint64 observedAtMs, PlaybackState state = PlaybackState::Playing)
{
    ProgressRecord record;
    record.contentId = contentId;
    record.positionMs = positionMs;
    record.durationMs = 3600000;
    record.deviceId = deviceId;
    record.deviceName = deviceId + QStringLiteral(" screen");
    record.observedAtMs = observedAtMs;
    record.state = state;
    return record;
}

QStringList sortedTables(const QSqlDatabase &db)
{
    QStringList tables = db.tables();
    tables.sort();
    return tables;
}

// docs/protocol.md's history rule written out plainly, for `updates` all applied in this order:
// the observed_at_ms of the entries history keeps, newest first.
QList<qint64> keptByRule(const QList<ProgressRecord> &updates)
{
    const qsizetype count = updates.size();
    QList<bool> kept(count, false);
    for (qsizetype i = 0; i < count; ++i) {
        const ProgressRecord &update = updates.at(i);
        if (i == 0 || i >= count - ProgressStore::kHistoryNewest) {
            kept[i] = true;
            continue;
        }
        const ProgressRecord &before = updates.at(i - 1);
        const qint64 played =
            before.state == PlaybackState::Playing ? update.observedAtMs - before.observedAtMs : 0;
        if (qAbs(update.positionMs - before.positionMs - played) > ProgressStore::kSeekMs) {
            kept[i] = true; // where it landed
            kept[i - 1] = true; // where it jumped from
        }
        if (update.state != PlaybackState::Playing || update.deviceId != before.deviceId
            || update.observedAtMs / ProgressStore::kPeriodicMs
                != before.observedAtMs / ProgressStore::kPeriodicMs)
            kept[i] = true;
    }
    QList<qint64> observed;
    for (qsizetype i = count - 1; i >= 0 && observed.size() < ProgressStore::kHistoryAtMost; --i) {
        if (kept.at(i))
            observed.append(updates.at(i).observedAtMs);
    }
    return observed;
}

QList<qint64> observedTimes(const QList<ProgressRecord> &records)
{
    QList<qint64> observed;
    for (const ProgressRecord &record : records)
        observed.append(record.observedAtMs);
    return observed;
}

// A viewing as a player reports it: every 5 s, the position moving on while playing.
class Viewing
{
public:
    Viewing(const QString &contentId, qint64 startMs) : m_contentId(contentId), m_atMs(startMs) { }

    // The next report, `seekMs` away from where playing took it.
    void report(PlaybackState state, const QString &deviceId = QStringLiteral("tv"),
                qint64 seekMs = 0)
    {
        if (!m_updates.isEmpty()) {
            m_atMs += 5000;
            if (m_updates.constLast().state == PlaybackState::Playing)
                m_positionMs += 5000;
        }
        m_positionMs += seekMs;
        m_updates.append(makeRecord(m_contentId, m_positionMs, deviceId, m_atMs, state));
        m_updates.last().receivedAtMs = m_atMs + 3; // as applyAll() has it received
    }
    const QList<ProgressRecord> &updates() const { return m_updates; }

private:
    QString m_contentId;
    qint64 m_atMs;
    qint64 m_positionMs = 600000;
    QList<ProgressRecord> m_updates;
};

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestServerStorage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void freshDatabaseIsMigrated();
    void reopeningIsANoOp();
    void newerSchemaIsRefused();
    void missingFolderIsCreated();
    void recordRoundTrips();
    void orderingRule_data();
    void orderingRule();
    void everyOrderEndsInTheSameState();
    void historyNewestFirstAndPruned();
    void historyKeepsThePlacesToGoBackTo();
    void historyOfATwoHourFilm();
    void historyOfAnOlderServerIsJudgedOnUpgrade();
    void removeDeletesRecordAndHistory();
    void batchReturnsCommittedChanges();
    void statementThatCannotBePreparedIsAnError();
    void continueWatching();
    void users();
    void revokedTokensStopWorking();
    void rawTokenIsNeverStored();
    void usersRecordsAreSeparate();

private:
    QString databasePath() const { return m_database->location(); }
    qint64 newUser(const QString &name);
    // Applies `updates` of one user in groups (one commit each); all must be applied.
    bool applyAll(qint64 userId, const QList<ProgressRecord> &updates);

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<ServerStorage> m_storage;
};

void TestServerStorage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")));
    QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")));
    m_database = std::make_unique<TestDatabase>(QStringLiteral("storage"));
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    qInfo("database: %s", qPrintable(m_database->location()));
}

void TestServerStorage::cleanupTestCase()
{
    m_database.reset();
}

void TestServerStorage::init()
{
    QVERIFY(m_database->reset());
    m_storage = std::make_unique<ServerStorage>();
}

void TestServerStorage::cleanup()
{
    m_storage.reset();
}

qint64 TestServerStorage::newUser(const QString &name)
{
    QString token;
    QString error;
    if (!m_storage->users().addUser(name, &token, &error)) {
        qWarning() << "addUser failed:" << error;
        return -1;
    }
    qint64 userId = -1;
    if (!m_storage->users().userForToken(token, &userId, &error))
        qWarning() << "userForToken failed:" << error;
    return userId;
}

bool TestServerStorage::applyAll(qint64 userId, const QList<ProgressRecord> &updates)
{
    constexpr qsizetype kGroup = 100;
    for (qsizetype first = 0; first < updates.size(); first += kGroup) {
        QList<WriteOp> ops;
        for (const ProgressRecord &update : updates.mid(first, kGroup)) {
            WriteOp op;
            op.userId = userId;
            op.update = update;
            op.receivedAtMs = update.receivedAtMs;
            ops.append(op);
        }
        QList<ApplyOutcome> outcomes;
        QString error;
        if (!m_storage->progress().applyBatch(ops, &outcomes, &error)) {
            qWarning() << "applyBatch failed:" << error;
            return false;
        }
        for (const ApplyOutcome &outcome : std::as_const(outcomes)) {
            if (!outcome.applied) {
                qWarning() << "an update was not applied";
                return false;
            }
        }
    }
    return true;
}

void TestServerStorage::freshDatabaseIsMigrated()
{
    const bool sqlite = !TestDatabase::isPostgreSql();
    if (sqlite)
        QVERIFY(!QFile::exists(databasePath()));
    else
        QVERIFY(m_database->raw().tables().isEmpty());
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    QVERIFY(m_storage->isOpen());
    QVERIFY(ServerStorage::latestSchemaVersion() >= 1);
    QCOMPARE(m_storage->schemaVersion(), ServerStorage::latestSchemaVersion());

    TestDatabase &raw = *m_database;
    QVERIFY(raw.raw().isOpen());
    QCOMPARE(raw.value(QStringLiteral("SELECT MAX(version) FROM schema_version")).toInt(),
             ServerStorage::latestSchemaVersion());
    // One row per applied migration, numbered from 1 without gaps.
    QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(),
             ServerStorage::latestSchemaVersion());
    const QStringList tables = sortedTables(raw.raw());
    for (const char *table : {"history", "progress", "schema_version", "tokens", "users"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
    if (sqlite)
        QCOMPARE(raw.value(QStringLiteral("PRAGMA journal_mode")).toString(),
                 QStringLiteral("wal"));
}

void TestServerStorage::reopeningIsANoOp()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    QString token;
    QVERIFY2(m_storage->users().addUser(QStringLiteral("alice"), &token, &error),
             qPrintable(error));
    qint64 userId = -1;
    QVERIFY(m_storage->users().userForToken(token, &userId, &error));
    ApplyOutcome outcome;
    const ProgressRecord update =
        makeRecord(QStringLiteral("movie"), 1000, QStringLiteral("tv"), kBase);
    QVERIFY(m_storage->progress().apply(userId, update, kBase + 5, &outcome, &error));
    m_storage->close();
    QVERIFY(!m_storage->isOpen());

    for (int round = 0; round < 2; ++round) {
        QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
        QCOMPARE(m_storage->schemaVersion(), ServerStorage::latestSchemaVersion());
        qint64 again = -1;
        QVERIFY(m_storage->users().userForToken(token, &again, &error));
        QCOMPARE(again, userId);
        std::optional<ProgressRecord> stored;
        QVERIFY(m_storage->progress().record(userId, QStringLiteral("movie"), &stored, &error));
        QVERIFY(stored);
        QCOMPARE(stored->positionMs, 1000);
        m_storage->close();
    }

    TestDatabase &raw = *m_database;
    QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(),
             ServerStorage::latestSchemaVersion());
    QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM users")).toInt(), 1);
}

void TestServerStorage::newerSchemaIsRefused()
{
    const int newer = ServerStorage::latestSchemaVersion() + 1;
    const bool sqlite = !TestDatabase::isPostgreSql();
    {
        // What a newer playmark-server would have left: its own tables and a higher version.
        TestDatabase &raw = *m_database;
        QVERIFY(raw.raw().isOpen());
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL)")));
        QVERIFY(raw.exec(
            QStringLiteral("INSERT INTO schema_version (version) VALUES (%1)").arg(newer)));
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE future_things (x TEXT)")));
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO future_things (x) VALUES ('keep me')")));
        if (sqlite)
            raw.closeRaw();
    }
    const QByteArray before = sqlite ? readAll(databasePath()) : QByteArray("-");
    QVERIFY(!before.isEmpty());

    QString error;
    QVERIFY(!m_storage->open(databasePath(), &error));
    QVERIFY(!m_storage->isOpen());
    QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
    QVERIFY2(error.contains(QString::number(newer)), qPrintable(error));
    QVERIFY2(error.contains(QString::number(ServerStorage::latestSchemaVersion())),
             qPrintable(error));

    // Not a byte changed: no migration ran, not even the journal mode was switched.
    if (sqlite)
        QCOMPARE(readAll(databasePath()), before);
    TestDatabase &raw = *m_database;
    QCOMPARE(sortedTables(raw.raw()),
             QStringList({QStringLiteral("future_things"), QStringLiteral("schema_version")}));
    QCOMPARE(raw.value(QStringLiteral("SELECT MAX(version) FROM schema_version")).toInt(), newer);
    QCOMPARE(raw.value(QStringLiteral("SELECT x FROM future_things")).toString(),
             QStringLiteral("keep me"));
}

void TestServerStorage::missingFolderIsCreated()
{
    QString error;
    if (TestDatabase::isPostgreSql()) {
        // PostgreSQL: the database is the administrator's to create; a missing one is named.
        QUrl missing(databasePath());
        missing.setPath(QStringLiteral("/no_such_database"));
        QVERIFY(!m_storage->open(missing.toString(), &error));
        QVERIFY(!m_storage->isOpen());
        QVERIFY2(error.contains(QStringLiteral("no_such_database")), qPrintable(error));
        return;
    }
    const QString path = m_database->folder() + QStringLiteral("/a/b/c/server.sqlite");
    QVERIFY2(m_storage->open(path, &error), qPrintable(error));
    QVERIFY(QFile::exists(path));
}

void TestServerStorage::recordRoundTrips()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);

    ProgressRecord full =
        makeRecord(QStringLiteral("pm1-0123456789abcdef0123456789abcdef"), 1234567,
                   QStringLiteral("device.A_1-x"), kBase, PlaybackState::Paused);
    full.durationMs = 7654321;
    full.deviceName = QStringLiteral("Wohnzimmer-Fernseher \u00e9\u00e8 \U0001F4FA");
    full.title = QStringLiteral("The Title: \"quoted\" 'and' \u65e5\u672c");
    full.showId = QStringLiteral("show-42");
    full.episodeId = QStringLiteral("s01e02");

    ApplyOutcome outcome;
    QVERIFY2(m_storage->progress().apply(userId, full, kBase + 77, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);
    ProgressRecord expected = full;
    expected.receivedAtMs = kBase + 77;
    QCOMPARE(outcome.record, expected);

    std::optional<ProgressRecord> stored;
    QVERIFY(m_storage->progress().record(userId, full.contentId, &stored, &error));
    QVERIFY(stored);
    QCOMPARE(*stored, expected);

    // Optional fields left empty come back empty, every state survives.
    const QList<PlaybackState> states{PlaybackState::Playing, PlaybackState::Stopped,
                                      PlaybackState::Ended, PlaybackState::Paused};
    for (int i = 0; i < states.size(); ++i) {
        const ProgressRecord bare = makeRecord(QStringLiteral("bare"), 5, QStringLiteral("d"),
                                               kBase + 1000 + i, states.at(i));
        QVERIFY(m_storage->progress().apply(userId, bare, kBase, &outcome, &error));
        QVERIFY(m_storage->progress().record(userId, QStringLiteral("bare"), &stored, &error));
        QVERIFY(stored);
        ProgressRecord bareExpected = bare;
        bareExpected.receivedAtMs = kBase;
        // `ended` is a finish (an older player's watched), counted from then on.
        if (i >= states.indexOf(PlaybackState::Ended)) {
            bareExpected.playCount = 1;
            bareExpected.lastFinishedMs = kBase + 1000 + states.indexOf(PlaybackState::Ended);
        }
        QCOMPARE(*stored, bareExpected);
    }

    // device_name is optional: an update without one is stored with an empty name.
    const QList<QString> noNames{QString(), QStringLiteral("")};
    for (int i = 0; i < noNames.size(); ++i) {
        ProgressRecord nameless =
            makeRecord(QStringLiteral("nameless"), 9, QStringLiteral("d"), kBase + 2000 + i);
        nameless.deviceName = noNames.at(i);
        QVERIFY2(m_storage->progress().apply(userId, nameless, kBase, &outcome, &error),
                 qPrintable(error));
        QVERIFY(outcome.applied);
        QVERIFY(m_storage->progress().record(userId, QStringLiteral("nameless"), &stored, &error));
        QVERIFY(stored);
        QVERIFY(stored->deviceName.isEmpty());
        QCOMPARE(stored->positionMs, 9);
    }

    QVERIFY(m_storage->progress().record(userId, QStringLiteral("never-stored"), &stored, &error));
    QVERIFY(!stored);
}

void TestServerStorage::orderingRule_data()
{
    QTest::addColumn<qint64>("standingAt");
    QTest::addColumn<QString>("standingDevice");
    QTest::addColumn<qint64>("standingPosition");
    QTest::addColumn<qint64>("updateAt");
    QTest::addColumn<QString>("updateDevice");
    QTest::addColumn<qint64>("updatePosition");
    QTest::addColumn<bool>("applied");

    const QString a = QStringLiteral("device-a");
    const QString b = QStringLiteral("device-b");
    QTest::newRow("newer applied")
        << kBase << a << qint64(1000) << kBase + 1 << a << qint64(2000) << true;
    QTest::newRow("newer from another device")
        << kBase << b << qint64(1000) << kBase + 1 << a << qint64(2000) << true;
    QTest::newRow("older not applied")
        << kBase << a << qint64(1000) << kBase - 1 << b << qint64(2000) << false;
    QTest::newRow("much older not applied")
        << kBase << a << qint64(1000) << qint64(0) << b << qint64(2000) << false;
    QTest::newRow("equal pair is a replay")
        << kBase << a << qint64(1000) << kBase << a << qint64(2000) << false;
    QTest::newRow("equal time, higher device")
        << kBase << a << qint64(1000) << kBase << b << qint64(2000) << true;
    QTest::newRow("equal time, lower device")
        << kBase << b << qint64(1000) << kBase << a << qint64(2000) << false;
    // device_id compares by bytes: 'B' (0x42) < 'a' (0x61), "dev-10" < "dev-9".
    QTest::newRow("bytes: upper below lower")
        << kBase << QStringLiteral("a") << qint64(1000) << kBase << QStringLiteral("B")
        << qint64(2000) << false;
    QTest::newRow("bytes: lower above upper")
        << kBase << QStringLiteral("B") << qint64(1000) << kBase << QStringLiteral("a")
        << qint64(2000) << true;
    QTest::newRow("bytes: not numeric") << kBase << QStringLiteral("dev-9") << qint64(1000) << kBase
                                        << QStringLiteral("dev-10") << qint64(2000) << false;
    QTest::newRow("bytes: prefix is lower")
        << kBase << QStringLiteral("dev") << qint64(1000) << kBase << QStringLiteral("dev.")
        << qint64(2000) << true;
    QTest::newRow("newer seek backwards applied")
        << kBase << a << qint64(3000000) << kBase + 1 << a << qint64(0) << true;
    QTest::newRow("older seek backwards not applied")
        << kBase << a << qint64(3000000) << kBase - 1 << a << qint64(0) << false;
}

void TestServerStorage::orderingRule()
{
    QFETCH(qint64, standingAt);
    QFETCH(QString, standingDevice);
    QFETCH(qint64, standingPosition);
    QFETCH(qint64, updateAt);
    QFETCH(QString, updateDevice);
    QFETCH(qint64, updatePosition);
    QFETCH(bool, applied);

    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    const QString id = QStringLiteral("movie");

    ApplyOutcome outcome;
    const ProgressRecord standing = makeRecord(id, standingPosition, standingDevice, standingAt);
    QVERIFY2(m_storage->progress().apply(userId, standing, 111, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);

    const ProgressRecord update = makeRecord(id, updatePosition, updateDevice, updateAt);
    QVERIFY2(m_storage->progress().apply(userId, update, 222, &outcome, &error), qPrintable(error));
    QCOMPARE(outcome.applied, applied);

    ProgressRecord expected = applied ? update : standing;
    expected.receivedAtMs = applied ? 222 : 111;
    QCOMPARE(outcome.record, expected);
    std::optional<ProgressRecord> stored;
    QVERIFY(m_storage->progress().record(userId, id, &stored, &error));
    QVERIFY(stored);
    QCOMPARE(*stored, expected);

    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, id, 100, &history, &error));
    QCOMPARE(history.size(), applied ? 2 : 1);
    QCOMPARE(history.constFirst(), expected);
}

void TestServerStorage::everyOrderEndsInTheSameState()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);

    const QList<ProgressRecord> updates{
        makeRecord(QStringLiteral("x"), 10, QStringLiteral("a"), kBase),
        makeRecord(QStringLiteral("x"), 20, QStringLiteral("b"), kBase),
        makeRecord(QStringLiteral("x"), 30, QStringLiteral("a"), kBase + 5),
        makeRecord(QStringLiteral("x"), 40, QStringLiteral("c"), kBase + 2),
    };
    // Forward, backward and with replays: the winner is always (kBase + 5, "a").
    const QList<QList<int>> orders{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 2, 3, 1, 0}, {1, 3, 0, 2, 2}};
    for (int i = 0; i < orders.size(); ++i) {
        const QString id = QStringLiteral("x%1").arg(i);
        for (const int index : orders.at(i)) {
            ProgressRecord update = updates.at(index);
            update.contentId = id;
            ApplyOutcome outcome;
            QVERIFY(m_storage->progress().apply(userId, update, kBase, &outcome, &error));
        }
        std::optional<ProgressRecord> stored;
        QVERIFY(m_storage->progress().record(userId, id, &stored, &error));
        QVERIFY(stored);
        QCOMPARE(stored->positionMs, 30);
        QCOMPARE(stored->observedAtMs, kBase + 5);
    }
}

void TestServerStorage::historyNewestFirstAndPruned()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    const QString id = QStringLiteral("long-movie");

    constexpr int kUpdates = 120;
    for (int i = 0; i < kUpdates; ++i) {
        ApplyOutcome outcome;
        const ProgressRecord update = makeRecord(id, i * 1000, QStringLiteral("tv"), kBase + i);
        QVERIFY2(m_storage->progress().apply(userId, update, kBase + i, &outcome, &error),
                 qPrintable(error));
        QVERIFY(outcome.applied);
        // A stale one in between never reaches the history.
        const ProgressRecord stale = makeRecord(id, 999999, QStringLiteral("phone"), kBase - 1);
        QVERIFY(m_storage->progress().apply(userId, stale, kBase + i, &outcome, &error));
        QVERIFY(!outcome.applied);
    }

    // Reports 1 ms apart from one device, all playing on: the newest 50 as they came, and of the
    // older, only the first report of the minute (the video's first).
    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, id, 1000, &history, &error));
    QCOMPARE(history.size(), ProgressStore::kHistoryNewest + 1);
    for (int i = 0; i < ProgressStore::kHistoryNewest; ++i) {
        const int update = kUpdates - 1 - i;
        QCOMPARE(history.at(i).observedAtMs, kBase + update);
        QCOMPARE(history.at(i).positionMs, update * 1000);
        QCOMPARE(history.at(i).deviceId, QStringLiteral("tv"));
    }
    QCOMPARE(history.constLast().observedAtMs, kBase);

    QVERIFY(m_storage->progress().history(userId, id, 10, &history, &error));
    QCOMPARE(history.size(), 10);
    QCOMPARE(history.constFirst().observedAtMs, kBase + kUpdates - 1);
    QCOMPARE(history.constLast().observedAtMs, kBase + kUpdates - 10);

    QVERIFY(m_storage->progress().history(userId, QStringLiteral("other"), 10, &history, &error));
    QVERIFY(history.isEmpty());
}

// Older than the newest 50, history keeps every pause, stop and end, every change of device, both
// sides of every seek and the first periodic report of each minute (docs/protocol.md, "History").
void TestServerStorage::historyKeepsThePlacesToGoBackTo()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    Viewing viewing(QStringLiteral("film"), kOnAMinute);
    for (int i = 0; i < 200; ++i) {
        if (i == 30 || i == 100)
            viewing.report(PlaybackState::Paused, QStringLiteral("tv"), i == 100 ? -120000 : 0);
        else if (i == 60)
            viewing.report(PlaybackState::Playing, QStringLiteral("tv"), 300000);
        else if (i == 130)
            viewing.report(PlaybackState::Playing, QStringLiteral("phone"), 8000); // no seek
        else
            viewing.report(PlaybackState::Playing,
                           i > 130 ? QStringLiteral("phone") : QStringLiteral("tv"));
    }
    QVERIFY(applyAll(userId, viewing.updates()));

    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("film"), 200, &history, &error));
    const QList<qint64> kept = observedTimes(history);
    QCOMPARE(kept, keptByRule(viewing.updates()));
    const auto has = [&](int update) {
        return kept.contains(kOnAMinute + update * 5000);
    };
    QVERIFY(has(30)); // paused
    QVERIFY(has(59) && has(60)); // a seek forward while playing: both sides
    QVERIFY(has(99) && has(100)); // a seek back while paused
    QVERIFY(has(130)); // another device
    QVERIFY(!has(129)); // 8 s off is no seek...
    QVERIFY(has(132) && !has(131)); // ...and the minute's first report is kept, not the others
    QVERIFY(kept.size() < 100);
    // The newest 50 as they came.
    for (int i = 0; i < ProgressStore::kHistoryNewest; ++i)
        QCOMPARE(history.at(i), viewing.updates().at(199 - i));
}

// 1440 reports every 5 s (two hours) with a pause every 20 minutes: at most 150 entries.
void TestServerStorage::historyOfATwoHourFilm()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    Viewing viewing(QStringLiteral("film"), kBase);
    for (int i = 0; i < 1440; ++i)
        viewing.report(i % 240 == 239 ? PlaybackState::Paused : PlaybackState::Playing);
    QVERIFY(applyAll(userId, viewing.updates()));

    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("film"), 200, &history, &error));
    QCOMPARE(history.size(), ProgressStore::kHistoryAtMost);
    QCOMPARE(observedTimes(history), keptByRule(viewing.updates()));
    // The newest entry is the record itself, not a copy of it in history.
    QCOMPARE(m_database->value(QStringLiteral("SELECT COUNT(*) FROM history")).toInt(),
             ProgressStore::kHistoryAtMost - 1);
}

// A database an older server wrote (schema 5: the newest 64 of every video, no flags) is judged
// by the rule when this server opens it, as if it had written it.
void TestServerStorage::historyOfAnOlderServerIsJudgedOnUpgrade()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    Viewing viewing(QStringLiteral("film"), kOnAMinute);
    for (int i = 0; i < 64; ++i) {
        if (i == 5)
            viewing.report(PlaybackState::Playing, QStringLiteral("tv"), 600000);
        else
            viewing.report(i == 2 ? PlaybackState::Paused : PlaybackState::Playing);
    }
    QVERIFY(applyAll(userId, viewing.updates()));
    m_storage.reset();

    // Back to schema 5, its 64 entries as it kept them.
    TestDatabase &raw = *m_database;
    QVERIFY(raw.exec(QStringLiteral("DELETE FROM history")));
    QVERIFY(raw.exec(QStringLiteral("ALTER TABLE history DROP COLUMN kept")));
    QVERIFY(raw.exec(QStringLiteral("DELETE FROM schema_version WHERE version = 6")));
    QSqlQuery insert(raw.raw());
    const SqlRecord::Row &row = ProgressStore::progressRow();
    QVERIFY(insert.prepare(row.insertInto(QStringLiteral("history"))));
    for (const ProgressRecord &update : viewing.updates()) {
        row.bind(insert, {userId}, update, {update.receivedAtMs});
        QVERIFY2(insert.exec(), qPrintable(insert.lastError().text()));
    }
    raw.closeRaw();

    m_storage = std::make_unique<ServerStorage>();
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    QCOMPARE(m_storage->schemaVersion(), 6);
    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("film"), 200, &history, &error));
    // The newest 50, then the video's first, the pause at 2, both sides of the seek at 5 and the
    // first report of the second minute.
    QCOMPARE(observedTimes(history), keptByRule(viewing.updates()));
    QCOMPARE(history.size(), ProgressStore::kHistoryNewest + 5);
    QCOMPARE(history.constFirst(), viewing.updates().constLast());
    // The copy of the record history held is gone: the record is the newest entry.
    QCOMPARE(m_database->value(QStringLiteral("SELECT COUNT(*) FROM history")).toInt(),
             history.size() - 1);

    // From now on the new rule prunes it: the next report pushes out a plain one.
    viewing.report(PlaybackState::Playing);
    QVERIFY(applyAll(userId, viewing.updates().mid(64)));
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("film"), 200, &history, &error));
    QCOMPARE(observedTimes(history), keptByRule(viewing.updates()));
}

// A hot-path statement that cannot be prepared (here: a table another program renamed) makes the
// write fail with the reason, every time, instead of running a statement that is not there (which
// crashed the server); once the table is back, the next write prepares again and works.
void TestServerStorage::statementThatCannotBePreparedIsAnError()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    m_storage.reset();
    QVERIFY(m_database->exec(QStringLiteral("ALTER TABLE history RENAME TO history_aside")));
    m_database->closeRaw();

    m_storage = std::make_unique<ServerStorage>();
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    ApplyOutcome outcome;
    for (int i = 0; i < 2; ++i) {
        error.clear();
        QVERIFY(!m_storage->progress().apply(
            userId, makeRecord(QStringLiteral("film"), 1000 + i, QStringLiteral("tv"), kBase + i),
            kBase + i, &outcome, &error));
        QVERIFY2(error.contains(QStringLiteral("history")), qPrintable(error));
    }
    std::optional<ProgressRecord> record;
    QVERIFY(!m_storage->progress().record(userId, QStringLiteral("film"), &record, &error));

    QVERIFY(m_database->exec(QStringLiteral("ALTER TABLE history_aside RENAME TO history")));
    m_database->closeRaw();
    QVERIFY2(m_storage->progress().apply(
                 userId, makeRecord(QStringLiteral("film"), 5000, QStringLiteral("tv"), kBase + 9),
                 kBase + 9, &outcome, &error),
             qPrintable(error));
    QVERIFY(outcome.applied);
    QVERIFY2(m_storage->progress().record(userId, QStringLiteral("film"), &record, &error),
             qPrintable(error));
    QVERIFY(record);
    QCOMPARE(record->positionMs, 5000);
}

// A group tells what it changed: the updates that won and the removals that found something,
// in the group's order; a stale update and a removal of nothing changed nothing.
void TestServerStorage::batchReturnsCommittedChanges()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);
    ApplyOutcome outcome;
    QVERIFY2(m_storage->progress().apply(
                 userId, makeRecord(QStringLiteral("old"), 1, QStringLiteral("d"), kBase + 10),
                 kBase, &outcome, &error),
             qPrintable(error));

    const auto apply = [userId](const ProgressRecord &update) {
        WriteOp op;
        op.userId = userId;
        op.update = update;
        op.receivedAtMs = kBase + 100;
        return op;
    };
    const auto remove = [userId](const QString &contentId) {
        WriteOp op;
        op.kind = WriteOp::Kind::Remove;
        op.userId = userId;
        op.update.contentId = contentId;
        return op;
    };
    const ProgressRecord fresh = makeRecord(QStringLiteral("new"), 5, QStringLiteral("d"), kBase);
    const QList<WriteOp> ops{
        apply(makeRecord(QStringLiteral("old"), 2, QStringLiteral("d"), kBase + 5)), // stale
        apply(fresh),
        remove(QStringLiteral("never-there")),
        remove(QStringLiteral("old")),
    };
    QList<ApplyOutcome> outcomes;
    QList<CommittedChange> committed;
    QVERIFY2(m_storage->progress().applyBatch(ops, &outcomes, &error, &committed),
             qPrintable(error));
    QCOMPARE(committed.size(), 2);
    QCOMPARE(committed.at(0).kind, CommittedChange::Kind::Applied);
    QCOMPARE(committed.at(0).userId, userId);
    ProgressRecord stamped = fresh;
    stamped.receivedAtMs = kBase + 100;
    QCOMPARE(committed.at(0).record, stamped);
    QCOMPARE(committed.at(1).kind, CommittedChange::Kind::Removed);
    QCOMPARE(committed.at(1).record.contentId, QStringLiteral("old"));
}

void TestServerStorage::removeDeletesRecordAndHistory()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 userId = newUser(QStringLiteral("alice"));
    QVERIFY(userId >= 0);

    for (int i = 0; i < 3; ++i) {
        ApplyOutcome outcome;
        QVERIFY(m_storage->progress().apply(
            userId, makeRecord(QStringLiteral("gone"), i, QStringLiteral("d"), kBase + i), kBase,
            &outcome, &error));
        QVERIFY(m_storage->progress().apply(
            userId, makeRecord(QStringLiteral("kept"), i, QStringLiteral("d"), kBase + i), kBase,
            &outcome, &error));
    }

    bool existed = false;
    QVERIFY2(
        m_storage->progress().remove(userId, QStringLiteral("gone"), kBase + 2, &existed, &error),
        qPrintable(error));
    QVERIFY(existed);
    std::optional<ProgressRecord> stored;
    QVERIFY(m_storage->progress().record(userId, QStringLiteral("gone"), &stored, &error));
    QVERIFY(!stored);
    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("gone"), 100, &history, &error));
    QVERIFY(history.isEmpty());

    QVERIFY(
        m_storage->progress().remove(userId, QStringLiteral("gone"), kBase + 2, &existed, &error));
    QVERIFY(!existed);

    QVERIFY(m_storage->progress().record(userId, QStringLiteral("kept"), &stored, &error));
    QVERIFY(stored);
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("kept"), 100, &history, &error));
    QCOMPARE(history.size(), 3);

    // Once forgotten, an observation from before the forget is stale; a newer one starts the
    // record again.
    ApplyOutcome outcome;
    QVERIFY(m_storage->progress().apply(
        userId, makeRecord(QStringLiteral("gone"), 7, QStringLiteral("d"), kBase - 100), kBase,
        &outcome, &error));
    QVERIFY(!outcome.applied);
    QCOMPARE(outcome.forgottenAtMs, kBase + 2);
    QVERIFY(m_storage->progress().apply(
        userId, makeRecord(QStringLiteral("gone"), 7, QStringLiteral("d"), kBase + 3), kBase,
        &outcome, &error));
    QVERIFY(outcome.applied);
    QVERIFY(m_storage->progress().history(userId, QStringLiteral("gone"), 100, &history, &error));
    QCOMPARE(history.size(), 1);
}

void TestServerStorage::continueWatching()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 alice = newUser(QStringLiteral("alice"));
    const qint64 bob = newUser(QStringLiteral("bob"));
    QVERIFY(alice >= 0 && bob >= 0 && alice != bob);

    struct Item
    {
        const char *id;
        qint64 at;
        PlaybackState state;
    };
    const QList<Item> items{
        {"oldest", kBase + 1, PlaybackState::Paused},
        {"finished", kBase + 50, PlaybackState::Ended},
        {"newest", kBase + 40, PlaybackState::Playing},
        {"middle", kBase + 20, PlaybackState::Stopped},
        {"second", kBase + 30, PlaybackState::Paused},
    };
    for (const Item &item : items) {
        ApplyOutcome outcome;
        QVERIFY(m_storage->progress().apply(
            alice,
            makeRecord(QString::fromLatin1(item.id), 1, QStringLiteral("d"), item.at, item.state),
            kBase, &outcome, &error));
    }
    ApplyOutcome outcome;
    QVERIFY(m_storage->progress().apply(
        bob, makeRecord(QStringLiteral("bobs"), 1, QStringLiteral("d"), kBase + 99), kBase,
        &outcome, &error));

    const auto ids = [](const QList<ProgressRecord> &records) {
        QStringList result;
        for (const ProgressRecord &record : records)
            result << record.contentId;
        return result;
    };
    QList<ProgressRecord> records;
    QVERIFY2(m_storage->progress().continueWatching(alice, 20, &records, &error),
             qPrintable(error));
    QCOMPARE(ids(records),
             QStringList({QStringLiteral("newest"), QStringLiteral("second"),
                          QStringLiteral("middle"), QStringLiteral("oldest")}));
    QVERIFY(m_storage->progress().continueWatching(alice, 2, &records, &error));
    QCOMPARE(ids(records), QStringList({QStringLiteral("newest"), QStringLiteral("second")}));
    QVERIFY(m_storage->progress().continueWatching(alice, 1, &records, &error));
    QCOMPARE(ids(records), QStringList({QStringLiteral("newest")}));

    // Finishing a video takes it off the list; watching it again puts it back.
    QVERIFY(m_storage->progress().apply(alice,
                                        makeRecord(QStringLiteral("newest"), 1, QStringLiteral("d"),
                                                   kBase + 60, PlaybackState::Ended),
                                        kBase, &outcome, &error));
    QVERIFY(m_storage->progress().apply(
        alice, makeRecord(QStringLiteral("finished"), 1, QStringLiteral("d"), kBase + 70), kBase,
        &outcome, &error));
    QVERIFY(m_storage->progress().continueWatching(alice, 20, &records, &error));
    QCOMPARE(ids(records),
             QStringList({QStringLiteral("finished"), QStringLiteral("second"),
                          QStringLiteral("middle"), QStringLiteral("oldest")}));

    QVERIFY(m_storage->progress().continueWatching(bob, 20, &records, &error));
    QCOMPARE(ids(records), QStringList({QStringLiteral("bobs")}));
}

void TestServerStorage::users()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));

    QString token;
    QVERIFY2(m_storage->users().addUser(QStringLiteral("alice"), &token, &error),
             qPrintable(error));
    // At least 128 random bits: 22 or more characters of a 64-letter alphabet.
    QVERIFY2(token.size() >= 22, qPrintable(token));
    QVERIFY2(QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]+$")).match(token).hasMatch(),
             qPrintable(token));
    qint64 alice = -1;
    QVERIFY(m_storage->users().userForToken(token, &alice, &error));
    QVERIFY(alice >= 0);

    QString duplicate;
    error.clear();
    QVERIFY(!m_storage->users().addUser(QStringLiteral("alice"), &duplicate, &error));
    QVERIFY(duplicate.isEmpty());
    QVERIFY2(error.contains(QStringLiteral("already exists")), qPrintable(error));

    for (const QString &bad : {QString(), QStringLiteral("has space"), QStringLiteral("x/y"),
                               QStringLiteral("bob\n"), QString(65, u'a')}) {
        error.clear();
        QVERIFY2(!m_storage->users().addUser(bad, &duplicate, &error), qPrintable(bad));
        QVERIFY(!error.isEmpty());
    }

    QString second;
    QVERIFY2(m_storage->users().issueToken(QStringLiteral("alice"), &second, &error),
             qPrintable(error));
    QVERIFY(second != token);
    qint64 again = -1;
    QVERIFY(m_storage->users().userForToken(second, &again, &error));
    QCOMPARE(again, alice);

    error.clear();
    QString none;
    QVERIFY(!m_storage->users().issueToken(QStringLiteral("nobody"), &none, &error));
    QVERIFY2(error.contains(QStringLiteral("nobody")), qPrintable(error));

    QString bobToken;
    QVERIFY(m_storage->users().addUser(QStringLiteral("bob"), &bobToken, &error));
    qint64 bob = -1;
    QVERIFY(m_storage->users().userForToken(bobToken, &bob, &error));
    QVERIFY(bob >= 0 && bob != alice);

    qint64 unknown = 0;
    QVERIFY(m_storage->users().userForToken(QStringLiteral("pm_not-a-token"), &unknown, &error));
    QCOMPARE(unknown, -1);
    QVERIFY(m_storage->users().userForToken(QString(), &unknown, &error));
    QCOMPARE(unknown, -1);

    ApplyOutcome outcome;
    QVERIFY(m_storage->progress().apply(
        bob, makeRecord(QStringLiteral("m"), 1, QStringLiteral("d"), kBase), kBase, &outcome,
        &error));
    QList<UserSummary> users;
    QVERIFY2(m_storage->users().listUsers(&users, &error), qPrintable(error));
    QCOMPARE(users.size(), 2);
    QCOMPARE(users.at(0).name, QStringLiteral("alice"));
    QCOMPARE(users.at(0).activeTokens, 2);
    QCOMPARE(users.at(0).records, 0);
    QVERIFY(users.at(0).createdAtMs > 0);
    QCOMPARE(users.at(1).name, QStringLiteral("bob"));
    QCOMPARE(users.at(1).activeTokens, 1);
    QCOMPARE(users.at(1).records, 1);
}

void TestServerStorage::revokedTokensStopWorking()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    QString first;
    QString second;
    QString bobToken;
    QVERIFY(m_storage->users().addUser(QStringLiteral("alice"), &first, &error));
    QVERIFY(m_storage->users().issueToken(QStringLiteral("alice"), &second, &error));
    QVERIFY(m_storage->users().addUser(QStringLiteral("bob"), &bobToken, &error));

    int revoked = -1;
    QVERIFY2(m_storage->users().revokeTokens(QStringLiteral("alice"), &revoked, &error),
             qPrintable(error));
    QCOMPARE(revoked, 2);
    qint64 userId = 0;
    QVERIFY(m_storage->users().userForToken(first, &userId, &error));
    QCOMPARE(userId, -1);
    QVERIFY(m_storage->users().userForToken(second, &userId, &error));
    QCOMPARE(userId, -1);
    // Bob's token is not touched.
    QVERIFY(m_storage->users().userForToken(bobToken, &userId, &error));
    QVERIFY(userId >= 0);

    // Revoking again revokes nothing; a new token works again.
    QVERIFY(m_storage->users().revokeTokens(QStringLiteral("alice"), &revoked, &error));
    QCOMPARE(revoked, 0);
    QString fresh;
    QVERIFY(m_storage->users().issueToken(QStringLiteral("alice"), &fresh, &error));
    QVERIFY(m_storage->users().userForToken(fresh, &userId, &error));
    QVERIFY(userId >= 0);
    QVERIFY(m_storage->users().userForToken(first, &userId, &error));
    QCOMPARE(userId, -1);

    error.clear();
    QVERIFY(!m_storage->users().revokeTokens(QStringLiteral("nobody"), &revoked, &error));
    QVERIFY(!error.isEmpty());
}

void TestServerStorage::rawTokenIsNeverStored()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    QString first;
    QString second;
    QVERIFY(m_storage->users().addUser(QStringLiteral("alice"), &first, &error));
    QVERIFY(m_storage->users().issueToken(QStringLiteral("alice"), &second, &error));

    const auto sha256Hex = [](const QString &token) {
        return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex();
    };
    const auto check = [&](const QByteArray &bytes) {
        for (const QString &token : {first, second}) {
            QVERIFY2(!bytes.contains(token.toUtf8()), "raw token found in the database files");
            QVERIFY2(!bytes.contains(QByteArray(reinterpret_cast<const char *>(token.utf16()),
                                                token.size() * 2)),
                     "raw token (UTF-16) found in the database files");
            QVERIFY2(bytes.contains(sha256Hex(token)), "token hash not found");
        }
    };

    if (TestDatabase::isPostgreSql()) {
        // Every text the tables hold, as PostgreSQL returns it.
        QByteArray stored;
        QSqlQuery query(m_database->raw());
        QVERIFY(query.exec(QStringLiteral("SELECT t.*::text FROM tokens t UNION ALL "
                                          "SELECT u.*::text FROM users u")));
        while (query.next())
            stored += query.value(0).toString().toUtf8() + '\n';
        check(stored);
        return;
    }
    // While open, the commits may still be in the write-ahead log only.
    const QByteArray whileOpen =
        readAll(databasePath()) + readAll(databasePath() + QStringLiteral("-wal"));
    check(whileOpen);
    if (QTest::currentTestFailed())
        return;

    m_storage->close();
    check(readAll(databasePath()) + readAll(databasePath() + QStringLiteral("-wal")));
}

void TestServerStorage::usersRecordsAreSeparate()
{
    QString error;
    QVERIFY2(m_storage->open(databasePath(), &error), qPrintable(error));
    const qint64 alice = newUser(QStringLiteral("alice"));
    const qint64 bob = newUser(QStringLiteral("bob"));
    QVERIFY(alice >= 0 && bob >= 0 && alice != bob);
    const QString id = QStringLiteral("shared-movie");

    ApplyOutcome outcome;
    const ProgressRecord alices = makeRecord(id, 1000, QStringLiteral("a"), kBase + 10);
    QVERIFY(m_storage->progress().apply(alice, alices, kBase, &outcome, &error));
    QVERIFY(outcome.applied);
    // Older than Alice's record, yet applied: Bob's record is his own.
    const ProgressRecord bobs = makeRecord(id, 2000, QStringLiteral("b"), kBase);
    QVERIFY(m_storage->progress().apply(bob, bobs, kBase, &outcome, &error));
    QVERIFY(outcome.applied);

    std::optional<ProgressRecord> stored;
    QVERIFY(m_storage->progress().record(alice, id, &stored, &error));
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, 1000);
    QVERIFY(m_storage->progress().record(bob, id, &stored, &error));
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, 2000);

    QList<ProgressRecord> history;
    QVERIFY(m_storage->progress().history(alice, id, 100, &history, &error));
    QCOMPARE(history.size(), 1);
    QCOMPARE(history.constFirst().positionMs, 1000);

    bool existed = false;
    QVERIFY(m_storage->progress().remove(bob, id, kBase, &existed, &error));
    QVERIFY(existed);
    QVERIFY(m_storage->progress().record(alice, id, &stored, &error));
    QVERIFY(stored);
    QVERIFY(m_storage->progress().history(alice, id, 100, &history, &error));
    QCOMPARE(history.size(), 1);
    QVERIFY(m_storage->progress().record(bob, id, &stored, &error));
    QVERIFY(!stored);

    QVERIFY(m_storage->progress().remove(bob, id, kBase, &existed, &error));
    QVERIFY(!existed);
    QList<ProgressRecord> list;
    QVERIFY(m_storage->progress().continueWatching(bob, 20, &list, &error));
    QVERIFY(list.isEmpty());
    QVERIFY(m_storage->progress().continueWatching(alice, 20, &list, &error));
    QCOMPARE(list.size(), 1);
}

QTEST_GUILESS_MAIN(TestServerStorage)
#include "tst_serverstorage.moc"
