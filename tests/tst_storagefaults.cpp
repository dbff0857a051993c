// Storage faults against the real server in-process (port 0, QNetworkAccessManager): a full disk,
// a disk that turns read-only and a database locked by another connection. Each must answer 503
// `unavailable` for what it could not write, keep serving reads, write nothing half-way and
// recover without a restart where the operating system lets it.
//
// Needs root: the disks are a small tmpfs and a loop-mounted ext4 image made for the test. A
// refused mount fails the test with a message saying so (CI runs as root).
#include "serverstorage.h"
#include "syncserver.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
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

// Generous: a locked write waits for SQLite's busy timeout (5 s) before it fails.
constexpr int kTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject update(qint64 positionMs, qint64 observedAtMs)
{
    return QJsonObject{{u"position_ms"_s, positionMs},      {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, u"tv"_s},           {u"device_name"_s, u"TV"_s},
                       {u"observed_at_ms"_s, observedAtMs}, {u"state"_s, u"playing"_s}};
}

struct Answer
{
    int status = -1; // -1: no answer within the timeout, or a transport error
    QByteArray body;
    QJsonObject json;

    QJsonObject record() const { return json.value(u"record"_s).toObject(); }
    qint64 position() const { return record().value(u"position_ms"_s).toInteger(-1); }
    QString errorCode() const
    {
        return json.value(u"error"_s).toObject().value(u"code"_s).toString();
    }
};

// What docs/protocol.md says of a storage failure: 503 `unavailable`, nothing written.
#define VERIFY_UNAVAILABLE(answer) \
    do { \
        const Answer &answer_ = (answer); \
        QVERIFY2(answer_.status == 503, answer_.body.constData()); \
        QCOMPARE(answer_.errorCode(), u"unavailable"_s); \
        QVERIFY( \
            !answer_.json.value(u"error"_s).toObject().value(u"message"_s).toString().isEmpty()); \
    } while (false)

struct Command
{
    int exitCode = -1;
    QString output;
};

Command run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    Command command;
    if (!process.waitForFinished(kTimeoutMs)) {
        command.output = program + u": "_s + process.errorString();
        process.kill();
        process.waitForFinished();
        return command;
    }
    command.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    command.output = QString::fromLocal8Bit(process.readAll()).trimmed();
    return command;
}

QString needsRoot(const QString &what, const Command &command)
{
    return u"%1 failed (%2): this test needs root, for mount; CI runs it as root"_s.arg(
        what, command.output);
}

} // namespace

class TestStorageFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fullDisk();
    void readOnlyDisk();
    void lockedDatabase();

private:
    void startServer(const QString &databasePath);
    void stopServer();
    Answer send(const QByteArray &verb, const QString &path, const QByteArray &body = {});
    Answer put(qint64 positionMs)
    {
        return send("PUT", u"/v1/progress/film"_s, compact(update(positionMs, ++m_observed)));
    }
    Answer get() { return send("GET", u"/v1/progress/film"_s); }
    // Checks the file after the server closed it: sound, and holding the last acknowledged
    // position of `film`.
    void verifyDatabase(const QString &path, qint64 positionMs);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SyncServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    QStringList m_mounts; // unmounted in cleanup(), whatever happened
    QString m_token;
    qint64 m_observed = 0;
};

void TestStorageFaults::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestStorageFaults::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_observed = nowMs() - 3600000;
}

void TestStorageFaults::cleanup()
{
    m_nam.reset();
    m_server.reset();
    QSqlDatabase::removeDatabase(u"locker"_s);
    for (auto it = m_mounts.crbegin(); it != m_mounts.crend(); ++it) {
        // A fault may leave it read-only; unmounting works all the same.
        const Command umount = run(u"umount"_s, {*it});
        if (umount.exitCode != 0)
            run(u"umount"_s, {u"-l"_s, *it});
    }
    m_mounts.clear();
    m_dir.reset();
}

void TestStorageFaults::startServer(const QString &databasePath)
{
    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = databasePath;
    options.port = 0;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
}

void TestStorageFaults::stopServer()
{
    m_server->stop();
    m_server.reset();
}

Answer TestStorageFaults::send(const QByteArray &verb, const QString &path, const QByteArray &body)
{
    QNetworkRequest request(QUrl(m_server->url() + path));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    std::unique_ptr<QNetworkReply> reply(m_nam->sendCustomRequest(request, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return answer;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    answer.status = status.isValid() ? status.toInt() : -1;
    answer.body = reply->readAll();
    answer.json = QJsonDocument::fromJson(answer.body).object();
    return answer;
}

void TestStorageFaults::verifyDatabase(const QString &path, qint64 positionMs)
{
    const QString name = u"verify"_s;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery query(db);
        QVERIFY2(query.exec(u"PRAGMA integrity_check"_s) && query.next(),
                 qPrintable(query.lastError().text()));
        QCOMPARE(query.value(0).toString(), u"ok"_s);
        query.finish();
        QVERIFY(query.exec(u"SELECT position_ms FROM progress WHERE content_id = 'film'"_s));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toLongLong(), positionMs);
        QVERIFY(!query.next());
        query.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

void TestStorageFaults::fullDisk()
{
    const QString disk = m_dir->filePath(u"disk"_s);
    QVERIFY(QDir().mkpath(disk));
    const Command mount =
        run(u"mount"_s, {u"-t"_s, u"tmpfs"_s, u"-o"_s, u"size=2m"_s, u"tmpfs"_s, disk});
    QVERIFY2(mount.exitCode == 0, qPrintable(needsRoot(u"mount -t tmpfs"_s, mount)));
    m_mounts << disk;

    const QString database = disk + u"/server.sqlite"_s;
    startServer(database);
    QString error;
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
    QCOMPARE(put(1000).status, 200);

    // Fill every free block; the write that fails is where the disk is full.
    QFile filler(disk + u"/filler"_s);
    QVERIFY(filler.open(QIODevice::WriteOnly));
    const QByteArray block(64 * 1024, 'x');
    qint64 filled = 0;
    for (;;) {
        const qint64 written = filler.write(block);
        if (written != block.size() || !filler.flush())
            break;
        filled += written;
        QVERIFY2(filled < 64 * 1024 * 1024, "the tmpfs never filled up");
    }
    filler.close(); // the file stays: only deleting it frees the space

    for (qint64 position : {2000, 3000, 4000}) {
        VERIFY_UNAVAILABLE(put(position));
        const Answer read = get();
        QCOMPARE(read.status, 200);
        QCOMPARE(read.position(), 1000);
    }
    // A new record cannot be written either, and is not there afterwards.
    VERIFY_UNAVAILABLE(send("PUT", u"/v1/progress/other"_s, compact(update(5, ++m_observed))));
    QCOMPARE(send("GET", u"/v1/progress/other"_s).status, 404);
    QCOMPARE(send("GET", u"/healthz"_s).status, 200);
    // The reader's path (from the file, not the cache) still answers.
    const Answer list = send("GET", u"/v1/progress"_s);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json.value(u"items"_s).toArray().size(), 1);

    // /v1/sync answers 200 with a per-update `unavailable` error, and applies none of them.
    QJsonObject film = update(6000, ++m_observed);
    film.insert(u"content_id"_s, u"film"_s);
    QJsonObject other = update(7, ++m_observed);
    other.insert(u"content_id"_s, u"other"_s);
    const QJsonArray updates{film, other};
    const Answer sync = send("POST", u"/v1/sync"_s, compact({{u"updates"_s, updates}}));
    QCOMPARE(sync.status, 200);
    const QJsonArray results = sync.json.value(u"results"_s).toArray();
    QCOMPARE(results.size(), 2);
    for (const QJsonValue &result : results) {
        const QJsonObject object = result.toObject();
        QVERIFY2(!object.contains(u"applied"_s), sync.body.constData());
        QCOMPARE(object.value(u"error"_s).toObject().value(u"code"_s).toString(), u"unavailable"_s);
    }
    QCOMPARE(get().position(), 1000);
    QCOMPARE(send("GET", u"/v1/progress/other"_s).status, 404);

    // Space returns: the next write goes through, with no restart.
    QVERIFY(filler.remove());
    const Answer recovered = put(8000);
    QVERIFY2(recovered.status == 200, recovered.body.constData());
    QCOMPARE(recovered.json.value(u"applied"_s).toBool(), true);
    QCOMPARE(get().position(), 8000);
    const Answer history = send("GET", u"/v1/progress/film/history"_s);
    QCOMPARE(history.status, 200);
    QCOMPARE(history.json.value(u"items"_s).toArray().size(), 2); // 1000 and 8000, nothing else

    stopServer();
    verifyDatabase(database, 8000);
}

// Linux refuses `mount -o remount,ro` (EBUSY) while a file on it is open for writing, and the
// server holds its database so: a disk can only turn read-only under it through an emergency,
// as ext4 does on an error with errors=remount-ro. That is what this provokes, on a loop-mounted
// image, through ext4's own trigger. ext4 then refuses to go back to read-write until the image
// is unmounted, so recovery is a restart of the server on the mounted-again image.
void TestStorageFaults::readOnlyDisk()
{
    const QString image = m_dir->filePath(u"disk.img"_s);
    const QString disk = m_dir->filePath(u"disk"_s);
    QVERIFY(QDir().mkpath(disk));
    {
        QFile file(image);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(16 * 1024 * 1024));
    }
    const Command mkfs = run(u"mkfs.ext4"_s, {u"-q"_s, u"-F"_s, image});
    QVERIFY2(mkfs.exitCode == 0, qPrintable(mkfs.output));
    const QStringList mountArguments{u"-o"_s, u"loop,errors=remount-ro"_s, image, disk};
    const Command mount = run(u"mount"_s, mountArguments);
    QVERIFY2(mount.exitCode == 0, qPrintable(needsRoot(u"mount -o loop"_s, mount)));
    m_mounts << disk;
    const Command source = run(u"findmnt"_s, {u"-n"_s, u"-o"_s, u"SOURCE"_s, disk});
    QVERIFY2(source.exitCode == 0, qPrintable(source.output));
    const QString trigger =
        u"/sys/fs/ext4/%1/trigger_fs_error"_s.arg(QFileInfo(source.output).fileName());

    const QString database = disk + u"/server.sqlite"_s;
    startServer(database);
    QString error;
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
    QCOMPARE(put(1000).status, 200);
    QCOMPARE(put(2000).status, 200);

    {
        QFile file(trigger);
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(trigger + file.errorString()));
        QVERIFY(file.write("1") == 1);
    }
    QVERIFY(!QFile(disk + u"/probe"_s).open(QIODevice::WriteOnly)); // read-only now

    for (qint64 position : {3000, 4000}) {
        VERIFY_UNAVAILABLE(put(position));
        QCOMPARE(get().position(), 2000);
    }
    const Answer list = send("GET", u"/v1/progress"_s);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json.value(u"items"_s).toArray().size(), 1);
    QCOMPARE(send("GET", u"/healthz"_s).status, 200);

    stopServer();
    const Command umount = run(u"umount"_s, {disk});
    QVERIFY2(umount.exitCode == 0, qPrintable(umount.output));
    m_mounts.removeAll(disk);
    const Command fsck = run(u"e2fsck"_s, {u"-fy"_s, image});
    QVERIFY2(fsck.exitCode == 0 || fsck.exitCode == 1, qPrintable(fsck.output));
    const Command again = run(u"mount"_s, mountArguments);
    QVERIFY2(again.exitCode == 0, qPrintable(again.output));
    m_mounts << disk;

    verifyDatabase(database, 2000);
    startServer(database);
    QCOMPARE(get().position(), 2000);
    const Answer recovered = put(5000);
    QVERIFY2(recovered.status == 200, recovered.body.constData());
    QCOMPARE(get().position(), 5000);
    stopServer();
    verifyDatabase(database, 5000);
}

// Another connection holds the write lock. In WAL mode readers are not blocked, even by
// BEGIN EXCLUSIVE (it takes the same lock as IMMEDIATE there): reads answer at once; a write
// waits for the busy timeout and then fails with 503.
void TestStorageFaults::lockedDatabase()
{
    const QString database = m_dir->filePath(u"server.sqlite"_s);
    startServer(database);
    QString error;
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
    QCOMPARE(put(1000).status, 200);

    QSqlDatabase locker = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"locker"_s);
    locker.setDatabaseName(database);
    QVERIFY2(locker.open(), qPrintable(locker.lastError().text()));
    {
        QSqlQuery query(locker);
        QVERIFY2(query.exec(u"BEGIN EXCLUSIVE"_s), qPrintable(query.lastError().text()));
        // An uncommitted write, which nobody else may see.
        QVERIFY2(query.exec(u"UPDATE progress SET position_ms = 1 WHERE content_id = 'film'"_s),
                 qPrintable(query.lastError().text()));
    }

    VERIFY_UNAVAILABLE(put(2000));
    const Answer cached = get();
    QCOMPARE(cached.status, 200);
    QCOMPARE(cached.position(), 1000);
    // Straight from the file through the reader's connection: the committed state.
    const Answer list = send("GET", u"/v1/progress"_s);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json.value(u"items"_s).toArray().first().toObject().value(u"position_ms"_s),
             1000);
    QCOMPARE(send("GET", u"/v1/progress/film/history"_s).status, 200);

    {
        QSqlQuery query(locker);
        QVERIFY2(query.exec(u"ROLLBACK"_s), qPrintable(query.lastError().text()));
    }
    locker.close();

    const Answer recovered = put(3000);
    QVERIFY2(recovered.status == 200, recovered.body.constData());
    QCOMPARE(recovered.json.value(u"applied"_s).toBool(), true);
    QCOMPARE(get().position(), 3000);
    stopServer();
    verifyDatabase(database, 3000);
}

QTEST_GUILESS_MAIN(TestStorageFaults)
#include "tst_storagefaults.moc"
