#include "playbacksession.h"

#include "client/localcopy.h"
#include "media/episodename.h"
#include "protocol/contentfingerprint.h"
#include "protocol/progressorder.h"
#include "timeformat.h"

#include <QFileInfo>
#include <QFuture>
#include <QLoggingCategory>
#include <QtConcurrent/QtConcurrentRun>

#include <utility>

Q_LOGGING_CATEGORY(lcSession, "playmark.app.session")

namespace {
// How close the first position after the resume seek must be to count as "there".
constexpr qint64 kArrivalToleranceMs = 1500;
// When to show the paused frame again, once the video is visible.
constexpr int kRevealRefreshMs = 200;
// Positions to wait for before accepting whatever the player reports (a seek it refused).
constexpr int kMaxPositionsWhileStarting = 20;
// QMediaPlayer's positionChanged cadence: going to the resume point from 0, the position before
// it is as near as the player says.
constexpr qint64 kPositionIntervalMs = 100;

struct Fingerprint
{
    QString contentId;
    QString error;
};
} // namespace

PlaybackSession::PlaybackSession(SyncClient &sync, LocalCopy &local, QObject *parent)
    : QObject(parent), m_sync(sync), m_local(local)
{
    m_reportTimer.setInterval(kDefaultReportIntervalMs);
    connect(&m_reportTimer, &QTimer::timeout, this, [this] { report(PlaybackState::Playing); });
    m_settleTimer.setSingleShot(true);
    m_settleTimer.setInterval(kDefaultSeekSettleMs);
    connect(&m_settleTimer, &QTimer::timeout, this, [this] {
        if (m_phase != Phase::Playing)
            return;
        Q_EMIT seekSettled(m_positionMs);
        report(m_playerState == PlayerState::Playing ? PlaybackState::Playing
                                                     : PlaybackState::Paused);
    });
    m_tracksTimer.setSingleShot(true);
    m_tracksTimer.setInterval(kDefaultTracksWaitMs);
    connect(&m_tracksTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcSession) << "starting without the tracks: they are still being read";
        startPlayback();
    });
    m_startTimer.setSingleShot(true);
    m_startTimer.setInterval(kDefaultStartWaitMs);
    connect(&m_startTimer, &QTimer::timeout, this, &PlaybackSession::handleStartTimeout);
    m_choicesTimer.setSingleShot(true);
    m_choicesTimer.setInterval(kChoicesSettleMs);
    connect(&m_choicesTimer, &QTimer::timeout, this, [this] {
        if (m_phase != Phase::Playing || m_closing)
            return;
        if (m_lastReport && m_lastReport->choices == m_choices)
            return;
        report(m_playerState == PlayerState::Playing ? PlaybackState::Playing
                                                     : PlaybackState::Paused);
    });
}

void PlaybackSession::setChoices(const PlaybackChoices &choices, bool byPerson)
{
    m_choices = choices;
    if (byPerson && m_phase == Phase::Playing && !m_closing) {
        m_changedSinceReport = true;
        m_choicesTimer.start();
    }
}

void PlaybackSession::open(const QString &path)
{
    // Leaving a video for another is closing it: its place is reported first.
    if (m_phase == Phase::Playing && !m_closing)
        report(m_ended ? PlaybackState::Ended : PlaybackState::Stopped);
    ++m_generation;
    m_reportTimer.stop();
    m_settleTimer.stop();
    m_choicesTimer.stop();
    m_choices.reset();
    m_path = path;
    m_title = QFileInfo(path).completeBaseName().left(256);
    // The show and episode from the name alone (a film has neither): pure string work.
    const std::optional<EpisodeName> episode = EpisodeName::parse(path);
    m_showId = episode ? episode->showId : QString();
    m_episodeId = episode ? episode->episodeId : QString();
    m_contentId.clear();
    m_serverAnswer.reset();
    m_localAnswer.reset();
    m_decision.reset();
    m_lastReport.reset();
    m_newerRemote.reset();
    m_personActed = false;
    m_tracksTimer.stop();
    m_startTimer.stop();
    m_fromTheBeginning = false;
    m_seekable = false;
    m_ended = false;
    m_stopped = false;
    m_positionMs = 0;
    m_durationMs = 0;
    m_watched = false;
    m_finishedAtMs = 0;
    m_backAtStart = false;
    m_pauseReported = false;
    setPhase(Phase::Identifying);

    Q_EMIT videoVisibleChanged(false);

    // Two small reads, but off the GUI thread all the same: the file may be on a slow disk. The
    // player gets the file only once they succeed: one that cannot be read or is empty is
    // refused here with its reason, not left to the backend's words ("Stream contains no data").
    const quint64 generation = m_generation;
    QtConcurrent::run([path] {
        Fingerprint result;
        if (QFileInfo(path).isFile() && QFileInfo(path).size() == 0) {
            result.error = QStringLiteral("the file is empty (0 bytes)");
            return result;
        }
        result.contentId = ContentFingerprint::ofFile(path, &result.error);
        return result;
    }).then(this, [this, generation, path](const Fingerprint &fingerprint) {
        if (generation != m_generation)
            return;
        if (fingerprint.contentId.isEmpty()) {
            handleMediaError(fingerprint.error);
            return;
        }
        m_startTimer.start();
        Q_EMIT loadRequested(path);
        m_contentId = fingerprint.contentId;
        Q_EMIT contentIdentified(m_contentId);
        m_local.setLocation(m_contentId, QFileInfo(m_path).absoluteFilePath());
        setPhase(Phase::Deciding);
        if (m_fromStart) {
            m_serverAnswer = FetchResult{};
            m_localAnswer = LocalAnswer(std::nullopt);
            decideWhenReady();
            return;
        }
        m_local.record(m_contentId, this, [this, generation](const LocalAnswer &local) {
            if (generation != m_generation)
                return;
            m_localAnswer = local;
            decideWhenReady();
        });
        m_sync.fetch(m_contentId, m_serverWaitMs, this,
                     [this, generation](const FetchResult &answer) {
                         if (generation != m_generation)
                             return;
                         m_serverAnswer = answer;
                         decideWhenReady();
                     });
    });
}

void PlaybackSession::decideWhenReady()
{
    if (m_phase != Phase::Deciding || !m_serverAnswer || !m_localAnswer)
        return;
    if (m_personActed) {
        // The person already chose a place while the answers were coming: that stands.
        m_decision = ResumePoint();
        m_decision->positionMs = m_positionMs;
    } else if (!m_localAnswer->ok() && m_serverAnswer->status == FetchResult::Status::Failed) {
        // Neither the server nor this device can say where the person was. Starting from 0 would
        // report 0 over their place once either comes back: a local copy that cannot be read is
        // not one without a record.
        handleMediaError(QStringLiteral("cannot tell where to resume: the server did not answer"
                                        " (%1) and %2")
                             .arg(m_serverAnswer->error, m_localAnswer->error()));
        return;
    } else {
        if (!m_localAnswer->ok())
            qCWarning(lcSession).noquote()
                << "resuming from the server's answer alone:" << m_localAnswer->error();
        m_decision = ResumePoint::choose(m_serverAnswer->record,
                                         m_localAnswer->valueOr(std::nullopt), m_fromStart);
        if (m_rewindAfterBreak && m_decision->record && m_decision->positionMs > 0) {
            const qint64 away = m_sync.clock().serverNowMs() - m_decision->record->observedAtMs;
            m_decision->positionMs =
                qMax<qint64>(0, m_decision->positionMs - ResumePoint::rewindFor(away));
        }
        if (m_askBeforeResuming && m_decision->positionMs > 0) {
            // Start from the beginning and let the person take the offer.
            const ResumePoint offer = *m_decision;
            m_decision->positionMs = 0;
            Q_EMIT resumeOffered(offer);
        }
    }
    qCInfo(lcSession).noquote() << "resume" << m_contentId << "at" << m_decision->positionMs
                                << "ms from" << m_decision->sourceName();
    // The choices travel with the newest record even where its place does not (from the start,
    // a place chosen while deciding, "ask first").
    const std::optional<ProgressRecord> newest =
        ResumePoint::choose(m_serverAnswer->record, m_localAnswer->valueOr(std::nullopt), false)
            .record;
    Q_EMIT choicesWanted(newest ? newest->choices : std::nullopt, m_decision->positionMs);
    // A watched video opens at 0 and stays watched, with the finish it had, until this viewing
    // has started: reports before that must not turn it back into "in progress".
    if (newest && newest->isWatched()) {
        m_watched = true;
        m_finishedAtMs = newest->finishedAtMs > 0 ? newest->finishedAtMs : newest->observedAtMs;
        m_backAtStart = true;
    }
    startPlayback();
}

void PlaybackSession::startPlayback()
{
    // setPosition() before the media is seekable is ignored by the backend: wait for it. And for
    // the tracks, so the first frame plays with the chosen audio and speed (switching either
    // flushes the pipeline), unless they take too long.
    if (m_phase != Phase::Deciding || !m_decision || !m_seekable || m_tracksTimer.isActive())
        return;
    setPhase(Phase::Starting);
    m_startTargetMs = m_decision->positionMs;
    m_positionsWhileStarting = 0;
    // A person never looks at a player that waits for nothing: if the player does not get
    // there, the start goes on another way or fails with the reason.
    m_startTimer.start();
    // Also when the person chose the place: a seek made before the media was seekable was ignored
    // by the player, and another one to the same place costs nothing.
    if (m_startTargetMs > 0)
        Q_EMIT seekRequested(m_startTargetMs);
    m_positionMs = m_startTargetMs;
    if (!m_startPaused || m_personActed) {
        Q_EMIT playRequested();
    } else if (m_startTargetMs == 0) {
        // Paused at the start: there is no seek to wait for.
        finishStarting();
    }
}

void PlaybackSession::finishStarting()
{
    m_startTimer.stop();
    setPhase(Phase::Playing);
    Q_EMIT videoVisibleChanged(true);
    // Paused, the frame at the resume point went to the video while it was hidden, and the
    // backend ignores a seek to where it already is: a seek a millisecond on, once the video is
    // on screen, shows it (measured: at once it was still black under Xvfb). At 0 too: the frame
    // prerolled at the start was hidden the same way.
    if (m_playerState != PlayerState::Playing)
        QTimer::singleShot(kRevealRefreshMs, this, &PlaybackSession::refreshPausedFrame);
    Q_EMIT resumed(*m_decision);
    if (m_playerState == PlayerState::Playing)
        m_reportTimer.start();
}

void PlaybackSession::handleStartTimeout()
{
    const QString waited = QString::number(m_startTimer.interval() / 1000);
    if (m_phase != Phase::Starting) {
        handleMediaError(QStringLiteral("the player did not get it ready to play within %1 s:"
                                        " the file may be damaged")
                             .arg(waited));
        return;
    }
    const QString why = QStringLiteral("it did not start playing at %1 within %2 s")
                            .arg(TimeFormat::clock(m_startTargetMs), waited);
    if (!m_fromTheBeginning && m_startTargetMs > 0)
        startFromTheBeginning(why);
    else
        giveUpStarting(why);
}

void PlaybackSession::startFromTheBeginning(const QString &why)
{
    // Measured: GStreamer 1.22's matroskademux, in a Matroska or WebM file without an index (a
    // live stream saved as it came), seeks to a cluster that starts with an audio block and takes
    // it for a keyframe, so the video decoder drops every frame up to the next keyframe: in a 5 s
    // live WebM there is none, the player ends at once and no position ever comes. From 0 it
    // plays. Near resume points are reached from there unseen; farther ones would keep the
    // person waiting for as long, so playback starts at 0 and the notice says so.
    const qint64 wantedMs = m_startTargetMs;
    m_fromTheBeginning = true;
    if (m_startTargetMs > kReachUnseenMs) {
        m_decision->missedMs = m_startTargetMs;
        m_decision->positionMs = 0;
        m_startTargetMs = 0;
    }
    qCWarning(lcSession).noquote()
        << "the seek to" << wantedMs << "ms did not land:" << why << "-"
        << (m_startTargetMs > 0 ? "going there from the start, hidden" : "playing from the start");
    m_positionsWhileStarting = 0;
    m_positionMs = 0;
    m_startTimer.start();
    Q_EMIT seekRequested(0);
    Q_EMIT playRequested();
}

void PlaybackSession::giveUpStarting(const QString &why)
{
    m_startTimer.stop();
    if (m_positionsWhileStarting > 0 && m_playerState == PlayerState::Playing) {
        // It plays, only not where it was meant to: there it is, and the notice says so.
        qCWarning(lcSession).noquote() << "starting at" << m_positionMs << "ms:" << why;
        if (qAbs(m_positionMs - m_decision->positionMs) > kArrivalToleranceMs) {
            m_decision->missedMs = m_decision->positionMs;
            m_decision->positionMs = m_positionMs;
        }
        finishStarting();
        return;
    }
    handleMediaError(tr("%1, and the player showed nothing of it: the file may be damaged, or"
                        " this format cannot be played from there")
                         .arg(why));
}

void PlaybackSession::awaitTracks()
{
    m_tracksTimer.start();
}

void PlaybackSession::tracksApplied()
{
    if (!m_tracksTimer.isActive())
        return;
    m_tracksTimer.stop();
    startPlayback();
}

void PlaybackSession::refreshPausedFrame()
{
    // The backend ignores a seek to where it already is: a millisecond on is the same frame.
    if (m_phase == Phase::Playing && m_playerState != PlayerState::Playing && !m_stopped)
        Q_EMIT seekRequested(m_positionMs + 1);
}

void PlaybackSession::setPlayerState(PlayerState state)
{
    const PlayerState previous = m_playerState;
    m_playerState = state;
    if (m_phase != Phase::Playing || previous == state)
        return;
    if (state == PlayerState::Playing) {
        m_stopped = false;
        m_reportTimer.start();
    } else {
        m_reportTimer.stop();
        const bool reported = std::exchange(m_pauseReported, false);
        if (state == PlayerState::Paused && !m_closing && !reported)
            report(PlaybackState::Paused);
    }
}

void PlaybackSession::setPosition(qint64 positionMs)
{
    if (m_phase == Phase::Starting && m_fromTheBeginning) {
        ++m_positionsWhileStarting;
        m_positionMs = positionMs;
        if (m_playerState == PlayerState::Playing
            && positionMs + kPositionIntervalMs >= m_startTargetMs) {
            if (m_startPaused && !m_personActed)
                Q_EMIT pauseRequested();
            finishStarting();
        }
        return;
    }
    if (m_phase == Phase::Starting) {
        ++m_positionsWhileStarting;
        const bool arrived = qAbs(positionMs - m_startTargetMs) <= kArrivalToleranceMs;
        const bool showing =
            m_playerState == PlayerState::Playing || (m_startPaused && !m_personActed);
        if (showing && (arrived || m_positionsWhileStarting > kMaxPositionsWhileStarting)) {
            m_positionMs = positionMs;
            finishStarting();
        }
        return;
    }
    if (m_phase == Phase::Playing && !m_settleTimer.isActive() && !m_stopped) {
        if (m_playerState == PlayerState::Playing && positionMs != m_positionMs)
            m_changedSinceReport = true;
        m_positionMs = positionMs;
        // Passing the threshold (or starting a rewatch) is news for every device's list: it goes
        // out now, not with the next interval.
        if (m_playerState == PlayerState::Playing && !m_ended && !m_closing
            && followWatchedRule(false))
            report(PlaybackState::Playing);
    }
}

void PlaybackSession::setDuration(qint64 durationMs)
{
    m_durationMs = qMax<qint64>(0, durationMs);
}

void PlaybackSession::setSeekable(bool seekable)
{
    m_seekable = seekable;
    startPlayback();
}

void PlaybackSession::handleEnd()
{
    if (m_phase == Phase::Starting) {
        // Ended before showing the resume point: the seek found nothing to show from there.
        const QString why =
            QStringLiteral("the player ended right after the seek to %1 ms").arg(m_startTargetMs);
        if (!m_fromTheBeginning && m_startTargetMs > 0)
            startFromTheBeginning(why);
        else
            giveUpStarting(why);
        return;
    }
    if (m_phase != Phase::Playing || m_ended)
        return;
    m_ended = true;
    m_reportTimer.stop();
    if (m_durationMs > 0)
        m_positionMs = m_durationMs;
    followWatchedRule(true);
    report(PlaybackState::Ended);
    Q_EMIT ended();
}

void PlaybackSession::handleMediaError(const QString &reason)
{
    // The backend often reports one failure twice (an error, then an invalid status).
    if (m_phase == Phase::Idle)
        return;
    m_reportTimer.stop();
    m_startTimer.stop();
    setPhase(Phase::Idle);
    Q_EMIT failed(reason);
}

void PlaybackSession::requestSeek(qint64 positionMs)
{
    if (m_phase == Phase::Idle || m_phase == Phase::Identifying)
        return;
    positionMs = qMax<qint64>(0, positionMs);
    if (m_durationMs > 0)
        positionMs = qMin(positionMs, m_durationMs);
    if (m_phase != Phase::Playing)
        m_personActed = true;
    m_ended = false;
    m_stopped = false;
    m_positionMs = positionMs;
    m_changedSinceReport = true;
    // The person put the video here after the other device's place arrived: this place is the
    // newer one, even before its report goes out once the seek settles.
    m_newerRemote.reset();
    if (m_phase == Phase::Playing)
        followWatchedRule(false); // reported once the seek settles
    Q_EMIT seekRequested(positionMs);
    // One report once the person stops moving, not one per step of a drag.
    if (m_phase == Phase::Playing)
        m_settleTimer.start();
}

void PlaybackSession::togglePlayPause()
{
    if (m_phase == Phase::Idle || m_phase == Phase::Identifying)
        return;
    if (m_phase == Phase::Deciding) {
        // Playback starts by itself once the resume point is known (within the server wait).
        // Taking the press as "start here" would throw that point away and report 0 over it.
        return;
    }
    if (m_playerState == PlayerState::Playing) {
        Q_EMIT pauseRequested();
        return;
    }
    if (m_newerRemote) {
        // Pressing play here after watching elsewhere: continue from there, as people expect.
        const ProgressRecord remote = *m_newerRemote;
        requestSeek(remote.positionMs);
        Q_EMIT continuedFrom(remote);
    }
    Q_EMIT playRequested();
}

void PlaybackSession::requestStop()
{
    if (m_phase != Phase::Playing)
        return;
    m_reportTimer.stop();
    if (m_changedSinceReport || m_playerState == PlayerState::Playing)
        report(PlaybackState::Stopped);
    // The player goes back to 0 on stop(); where the person stopped is what stands.
    m_stopped = true;
    Q_EMIT stopRequested();
}

void PlaybackSession::startOver()
{
    if (m_phase != Phase::Playing)
        return;
    m_ended = false;
    m_stopped = false;
    m_settleTimer.stop();
    m_newerRemote.reset();
    m_positionMs = 0;
    followWatchedRule(false);
    Q_EMIT seekRequested(0);
    // A newer observation than anything before it, so it wins on every device.
    report(m_playerState == PlayerState::Playing ? PlaybackState::Playing : PlaybackState::Paused);
}

void PlaybackSession::continueFrom(const ProgressRecord &remote)
{
    if (m_phase != Phase::Playing || remote.contentId != m_contentId)
        return;
    requestSeek(remote.positionMs);
    if (m_playerState != PlayerState::Playing)
        Q_EMIT playRequested();
    Q_EMIT continuedFrom(remote);
}

void PlaybackSession::handleRemote(const ProgressRecord &record)
{
    if (record.deviceId == m_sync.deviceId())
        return;
    m_local.save(record, false, 0);
    if (m_phase != Phase::Playing || record.contentId != m_contentId)
        return;
    std::optional<ProgressRecord> ours =
        m_lastReport ? m_lastReport : (m_decision ? m_decision->record : std::nullopt);
    // An update that arrived late says less than the newest one heard already.
    if (m_newerRemote && (!ours || ProgressOrder::supersedes(*m_newerRemote, *ours)))
        ours = m_newerRemote;
    if (!ours || ProgressOrder::supersedes(record, *ours)) {
        m_newerRemote = record;
        // Another device marked it (or finished it, or started it over) after anything done
        // here: while this one only sits there, that newer word on watched stands here too. A
        // device that plays observes for itself; its next report is newer still.
        if (m_playerState != PlayerState::Playing && record.isWatched() != m_watched) {
            m_finishedAtMs = record.finishedAtMs > 0 ? record.finishedAtMs : record.observedAtMs;
            m_backAtStart = !WatchedRule::isStarted(m_positionMs, m_durationMs);
            setWatched(record.isWatched());
        }
    }
    Q_EMIT remoteUpdateArrived(record, m_playerState == PlayerState::Playing);
}

void PlaybackSession::markWatched(bool watched)
{
    if (m_phase != Phase::Playing || m_closing)
        return;
    m_settleTimer.stop();
    m_choicesTimer.stop();
    m_newerRemote.reset();
    if (watched) {
        // A finish of its own, at this observation, whatever this viewing had before.
        m_finishedAtMs = 0;
        m_backAtStart = false;
        setWatched(true);
        report(currentState());
        return;
    }
    m_backAtStart = false;
    setWatched(false);
    m_ended = false;
    m_stopped = false;
    m_positionMs = 0;
    m_reportTimer.stop();
    report(PlaybackState::Stopped);
    Q_EMIT seekRequested(0);
    if (m_playerState == PlayerState::Playing) {
        m_pauseReported = true;
        Q_EMIT pauseRequested();
    }
}

PlaybackState PlaybackSession::currentState() const
{
    if (m_ended)
        return PlaybackState::Ended;
    if (m_stopped)
        return PlaybackState::Stopped;
    return m_playerState == PlayerState::Playing ? PlaybackState::Playing : PlaybackState::Paused;
}

bool PlaybackSession::followWatchedRule(bool atEnd)
{
    const bool before = m_watched;
    if (atEnd || m_watchedRule.passes(m_positionMs, m_durationMs)) {
        // A first finish, or one of a viewing that began again from the start: new either way.
        if (!m_watched || m_backAtStart) {
            m_finishedAtMs = 0;
            m_backAtStart = false;
            setWatched(true);
        }
    } else if (m_watched && !WatchedRule::isStarted(m_positionMs, m_durationMs)) {
        m_backAtStart = true;
    } else if (m_watched && m_backAtStart) {
        // A rewatch in progress is in progress.
        m_backAtStart = false;
        setWatched(false);
    }
    return m_watched != before;
}

void PlaybackSession::setWatched(bool watched)
{
    if (m_watched == watched)
        return;
    m_watched = watched;
    qCInfo(lcSession) << m_contentId << (watched ? "watched" : "not watched");
    Q_EMIT watchedChanged(watched);
}

void PlaybackSession::close()
{
    if (m_closing)
        return;
    m_closing = true;
    m_reportTimer.stop();
    m_startTimer.stop();
    m_settleTimer.stop();
    m_choicesTimer.stop();
    // Only what happened here since the last report is news. A device that sat paused must not
    // stamp its old place as a newer observation over where another device went meanwhile.
    if (m_phase == Phase::Playing
        && (m_changedSinceReport || m_playerState == PlayerState::Playing))
        report(m_ended ? PlaybackState::Ended : PlaybackState::Stopped);
    ++m_generation;
    m_sync.finish(kCloseWaitMs, this, [this](int pending) { Q_EMIT closed(pending); });
}

void PlaybackSession::report(PlaybackState state)
{
    m_changedSinceReport = false;
    if (m_contentId.isEmpty())
        return;
    ProgressRecord record;
    record.contentId = m_contentId;
    record.durationMs = m_durationMs;
    record.positionMs = m_durationMs > 0 ? qBound<qint64>(0, m_positionMs, m_durationMs)
                                         : qMax<qint64>(0, m_positionMs);
    record.state = state;
    record.title = m_title;
    record.showId = m_showId;
    record.episodeId = m_episodeId;
    record.choices = m_choices;
    record.watched = m_watched;
    if (m_watched) {
        // The first report of a finish stamps it; every later one of this viewing repeats it, so
        // the server counts it once.
        if (m_finishedAtMs <= 0)
            m_finishedAtMs = record.observedAtMs = m_sync.stampNow();
        record.finishedAtMs = m_finishedAtMs;
    }
    m_lastReport = m_sync.report(record);
    if (m_newerRemote && !ProgressOrder::supersedes(*m_newerRemote, *m_lastReport))
        m_newerRemote.reset();
    Q_EMIT progressReported(*m_lastReport);
}
