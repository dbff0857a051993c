// The database's machine dies in the middle of a binge (issue 17): two real playmark-server
// processes on the private highly available cluster CTest starts (scripts/test-postgres-ha: three
// etcd members, a primary and a synchronous standby run by Patroni), two real players playing the
// sample through them, and a writer that keeps every update a server acknowledged. The primary's
// PostgreSQL is killed with SIGKILL; the standby takes over; every acknowledged update is on the
// new primary (nothing a player was told was saved is lost), and the time from the kill to the
// first acknowledged write is printed. The old primary comes back as the standby by itself and a
// second failover (the whole node this time, as when a machine dies) goes back to it. In between,
// two of the three etcd members die: the primary steps down and no write is taken until they are
// back, and the TV (a real window on a private X display) says so in its status bar, read off
// the screen. Then the standby dies (writes wait until Patroni lets the primary go on alone, then
// go on), and one etcd member dies (nothing stops; a failover still works with two of three).
#include "eventreader.h"
#include "playerprocess.h"
#include "screentext.h"
#include "serverprocess.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. The times measured are printed, never asserted.
constexpr int kTimeoutMs = 90000;
const QString kServerBinary = QString::fromUtf8(PLAYMARK_SERVER_BIN);
const QString kPlayerBinary = QString::fromUtf8(PLAYMARK_PLAYER_BIN);
const QString kSample = QString::fromUtf8(PLAYMARK_SAMPLE_VIDEO);
const QString kCluster = QString::fromUtf8(PLAYMARK_HA_SCRIPT);
// The cluster script's own waits are up to 240 s (wait-healthy, a start step).
constexpr int kClusterTimeoutMs = 300000;
// The TV's window on its screen, and the right two thirds of its status bar, where the sync
// status is.
const QSize kScreen(1000, 700);
const QString kTvGeometry = u"960x640+0+0"_s;
const QRect kTvStatus(320, 640 - 30, 640, 30);

// Keeps sending updates, each a video of its own (so the check below is exact: every update
// acknowledged must be a record that stands), alternately to each server, up to kInFlight at a
// time and about one every kEveryMs; remembers each one a server answered 200.
class Writer final : public QObject
{
public:
    static constexpr int kInFlight = 8;
    static constexpr int kEveryMs = 10;

    struct Acked
    {
        QString contentId;
        qint64 observedAtMs = 0;
        qint64 sentMs = 0; // on the test's clock
        qint64 answeredMs = 0;
    };

    Writer(const QStringList &servers, const QString &token, const QString &prefix,
           const QElapsedTimer &clock)
        : m_servers(servers), m_token(token), m_prefix(prefix), m_clock(clock)
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
        m_timer.setInterval(kEveryMs);
        connect(&m_timer, &QTimer::timeout, this, &Writer::sendOne);
        m_timer.start();
    }

    // Stops sending and waits for the answers still to come.
    bool stop()
    {
        m_timer.stop();
        return QTest::qWaitFor([this] { return m_inFlight == 0; }, kTimeoutMs);
    }

    const QList<Acked> &acked() const { return m_acked; }
    int refused() const { return m_refused; }
    QString lastRefusal() const { return m_lastRefusal; }

    // The updates sent at or after `ms` that were acknowledged.
    QList<Acked> sentAfter(qint64 ms) const
    {
        QList<Acked> after;
        for (const Acked &acked : m_acked)
            if (acked.sentMs >= ms)
                after.append(acked);
        return after;
    }
    // How long after `ms` the first update sent after it was acknowledged; -1 if none was.
    qint64 firstAcknowledgedAfter(qint64 ms) const
    {
        qint64 first = -1;
        for (const Acked &acked : m_acked)
            if (acked.sentMs >= ms && (first < 0 || acked.answeredMs < first))
                first = acked.answeredMs;
        return first < 0 ? -1 : first - ms;
    }
    // The longest time after `ms` in which no acknowledgement came.
    qint64 longestSilenceAfter(qint64 ms) const
    {
        qint64 previous = ms;
        qint64 longest = 0;
        QList<qint64> answers;
        for (const Acked &acked : m_acked)
            if (acked.answeredMs >= ms)
                answers.append(acked.answeredMs);
        std::sort(answers.begin(), answers.end());
        for (const qint64 answered : std::as_const(answers)) {
            longest = std::max(longest, answered - previous);
            previous = answered;
        }
        return longest;
    }

private:
    void sendOne()
    {
        if (m_inFlight >= kInFlight)
            return;
        const qint64 n = ++m_sent;
        const QString contentId = m_prefix + QString::number(n);
        // A day ago and a millisecond apart: far from any clock check, and all distinct.
        const qint64 observedAtMs = m_base + n;
        const QJsonObject body{
            {u"position_ms"_s, n * 1000 % 3600000}, {u"duration_ms"_s, 3600000},
            {u"device_id"_s, u"failover-writer"_s}, {u"device_name"_s, u"Writer"_s},
            {u"observed_at_ms"_s, observedAtMs},    {u"state"_s, u"paused"_s}};
        QNetworkRequest request(
            QUrl(m_servers.at(n % m_servers.size()) + u"/v1/progress/"_s + contentId));
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
        request.setTransferTimeout(kTimeoutMs);
        const qint64 sentMs = m_clock.elapsed();
        QNetworkReply *reply =
            m_nam.put(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
        ++m_inFlight;
        connect(reply, &QNetworkReply::finished, this,
                [this, reply, contentId, observedAtMs, sentMs] {
                    --m_inFlight;
                    reply->deleteLater();
                    const int status =
                        reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                    if (status == 200) {
                        m_acked.append({contentId, observedAtMs, sentMs, m_clock.elapsed()});
                        return;
                    }
                    ++m_refused;
                    m_lastRefusal = QString::number(status) + u' '
                        + QString::fromUtf8(reply->readAll().left(200)) + reply->errorString();
                });
    }

    QStringList m_servers;
    QString m_token;
    QString m_prefix;
    const QElapsedTimer &m_clock;
    QNetworkAccessManager m_nam;
    QTimer m_timer;
    const qint64 m_base = QDateTime::currentMSecsSinceEpoch() - 24 * 3600 * 1000;
    qint64 m_sent = 0;
    int m_inFlight = 0;
    QList<Acked> m_acked;
    int m_refused = 0;
    QString m_lastRefusal;
};

// The player's last event lines, for a failure's message.
QString lastEvents(const PlayerProcess &player)
{
    QStringList lines;
    for (const QJsonObject &event : player.events().mid(qMax(0, int(player.events().size()) - 12)))
        lines.append(QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact)));
    return lines.join(u'\n');
}

} // namespace

class TestFailover : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void primaryKilledMidBinge();
    void quorumLostPlayersWait();
    void oldPrimaryRejoinsAndTheMachineDiesBack();
    void standbyKilled();
    void etcdMemberKilled();

private:
    // scripts/test-postgres-ha COMMAND STATE ARGS...: its output, trimmed; fails the test if it
    // fails.
    QString cluster(const QString &command, const QStringList &args = {});
    // Every writer update acknowledged is a record on the primary now.
    void everyAcknowledgedUpdateIsStored(const Writer &writer);
    // Kills the primary (`what`: postgres or node) while `writer` writes; returns when writes are
    // acknowledged again, with the new primary.
    QString failOver(Writer &writer, const QString &what);
    QStringList playerArgs(const QString &name, const QString &token) const;
    // The TV's status bar reads `text` (its picture kept in the test's folder as `keepAs`.png).
    void tvStatusSays(const QString &text, const QString &keepAs);
    // Another device of the user's: `playmark-server user token`.
    QString newToken();

    QString m_state;
    QString m_url;
    QString m_user;
    QString m_token; // the TV's
    QString m_writerToken; // the writer's: a device of its own
    QProcessEnvironment m_environment;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ServerProcess> m_a;
    std::unique_ptr<ServerProcess> m_b;
    QStringList m_servers;
    QElapsedTimer m_clock;
    std::unique_ptr<VirtualDisplay> m_display; // the TV's screen
    std::unique_ptr<PlayerProcess> m_tv;
    std::unique_ptr<PlayerProcess> m_phone;
};

QString TestFailover::cluster(const QString &command, const QStringList &args)
{
    const Run run = runProcess(kCluster, QStringList{command, m_state} + args, m_environment,
                               kClusterTimeoutMs);
    if (!run.exitedNormally() || run.exitCode != 0) {
        QTest::qFail(qPrintable(u"scripts/test-postgres-ha %1 failed: %2"_s.arg(
                         command, QString::fromUtf8(run.err))),
                     __FILE__, __LINE__);
        return {};
    }
    return QString::fromUtf8(run.out).trimmed();
}

void TestFailover::initTestCase()
{
    m_state = qEnvironmentVariable("PLAYMARK_TEST_POSTGRES_HA_STATE");
    QVERIFY2(QFile::exists(m_state), "no cluster: run this test through CTest (postgres_ha)");
    m_environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name :
         {u"PLAYMARK_DB"_s, u"PLAYMARK_LISTEN"_s, u"PLAYMARK_TOKEN"_s, u"QT_LOGGING_RULES"_s})
        m_environment.remove(name);
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    m_environment.insert(u"HOME"_s, m_dir->filePath(u"home"_s));
    m_environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"home/data"_s));
    m_environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"home/config"_s));
    m_url = cluster(u"url"_s);
    QVERIFY(m_url.startsWith(u"postgresql://"_s));

    // A user of this run's own: the cluster may have served another run before.
    m_user = u"alice-%1"_s.arg(QCoreApplication::applicationPid());
    const Run add = runProcess(kServerBinary, {u"user"_s, u"add"_s, m_user, u"--db"_s, m_url},
                               m_environment, kTimeoutMs);
    QVERIFY2(add.exitedNormally() && add.exitCode == 0, add.err.constData());
    m_token = QString::fromUtf8(add.out).trimmed();
    m_writerToken = newToken();
    QVERIFY(!m_writerToken.isEmpty());
    for (auto *server : {&m_a, &m_b}) {
        *server = std::make_unique<ServerProcess>(
            kServerBinary,
            QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_url},
            m_environment, kTimeoutMs);
        ServerProcess &started = **server;
        QVERIFY2(QTest::qWaitFor([&] { return started.port() != 0 || !started.isRunning(); },
                                 kTimeoutMs),
                 started.err().constData());
        QVERIFY2(started.port() != 0, started.err().constData());
        m_servers.append(started.url());
    }
    m_clock.start();
}

void TestFailover::cleanupTestCase()
{
    m_tv.reset();
    m_phone.reset();
    m_display.reset();
    for (auto *server : {&m_a, &m_b}) {
        if (*server)
            stopProcess((*server)->process(), 15000);
        server->reset();
    }
}

QString TestFailover::newToken()
{
    const Run token = runProcess(kServerBinary, {u"user"_s, u"token"_s, m_user, u"--db"_s, m_url},
                                 m_environment, kTimeoutMs);
    return token.exitCode == 0 ? QString::fromUtf8(token.out).trimmed() : QString();
}

QStringList TestFailover::playerArgs(const QString &name, const QString &token) const
{
    return {u"--profile"_s, m_dir->filePath(name),  u"--device"_s, name,
            u"--server"_s,  m_servers.join(u','),   u"--token"_s,  token,
            u"--events"_s,  u"--report-interval"_s, u"1"_s,        u"--from-start"_s,
            kSample};
}

void TestFailover::tvStatusSays(const QString &text, const QString &keepAs)
{
    QString read;
    QVERIFY2(lookUntilShown(
                 [&] { return enlarged(m_display->grab(kTvStatus, kTimeoutMs), kTvStatus.size()); },
                 kTvStatus.size() * 3,
                 [&text](const QString &shown) { return shown.contains(text); }, kTimeoutMs,
                 m_dir->filePath(keepAs + u".png"_s), &read),
             qPrintable(u"the TV's status bar shows “%1”, not “%2”"_s.arg(read, text)));
}

void TestFailover::everyAcknowledgedUpdateIsStored(const Writer &writer)
{
    // Read on whichever node takes writes now: the primary.
    const Run stored =
        runProcess(u"psql"_s,
                   {u"-AtX"_s, m_url, u"-c"_s,
                    u"SELECT content_id || ' ' || observed_at_ms FROM progress WHERE device_id = "
                    "'failover-writer'"_s},
                   m_environment, kTimeoutMs);
    QVERIFY2(stored.exitedNormally() && stored.exitCode == 0, stored.err.constData());
    const QStringList lines = QString::fromUtf8(stored.out).split(u'\n', Qt::SkipEmptyParts);
    const QSet<QString> standing(lines.cbegin(), lines.cend());
    QStringList lost;
    for (const Writer::Acked &acked : writer.acked()) {
        const QString key = acked.contentId + u' ' + QString::number(acked.observedAtMs);
        if (!standing.contains(key))
            lost.append(key);
    }
    qInfo("%lld updates acknowledged, %d refused (last: %s), %lld lost",
          qlonglong(writer.acked().size()), writer.refused(), qPrintable(writer.lastRefusal()),
          qlonglong(lost.size()));
    QVERIFY2(lost.isEmpty(), qPrintable(lost.mid(0, 10).join(u", ")));
}

QString TestFailover::failOver(Writer &writer, const QString &what)
{
    // A primary and a synchronous standby, streaming: what a failover needs.
    cluster(u"wait-healthy"_s);
    const QString old = cluster(u"primary"_s);
    if (old.isEmpty())
        return {};
    // Writes are flowing before the kill.
    const qsizetype before = writer.acked().size();
    if (!QTest::qWaitFor([&] { return writer.acked().size() >= before + 100; }, kTimeoutMs)) {
        QTest::qFail("the writer's updates are not acknowledged", __FILE__, __LINE__);
        return {};
    }
    cluster(u"kill"_s, {old, what});
    // Taken once the script has killed it: the writes sent before could still be committed.
    const qint64 killedMs = m_clock.elapsed();
    if (!QTest::qWaitFor([&] { return writer.sentAfter(killedMs).size() >= 100; }, kTimeoutMs)) {
        QTest::qFail(qPrintable(u"no writes acknowledged after the kill (last refusal: %1)"_s.arg(
                         writer.lastRefusal())),
                     __FILE__, __LINE__);
        return {};
    }
    const QString now = cluster(u"primary"_s);
    qInfo("failover (%s of %s killed): first write acknowledged %lld ms after the kill; "
          "%s is the primary now",
          qPrintable(what), qPrintable(old), writer.firstAcknowledgedAfter(killedMs),
          qPrintable(now));
    if (now == old || now.isEmpty())
        QTest::qFail("the standby was not promoted", __FILE__, __LINE__);
    return now;
}

void TestFailover::primaryKilledMidBinge()
{
    // A second device of alice's, playing the same episode.
    const QString phoneToken = newToken();
    QVERIFY(!phoneToken.isEmpty());
    // The TV in a real window, whose status bar the test reads.
    m_display = std::make_unique<VirtualDisplay>();
    QString error;
    QVERIFY2(m_display->start(kScreen, kTimeoutMs, &error), qPrintable(error));
    QProcessEnvironment tvEnvironment = m_display->environment();
    for (const QString &name : m_environment.keys())
        if (name != u"QT_QPA_PLATFORM"_s && name != u"DISPLAY"_s)
            tvEnvironment.insert(name, m_environment.value(name));
    m_tv = std::make_unique<PlayerProcess>(kPlayerBinary,
                                           playerArgs(u"TV"_s, m_token)
                                               + QStringList{u"--window-geometry"_s, kTvGeometry},
                                           tvEnvironment);
    m_phone = std::make_unique<PlayerProcess>(kPlayerBinary, playerArgs(u"Phone"_s, phoneToken),
                                              m_environment);
    for (PlayerProcess *player : {m_tv.get(), m_phone.get()}) {
        QVERIFY2(!player->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(),
                 player->err().constData());
        QVERIFY2(!player
                      ->waitForEvent(u"reported"_s, kTimeoutMs,
                                     [](const QJsonObject &event) {
                                         return event.value(u"delivered"_s).toBool();
                                     })
                      .isEmpty(),
                 player->err().constData());
    }

    // A stream on the first server: it must hear every update acknowledged through either, also
    // those the second committed while the first's change feed was finding the new primary
    // (it reads them again once it listens: ChangeFeed's catch-up).
    EventReader stream(m_servers.constFirst(), m_token);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);
    const qsizetype tvBefore = m_tv->events().size();
    const qsizetype phoneBefore = m_phone->events().size();
    Writer writer(m_servers, m_writerToken, u"binge-"_s, m_clock);
    QVERIFY(!failOver(writer, u"postgres"_s).isEmpty());
    QVERIFY(writer.stop());
    everyAcknowledgedUpdateIsStored(writer);
    const auto unheard = [&] {
        QSet<QString> heard;
        for (const EventReader::Event &event : stream.events())
            heard.insert(event.json().value(u"content_id"_s).toString());
        QStringList missing;
        for (const Writer::Acked &acked : writer.acked())
            if (!heard.contains(acked.contentId))
                missing.append(acked.contentId);
        return missing;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(unheard().isEmpty(), qPrintable(unheard().join(u", ")), kTimeoutMs);
    // What the players could not deliver while no primary took writes stayed in their outbox
    // (the status bar says "N updates waiting"); printed, as the outage may fall between reports.
    for (const auto &[player, before] :
         {std::pair{m_tv.get(), tvBefore}, std::pair{m_phone.get(), phoneBefore}}) {
        const qsizetype kept = std::count_if(player->events().cbegin() + before,
                                             player->events().cend(), [](const QJsonObject &event) {
                                                 return event.value(u"event"_s) == u"reported"_s
                                                     && !event.value(u"delivered"_s).toBool();
                                             });
        qInfo("%lld reports kept in the outbox during the failover", qlonglong(kept));
    }

    // The players carried on by themselves: each delivers its reports again, is still playing,
    // further on, and hears the other's place; the only notices they showed are that place.
    for (PlayerProcess *player : {m_tv.get(), m_phone.get()}) {
        const qsizetype seen = player->events().size();
        qint64 positionMs = 0;
        for (const QJsonObject &event : player->events())
            if (event.value(u"event"_s) == u"reported"_s)
                positionMs = event.value(u"position_ms"_s).toInteger();
        QTRY_VERIFY2_WITH_TIMEOUT(
            std::any_of(player->events().cbegin() + seen, player->events().cend(),
                        [positionMs](const QJsonObject &event) {
                            return event.value(u"event"_s) == u"reported"_s
                                && event.value(u"delivered"_s).toBool()
                                && event.value(u"state"_s) == u"playing"_s
                                && event.value(u"position_ms"_s).toInteger() > positionMs;
                        }),
            qPrintable(u"after event %1 (at %2 ms):\n"_s.arg(seen).arg(positionMs)
                       + lastEvents(*player)),
            kTimeoutMs);
        // The other device's live place still reaches it (its event stream was never cut; the
        // servers' change feeds found the new primary).
        const QString other = player == m_tv.get() ? u"Phone"_s : u"TV"_s;
        QTRY_VERIFY2_WITH_TIMEOUT(std::any_of(player->events().cbegin() + seen,
                                              player->events().cend(),
                                              [&other](const QJsonObject &event) {
                                                  return event.value(u"event"_s) == u"remote"_s
                                                      && event.value(u"device_name"_s) == other;
                                              }),
                                  qPrintable(lastEvents(*player)), kTimeoutMs);
        QCOMPARE(player->process().state(), QProcess::Running);
        static const QRegularExpression otherDevice(u"^(TV|Phone) is at "_s);
        for (const QJsonObject &event : player->events())
            QVERIFY2(event.value(u"event"_s).toString() != u"notice"_s
                         || !event.value(u"shown"_s).toBool()
                         || otherDevice.match(event.value(u"text"_s).toString()).hasMatch(),
                     QJsonDocument(event).toJson(QJsonDocument::Compact).constData());
    }
}

void TestFailover::quorumLostPlayersWait()
{
    cluster(u"wait-healthy"_s);
    tvStatusSays(u"Online"_s, u"tv-status-before"_s);
    Writer writer(m_servers, m_writerToken, u"quorum-"_s, m_clock);
    QVERIFY(QTest::qWaitFor([&] { return writer.acked().size() >= 50; }, kTimeoutMs));

    // Two of three etcd members gone: no majority, so no leader lock, and Patroni steps the
    // primary down; no write is taken (the servers answer 503) until a majority is back.
    const qsizetype tvBefore = m_tv->events().size();
    const int refusedBefore = writer.refused();
    cluster(u"kill-etcd"_s, {u"1"_s});
    cluster(u"kill-etcd"_s, {u"2"_s});
    const qint64 lostMs = m_clock.elapsed();
    QVERIFY2(QTest::qWaitFor([&] { return writer.refused() >= refusedBefore + 20; }, kTimeoutMs),
             "writes were still taken without a majority of etcd");
    // The TV keeps what it cannot deliver, says so where a person looks, and plays on.
    QTRY_VERIFY2_WITH_TIMEOUT(std::any_of(m_tv->events().cbegin() + tvBefore, m_tv->events().cend(),
                                          [](const QJsonObject &event) {
                                              return event.value(u"event"_s) == u"reported"_s
                                                  && !event.value(u"delivered"_s).toBool();
                                          }),
                              qPrintable(lastEvents(*m_tv)), kTimeoutMs);
    tvStatusSays(u"waiting"_s, u"tv-status-waiting"_s);
    QCOMPARE(m_tv->process().state(), QProcess::Running);

    cluster(u"start-etcd"_s, {u"1"_s});
    cluster(u"start-etcd"_s, {u"2"_s});
    qInfo("etcd has a majority again; a primary with a synchronous standby after %s s",
          qPrintable(cluster(u"wait-healthy"_s)));
    // What waited goes out by itself, and the status bar says so.
    tvStatusSays(u"Online"_s, u"tv-status-after"_s);
    const qint64 backMs = m_clock.elapsed();
    QVERIFY(QTest::qWaitFor([&] { return writer.sentAfter(backMs).size() >= 50; }, kTimeoutMs));
    qInfo("no write taken for %lld ms", writer.longestSilenceAfter(lostMs));
    QVERIFY(writer.stop());
    everyAcknowledgedUpdateIsStored(writer);
}

void TestFailover::oldPrimaryRejoinsAndTheMachineDiesBack()
{
    // Only PostgreSQL was killed: its Patroni rewinds it and makes it the standby by itself.
    qInfo("the old primary is the synchronous standby again after %s s",
          qPrintable(cluster(u"wait-healthy"_s)));

    Writer writer(m_servers, m_writerToken, u"back-"_s, m_clock);
    const QString primary = cluster(u"primary"_s);
    const QString back = failOver(writer, u"node"_s);
    QVERIFY(!back.isEmpty());
    QVERIFY(back != primary);
    QVERIFY(writer.stop());
    everyAcknowledgedUpdateIsStored(writer);

    // The players close as a person closes them: nothing left waiting, and the last place each
    // reported is what the servers have.
    for (PlayerProcess *player : {m_tv.get(), m_phone.get()}) {
        player->process().terminate();
        const QJsonObject quit = player->waitForEvent(u"quit"_s, kTimeoutMs);
        QVERIFY2(!quit.isEmpty(), player->err().constData());
        QCOMPARE(quit.value(u"pending"_s).toInt(-1), 0);
        QVERIFY(player->process().waitForFinished(kTimeoutMs));
        QCOMPARE(player->process().exitCode(), 0);
    }
    m_tv.reset();
    m_phone.reset();

    // The machine comes back: its node rejoins as the standby.
    cluster(u"start-node"_s, {primary});
    qInfo("the dead node is the synchronous standby again %s s after its start",
          qPrintable(cluster(u"wait-healthy"_s)));
}

void TestFailover::standbyKilled()
{
    cluster(u"wait-healthy"_s);
    const QString standby = cluster(u"standby"_s);
    QVERIFY(!standby.isEmpty());
    Writer writer(m_servers, m_writerToken, u"standby-"_s, m_clock);
    QVERIFY(QTest::qWaitFor([&] { return writer.acked().size() >= 100; }, kTimeoutMs));
    cluster(u"kill"_s, {standby, u"node"_s});
    const qint64 killedMs = m_clock.elapsed();
    // Commits wait for the standby until Patroni takes it out of synchronous_standby_names; then
    // the primary goes on alone (synchronous_mode_strict: false).
    QVERIFY2(QTest::qWaitFor([&] { return writer.sentAfter(killedMs).size() >= 100; }, kTimeoutMs),
             qPrintable(writer.lastRefusal()));
    qInfo("standby killed: writes waited at most %lld ms, then went on without it",
          writer.longestSilenceAfter(killedMs));
    QVERIFY(writer.stop());
    everyAcknowledgedUpdateIsStored(writer);
    cluster(u"start-node"_s, {standby});
    qInfo("the standby is synchronous again %s s after its start",
          qPrintable(cluster(u"wait-healthy"_s)));
}

void TestFailover::etcdMemberKilled()
{
    Writer writer(m_servers, m_writerToken, u"etcd-"_s, m_clock);
    QVERIFY(QTest::qWaitFor([&] { return writer.acked().size() >= 100; }, kTimeoutMs));
    cluster(u"kill-etcd"_s, {u"1"_s});
    const qint64 killedMs = m_clock.elapsed();
    QVERIFY(QTest::qWaitFor([&] { return writer.sentAfter(killedMs).size() >= 200; }, kTimeoutMs));
    qInfo("etcd member killed: writes waited at most %lld ms",
          writer.longestSilenceAfter(killedMs));
    // Two of three members are a majority: a failover still happens.
    QVERIFY(!failOver(writer, u"postgres"_s).isEmpty());
    QVERIFY(writer.stop());
    everyAcknowledgedUpdateIsStored(writer);
    cluster(u"start-etcd"_s, {u"1"_s});
    qInfo("healthy again after %s s", qPrintable(cluster(u"wait-healthy"_s)));
}

QTEST_MAIN(TestFailover)
#include "tst_failover.moc"
