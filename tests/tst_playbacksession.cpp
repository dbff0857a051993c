// The playback logic of a window (PlaybackSession) with no window and no QMediaPlayer. The test
// plays the media player, answering the session's requests the way QMediaPlayer does; everything
// else is real: the local copy on a temporary SQLite file, the SyncClient, and the server
// in-process (or a closed port for a server that is down, or a socket peer that answers only when
// the test says).
#include "checkcall.h"
#include "client/localcopy.h"
#include "client/syncclient.h"
#include "issuechoices.h"
#include "playbacksession.h"
#include "protocol/contentfingerprint.h"
#include "protocol/recordcodec.h"
#include "serverstorage.h"
#include "sqlitefault.h"
#include "syncserver.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxyFactory>
#include <QPointer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 20000;
constexpr qint64 kDurationMs = 3600000;
constexpr qint64 kTickMs = 100; // QMediaPlayer's positionChanged cadence
const QString kToken = u"not-a-token"_s;

using State = PlaybackSession::PlayerState;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

bool hasRecord(const ProgressRecord &r)
{
    return !r.deviceId.isEmpty();
}

// Plays QMediaPlayer's part as its GStreamer backend does in Qt 6.4: every answer comes a moment
// later (queued); setSource() + pause() leave it paused at 0, seekable once prerolled; a seek
// before that is silently ignored; positions every 100 ms while playing; stop() reports position 0
// before the Stopped state; at the end of the media, Stopped and then EndOfMedia.
class PlayerDouble final : public QObject
{
public:
    PlayerDouble(PlaybackSession &session, qint64 durationMs, bool prerollOnLoad)
        : m_session(session), m_durationMs(durationMs), m_prerollOnLoad(prerollOnLoad)
    {
        m_ticker.setInterval(int(kTickMs));
        connect(&m_ticker, &QTimer::timeout, this,
                [this] { moveTo(qMin(m_positionMs + kTickMs, m_durationMs)); });
        connect(
            &session, &PlaybackSession::loadRequested, this,
            [this] {
                m_seekable = false;
                m_positionMs = 0;
                setState(State::Paused);
                if (m_prerollOnLoad)
                    preroll();
            },
            Qt::QueuedConnection);
        connect(
            &session, &PlaybackSession::playRequested, this,
            [this] {
                setState(State::Playing);
                m_session.setPosition(m_positionMs);
            },
            Qt::QueuedConnection);
        connect(
            &session, &PlaybackSession::pauseRequested, this, [this] { setState(State::Paused); },
            Qt::QueuedConnection);
        connect(
            &session, &PlaybackSession::stopRequested, this,
            [this] {
                moveTo(0);
                setState(State::Stopped);
            },
            Qt::QueuedConnection);
        connect(
            &session, &PlaybackSession::seekRequested, this,
            [this](qint64 positionMs) {
                if (m_seekable)
                    moveTo(positionMs);
            },
            Qt::QueuedConnection);
    }

    void preroll()
    {
        m_seekable = true;
        m_session.setDuration(m_durationMs);
        m_session.setSeekable(true);
    }
    // positionChanged as the player would give it (past the duration too: its estimate can be off).
    void moveTo(qint64 positionMs)
    {
        m_positionMs = positionMs;
        m_session.setPosition(positionMs);
    }
    void reachEnd()
    {
        m_positionMs = m_durationMs;
        setState(State::Stopped);
        m_session.handleEnd();
    }

    qint64 position() const { return m_positionMs; }
    State state() const { return m_state; }
    bool isSeekable() const { return m_seekable; }

private:
    void setState(State state)
    {
        if (m_state == state)
            return;
        m_state = state;
        if (state == State::Playing)
            m_ticker.start();
        else
            m_ticker.stop();
        m_session.setPlayerState(state);
    }

    PlaybackSession &m_session;
    qint64 m_durationMs;
    bool m_prerollOnLoad;
    bool m_seekable = false;
    qint64 m_positionMs = 0;
    State m_state = State::Stopped;
    QTimer m_ticker;
};

// Everything the session emits, in order.
class Timeline final : public QObject
{
public:
    explicit Timeline(PlaybackSession &session)
    {
        connect(&session, &PlaybackSession::videoVisibleChanged, this,
                [this](bool visible) { log << (visible ? u"visible:1"_s : u"visible:0"_s); });
        connect(&session, &PlaybackSession::loadRequested, this, [this] { log << u"load"_s; });
        connect(&session, &PlaybackSession::seekRequested, this, [this](qint64 positionMs) {
            log << u"seek:%1"_s.arg(positionMs);
            seeks << positionMs;
        });
        connect(&session, &PlaybackSession::playRequested, this, [this] { log << u"play"_s; });
        connect(&session, &PlaybackSession::pauseRequested, this, [this] { log << u"pause"_s; });
        connect(&session, &PlaybackSession::stopRequested, this, [this] { log << u"stop"_s; });
        connect(&session, &PlaybackSession::resumed, this,
                [this, &session](const ResumePoint &point) {
                    log << u"resumed:%1:%2"_s.arg(point.positionMs).arg(point.sourceName());
                    resumed << point;
                    positionAtResume << session.positionMs();
                });
        connect(&session, &PlaybackSession::progressReported, this,
                [this](const ProgressRecord &record) {
                    log << u"report:%1:%2"_s.arg(playbackStateName(record.state))
                               .arg(record.positionMs);
                    reports << record;
                });
        connect(&session, &PlaybackSession::closed, this, [this](int pending) {
            log << u"closed:%1"_s.arg(pending);
            closed << pending;
        });
        connect(&session, &PlaybackSession::failed, this, [this](const QString &reason) {
            log << u"failed"_s;
            failures << reason;
        });
    }

    int indexOf(const QString &entry) const { return int(log.indexOf(entry)); }
    // Whether anything was reported before the first `resumed`.
    bool reportedBeforeResume() const
    {
        for (const QString &entry : log) {
            if (entry.startsWith(u"resumed:"_s))
                return false;
            if (entry.startsWith(u"report:"_s))
                return true;
        }
        return !reports.isEmpty();
    }
    QString text() const { return log.join(u", "_s); }

    QStringList log;
    QList<qint64> seeks;
    QList<ResumePoint> resumed;
    QList<qint64> positionAtResume;
    QList<ProgressRecord> reports;
    QList<int> closed;
    QStringList failures;
};

// A socket peer that reads HTTP requests and answers each only when the test says so: the
// server, slow. Or never: a server that accepts and then hangs.
class HeldServer final : public QObject
{
public:
    HeldServer()
    {
        connect(&m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
                m_held.append({socket, {}, {}, false});
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            }
        });
    }

    bool listen() { return m_listener.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_listener.serverPort())); }

    // Request lines whose head has arrived ("GET /v1/progress/pm1-... HTTP/1.1").
    QList<QByteArray> requests() const
    {
        QList<QByteArray> lines;
        for (const Held &held : m_held) {
            if (!held.line.isEmpty())
                lines << held.line;
        }
        return lines;
    }
    bool received(const QByteArray &prefix) const
    {
        for (const QByteArray &line : requests()) {
            if (line.startsWith(prefix))
                return true;
        }
        return false;
    }

    // Answers 200 with `body` to every waiting request whose line starts with `prefix`.
    int answer(const QByteArray &prefix, const QByteArray &body)
    {
        int answered = 0;
        for (Held &held : m_held) {
            if (held.answered || !held.line.startsWith(prefix) || !held.socket
                || held.socket->state() != QAbstractSocket::ConnectedState)
                continue;
            held.socket->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            held.socket->disconnectFromHost();
            held.answered = true;
            ++answered;
        }
        return answered;
    }

private:
    struct Held
    {
        QPointer<QTcpSocket> socket;
        QByteArray buffer;
        QByteArray line;
        bool answered = false;
    };

    void read(QTcpSocket *socket)
    {
        for (Held &held : m_held) {
            if (held.socket != socket)
                continue;
            held.buffer += socket->readAll();
            if (held.line.isEmpty() && held.buffer.contains("\r\n\r\n"))
                held.line = held.buffer.left(held.buffer.indexOf("\r\n"));
        }
    }

    QTcpServer m_listener;
    QList<Held> m_held;
};

} // namespace

class tst_PlaybackSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    // Where playback starts.
    void resume_data();
    void resume();
    void resumeInOrder();
    void resumedOnlyOncePlayingAtTheTarget();
    void seekWaitsForSeekable();
    void seekThatEndsTheMediaStartsFromTheBeginning_data();
    void seekThatEndsTheMediaStartsFromTheBeginning();
    void startThatNeverArrivesFailsWithTheReason();
    void serverWaitResumesFromLocal();
    void noReportBeforeTheResumeDecision();
    void replyInFlightNeverUndoesASeek_data();
    void replyInFlightNeverUndoesASeek();
    void playPressedWhileDecidingKeepsTheResumePoint();
    void askBeforeResumingOffersThePoint();
    void askBeforeResumingOffersNothingToStartOver_data();
    void askBeforeResumingOffersNothingToStartOver();
    void rewindAfterBreak_data();
    void rewindAfterBreak();
    void resumedFarBehindThisDeviceOffersItsPlace_data();
    void resumedFarBehindThisDeviceOffersItsPlace();
    void pausedShowsTheFrame_data();
    void pausedShowsTheFrame();

    // When it reports.
    void reportsEveryIntervalWhilePlayingOnly();
    void pauseReportsOnceAtOnce();
    void dragSeekReportsOnceSettled_data();
    void dragSeekReportsOnceSettled();
    void stopReportsStoppedAndCloseKeepsIt();
    void endReportsEndedAtTheDuration();
    void closeReportsStoppedThenCloses();
    void startOverWins();
    void openingAnotherFileReportsTheFirst();
    void positionBeyondDurationIsClamped();
    void choicesChangedHereReportOnceSettled();
    void choicesAppliedOnOpenWaitForTheNextReport();
    void choicesWantedFromTheNewestRecord();
    void refreshPausedFrameOnlyWhilePaused();
    void startWaitsForTheTracks();
    void startGoesOnWithoutTracksThatTakeTooLong();

    void reportsCarryShowAndEpisode_data();
    void reportsCarryShowAndEpisode();

    // Watched.
    void watchedAtTheThreshold_data();
    void watchedAtTheThreshold();
    void watchedAtTheEnd();
    void watchedVideoOpensAtZeroAndStaysWatchedUntilStarted_data();
    void watchedVideoOpensAtZeroAndStaysWatchedUntilStarted();
    void rewatchIsInProgressThenANewFinish();
    void markWatchedThenUnwatched();
    void newerMarkFromAnotherDeviceStandsHereWhilePaused();
    void pausedSendsNothing();

    // Another device's place.
    void playGoesToANewerRemotePlace();
    void placeChosenHereBeatsAnEarlierRemotePlace_data();
    void placeChosenHereBeatsAnEarlierRemotePlace();

    // When things go wrong.
    void unreadableFileFails_data();
    void unreadableFileFails();
    void unreadableLocalCopyIsAFailure_data();
    void unreadableLocalCopyIsAFailure();
    void stalledStartFails_data();
    void stalledStartFails();
    void closeNeverHangs_data();
    void closeNeverHangs();

private:
    void startServer();
    void startSession(const QUrl &server);
    void addPlayer(qint64 durationMs = kDurationMs, bool prerollOnLoad = true);
    void openAndResume();
    void prerollByHand(qint64 pointMs, int startWaitMs = PlaybackSession::kDefaultStartWaitMs);
    void reportFromAnotherDevice(ProgressRecord record);
    // Opens a video another device finished (watched, at its end) `agoMs` ago; checks it opened
    // at 0. `finishedAtMs` gets the finish it carries.
    void openWatchedElsewhere(qint64 durationMs, qint64 *finishedAtMs);
    // Seeks there and waits for the report once it settled.
    void seekAndReport(qint64 positionMs, ProgressRecord *report);
    void keepLocally(ProgressRecord record);
    void readLocal(std::optional<ProgressRecord> *record);
    std::optional<ProgressRecord> serverRecord();
    QByteArray serverAnswer(qint64 positionMs) const;
    QString writeVideo(const QString &name);
    static QUrl closedPort();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_video;
    QString m_contentId;
    std::unique_ptr<SyncServer> m_server;
    QString m_token = kToken;
    std::unique_ptr<LocalCopy> m_local;
    std::unique_ptr<ServerPool> m_servers;
    std::unique_ptr<SyncClient> m_sync;
    std::unique_ptr<PlaybackSession> m_session;
    std::unique_ptr<Timeline> m_timeline;
    std::unique_ptr<PlayerDouble> m_player;
    std::unique_ptr<HeldServer> m_held;
};

void tst_PlaybackSession::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // 127.0.0.1 only: a proxy configured on the machine must not sit in between.
    QNetworkProxyFactory::setUseSystemConfiguration(false);
}

void tst_PlaybackSession::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_video = writeVideo(u"Episode 1.mkv"_s);
    QVERIFY(!m_video.isEmpty());
    QString error;
    m_contentId = ContentFingerprint::ofFile(m_video, &error);
    QVERIFY2(!m_contentId.isEmpty(), qPrintable(error));
    m_token = kToken;
}

void tst_PlaybackSession::cleanup()
{
    m_player.reset();
    m_timeline.reset();
    m_session.reset();
    m_sync.reset();
    m_local.reset(); // finishes its queued writes
    m_held.reset();
    m_server.reset();
    m_dir.reset();
}

QString tst_PlaybackSession::writeVideo(const QString &name)
{
    // The session only fingerprints the file; the player is the test.
    QByteArray bytes(200 * 1024, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / qsizetype(sizeof(quint32)));
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return {};
    return path;
}

QUrl tst_PlaybackSession::closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return {};
    const quint16 port = probe.serverPort();
    probe.close();
    return QUrl(u"http://127.0.0.1:%1"_s.arg(port));
}

void tst_PlaybackSession::startServer()
{
    m_server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = m_dir->filePath(u"server.sqlite"_s);
    options.port = 0;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
}

void tst_PlaybackSession::startSession(const QUrl &server)
{
    QVERIFY(server.isValid());
    m_local = std::make_unique<LocalCopy>();
    std::optional<bool> opened;
    QString error;
    QObject context;
    m_local->open(m_dir->filePath(u"local.sqlite"_s), &context,
                  [&opened, &error](const StoreResult<void> &result) {
                      opened = result.ok();
                      error = result.error();
                  });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kTimeoutMs);
    QVERIFY2(*opened, qPrintable(error));

    m_servers = std::make_unique<ServerPool>();
    m_servers->setServers(ServerList({server}), m_token);
    m_sync = std::make_unique<SyncClient>(*m_local, *m_servers);
    m_sync->setDevice(u"laptop"_s, u"This laptop"_s);
    m_session = std::make_unique<PlaybackSession>(*m_sync, *m_local);
    m_timeline = std::make_unique<Timeline>(*m_session);
}

void tst_PlaybackSession::addPlayer(qint64 durationMs, bool prerollOnLoad)
{
    m_player = std::make_unique<PlayerDouble>(*m_session, durationMs, prerollOnLoad);
}

void tst_PlaybackSession::openAndResume()
{
    m_session->open(m_video);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Playing);
}

// The record reaches the server as any other device's would: through its own SyncClient.
void tst_PlaybackSession::reportFromAnotherDevice(ProgressRecord record)
{
    QObject context;
    LocalCopy local;
    std::optional<bool> opened;
    local.open(m_dir->filePath(u"tv.sqlite"_s), &context,
               [&opened](const StoreResult<void> &result) { opened = result.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), kTimeoutMs);
    QVERIFY(*opened);

    ServerPool tvServers;
    tvServers.setServers(ServerList({QUrl(m_server->url())}), m_token);
    SyncClient tv(local, tvServers);
    tv.setDevice(u"tv"_s, u"Living-room TV"_s);
    QSignalSpy settled(&tv, &SyncClient::reportSettled);
    record.contentId = m_contentId;
    tv.report(record);
    QTRY_COMPARE_WITH_TIMEOUT(settled.count(), 1, kTimeoutMs);
    QVERIFY2(settled.first().at(1).toBool(), "the other device's report was not delivered");
    const std::optional<ProgressRecord> stored = serverRecord();
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, record.positionMs);
}

void tst_PlaybackSession::keepLocally(ProgressRecord record)
{
    record.contentId = m_contentId;
    m_local->save(record, false, 0);
    m_local->waitForIdle();
    std::optional<ProgressRecord> stored;
    CHECK(readLocal(&stored));
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, record.positionMs);
}

void tst_PlaybackSession::readLocal(std::optional<ProgressRecord> *record)
{
    QObject context;
    std::optional<StoreResult<std::optional<ProgressRecord>>> answer;
    m_local->record(
        m_contentId, &context,
        [&answer](const StoreResult<std::optional<ProgressRecord>> &found) { answer = found; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QVERIFY2(answer->ok(), qPrintable(answer->error()));
    *record = answer->value();
}

std::optional<ProgressRecord> tst_PlaybackSession::serverRecord()
{
    qint64 userId = -1;
    QString error;
    std::optional<ProgressRecord> record;
    if (!m_server->storage().users().userForToken(m_token, &userId, &error) || userId < 0
        || !m_server->storage().progress().record(userId, m_contentId, &record, &error)) {
        qWarning() << "cannot read the server's record:" << error;
        return std::nullopt;
    }
    return record;
}

QByteArray tst_PlaybackSession::serverAnswer(qint64 positionMs) const
{
    ProgressRecord record;
    record.contentId = m_contentId;
    record.positionMs = positionMs;
    record.durationMs = kDurationMs;
    record.deviceId = u"tv"_s;
    record.deviceName = u"Living-room TV"_s;
    record.observedAtMs = nowMs();
    record.receivedAtMs = record.observedAtMs;
    record.state = PlaybackState::Paused;
    return QJsonDocument(QJsonObject{{u"record"_s, RecordCodec::toJson(record)},
                                     {u"server_time_ms"_s, nowMs()}})
        .toJson(QJsonDocument::Compact);
}

namespace {

ProgressRecord seen(const QString &deviceId, qint64 positionMs, qint64 agoMs,
                    PlaybackState state = PlaybackState::Paused)
{
    ProgressRecord r;
    r.deviceId = deviceId;
    r.deviceName = deviceId == u"tv"_s ? u"Living-room TV"_s : u"This laptop"_s;
    r.positionMs = positionMs;
    r.durationMs = kDurationMs;
    r.observedAtMs = -agoMs; // made absolute when the test runs
    r.state = state;
    return r;
}

ProgressRecord at(ProgressRecord r, qint64 now)
{
    r.observedAtMs += now;
    return r;
}

} // namespace

void tst_PlaybackSession::resume_data()
{
    QTest::addColumn<bool>("serverUp");
    QTest::addColumn<ProgressRecord>("server"); // on the server, from the TV
    QTest::addColumn<ProgressRecord>("local"); // in this device's local copy
    QTest::addColumn<bool>("fromStart");
    QTest::addColumn<QString>("source");
    QTest::addColumn<qint64>("position");

    const ProgressRecord none;
    const ProgressRecord tv = seen(u"tv"_s, 60000, 10000);
    const ProgressRecord laptop = seen(u"laptop"_s, 42000, 20000);

    QTest::newRow("server") << true << tv << none << false << u"server"_s << qint64(60000);
    QTest::newRow("server down: local copy")
        << false << none << laptop << false << u"local"_s << qint64(42000);
    QTest::newRow("server without a record: local copy")
        << true << none << laptop << false << u"local"_s << qint64(42000);
    QTest::newRow("server newer than the local copy")
        << true << tv << laptop << false << u"server"_s << qint64(60000);
    QTest::newRow("local copy newer (watched offline)")
        << true << seen(u"tv"_s, 60000, 60000) << seen(u"laptop"_s, 42000, 5000) << false
        << u"local"_s << qint64(42000);
    QTest::newRow("neither") << true << none << none << false << u"none"_s << qint64(0);
    QTest::newRow("neither, server down")
        << false << none << none << false << u"none"_s << qint64(0);
    QTest::newRow("ended: from 0")
        << true << seen(u"tv"_s, kDurationMs, 10000, PlaybackState::Ended) << none << false
        << u"server"_s << qint64(0);
    QTest::newRow("from start ignores the server")
        << true << tv << none << true << u"none"_s << qint64(0);
    QTest::newRow("from start ignores the local copy")
        << false << none << laptop << true << u"none"_s << qint64(0);
}

void tst_PlaybackSession::resume()
{
    QFETCH(bool, serverUp);
    QFETCH(ProgressRecord, server);
    QFETCH(ProgressRecord, local);
    QFETCH(bool, fromStart);
    QFETCH(QString, source);
    QFETCH(qint64, position);

    const qint64 now = nowMs();
    CHECK(startServer());
    if (hasRecord(server))
        CHECK(reportFromAnotherDevice(at(server, now)));
    CHECK(startSession(serverUp ? QUrl(m_server->url()) : closedPort()));
    if (hasRecord(local))
        CHECK(keepLocally(at(local, now)));
    addPlayer();
    m_session->setFromStart(fromStart);

    CHECK(openAndResume());

    const ResumePoint point = m_timeline->resumed.first();
    QCOMPARE(point.sourceName(), source);
    QCOMPARE(point.positionMs, position);
    QCOMPARE(m_session->resumePoint()->positionMs, position);
    // One seek to the point, none when it is the beginning.
    QCOMPARE(m_timeline->seeks, position > 0 ? QList<qint64>{position} : QList<qint64>{});
    QVERIFY2(qAbs(m_timeline->positionAtResume.first() - position) <= 1500,
             qPrintable(m_timeline->text()));
    QVERIFY2(!m_timeline->reportedBeforeResume(), qPrintable(m_timeline->text()));
    if (source == u"server"_s)
        QCOMPARE(point.record->deviceName, u"Living-room TV"_s);
    else if (source == u"local"_s)
        QCOMPARE(point.record->deviceId, u"laptop"_s);
    else
        QVERIFY(!point.record);
}

// Hidden, seek to the point, play, shown only once there; resumed once.
void tst_PlaybackSession::resumeInOrder()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    QSignalSpy identified(m_session.get(), &PlaybackSession::contentIdentified);

    m_session->open(m_video);
    // At once, before any frame can reach the screen; the load once the file proved readable.
    QCOMPARE(m_timeline->log, QStringList{u"visible:0"_s});
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->log.value(1), u"load"_s);

    QCOMPARE(identified.count(), 1);
    QCOMPARE(identified.first().first().toString(), m_contentId);
    QCOMPARE(m_session->contentId(), m_contentId);

    const ResumePoint point = m_timeline->resumed.first();
    QCOMPARE(point.source, ResumePoint::Source::Server);
    QCOMPARE(point.positionMs, qint64(60000));
    QVERIFY(point.record);
    QCOMPARE(point.record->deviceId, u"tv"_s);
    QCOMPARE(point.record->deviceName, u"Living-room TV"_s);

    const int seek = m_timeline->indexOf(u"seek:60000"_s);
    const int play = m_timeline->indexOf(u"play"_s);
    const int shown = m_timeline->indexOf(u"visible:1"_s);
    const int resumed = m_timeline->indexOf(u"resumed:60000:server"_s);
    QVERIFY2(seek > 1 && seek < play && play < shown && shown + 1 == resumed,
             qPrintable(m_timeline->text()));
    QVERIFY2(!m_timeline->reportedBeforeResume(), qPrintable(m_timeline->text()));

    // Only once, however long it plays.
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 60500, kTimeoutMs);
    QCOMPARE(m_timeline->resumed.size(), 1);
    QCOMPARE(m_timeline->log.count(u"visible:1"_s), 1);
}

// The TV's place at `pointMs`, the session opened on it, the player's preroll done by hand: the
// seek there and play are asked for.
void tst_PlaybackSession::prerollByHand(qint64 pointMs, int startWaitMs)
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, pointMs, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    m_session->setStartWaitMs(startWaitMs);

    m_session->open(m_video);
    m_session->setPlayerState(State::Paused); // setSource() + pause()
    m_session->setDuration(kDurationMs);
    m_session->setSeekable(true);
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->log.contains(u"play"_s), kTimeoutMs);
    QCOMPARE(m_timeline->seeks.value(0), pointMs);
}

// The player half done by hand: resumed needs Playing and a position near the target.
void tst_PlaybackSession::resumedOnlyOncePlayingAtTheTarget()
{
    CHECK(prerollByHand(60000));
    QCOMPARE(m_timeline->seeks, QList<qint64>{60000});

    m_session->setPosition(60000); // there, but still paused
    QVERIFY(m_timeline->resumed.isEmpty());
    m_session->setPlayerState(State::Playing);
    QVERIFY(m_timeline->resumed.isEmpty());
    m_session->setPosition(40); // a preroll frame from near 0, before the seek took
    QVERIFY(m_timeline->resumed.isEmpty());
    QVERIFY(!m_timeline->log.contains(u"visible:1"_s));

    m_session->setPosition(60040);
    QCOMPARE(m_timeline->resumed.size(), 1);
    QCOMPARE(m_timeline->resumed.first().sourceName(), u"server"_s);
    QCOMPARE(m_timeline->log.value(m_timeline->log.size() - 2), u"visible:1"_s);
    QCOMPARE(m_session->positionMs(), qint64(60040));
}

// Measured on a live WebM (no index, GStreamer 1.22): the seek to the resume point makes the player
// end at once (Stopped, EndOfMedia) and no position ever comes; it stayed Starting for good.
// From 0 it plays: a near point is reached from there unseen and resumed at; a far one plays from
// the start, and the resume point says which place it missed.
void tst_PlaybackSession::seekThatEndsTheMediaStartsFromTheBeginning_data()
{
    QTest::addColumn<qint64>("pointMs");
    QTest::addColumn<qint64>("resumedMs");
    QTest::addColumn<qint64>("missedMs");
    QTest::newRow("near: gone to unseen") << qint64(1072) << qint64(1072) << qint64(-1);
    QTest::newRow("far: from the start") << qint64(60000) << qint64(0) << qint64(60000);
}

void tst_PlaybackSession::seekThatEndsTheMediaStartsFromTheBeginning()
{
    QFETCH(qint64, pointMs);
    QFETCH(qint64, resumedMs);
    QFETCH(qint64, missedMs);
    CHECK(prerollByHand(pointMs));
    QCOMPARE(m_timeline->seeks, QList<qint64>{pointMs});
    m_session->setPlayerState(State::Playing);
    m_session->setPlayerState(State::Stopped);
    m_session->handleEnd();
    QCOMPARE(m_timeline->seeks, (QList<qint64>{pointMs, 0}));
    QCOMPARE(m_timeline->log.last(), u"play"_s);

    m_session->setPlayerState(State::Playing);
    for (qint64 position = 0; m_timeline->resumed.isEmpty() && position <= pointMs;
         position += kTickMs) {
        QVERIFY2(!m_timeline->log.contains(u"visible:1"_s), qPrintable(m_timeline->text()));
        m_session->setPosition(position);
    }
    QVERIFY2(m_timeline->failures.isEmpty(), qPrintable(m_timeline->failures.join(u'\n')));
    QCOMPARE(m_timeline->resumed.size(), 1);
    QCOMPARE(m_timeline->resumed.first().positionMs, resumedMs);
    QCOMPARE(m_timeline->resumed.first().missedMs, missedMs);
    QVERIFY2(qAbs(m_session->positionMs() - resumedMs) <= kTickMs,
             qPrintable(u"resumed at %1 ms with the player at %2 ms"_s.arg(resumedMs).arg(
                 m_session->positionMs())));
    QVERIFY(m_timeline->log.contains(u"visible:1"_s));
}

// A player that never gets anywhere, not even from 0: the start does not wait for it forever, it
// fails with the reason (the window says it, a scripted run exits 3).
void tst_PlaybackSession::startThatNeverArrivesFailsWithTheReason()
{
    CHECK(prerollByHand(60000, 300));
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->seeks, (QList<qint64>{60000, 0}), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->failures.size(), 1, kTimeoutMs);
    QVERIFY2(m_timeline->failures.first().contains(u"showed nothing"_s),
             qPrintable(m_timeline->failures.first()));
    QVERIFY(m_timeline->resumed.isEmpty());
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Idle);
}

// setPosition() before the media is seekable is ignored by the backend: the seek waits for it.
void tst_PlaybackSession::seekWaitsForSeekable()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer(kDurationMs, false);

    m_session->open(m_video);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->resumePoint().has_value(), kTimeoutMs);
    QCoreApplication::processEvents();
    QVERIFY2(m_timeline->seeks.isEmpty(), qPrintable(m_timeline->text()));
    QVERIFY(!m_timeline->log.contains(u"play"_s));

    m_player->preroll();
    QCOMPARE(m_timeline->seeks, QList<qint64>{60000});
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(60000));
}

// A server that accepts and never answers: resumed from the local copy after the server wait.
void tst_PlaybackSession::serverWaitResumesFromLocal()
{
    m_held = std::make_unique<HeldServer>();
    QVERIFY(m_held->listen());
    CHECK(startSession(m_held->url()));
    CHECK(keepLocally(at(seen(u"laptop"_s, 42000, 5000), nowMs())));
    addPlayer();
    m_session->setServerWaitMs(300);

    CHECK(openAndResume());
    QVERIFY(m_held->received("GET /v1/progress/" + m_contentId.toLatin1()));
    QCOMPARE(m_timeline->resumed.first().sourceName(), u"local"_s);
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(42000));

    // An answer that comes after all moves nothing.
    m_held->answer("GET ", serverAnswer(60000));
    QTest::qWait(500);
    QVERIFY2(!m_timeline->seeks.contains(60000), qPrintable(m_timeline->text()));
    QCOMPARE(m_timeline->resumed.size(), 1);
}

// A position-0 report before the decision would overwrite the real resume point everywhere.
void tst_PlaybackSession::noReportBeforeTheResumeDecision()
{
    m_held = std::make_unique<HeldServer>();
    QVERIFY(m_held->listen());
    CHECK(startSession(m_held->url()));
    addPlayer();
    m_session->setServerWaitMs(60000);
    m_session->setReportIntervalMs(200);

    m_session->open(m_video);
    const QByteArray get = "GET /v1/progress/" + m_contentId.toLatin1();
    QTRY_VERIFY_WITH_TIMEOUT(m_held->received(get), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_player->isSeekable(), kTimeoutMs);
    // The player ready and waiting shows its preroll frame at 0; the person presses Space.
    m_player->moveTo(0);
    m_session->togglePlayPause();
    QTest::qWait(1000); // five report intervals

    QVERIFY2(m_timeline->reports.isEmpty(), qPrintable(m_timeline->text()));
    QVERIFY2(m_timeline->seeks.isEmpty(), qPrintable(m_timeline->text()));
    QVERIFY(!m_timeline->log.contains(u"play"_s));
    QVERIFY(!m_held->received("POST"));
    std::optional<ProgressRecord> local;
    CHECK(readLocal(&local));
    QVERIFY(!local);

    QCOMPARE(m_held->answer(get, serverAnswer(60000)), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->resumed.first().sourceName(), u"server"_s);
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(60000));
    QTRY_VERIFY_WITH_TIMEOUT(!m_timeline->reports.isEmpty(), kTimeoutMs);
    for (const ProgressRecord &report : std::as_const(m_timeline->reports))
        QVERIFY2(report.positionMs >= 60000, qPrintable(m_timeline->text()));
}

void tst_PlaybackSession::replyInFlightNeverUndoesASeek_data()
{
    QTest::addColumn<bool>("seekableFirst");
    QTest::newRow("seek once the media is seekable") << true;
    QTest::newRow("seek before the media is seekable") << false;
}

// A reply in flight never undoes what this device did since it asked.
void tst_PlaybackSession::replyInFlightNeverUndoesASeek()
{
    QFETCH(bool, seekableFirst);

    m_held = std::make_unique<HeldServer>();
    QVERIFY(m_held->listen());
    CHECK(startSession(m_held->url()));
    addPlayer(kDurationMs, seekableFirst);
    m_session->setServerWaitMs(60000);
    m_session->setReportIntervalMs(200);

    m_session->open(m_video);
    const QByteArray get = "GET /v1/progress/" + m_contentId.toLatin1();
    QTRY_VERIFY_WITH_TIMEOUT(m_held->received(get), kTimeoutMs);
    if (seekableFirst)
        QTRY_VERIFY_WITH_TIMEOUT(m_player->isSeekable(), kTimeoutMs);

    m_session->requestSeek(30000);
    if (!seekableFirst) {
        QCoreApplication::processEvents(); // the player ignores that seek
        m_player->preroll();
    }
    QCOMPARE(m_held->answer(get, serverAnswer(60000)), 1);

    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(30000));
    QVERIFY2(qAbs(m_timeline->positionAtResume.first() - 30000) <= 1500,
             qPrintable(m_timeline->text()));
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() >= 2, kTimeoutMs);
    QVERIFY2(!m_timeline->seeks.contains(60000), qPrintable(m_timeline->text()));
    for (const ProgressRecord &report : std::as_const(m_timeline->reports))
        QVERIFY2(report.positionMs >= 30000 && report.positionMs < 60000,
                 qPrintable(m_timeline->text()));
    QVERIFY(m_player->position() >= 30000 && m_player->position() < 60000);
}

// Space pressed while the window is still asking: play, at the resume point (not at 0, which
// would then be reported over the real one).
void tst_PlaybackSession::playPressedWhileDecidingKeepsTheResumePoint()
{
    m_held = std::make_unique<HeldServer>();
    QVERIFY(m_held->listen());
    CHECK(startSession(m_held->url()));
    addPlayer();
    m_session->setServerWaitMs(60000);

    m_session->open(m_video);
    const QByteArray get = "GET /v1/progress/" + m_contentId.toLatin1();
    QTRY_VERIFY_WITH_TIMEOUT(m_held->received(get), kTimeoutMs);
    m_session->togglePlayPause();
    QCOMPARE(m_held->answer(get, serverAnswer(60000)), 1);

    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->resumed.first().sourceName(), u"server"_s);
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(60000));
    QCOMPARE(m_player->state(), State::Playing);
}

// "Ask first": playback starts at 0 and the resume point is offered, not gone to.
void tst_PlaybackSession::askBeforeResumingOffersThePoint()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setAskBeforeResuming(true);
    QList<ResumePoint> offers;
    connect(m_session.get(), &PlaybackSession::resumeOffered, m_timeline.get(),
            [this, &offers](const ResumePoint &point) {
                m_timeline->log << u"offered:%1"_s.arg(point.positionMs);
                offers << point;
            });

    CHECK(openAndResume());
    QCOMPARE(offers.size(), 1);
    const ResumePoint offer = offers.first();
    QCOMPARE(offer.positionMs, qint64(60000));
    QCOMPARE(offer.source, ResumePoint::Source::Server);
    QVERIFY(offer.record);
    QCOMPARE(offer.record->deviceName, u"Living-room TV"_s);
    QCOMPARE(offer.record->positionMs, qint64(60000));

    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(0));
    QCOMPARE(m_session->resumePoint()->positionMs, qint64(0));
    QVERIFY2(m_timeline->seeks.isEmpty(), qPrintable(m_timeline->text()));
    QVERIFY2(m_timeline->indexOf(u"offered:60000"_s) < m_timeline->indexOf(u"resumed:0:server"_s),
             qPrintable(m_timeline->text()));
    QVERIFY2(!m_timeline->reportedBeforeResume(), qPrintable(m_timeline->text()));
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300, kTimeoutMs);
    QVERIFY(m_player->position() < 60000);
    QCOMPARE(offers.size(), 1);

    // Taking the offer is the window seeking there.
    m_session->requestSeek(offer.positionMs);
    QCOMPARE(m_timeline->seeks, QList<qint64>{60000});
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 60000, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!m_timeline->reports.isEmpty()
                                 && m_timeline->reports.last().positionMs >= 60000,
                             kTimeoutMs);
}

void tst_PlaybackSession::askBeforeResumingOffersNothingToStartOver_data()
{
    QTest::addColumn<ProgressRecord>("server"); // none: no record anywhere

    QTest::newRow("no record") << ProgressRecord();
    QTest::newRow("ended") << seen(u"tv"_s, kDurationMs, 1000, PlaybackState::Ended);
}

// Nothing to offer when the place would be the beginning anyway.
void tst_PlaybackSession::askBeforeResumingOffersNothingToStartOver()
{
    QFETCH(ProgressRecord, server);

    CHECK(startServer());
    if (hasRecord(server))
        CHECK(reportFromAnotherDevice(at(server, nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setAskBeforeResuming(true);
    QSignalSpy offered(m_session.get(), &PlaybackSession::resumeOffered);

    CHECK(openAndResume());
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(0));
    QVERIFY(m_timeline->seeks.isEmpty());
    QTest::qWait(300);
    QVERIFY(offered.isEmpty());
}

void tst_PlaybackSession::rewindAfterBreak_data()
{
    QTest::addColumn<bool>("fromServer"); // else from the local copy, the server down
    QTest::addColumn<qint64>("savedMs");
    QTest::addColumn<qint64>("agoMs"); // when the record was observed
    QTest::addColumn<bool>("rewind");
    QTest::addColumn<bool>("ask");
    QTest::addColumn<qint64>("resumeMs");
    QTest::addColumn<qint64>("offeredMs"); // -1: no offer

    constexpr qint64 minute = 60 * 1000;
    constexpr qint64 hour = 60 * minute;
    constexpr qint64 day = 24 * hour;

    QTest::newRow("2 hours away: 10 s earlier")
        << true << qint64(60000) << 2 * hour << true << false << qint64(50000) << qint64(-1);
    QTest::newRow("1 minute away: the exact second")
        << true << qint64(60000) << minute << true << false << qint64(60000) << qint64(-1);
    QTest::newRow("30 minutes away: 5 s earlier")
        << true << qint64(60000) << 30 * minute << true << false << qint64(55000) << qint64(-1);
    QTest::newRow("3 days away, from the local copy: 20 s earlier")
        << false << qint64(60000) << 3 * day << true << false << qint64(40000) << qint64(-1);
    QTest::newRow("off (the default): the exact second after 2 hours")
        << true << qint64(60000) << 2 * hour << false << false << qint64(60000) << qint64(-1);
    QTest::newRow("near the start: never before 0")
        << true << qint64(3000) << 2 * hour << true << false << qint64(0) << qint64(-1);
    QTest::newRow("with ask first: the rewound point is offered")
        << true << qint64(60000) << 2 * hour << true << true << qint64(0) << qint64(50000);
}

void tst_PlaybackSession::rewindAfterBreak()
{
    QFETCH(bool, fromServer);
    QFETCH(qint64, savedMs);
    QFETCH(qint64, agoMs);
    QFETCH(bool, rewind);
    QFETCH(bool, ask);
    QFETCH(qint64, resumeMs);
    QFETCH(qint64, offeredMs);

    const ProgressRecord saved =
        at(seen(fromServer ? u"tv"_s : u"laptop"_s, savedMs, agoMs), nowMs());
    CHECK(startServer());
    if (fromServer)
        CHECK(reportFromAnotherDevice(saved));
    CHECK(startSession(fromServer ? QUrl(m_server->url()) : closedPort()));
    if (!fromServer)
        CHECK(keepLocally(saved));
    addPlayer();
    if (!fromServer)
        m_session->setServerWaitMs(300);
    m_session->setRewindAfterBreak(rewind);
    m_session->setAskBeforeResuming(ask);
    QSignalSpy offered(m_session.get(), &PlaybackSession::resumeOffered);

    CHECK(openAndResume());
    const ResumePoint point = m_timeline->resumed.first();
    QCOMPARE(point.positionMs, resumeMs);
    QCOMPARE(point.sourceName(), fromServer ? u"server"_s : u"local"_s);
    // The record it came from is kept as it was: only where playback starts moves.
    QVERIFY(point.record);
    QCOMPARE(point.record->positionMs, savedMs);
    QCOMPARE(m_timeline->seeks, resumeMs > 0 ? QList<qint64>{resumeMs} : QList<qint64>{});
    QVERIFY2(qAbs(m_timeline->positionAtResume.first() - resumeMs) <= 1500,
             qPrintable(m_timeline->text()));
    if (offeredMs < 0) {
        QVERIFY(offered.isEmpty());
    } else {
        QCOMPARE(offered.count(), 1);
        QCOMPARE(offered.first().first().value<ResumePoint>().positionMs, offeredMs);
    }
}

void tst_PlaybackSession::reportsEveryIntervalWhilePlayingOnly()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(200);
    CHECK(openAndResume());
    QVERIFY(m_timeline->reports.isEmpty());

    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() >= 3, kTimeoutMs);
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Paused, kTimeoutMs);
    const qsizetype paused = m_timeline->reports.size();
    QCOMPARE(m_timeline->reports.last().state, PlaybackState::Paused);
    QCOMPARE(m_timeline->reports.last().positionMs, m_player->position());
    QTest::qWait(1000); // five intervals: nothing while paused
    QCOMPARE(m_timeline->reports.size(), paused);

    m_session->togglePlayPause();
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() >= paused + 3, kTimeoutMs);

    const QList<ProgressRecord> &reports = m_timeline->reports;
    for (qsizetype i = 0; i < reports.size(); ++i) {
        const ProgressRecord &report = reports.at(i);
        QCOMPARE(report.contentId, m_contentId);
        QCOMPARE(report.deviceId, u"laptop"_s);
        QCOMPARE(report.deviceName, u"This laptop"_s);
        QCOMPARE(report.durationMs, kDurationMs);
        QCOMPARE(report.title, u"Episode 1"_s);
        QCOMPARE(report.state, i == paused - 1 ? PlaybackState::Paused : PlaybackState::Playing);
        if (i > 0) {
            QVERIFY(report.observedAtMs > reports.at(i - 1).observedAtMs);
            QVERIFY(report.positionMs >= reports.at(i - 1).positionMs);
        }
    }
    // They reach the server.
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->positionMs > 0, kTimeoutMs);
}

void tst_PlaybackSession::pauseReportsOnceAtOnce()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000); // only the pause can report
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300, kTimeoutMs);

    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    QCOMPARE(m_player->state(), State::Paused);
    QCOMPARE(m_timeline->reports.first().state, PlaybackState::Paused);
    QCOMPARE(m_timeline->reports.first().positionMs, m_player->position());
    QTest::qWait(500);
    QCOMPARE(m_timeline->reports.size(), 1);

    // Playing again is no report of its own.
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Playing, kTimeoutMs);
    QTest::qWait(300);
    QCOMPARE(m_timeline->reports.size(), 1);
}

void tst_PlaybackSession::dragSeekReportsOnceSettled_data()
{
    QTest::addColumn<bool>("playing");
    QTest::newRow("playing") << true;
    QTest::newRow("paused") << false;
}

void tst_PlaybackSession::dragSeekReportsOnceSettled()
{
    QFETCH(bool, playing);

    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    m_session->setSeekSettleMs(1000); // only a one-second pause in the drag would settle it
    CHECK(openAndResume());
    if (!playing) {
        m_session->togglePlayPause();
        QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    }
    const qsizetype before = m_timeline->reports.size();

    // A drag: one seek per step, the player answering (and ticking) in between.
    for (qint64 position = 10000; position <= 200000; position += 10000) {
        m_session->requestSeek(position);
        QCoreApplication::processEvents();
    }
    QCOMPARE(m_timeline->reports.size(), before); // not one per step
    QCOMPARE(m_timeline->seeks.size(), 20);
    QCOMPARE(m_timeline->seeks.last(), qint64(200000));

    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), before + 1, kTimeoutMs);
    const ProgressRecord report = m_timeline->reports.last();
    QCOMPARE(report.positionMs, qint64(200000));
    QCOMPARE(report.state, playing ? PlaybackState::Playing : PlaybackState::Paused);
    QTest::qWait(1500);
    QCOMPARE(m_timeline->reports.size(), before + 1);
    QVERIFY(m_player->position() >= 200000);
}

// After a stop the player goes back to 0; the place where the person stopped is what stands.
void tst_PlaybackSession::stopReportsStoppedAndCloseKeepsIt()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 60300, kTimeoutMs);

    const qint64 stoppedAt = m_player->position();
    m_session->requestStop();
    QCOMPARE(m_timeline->reports.size(), 1);
    QCOMPARE(m_timeline->reports.first().state, PlaybackState::Stopped);
    QCOMPARE(m_timeline->reports.first().positionMs, stoppedAt);
    QVERIFY(m_timeline->log.contains(u"stop"_s));
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Stopped, kTimeoutMs);
    QCOMPARE(m_player->position(), qint64(0));
    QCOMPARE(m_timeline->reports.size(), 1);

    m_session->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->closed.first(), 0);
    for (const ProgressRecord &report : std::as_const(m_timeline->reports))
        QCOMPARE(report.positionMs, stoppedAt);
    const std::optional<ProgressRecord> stored = serverRecord();
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, stoppedAt);
    QCOMPARE(stored->state, PlaybackState::Stopped);
}

void tst_PlaybackSession::endReportsEndedAtTheDuration()
{
    constexpr qint64 duration = 120000;
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer(duration);
    CHECK(openAndResume());
    m_session->requestSeek(118000);
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 118200, kTimeoutMs);
    const qsizetype before = m_timeline->reports.size();

    m_player->reachEnd();
    QCOMPARE(m_timeline->reports.size(), before + 1);
    QCOMPARE(m_timeline->reports.last().state, PlaybackState::Ended);
    QCOMPARE(m_timeline->reports.last().positionMs, duration);
    QCOMPARE(m_timeline->reports.last().durationMs, duration);

    m_session->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->closed.first(), 0);
    const std::optional<ProgressRecord> stored = serverRecord();
    QVERIFY(stored);
    QCOMPARE(stored->state, PlaybackState::Ended);
    QCOMPARE(stored->positionMs, duration);
}

void tst_PlaybackSession::closeReportsStoppedThenCloses()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 500, kTimeoutMs);

    const qint64 closedAt = m_player->position();
    m_session->close();
    QCOMPARE(m_timeline->reports.size(), 1);
    QCOMPARE(m_timeline->reports.first().state, PlaybackState::Stopped);
    QCOMPARE(m_timeline->reports.first().positionMs, closedAt);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->closed.first(), 0); // delivered before closed()
    QVERIFY2(m_timeline->indexOf(u"report:stopped:%1"_s.arg(closedAt))
                 < m_timeline->indexOf(u"closed:0"_s),
             qPrintable(m_timeline->text()));
    const std::optional<ProgressRecord> stored = serverRecord();
    QVERIFY(stored);
    QCOMPARE(stored->positionMs, closedAt);
    QCOMPARE(stored->state, PlaybackState::Stopped);
    QCOMPARE(stored->deviceId, u"laptop"_s);

    // Closing is once; the player running on meanwhile reports nothing more.
    m_session->close();
    QTest::qWait(500);
    QCOMPARE(m_timeline->closed.size(), 1);
    QCOMPARE(m_timeline->reports.size(), 1);
}

// "Start over" is a newer observation at 0, and wins like any other.
void tst_PlaybackSession::startOverWins()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 300000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300200, kTimeoutMs);
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    const ProgressRecord previous = m_timeline->reports.first();
    QVERIFY(previous.positionMs >= 300200);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->deviceId == u"laptop"_s, kTimeoutMs);

    m_session->startOver();
    QCOMPARE(m_timeline->seeks.last(), qint64(0));
    QCOMPARE(m_timeline->reports.size(), 2);
    const ProgressRecord over = m_timeline->reports.last();
    QCOMPARE(over.positionMs, qint64(0));
    QVERIFY(over.observedAtMs > previous.observedAtMs);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->observedAtMs == over.observedAtMs,
                             kTimeoutMs);
    QCOMPARE(serverRecord()->positionMs, qint64(0));
    QTRY_COMPARE_WITH_TIMEOUT(m_player->position(), qint64(0), kTimeoutMs);
}

// Opening another video is leaving this one: its place is reported as closing would.
void tst_PlaybackSession::openingAnotherFileReportsTheFirst()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    CHECK(openAndResume());
    m_session->requestSeek(90000);
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 90300, kTimeoutMs);
    const QString first = m_contentId;
    const QString second = writeVideo(u"Episode 2.mkv"_s);
    QVERIFY(!second.isEmpty());

    const qint64 leftAt = m_session->positionMs();
    m_session->open(second);
    QVERIFY2(!m_timeline->reports.isEmpty(), qPrintable(m_timeline->text()));
    QCOMPARE(m_timeline->reports.last().contentId, first);
    QCOMPARE(m_timeline->reports.last().positionMs, leftAt);
    QCOMPARE(m_timeline->reports.last().state, PlaybackState::Stopped);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 2, kTimeoutMs);
    QVERIFY(m_session->contentId() != first);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->positionMs == leftAt, kTimeoutMs);
}

void tst_PlaybackSession::positionBeyondDurationIsClamped()
{
    constexpr qint64 duration = 10000;
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer(duration);
    CHECK(openAndResume());

    m_player->moveTo(12500); // the player's idea of the duration can be short
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->reports.first().positionMs, duration);
    QCOMPARE(m_timeline->reports.first().durationMs, duration);

    m_session->requestSeek(50000);
    QCOMPARE(m_timeline->seeks.last(), duration);
    m_session->requestSeek(-5000);
    QCOMPARE(m_timeline->seeks.last(), qint64(0));

    // The server refuses position_ms > duration_ms: a clamped report is one it keeps.
    m_session->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->closed.first(), 0);
    QVERIFY(serverRecord());
    for (const ProgressRecord &report : std::as_const(m_timeline->reports))
        QVERIFY(report.positionMs >= 0 && report.positionMs <= duration);
}

void tst_PlaybackSession::pausedShowsTheFrame_data()
{
    QTest::addColumn<qint64>("savedMs");
    QTest::newRow("at a resume point") << qint64(300000);
    // The review's case: black until play.
    QTest::newRow("at the start") << qint64(0);
}

// Opened paused, the frame prerolled while the video was hidden is shown again once it is
// visible: a seek a millisecond on, which the backend does not ignore as "already there".
void tst_PlaybackSession::pausedShowsTheFrame()
{
    QFETCH(qint64, savedMs);
    CHECK(startServer());
    if (savedMs > 0)
        CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, savedMs, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setStartPaused(true);
    CHECK(openAndResume());
    const int visible = m_timeline->indexOf(u"visible:1"_s);
    QVERIFY2(visible >= 0, qPrintable(m_timeline->text()));
    const QString refresh = u"seek:%1"_s.arg(savedMs + 1);
    QTRY_VERIFY2_WITH_TIMEOUT(m_timeline->log.lastIndexOf(refresh) > visible,
                              qPrintable(m_timeline->text()), kTimeoutMs);
    QCOMPARE(m_player->state(), State::Paused);
    QVERIFY(!m_timeline->log.contains(u"play"_s));
}

void tst_PlaybackSession::seekAndReport(qint64 positionMs, ProgressRecord *report)
{
    const qsizetype before = m_timeline->reports.size();
    m_session->requestSeek(positionMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() > before, kTimeoutMs);
    *report = m_timeline->reports.at(before);
    QVERIFY2(qAbs(report->positionMs - positionMs) < 1000, qPrintable(m_timeline->text()));
}

void tst_PlaybackSession::openWatchedElsewhere(qint64 durationMs, qint64 *finishedAtMs)
{
    const qint64 now = nowMs();
    ProgressRecord tv = at(seen(u"tv"_s, durationMs, 60000, PlaybackState::Ended), now);
    tv.durationMs = durationMs;
    tv.watched = true;
    tv.finishedAtMs = now - 120000; // passed the threshold a minute before the end
    *finishedAtMs = tv.finishedAtMs;
    CHECK(reportFromAnotherDevice(tv));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer(durationMs);
    m_session->setReportIntervalMs(600000);
    CHECK(openAndResume());
    QCOMPARE(m_timeline->resumed.first().positionMs, qint64(0));
    QCOMPARE(m_timeline->resumed.first().sourceName(), u"server"_s);
    QVERIFY(m_session->isWatched());
}

void tst_PlaybackSession::resumedFarBehindThisDeviceOffersItsPlace_data()
{
    QTest::addColumn<qint64>("own"); // this device's own last report
    QTest::addColumn<bool>("offered");

    QTest::newRow("42:10 here, 10:05 on the TV") << qint64(2530000) << true;
    QTest::newRow("2 min ahead is near enough") << qint64(725000) << false;
}

// This device was at 42:10 yesterday; the TV went back to 10:05 since. The resume goes to the
// newest place, and the point carries this device's own place for the notice to offer.
void tst_PlaybackSession::resumedFarBehindThisDeviceOffersItsPlace()
{
    QFETCH(qint64, own);
    QFETCH(bool, offered);

    const qint64 now = nowMs();
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 605000, 60000), now)));
    CHECK(startSession(QUrl(m_server->url())));
    // Its own report, kept as one (queued: it never got through, say).
    ProgressRecord mine = at(seen(u"laptop"_s, own, 86400000), now);
    mine.contentId = m_contentId;
    m_local->save(mine, true, 0);
    m_local->waitForIdle();
    addPlayer();
    CHECK(openAndResume());
    const ResumePoint point = m_timeline->resumed.first();
    QCOMPARE(point.positionMs, qint64(605000));
    QCOMPARE(point.record->deviceId, u"tv"_s);
    QCOMPARE(point.ownPlace.has_value(), offered);
    if (offered) {
        QCOMPARE(point.ownPlace->positionMs, own);
        QCOMPARE(point.ownPlace->observedAtMs, mine.observedAtMs);
    }
}

void tst_PlaybackSession::reportsCarryShowAndEpisode_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("show");
    QTest::addColumn<QString>("episode");

    QTest::newRow("an episode") << u"The Expanse S01E02.mkv"_s << u"the-expanse"_s << u"s01e02"_s;
    QTest::newRow("a film") << u"Heat (1995).mkv"_s << QString() << QString();
}

// The title stays the file's name; the show and episode come from it (EpisodeName).
void tst_PlaybackSession::reportsCarryShowAndEpisode()
{
    QFETCH(QString, name);
    QFETCH(QString, show);
    QFETCH(QString, episode);

    m_video = writeVideo(name);
    QString error;
    m_contentId = ContentFingerprint::ofFile(m_video, &error);
    QVERIFY2(!m_contentId.isEmpty(), qPrintable(error));
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    CHECK(openAndResume());
    QCOMPARE(m_session->showId(), show);
    QCOMPARE(m_session->episodeId(), episode);
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    const ProgressRecord report = m_timeline->reports.first();
    QCOMPARE(report.title, QFileInfo(name).completeBaseName());
    QCOMPARE(report.showId, show);
    QCOMPARE(report.episodeId, episode);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->deviceId == u"laptop"_s, kTimeoutMs);
    QCOMPARE(serverRecord()->showId, show);
    QCOMPARE(serverRecord()->episodeId, episode);
}

void tst_PlaybackSession::watchedAtTheThreshold_data()
{
    QTest::addColumn<int>("percent"); // the setting
    QTest::addColumn<qint64>("position");
    QTest::addColumn<bool>("watched");

    // Of an hour: 89 % is 53:24, 90 % 54:00.
    QTest::newRow("89 %") << 90 << qint64(3204000) << false;
    QTest::newRow("90 %") << 90 << qint64(3240000) << true;
    QTest::newRow("a second before 90 %") << 90 << qint64(3239000) << false;
    QTest::newRow("95 %, set to 96") << 96 << qint64(3420000) << false;
    QTest::newRow("96 %, set to 96") << 96 << qint64(3456000) << true;
}

void tst_PlaybackSession::watchedAtTheThreshold()
{
    QFETCH(int, percent);
    QFETCH(qint64, position);
    QFETCH(bool, watched);

    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(300);
    m_session->setWatchedPercent(percent);
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    CHECK(openAndResume());
    m_session->togglePlayPause(); // paused: the seek's report alone
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Paused, kTimeoutMs);
    const qsizetype before = m_timeline->reports.size();
    ProgressRecord report;
    CHECK(seekAndReport(position, &report));
    QCOMPARE(report.watched, std::optional<bool>(watched));
    QCOMPARE(m_session->isWatched(), watched);
    QCOMPARE(changed.count(), watched ? 1 : 0);
    if (!watched) {
        QCOMPARE(report.finishedAtMs, qint64(0));
        return;
    }
    // The finish is the observation that passed the threshold, and it stays that of every later
    // report of this viewing, so the server counts it once.
    QCOMPARE(report.finishedAtMs, report.observedAtMs);
    m_session->togglePlayPause();
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() >= before + 3, kTimeoutMs);
    for (const ProgressRecord &later : m_timeline->reports.mid(before)) {
        QCOMPARE(later.watched, std::optional<bool>(true));
        QCOMPARE(later.finishedAtMs, report.finishedAtMs);
    }
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->isWatched(), kTimeoutMs);
    QCOMPARE(serverRecord()->finishedAtMs, report.finishedAtMs);
}

void tst_PlaybackSession::watchedAtTheEnd()
{
    // 100 %: only the end counts.
    constexpr qint64 duration = 120000;
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer(duration);
    m_session->setReportIntervalMs(600000);
    m_session->setWatchedPercent(100);
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    CHECK(openAndResume());
    ProgressRecord report;
    CHECK(seekAndReport(duration - 2000, &report));
    QCOMPARE(report.watched, std::optional<bool>(false));

    m_player->reachEnd();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toBool(), true);
    const ProgressRecord end = m_timeline->reports.last();
    QCOMPARE(end.state, PlaybackState::Ended);
    QCOMPARE(end.watched, std::optional<bool>(true));
    QCOMPARE(end.finishedAtMs, end.observedAtMs);
}

void tst_PlaybackSession::watchedVideoOpensAtZeroAndStaysWatchedUntilStarted_data()
{
    QTest::addColumn<qint64>("duration");
    QTest::addColumn<qint64>("position");
    QTest::addColumn<bool>("watched");

    // Of an hour, 5 % is 3:00: 4 % (2:24) is past the first minute but not started.
    QTest::newRow("4 %") << qint64(3600000) << qint64(144000) << true;
    QTest::newRow("6 %") << qint64(3600000) << qint64(216000) << false;
    // Of 1000 s, 5 % is 50 s: the first minute decides.
    QTest::newRow("59 s") << qint64(1000000) << qint64(59000) << true;
    QTest::newRow("61 s") << qint64(1000000) << qint64(61000) << false;
}

void tst_PlaybackSession::watchedVideoOpensAtZeroAndStaysWatchedUntilStarted()
{
    QFETCH(qint64, duration);
    QFETCH(qint64, position);
    QFETCH(bool, watched);

    CHECK(startServer());
    qint64 finishedAt = 0;
    CHECK(openWatchedElsewhere(duration, &finishedAt));
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    ProgressRecord report;
    CHECK(seekAndReport(position, &report));
    QCOMPARE(report.watched, std::optional<bool>(watched));
    // Still the old viewing: its finish, not a new one.
    QCOMPARE(report.finishedAtMs, watched ? finishedAt : qint64(0));
    QCOMPARE(changed.count(), watched ? 0 : 1);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->deviceId == u"laptop"_s, kTimeoutMs);
    QCOMPARE(serverRecord()->isWatched(), watched);
}

// A rewatch: watched with the old finish at 0, in progress once started, a new finish at 90 %.
void tst_PlaybackSession::rewatchIsInProgressThenANewFinish()
{
    CHECK(startServer());
    qint64 finishedAt = 0;
    CHECK(openWatchedElsewhere(kDurationMs, &finishedAt));
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300, kTimeoutMs);
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->reports.first().watched, std::optional<bool>(true));
    QCOMPARE(m_timeline->reports.first().finishedAtMs, finishedAt);

    ProgressRecord report;
    CHECK(seekAndReport(kDurationMs / 2, &report));
    QCOMPARE(report.watched, std::optional<bool>(false));
    QCOMPARE(report.finishedAtMs, qint64(0));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().first().toBool(), false);
    // Going back to the start of a rewatch in progress is still in progress.
    CHECK(seekAndReport(1000, &report));
    QCOMPARE(report.watched, std::optional<bool>(false));

    CHECK(seekAndReport(kDurationMs * 95 / 100, &report));
    QCOMPARE(report.watched, std::optional<bool>(true));
    QVERIFY(report.finishedAtMs > finishedAt);
    QCOMPARE(report.finishedAtMs, report.observedAtMs);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.last().first().toBool(), true);
}

void tst_PlaybackSession::markWatchedThenUnwatched()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300, kTimeoutMs);

    m_session->markWatched(true);
    QCOMPARE(m_timeline->reports.size(), 1);
    const ProgressRecord marked = m_timeline->reports.first();
    QCOMPARE(marked.watched, std::optional<bool>(true));
    QCOMPARE(marked.finishedAtMs, marked.observedAtMs);
    QCOMPARE(marked.state, PlaybackState::Playing); // the place and state stand
    QVERIFY(marked.positionMs >= 300);
    QCOMPARE(changed.count(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->isWatched(), kTimeoutMs);

    m_session->markWatched(false);
    QCOMPARE(m_timeline->reports.size(), 2);
    const ProgressRecord unmarked = m_timeline->reports.last();
    QCOMPARE(unmarked.watched, std::optional<bool>(false));
    QCOMPARE(unmarked.positionMs, qint64(0));
    QCOMPARE(unmarked.state, PlaybackState::Stopped);
    QVERIFY(unmarked.observedAtMs > marked.observedAtMs);
    QCOMPARE(changed.count(), 2);
    // Back at 0, paused, with no second report for the pause it asked for.
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Paused, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_player->position(), qint64(0), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && !serverRecord()->isWatched(), kTimeoutMs);
    QCOMPARE(serverRecord()->positionMs, qint64(0));
    QCOMPARE(m_timeline->reports.size(), 2);
}

// Another device's newer mark stands on a device that only sits paused on the video.
void tst_PlaybackSession::newerMarkFromAnotherDeviceStandsHereWhilePaused()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    m_session->setStartPaused(true);
    QSignalSpy changed(m_session.get(), &PlaybackSession::watchedChanged);
    CHECK(openAndResume());

    ProgressRecord tv = at(seen(u"tv"_s, 600000, 0, PlaybackState::Stopped), nowMs());
    tv.contentId = m_contentId;
    tv.watched = true;
    tv.finishedAtMs = tv.observedAtMs;
    m_session->handleRemote(tv);
    QCOMPARE(changed.count(), 1);
    QVERIFY(m_session->isWatched());
    QCOMPARE(m_session->finishedAtMs(), tv.finishedAtMs);

    // An older word changes nothing.
    ProgressRecord older = tv;
    older.observedAtMs -= 60000;
    older.watched = false;
    m_session->handleRemote(older);
    QCOMPARE(changed.count(), 1);

    ProgressRecord unmarked = tv;
    unmarked.observedAtMs += 1000;
    unmarked.watched = false;
    unmarked.positionMs = 0;
    m_session->handleRemote(unmarked);
    QCOMPARE(changed.count(), 2);
    QVERIFY(!m_session->isWatched());
    QVERIFY(m_timeline->reports.isEmpty()); // heard, not said again
}

// A device that sits paused says nothing, whatever arrives meanwhile, and closing it says nothing
// either: its old place must never come out as a newer observation.
void tst_PlaybackSession::pausedSendsNothing()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(100);
    m_session->setStartPaused(true);
    CHECK(openAndResume());
    QCOMPARE(m_player->state(), State::Paused);
    ProgressRecord tv = at(seen(u"tv"_s, 600000, 0, PlaybackState::Playing), nowMs());
    tv.contentId = m_contentId;
    m_session->handleRemote(tv);
    m_session->refreshPausedFrame();
    // Waits for the report that must not come, over ten intervals.
    QSignalSpy reported(m_session.get(), &PlaybackSession::progressReported);
    QVERIFY2(!reported.wait(1000), qPrintable(m_timeline->text()));
    QVERIFY2(m_timeline->reports.isEmpty(), qPrintable(m_timeline->text()));
    m_session->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, kTimeoutMs);
    QVERIFY2(m_timeline->reports.isEmpty(), qPrintable(m_timeline->text()));
}

// Opened paused at 0 while the TV plays on: play here continues from the TV's place.
void tst_PlaybackSession::playGoesToANewerRemotePlace()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    m_session->setStartPaused(true);
    CHECK(openAndResume());
    QSignalSpy continued(m_session.get(), &PlaybackSession::continuedFrom);

    ProgressRecord tv = at(seen(u"tv"_s, 20000, 0, PlaybackState::Playing), nowMs());
    tv.contentId = m_contentId;
    m_session->handleRemote(tv);
    m_session->togglePlayPause();

    QCOMPARE(m_timeline->seeks.last(), qint64(20000));
    QCOMPARE(continued.count(), 1);
    QCOMPARE(continued.first().first().value<ProgressRecord>().positionMs, qint64(20000));
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Playing, kTimeoutMs);
    QVERIFY(m_player->position() >= 20000);
}

void tst_PlaybackSession::placeChosenHereBeatsAnEarlierRemotePlace_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<qint64>("expected");
    // Right (10 s on from 7 s) and, within the settle window, Space.
    QTest::newRow("seek") << u"seek"_s << qint64(17000);
    // A history jump is a seek to the chosen entry's place.
    QTest::newRow("history jump") << u"jump"_s << qint64(5000);
    QTest::newRow("start over") << u"start over"_s << qint64(0);
}

// The review's case: the Phone holds "TV is at 0:20", the person presses Right and Space within
// the 400 ms settle window. What the person did here is newer than the TV's place: Space plays
// from where they put it, not from the TV's 0:20.
void tst_PlaybackSession::placeChosenHereBeatsAnEarlierRemotePlace()
{
    QFETCH(QString, action);
    QFETCH(qint64, expected);

    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    m_session->setSeekSettleMs(400);
    m_session->setStartPaused(true);
    CHECK(openAndResume());
    m_session->requestSeek(7000);
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() == 1, kTimeoutMs); // settled at 0:07
    QSignalSpy continued(m_session.get(), &PlaybackSession::continuedFrom);

    ProgressRecord tv = at(seen(u"tv"_s, 20000, 0, PlaybackState::Playing), nowMs());
    tv.contentId = m_contentId;
    m_session->handleRemote(tv);
    if (action == u"seek"_s)
        m_session->requestSeekBy(10000);
    else if (action == u"jump"_s)
        m_session->requestSeek(5000);
    else
        m_session->startOver();
    m_session->togglePlayPause();

    QCOMPARE(m_timeline->seeks.last(), expected);
    QCOMPARE(continued.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Playing, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() > expected, kTimeoutMs);
    QVERIFY2(m_player->position() < 20000, qPrintable(m_timeline->text()));
    // And the place reported once settled is the person's.
    QTRY_VERIFY_WITH_TIMEOUT(m_timeline->reports.size() >= 2, kTimeoutMs);
    QVERIFY(m_timeline->reports.at(1).positionMs >= expected);
    QVERIFY(m_timeline->reports.at(1).positionMs < 20000);
}

void tst_PlaybackSession::unreadableFileFails_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("no such file") << u"no-such-video.mkv"_s;
    QTest::newRow("a folder") << u"folder.mkv"_s;
    QTest::newRow("an empty file") << u"empty.mkv"_s;
}

void tst_PlaybackSession::unreadableLocalCopyIsAFailure_data()
{
    QTest::addColumn<bool>("serverUp");
    QTest::newRow("the server away: nothing can tell") << false;
    QTest::newRow("the server answers: its record") << true;
}

// The local copy's records are damaged on disk. With the server away that is not "no record"
// (which would start at 0 and report 0 over the person's place): opening fails and says why. With
// the server answering, its record is where playback starts.
void tst_PlaybackSession::unreadableLocalCopyIsAFailure()
{
    QFETCH(bool, serverUp);
    const qint64 now = nowMs();
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 30000, 60000), now)));
    CHECK(startSession(QUrl(m_server->url())));
    CHECK(keepLocally(at(seen(u"laptop"_s, 42000, 5000), now)));
    m_timeline.reset();
    m_session.reset();
    m_sync.reset();
    m_local.reset();
    QString error;
    QVERIFY2(damageTable(m_dir->filePath(u"local.sqlite"_s), u"records"_s, &error),
             qPrintable(error));

    CHECK(startSession(serverUp ? QUrl(m_server->url()) : closedPort()));
    addPlayer();
    m_session->open(m_video);
    if (serverUp) {
        QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
        QCOMPARE(m_timeline->resumed.first().sourceName(), u"server"_s);
        QCOMPARE(m_timeline->resumed.first().positionMs, qint64(30000));
        return;
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->failures.size(), 1, kTimeoutMs);
    QVERIFY2(m_timeline->failures.first().contains(u"malformed"_s),
             qPrintable(m_timeline->failures.first()));
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Idle);
    QVERIFY(m_timeline->resumed.isEmpty());
    QVERIFY(m_timeline->reports.isEmpty());
}

void tst_PlaybackSession::unreadableFileFails()
{
    QFETCH(QString, name);

    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    const QString path = m_dir->filePath(name);
    if (name.startsWith(u"folder"_s))
        QVERIFY(QDir(m_dir->path()).mkdir(name));
    if (name.startsWith(u"empty"_s)) {
        QFile empty(path);
        QVERIFY(empty.open(QIODevice::WriteOnly));
    }

    m_session->open(path);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->failures.size(), 1, kTimeoutMs);
    QVERIFY2(!m_timeline->failures.first().trimmed().isEmpty(), "a reason a person can read");
    if (name.startsWith(u"empty"_s))
        QCOMPARE(m_timeline->failures.first(), u"the file is empty (0 bytes)"_s);
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Idle);
    // Refused before the player was given it: its backend has nothing to say about it.
    QVERIFY2(!m_timeline->log.contains(u"load"_s), qPrintable(m_timeline->text()));
    QTest::qWait(300);
    QVERIFY(m_timeline->resumed.isEmpty());
    QVERIFY(m_timeline->reports.isEmpty());
    QVERIFY(m_timeline->seeks.isEmpty());
    QVERIFY(!m_timeline->log.contains(u"play"_s));
}

void tst_PlaybackSession::stalledStartFails_data()
{
    QTest::addColumn<bool>("seekable");
    QTest::addColumn<QString>("reason");
    QTest::newRow("never ready") << false << u"the player did not get it ready to play"_s;
    QTest::newRow("the seek to the place never done")
        << true << u"it did not start playing at 0:00 within 1 s, and the player showed nothing"_s;
}

// The player goes quiet: it never becomes seekable, or never plays from the resume point (as
// GStreamer did with a RealMedia file resumed at 4 s). After the start wait the start tries from
// the beginning, and after another the open fails with the reason instead of waiting for ever;
// nothing is reported over the stored place.
void tst_PlaybackSession::stalledStartFails()
{
    QFETCH(bool, seekable);
    QFETCH(QString, reason);

    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    m_session->setStartWaitMs(1000);
    // No player double: nothing answers the load, the seek or play.
    if (seekable) {
        connect(m_session.get(), &PlaybackSession::loadRequested, m_session.get(), [this] {
            m_session->setDuration(kDurationMs);
            m_session->setSeekable(true);
        });
    }
    m_session->open(m_video);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->failures.size(), 1, kTimeoutMs);
    QVERIFY2(m_timeline->failures.first().startsWith(reason),
             qPrintable(m_timeline->failures.first()));
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Idle);
    QCOMPARE(m_timeline->log.contains(u"seek:60000"_s), seekable);
    QVERIFY(m_timeline->resumed.isEmpty());
    QVERIFY(m_timeline->reports.isEmpty());
}

void tst_PlaybackSession::closeNeverHangs_data()
{
    QTest::addColumn<bool>("silent");
    QTest::newRow("server refuses connections") << false;
    QTest::newRow("server accepts and never answers") << true;
}

void tst_PlaybackSession::closeNeverHangs()
{
    QFETCH(bool, silent);

    QUrl server = closedPort();
    if (silent) {
        m_held = std::make_unique<HeldServer>();
        QVERIFY(m_held->listen());
        server = m_held->url();
    }
    CHECK(startSession(server));
    addPlayer();
    m_session->setServerWaitMs(300);
    CHECK(openAndResume());
    QTRY_VERIFY_WITH_TIMEOUT(m_player->position() >= 300, kTimeoutMs);

    const qint64 closedAt = m_player->position();
    m_session->close();
    // About kCloseWaitMs; the request itself would wait kRequestTimeoutMs.
    static_assert(PlaybackSession::kCloseWaitMs * 5 <= SyncClient::kRequestTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->closed.size(), 1, PlaybackSession::kCloseWaitMs * 5);
    QVERIFY2(m_timeline->closed.first() > 0, qPrintable(m_timeline->text()));

    // Kept locally, waiting in the outbox for next time.
    std::optional<ProgressRecord> local;
    CHECK(readLocal(&local));
    QVERIFY(local);
    QCOMPARE(local->positionMs, closedAt);
    QCOMPARE(local->state, PlaybackState::Stopped);
}

namespace {
PlaybackChoices choicesWithDelay(qint64 delayMs)
{
    return issueChoices(u"Film.en.srt"_s, delayMs);
}

// Waits until the session's choices timer, if started before this call, has fired: a precise
// timer of twice its interval started now fires after it (Qt fires due timers in the order they
// fall due; a coarse timer is off by 5% at most), however late a busy machine runs them.
// QTest::qWait may return before a late timer fired, and a "no report" check would pass by luck.
void waitOutChoicesTimer()
{
    QTimer after;
    after.setSingleShot(true);
    after.setTimerType(Qt::PreciseTimer);
    QSignalSpy fired(&after, &QTimer::timeout);
    after.start(2 * PlaybackSession::kChoicesSettleMs);
    QVERIFY(fired.wait(kTimeoutMs));
}
} // namespace

// H pressed three times while paused: one report, at once after the keys stop (not at the next
// tick), carrying the last choices; the server keeps them with the place.
void tst_PlaybackSession::choicesChangedHereReportOnceSettled()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000); // only the pause and the choices can report
    CHECK(openAndResume());
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    QVERIFY(!m_timeline->reports.first().choices);

    for (const qint64 delay : {100, 200, 300})
        m_session->setChoices(choicesWithDelay(delay), true);
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 2, kTimeoutMs);
    const ProgressRecord report = m_timeline->reports.at(1);
    QCOMPARE(report.state, PlaybackState::Paused);
    QVERIFY(report.choices);
    QCOMPARE(*report.choices, choicesWithDelay(300));
    CHECK(waitOutChoicesTimer());
    QCOMPARE(m_timeline->reports.size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(serverRecord() && serverRecord()->choices == choicesWithDelay(300),
                             kTimeoutMs);

    // The same choices again are no news.
    m_session->setChoices(choicesWithDelay(300), true);
    CHECK(waitOutChoicesTimer());
    QCOMPARE(m_timeline->reports.size(), 2);
}

// Choices applied as the video opens are not an observation: no report of their own (a device
// that sat paused must not stamp its place as newer), but the next report carries them.
void tst_PlaybackSession::choicesAppliedOnOpenWaitForTheNextReport()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setReportIntervalMs(600000);
    CHECK(openAndResume());
    m_session->setChoices(choicesWithDelay(0), false);
    CHECK(waitOutChoicesTimer());
    QCOMPARE(m_timeline->reports.size(), 0);
    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->reports.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->reports.first().choices, std::optional(choicesWithDelay(0)));
}

// The TV's choices come with its record, before the seek to its place, so the first frame
// already plays with them; without a record there are none to want.
void tst_PlaybackSession::choicesWantedFromTheNewestRecord()
{
    CHECK(startServer());
    ProgressRecord tv = at(seen(u"tv"_s, 60000, 1000), nowMs());
    tv.choices = choicesWithDelay(300);
    CHECK(reportFromAnotherDevice(tv));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    QList<std::optional<PlaybackChoices>> wanted;
    connect(m_session.get(), &PlaybackSession::choicesWanted, this,
            [this, &wanted](const std::optional<PlaybackChoices> &choices, qint64 positionMs) {
                m_timeline->log << u"wanted:%1"_s.arg(positionMs);
                wanted << choices;
            });
    CHECK(openAndResume());
    QCOMPARE(wanted.size(), 1);
    QCOMPARE(wanted.first(), std::optional(choicesWithDelay(300)));
    QVERIFY2(m_timeline->indexOf(u"wanted:60000"_s) >= 0
                 && m_timeline->indexOf(u"wanted:60000"_s) < m_timeline->indexOf(u"seek:60000"_s),
             qPrintable(m_timeline->text()));

    // Opened again from the start: the place is not taken, the choices still are.
    m_session->setFromStart(true);
    m_session->open(m_video);
    QTRY_COMPARE_WITH_TIMEOUT(wanted.size(), 2, kTimeoutMs);
    QCOMPARE(wanted.at(1), std::nullopt);
}

// A new subtitle while paused asks for the same frame again (a seek a millisecond on); playing,
// the next frame carries it anyway.
void tst_PlaybackSession::refreshPausedFrameOnlyWhilePaused()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    CHECK(openAndResume());
    const qsizetype seeks = m_timeline->seeks.size();
    m_session->refreshPausedFrame();
    QCOMPARE(m_timeline->seeks.size(), seeks);

    m_session->togglePlayPause();
    QTRY_COMPARE_WITH_TIMEOUT(m_player->state(), State::Paused, kTimeoutMs);
    const qint64 position = m_session->positionMs();
    m_session->refreshPausedFrame();
    QCOMPARE(m_timeline->seeks.size(), seeks + 1);
    QCOMPARE(m_timeline->seeks.constLast(), position + 1);
}

// The seek to the resume point and play wait for the tracks (audio and speed set before the
// first frame, not switched under it).
void tst_PlaybackSession::startWaitsForTheTracks()
{
    CHECK(startServer());
    CHECK(reportFromAnotherDevice(at(seen(u"tv"_s, 60000, 1000), nowMs())));
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setTracksWaitMs(600000);
    QSignalSpy wanted(m_session.get(), &PlaybackSession::choicesWanted);
    m_session->open(m_video);
    m_session->awaitTracks();
    QTRY_COMPARE_WITH_TIMEOUT(wanted.count(), 1, kTimeoutMs);
    // Seekable (the player tells the session at once) and decided: only the tracks hold it.
    QTRY_VERIFY_WITH_TIMEOUT(m_player->isSeekable(), kTimeoutMs);
    QCOMPARE(m_session->phase(), PlaybackSession::Phase::Deciding);
    QVERIFY2(m_timeline->seeks.isEmpty(), qPrintable(m_timeline->text()));
    QCOMPARE(m_timeline->indexOf(u"play"_s), -1);

    m_session->tracksApplied();
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
    QCOMPARE(m_timeline->seeks.constFirst(), qint64(60000));
}

void tst_PlaybackSession::startGoesOnWithoutTracksThatTakeTooLong()
{
    CHECK(startServer());
    CHECK(startSession(QUrl(m_server->url())));
    addPlayer();
    m_session->setTracksWaitMs(200);
    m_session->open(m_video);
    m_session->awaitTracks();
    QTest::ignoreMessage(QtWarningMsg, "starting without the tracks: they are still being read");
    QTRY_COMPARE_WITH_TIMEOUT(m_timeline->resumed.size(), 1, kTimeoutMs);
}

QTEST_GUILESS_MAIN(tst_PlaybackSession)
#include "tst_playbacksession.moc"
