// The local copy as the player's GUI thread uses it, over a real SQLite file made to fail: a
// folder where the file should be, a table damaged on disk, a database another connection holds
// locked. A read that fails answers a failure, never "no record" or "an empty outbox", and
// failure() says why until the local copy works again.

#include "client/localcopy.h"
#include "sqlitefault.h"

#include <QDir>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 30000;

ProgressRecord progress(const QString &contentId, qint64 positionMs, qint64 observedAtMs)
{
    ProgressRecord record;
    record.contentId = contentId;
    record.positionMs = positionMs;
    record.durationMs = 3600000;
    record.deviceId = u"tv"_s;
    record.deviceName = u"TV"_s;
    record.observedAtMs = observedAtMs;
    record.state = PlaybackState::Playing;
    return record;
}

// Asks the local copy and waits for its answer.
template<typename T, typename Ask>
std::optional<StoreResult<T>> answerOf(Ask ask)
{
    std::optional<StoreResult<T>> answer;
    QObject context;
    ask(&context, [&answer](StoreResult<T> result) { answer = std::move(result); });
    if (!QTest::qWaitFor([&] { return answer.has_value(); }, kTimeoutMs))
        qWarning("the local copy did not answer");
    return answer;
}

} // namespace

class tst_LocalCopy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void readsAnswerWhatIsThere();
    void aCopyThatCannotOpenFailsEveryRead();
    void aDamagedTableFailsItsReads_data();
    void aDamagedTableFailsItsReads();
    void aLockedWriteShowsUntilAWriteSucceeds();

private:
    bool open(LocalCopy &local, const QString &path);
    // A local copy on disk with one record delivered and one waiting in the outbox, then closed.
    bool fill(const QString &path);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void tst_LocalCopy::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void tst_LocalCopy::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(u"local.sqlite"_s);
}

void tst_LocalCopy::cleanup()
{
    m_dir.reset();
}

bool tst_LocalCopy::open(LocalCopy &local, const QString &path)
{
    const auto opened =
        answerOf<void>([&](QObject *context, auto done) { local.open(path, context, done); });
    if (opened && !opened->ok())
        qWarning("open: %s", qPrintable(opened->error()));
    return opened && opened->ok();
}

bool tst_LocalCopy::fill(const QString &path)
{
    LocalCopy local;
    if (!open(local, path))
        return false;
    local.save(progress(u"learned"_s, 1000, 100), false, 0);
    local.save(progress(u"waiting"_s, 2000, 200), true, 0);
    local.waitForIdle();
    return local.failure().isEmpty();
}

void tst_LocalCopy::readsAnswerWhatIsThere()
{
    QVERIFY(fill(m_path));
    LocalCopy local;
    QVERIFY(open(local, m_path));
    const auto found = answerOf<std::optional<ProgressRecord>>(
        [&](QObject *context, auto done) { local.record(u"learned"_s, context, done); });
    QVERIFY(found && found->ok());
    QVERIFY(found->value());
    QCOMPARE(found->value()->positionMs, qint64(1000));
    // No record is an answer, not a failure.
    const auto missing = answerOf<std::optional<ProgressRecord>>(
        [&](QObject *context, auto done) { local.record(u"never-seen"_s, context, done); });
    QVERIFY(missing && missing->ok());
    QVERIFY(!missing->value());
    const auto pending = answerOf<QList<PendingUpdate>>(
        [&](QObject *context, auto done) { local.pending(100, context, done); });
    QVERIFY(pending && pending->ok());
    QCOMPARE(pending->value().size(), 1);
    QCOMPARE(local.failure(), QString());
}

void tst_LocalCopy::aCopyThatCannotOpenFailsEveryRead()
{
    // A folder where the file should be.
    QVERIFY(QDir().mkpath(m_path));
    LocalCopy local;
    QSignalSpy failureChanged(&local, &LocalCopy::failureChanged);
    QVERIFY(!open(local, m_path));
    QVERIFY(!local.failure().isEmpty());
    QCOMPARE(failureChanged.size(), 1);

    const auto record = answerOf<std::optional<ProgressRecord>>(
        [&](QObject *context, auto done) { local.record(u"movie"_s, context, done); });
    QVERIFY(record);
    QVERIFY2(!record->ok(), "a copy that could not be opened answered \"no record\"");
    const auto pending = answerOf<QList<PendingUpdate>>(
        [&](QObject *context, auto done) { local.pending(100, context, done); });
    QVERIFY(pending);
    QVERIFY2(!pending->ok(), "a copy that could not be opened answered \"an empty outbox\"");
    const auto count =
        answerOf<int>([&](QObject *context, auto done) { local.pendingCount(context, done); });
    QVERIFY(count && !count->ok());
    QVERIFY(!local.failure().isEmpty());
}

void tst_LocalCopy::aDamagedTableFailsItsReads_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<bool>("recordFails");
    QTest::addColumn<bool>("pendingFails");
    QTest::newRow("records") << u"records"_s << true << false;
    QTest::newRow("outbox") << u"outbox"_s << false << true;
}

void tst_LocalCopy::aDamagedTableFailsItsReads()
{
    QFETCH(QString, table);
    QFETCH(bool, recordFails);
    QFETCH(bool, pendingFails);
    QVERIFY(fill(m_path));
    QString error;
    QVERIFY2(damageTable(m_path, table, &error), qPrintable(error));

    LocalCopy local;
    QVERIFY(open(local, m_path)); // the schema is sound: it opens
    QSignalSpy failureChanged(&local, &LocalCopy::failureChanged);

    const auto record = answerOf<std::optional<ProgressRecord>>(
        [&](QObject *context, auto done) { local.record(u"learned"_s, context, done); });
    QVERIFY(record);
    QCOMPARE(!record->ok(), recordFails);
    if (recordFails) {
        QVERIFY2(record->error().contains(u"malformed"_s), qPrintable(record->error()));
        QCOMPARE(failureChanged.size(), 1);
        QCOMPARE(local.failure(), record->error());
    } else {
        QVERIFY(record->value());
    }

    const auto pending = answerOf<QList<PendingUpdate>>(
        [&](QObject *context, auto done) { local.pending(100, context, done); });
    QVERIFY(pending);
    QCOMPARE(!pending->ok(), pendingFails);
    if (pendingFails) {
        QVERIFY2(pending->error().contains(u"malformed"_s), qPrintable(pending->error()));
        QCOMPARE(local.failure(), pending->error());
    } else {
        QCOMPARE(pending->value().size(), 1);
        QCOMPARE(local.failure(), QString()); // the read that worked cleared the failed one
    }
}

void tst_LocalCopy::aLockedWriteShowsUntilAWriteSucceeds()
{
    QVERIFY(fill(m_path));
    LocalCopy local;
    QVERIFY(open(local, m_path));
    QSignalSpy failureChanged(&local, &LocalCopy::failureChanged);

    // Another process holds the write lock past the copy's busy timeout.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"holder"_s);
        db.setDatabaseName(m_path);
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery hold(db);
        QVERIFY2(hold.exec(u"BEGIN IMMEDIATE"_s), qPrintable(hold.lastError().text()));

        local.save(progress(u"movie"_s, 5000, 300), true, 0);
        QVERIFY(failureChanged.wait(kTimeoutMs));
        QVERIFY2(local.failure().contains(u"locked"_s), qPrintable(local.failure()));

        // Reads still work meanwhile (WAL), and do not hide the writes that fail.
        const auto record = answerOf<std::optional<ProgressRecord>>(
            [&](QObject *context, auto done) { local.record(u"learned"_s, context, done); });
        QVERIFY(record && record->ok());
        QVERIFY2(local.failure().contains(u"locked"_s), qPrintable(local.failure()));
        QCOMPARE(failureChanged.size(), 1);

        QVERIFY(hold.exec(u"ROLLBACK"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"holder"_s);

    local.save(progress(u"movie"_s, 6000, 400), true, 0);
    QTRY_COMPARE_WITH_TIMEOUT(failureChanged.size(), 2, kTimeoutMs);
    QCOMPARE(failureChanged.last().constFirst().toString(), QString());
    QCOMPARE(local.failure(), QString());
}

QTEST_GUILESS_MAIN(tst_LocalCopy)
#include "tst_localcopy.moc"
