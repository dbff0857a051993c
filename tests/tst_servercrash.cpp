// "An acknowledged (2xx) update is durable: it survives kill -9 of the server at any moment"
// (docs/protocol.md), tried over and over: a writer keeps several updates in flight against the
// real playmark-server and logs every one it is told was kept; the server is killed with SIGKILL at
// a random moment, the database left behind must pass `PRAGMA integrity_check`, and once the server
// is started again on the same file every acknowledged update is there or superseded by a newer
// one. The next trial writes on to the restarted server, so recovery is itself recovered from.
//
// PLAYMARK_CRASH_TRIALS sets the number of trials (default 20, what CI runs); bench/soak runs this
// executable with as many as asked (and a QTEST_FUNCTION_TIMEOUT to match: Qt Test otherwise ends
// a function after 5 minutes, about 700 trials). PLAYMARK_CRASH_SEED repeats a run's kill moments.
#include "serverprocess.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;
constexpr int kVideos = 8;
constexpr int kInFlight = 6; // QNetworkAccessManager opens at most six connections a host
constexpr int kSyncBatch = 3;
constexpr int kMinKillDelayMs = 50;
constexpr int kMaxKillDelayMs = 500;

const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// (observed_at_ms, device_id): the pair the ordering rule compares, device_id by bytes.
struct Stamp
{
    qint64 observedAtMs = 0;
    QByteArray deviceId;

    bool operator<(const Stamp &other) const
    {
        if (observedAtMs != other.observedAtMs)
            return observedAtMs < other.observedAtMs;
        return deviceId < other.deviceId;
    }
    QString text() const
    {
        return u"(%1, %2)"_s.arg(observedAtMs).arg(QString::fromUtf8(deviceId));
    }
};

// What was sent and what the server acknowledged, across all trials. Each update's position is
// its observation less `base`, so a record read back can be checked for being one that was sent
// whole.
struct Ledger
{
    qint64 base = 0;
    QHash<QString, qint64> lastObserved; // per video, the newest observation sent
    QHash<QString, Stamp> acknowledged; // per video, the newest update acknowledged
    qint64 totalAcknowledged = 0;
    quint64 next = 0;

    static QString video(int index) { return u"crash-video-%1"_s.arg(index); }

    // The next update: the videos in turn, observations strictly increasing per video and close
    // to the real clock (the server refuses more than 60 s ahead).
    QJsonObject nextUpdate(QString *contentId, Stamp *stamp)
    {
        *contentId = video(int(next % kVideos));
        const qint64 observed = qMax(lastObserved.value(*contentId) + 1, nowMs());
        lastObserved.insert(*contentId, observed);
        stamp->observedAtMs = observed;
        stamp->deviceId = (next / kVideos) % 2 ? "writer-b" : "writer-a";
        ++next;
        return QJsonObject{{u"position_ms"_s, observed - base},
                           {u"duration_ms"_s, 0},
                           {u"device_id"_s, QString::fromLatin1(stamp->deviceId)},
                           {u"device_name"_s, u"crash writer"_s},
                           {u"observed_at_ms"_s, observed},
                           {u"state"_s, u"playing"_s}};
    }

    void acknowledge(const QString &contentId, const Stamp &stamp)
    {
        ++totalAcknowledged;
        const auto it = acknowledged.find(contentId);
        if (it == acknowledged.end())
            acknowledged.insert(contentId, stamp);
        else if (*it < stamp)
            *it = stamp;
    }
};

// Writes steadily with kInFlight requests outstanding: mostly PUT /v1/progress/{id}, every fourth
// a POST /v1/sync of several videos. Stops sending once told to; what is in flight then still
// counts when it is answered.
class Writer final : public QObject
{
public:
    Writer(const QString &url, const QString &token, Ledger &ledger)
        : m_url(url), m_token(token.toUtf8()), m_ledger(ledger)
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
    }
    ~Writer() override
    {
        // Only on a failure path are requests still out: they must not call back into this.
        m_stopped = true;
        for (QNetworkReply *reply : m_nam.findChildren<QNetworkReply *>()) {
            disconnect(reply, nullptr, this, nullptr);
            reply->abort();
        }
    }
    Q_DISABLE_COPY_MOVE(Writer)

    void start()
    {
        for (int i = 0; i < kInFlight; ++i)
            sendNext();
    }
    void stop() { m_stopped = true; }
    int inFlight() const { return m_inFlight; }
    int acknowledged() const { return m_acknowledged; }
    int sent() const { return m_sent; }

private:
    struct Sent
    {
        QString contentId;
        Stamp stamp;
    };

    QNetworkRequest request(const QString &path) const
    {
        QNetworkRequest request(QUrl(m_url + path));
        request.setRawHeader("Authorization", "Bearer " + m_token);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setTransferTimeout(kTimeoutMs / 2);
        return request;
    }

    void sendNext()
    {
        if (m_stopped)
            return;
        QList<Sent> updates;
        QNetworkReply *reply = nullptr;
        if (++m_requests % 4 == 0) {
            QJsonArray batch;
            for (int i = 0; i < kSyncBatch; ++i) {
                Sent sent;
                QJsonObject update = m_ledger.nextUpdate(&sent.contentId, &sent.stamp);
                update.insert(u"content_id"_s, sent.contentId);
                batch.append(update);
                updates.append(sent);
            }
            reply = m_nam.post(
                request(u"/v1/sync"_s),
                QJsonDocument(QJsonObject{{u"updates"_s, batch}}).toJson(QJsonDocument::Compact));
        } else {
            Sent sent;
            const QJsonObject update = m_ledger.nextUpdate(&sent.contentId, &sent.stamp);
            updates.append(sent);
            reply = m_nam.put(request(u"/v1/progress/"_s + sent.contentId),
                              QJsonDocument(update).toJson(QJsonDocument::Compact));
        }
        ++m_inFlight;
        m_sent += int(updates.size());
        connect(reply, &QNetworkReply::finished, this, [this, reply, updates] {
            reply->deleteLater();
            --m_inFlight;
            settle(reply, updates);
            sendNext();
        });
    }

    void settle(QNetworkReply *reply, const QList<Sent> &updates)
    {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status < 200 || status > 299)
            return;
        // A 2xx status line is written only after the commit: it acknowledges even if the
        // server died before the rest of the answer reached us.
        const QJsonArray results =
            QJsonDocument::fromJson(reply->readAll()).object().value(u"results"_s).toArray();
        for (qsizetype i = 0; i < updates.size(); ++i) {
            if (updates.size() > 1 && !results.isEmpty()
                && results.at(i).toObject().contains(u"error"_s))
                continue;
            m_ledger.acknowledge(updates.at(i).contentId, updates.at(i).stamp);
            ++m_acknowledged;
        }
    }

    QNetworkAccessManager m_nam;
    QString m_url;
    QByteArray m_token;
    Ledger &m_ledger;
    bool m_stopped = false;
    int m_inFlight = 0;
    int m_requests = 0;
    int m_sent = 0;
    int m_acknowledged = 0;
};

} // namespace

class TestServerCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killAtRandomMoments();

private:
    // Starts `serve` on the database and a port the OS picks; empty on failure (with why).
    bool startServer(QString *url);
    // `PRAGMA integrity_check` on a copy of what the killed server left (database and its
    // write-ahead log), so the restarted server still does its own recovery of the original.
    QString integrityCheck();
    // Every acknowledged update present or superseded; returns the videos that lost one.
    int lostUpdates(const QString &url);

    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase> m_database; // SQLite or PostgreSQL, as CTest says
    QString m_db;
    QString m_token;
    QProcessEnvironment m_environment;
    std::unique_ptr<ServerProcess> m_server;
    Ledger m_ledger;
};

void TestServerCrash::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo(kServerBinary).isExecutable(), qPrintable(kServerBinary));
    QVERIFY2(QSqlDatabase::isDriverAvailable(u"QSQLITE"_s), "the Qt SQLite driver is needed");
    m_database = std::make_unique<TestDatabase>(u"crash"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    m_db = m_database->location();
    m_environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name :
         {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"PLAYMARK_TOKEN"_s, u"QT_LOGGING_RULES"_s})
        m_environment.remove(name);
    m_environment.insert(u"HOME"_s, m_dir.filePath(u"home"_s));
    m_environment.insert(u"XDG_DATA_HOME"_s, m_dir.filePath(u"home/data"_s));

    QProcess add;
    add.setProcessEnvironment(m_environment);
    add.start(kServerBinary, {u"user"_s, u"add"_s, u"writer"_s, u"--db"_s, m_db});
    QVERIFY(add.waitForFinished(kTimeoutMs));
    QVERIFY2(add.exitCode() == 0, add.readAllStandardError().constData());
    m_token = QString::fromUtf8(add.readAllStandardOutput()).trimmed();
    QVERIFY(!m_token.isEmpty());
    // Positions stay positive and small enough to read: the observation less a day ago.
    m_ledger.base = nowMs() - 86400000;
}

bool TestServerCrash::startServer(QString *url)
{
    // No rate limit: the writer is one token making far more requests than any device would.
    m_server =
        std::make_unique<ServerProcess>(kServerBinary,
                                        QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s,
                                                    u"--db"_s, m_db, u"--rate-limit"_s, u"0"_s},
                                        m_environment, kTimeoutMs);
    (void)QTest::qWaitFor([&] { return m_server->port() != 0 || !m_server->isRunning(); },
                          kTimeoutMs);
    if (m_server->port() == 0)
        return false;
    *url = m_server->url();
    return true;
}

QString TestServerCrash::integrityCheck()
{
    if (TestDatabase::isPostgreSql()) {
        // PostgreSQL checks its own pages; what is the server's to keep is that a record and the
        // history entry of the record it superseded are written together or not at all. History
        // holds only superseded records: an entry with no record of its video, or none newer
        // than itself, is half of such a write.
        const QVariant orphans = m_database->value(
            u"SELECT COUNT(*) FROM history h WHERE NOT EXISTS (SELECT 1 FROM progress p WHERE "
            "p.user_id = h.user_id AND p.content_id = h.content_id AND p.observed_at_ms >= "
            "h.observed_at_ms AND NOT (p.observed_at_ms = h.observed_at_ms AND p.device_id = "
            "h.device_id))"_s);
        if (!orphans.isValid())
            return u"cannot query the database"_s;
        return orphans.toInt() == 0
            ? u"ok"_s
            : u"%1 history entries not older than their record"_s.arg(orphans.toInt());
    }
    const QString copy = m_dir.filePath(u"check.sqlite"_s);
    for (const QString &suffix : {QString(), u"-wal"_s, u"-shm"_s, u"-journal"_s})
        QFile::remove(copy + suffix);
    for (const QString &suffix : {QString(), u"-wal"_s, u"-journal"_s}) {
        if (QFile::exists(m_db + suffix) && !QFile::copy(m_db + suffix, copy + suffix))
            return u"cannot copy %1%2"_s.arg(m_db, suffix);
    }
    QStringList rows;
    const QString connection = u"integrity-check"_s;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(copy);
        if (!db.open()) {
            rows << u"cannot open: "_s + db.lastError().text();
        } else {
            QSqlQuery query(db);
            if (!query.exec(u"PRAGMA integrity_check"_s))
                rows << query.lastError().text();
            while (query.next())
                rows << query.value(0).toString();
            query.finish();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return rows.join(u"; "_s);
}

int TestServerCrash::lostUpdates(const QString &url)
{
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    int lost = 0;
    for (auto it = m_ledger.acknowledged.begin(); it != m_ledger.acknowledged.end(); ++it) {
        QNetworkRequest request(QUrl(url + u"/v1/progress/"_s + it.key()));
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
        std::unique_ptr<QNetworkReply> reply(nam.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(kTimeoutMs)) {
            qWarning().noquote() << "no answer to GET" << it.key();
            ++lost;
            continue;
        }
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject record =
            QJsonDocument::fromJson(reply->readAll()).object().value(u"record"_s).toObject();
        Stamp stored;
        stored.observedAtMs = record.value(u"observed_at_ms"_s).toInteger();
        stored.deviceId = record.value(u"device_id"_s).toString().toUtf8();
        const bool whole =
            record.value(u"position_ms"_s).toInteger() == stored.observedAtMs - m_ledger.base
            && (stored.deviceId == "writer-a" || stored.deviceId == "writer-b");
        if (status == 200 && whole && !(stored < *it))
            continue;
        ++lost;
        qWarning().noquote() << "LOST:" << it.key() << "acknowledged" << it->text()
                             << "but the server answers" << status
                             << QJsonDocument(record).toJson(QJsonDocument::Compact);
        // Counted once: later trials compare with what stands now.
        *it = stored;
    }
    return lost;
}

void TestServerCrash::killAtRandomMoments()
{
    bool ok = false;
    const int trials = qEnvironmentVariableIntValue("PLAYMARK_CRASH_TRIALS", &ok);
    const int count = ok && trials > 0 ? trials : 20;
    const quint32 seed = qEnvironmentVariableIsSet("PLAYMARK_CRASH_SEED")
        ? quint32(qEnvironmentVariableIntValue("PLAYMARK_CRASH_SEED"))
        : QRandomGenerator::global()->generate();
    QRandomGenerator random(seed);
    qInfo("%d trials, PLAYMARK_CRASH_SEED=%u", count, seed);

    QString url;
    QVERIFY2(startServer(&url), m_server->err().constData());
    int lost = 0;
    int corrupt = 0;
    for (int trial = 1; trial <= count; ++trial) {
        Writer writer(url, m_token, m_ledger);
        writer.start();
        const int delayMs = int(random.bounded(kMinKillDelayMs, kMaxKillDelayMs + 1));
        QTest::qWait(delayMs);

        QSignalSpy died(&m_server->process(), &QProcess::finished);
        m_server->process().kill();
        QVERIFY(died.count() > 0 || died.wait(kTimeoutMs));
        QCOMPARE(m_server->process().exitStatus(), QProcess::CrashExit);
        writer.stop();
        // Answers already on their way still count: wait for every request to end.
        QTRY_VERIFY_WITH_TIMEOUT(writer.inFlight() == 0, kTimeoutMs);

        const QString integrity = integrityCheck();
        if (integrity != u"ok"_s) {
            ++corrupt;
            qWarning().noquote() << "trial" << trial << "integrity_check:" << integrity;
        }

        QVERIFY2(startServer(&url), m_server->err().constData());
        const int lostNow = lostUpdates(url);
        lost += lostNow;
        qInfo("trial %d/%d: killed after %d ms, %d of %d updates acknowledged, %lld in all, "
              "%d lost, integrity_check %s",
              trial, count, delayMs, writer.acknowledged(), writer.sent(),
              m_ledger.totalAcknowledged, lostNow, qPrintable(integrity));
    }

    qInfo("%d trials, %d lost (%lld acknowledged updates; integrity_check failed after %d kills)",
          count, lost, m_ledger.totalAcknowledged, corrupt);
    QCOMPARE(lost, 0);
    QCOMPARE(corrupt, 0);
    QVERIFY(m_ledger.totalAcknowledged > 0);

    // After all that, it still shuts down cleanly.
    QSignalSpy finished(&m_server->process(), &QProcess::finished);
    m_server->process().terminate();
    QVERIFY(finished.count() > 0 || finished.wait(kTimeoutMs));
    QCOMPARE(m_server->process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_server->process().exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestServerCrash)

#include "tst_servercrash.moc"
