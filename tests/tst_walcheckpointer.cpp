// WalCheckpointer on a real SQLite file: the writer's commits no longer copy the WAL back, a
// thread of its own does, and the WAL starts afresh once that is done; every row survives.

#include "walcheckpointer.h"

#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

namespace {

constexpr int kTimeoutMs = 60000;

bool exec(sqlite3 *db, const char *sql)
{
    char *message = nullptr;
    const bool ok = sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK;
    if (!ok)
        qWarning("%s: %s", sql, message);
    sqlite3_free(message);
    return ok;
}

qint64 single(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = nullptr;
    qint64 value = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK
        && sqlite3_step(statement) == SQLITE_ROW)
        value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

// One transaction of `rows` rows of about a page each.
bool writePages(sqlite3 *db, int rows)
{
    if (!exec(db, "BEGIN"))
        return false;
    sqlite3_stmt *insert = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT INTO t(body) VALUES (randomblob(3000))", -1, &insert,
                           nullptr)
        != SQLITE_OK)
        return false;
    bool ok = true;
    for (int i = 0; i < rows && ok; ++i) {
        ok = sqlite3_step(insert) == SQLITE_DONE;
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    return ok && exec(db, "COMMIT");
}

} // namespace

class tst_WalCheckpointer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkpointsRunBesideTheWriter();
};

void tst_WalCheckpointer::checkpointsRunBesideTheWriter()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray path = dir.filePath(QStringLiteral("wal.sqlite")).toUtf8();
    sqlite3 *writer = nullptr;
    QCOMPARE(sqlite3_open_v2(path.constData(), &writer, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             nullptr),
             SQLITE_OK);
    QVERIFY(exec(writer, "PRAGMA journal_mode=WAL"));
    QVERIFY(exec(writer, "PRAGMA synchronous=NORMAL")); // this test is about checkpoints, not fsync
    QVERIFY(exec(writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)"));

    auto checkpointer = std::make_unique<WalCheckpointer>();
    QString error;
    QVERIFY2(checkpointer->attach(writer, &error), qPrintable(error));

    // Past the point where SQLite itself would have checkpointed inside a commit (1,000 pages)
    // and this thread's (4,000): 50 transactions of 100 pages.
    // The largest WAL seen: a pass may already have let it start afresh by the last commit.
    int rows = 0;
    int largest = 0;
    for (int i = 0; i < 50; ++i) {
        QVERIFY(writePages(writer, 100));
        rows += 100;
        largest = qMax(largest, checkpointer->walFrames());
    }
    QVERIFY2(largest > WalCheckpointer::kCheckpointFrames, qPrintable(QString::number(largest)));
    QTRY_VERIFY_WITH_TIMEOUT(checkpointer->checkpoints() >= 1, kTimeoutMs);

    // Once a pass has copied everything, the writer's next transaction starts the WAL from its
    // beginning. A pass that began while the writes went on left some behind; a small write then
    // asks for another (the WAL is still long), until one finds nothing left.
    bool restarted = false;
    for (int round = 0; round < 10 && !restarted; ++round) {
        const quint64 before = checkpointer->checkpoints();
        QVERIFY(writePages(writer, 1));
        ++rows;
        if (checkpointer->walFrames() < 100) {
            restarted = true;
            break;
        }
        QTRY_VERIFY_WITH_TIMEOUT(checkpointer->checkpoints() > before, kTimeoutMs);
    }
    QVERIFY2(restarted, qPrintable(QString::number(checkpointer->walFrames())));
    // The writer never checkpointed inside a commit.
    QCOMPARE(checkpointer->writerCheckpoints(), quint64(0));

    checkpointer->detach();
    checkpointer.reset();
    QCOMPARE(sqlite3_close(writer), SQLITE_OK);

    // Every row there, the database whole.
    sqlite3 *reader = nullptr;
    QCOMPARE(sqlite3_open_v2(path.constData(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    QCOMPARE(single(reader, "SELECT count(*) FROM t"), qint64(rows));
    sqlite3_stmt *check = nullptr;
    QCOMPARE(sqlite3_prepare_v2(reader, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_step(check), SQLITE_ROW);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(check, 0))),
             QByteArray("ok"));
    sqlite3_finalize(check);
    sqlite3_close(reader);
}

QTEST_GUILESS_MAIN(tst_WalCheckpointer)
#include "tst_walcheckpointer.moc"
