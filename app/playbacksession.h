#pragma once

#include "client/storeresult.h"
#include "client/syncclient.h"
#include "protocol/progressrecord.h"
#include "resumepoint.h"
#include "watchedrule.h"

#include <QObject>
#include <QTimer>

#include <optional>

class LocalCopy;

// The playback logic of one window, with no widgets and no QMediaPlayer: it is told what the
// player does (state, position, duration, seekable, end) and what the person wants (seek, play,
// pause, start over, close), and asks for actions through signals. It decides where to resume
// and when to report. Tested with QSignalSpy, no window.
class PlaybackSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaybackSession)
public:
    enum class PlayerState { Stopped, Playing, Paused };
    Q_ENUM(PlayerState)

    enum class Phase {
        Idle, // nothing open
        Identifying, // reading the file's fingerprint; the player has not been given it yet
        Deciding, // asking the server and the local copy
        Starting, // seeking to the resume point, waiting for its first frame
        Playing, // resumed: reports flow
    };
    Q_ENUM(Phase)

    static constexpr int kDefaultReportIntervalMs = 5000;
    static constexpr int kDefaultServerWaitMs = 1500;
    static constexpr int kDefaultSeekSettleMs = 400;
    static constexpr int kCloseWaitMs = 1000;
    // A change of tracks, delay or speed is reported once the keys stop (H pressed three times
    // is one report), like a seek.
    static constexpr int kChoicesSettleMs = 400;
    // How long the start waits for the tracks (measured: the probe takes 0.4-0.5 s on the tracks
    // sample on a loaded machine) before playing without them.
    static constexpr int kDefaultTracksWaitMs = 3000;
    // How long the player may take to get a file ready, and then to show the resume point (a
    // start takes about 0.3 s idle, 2 s on a loaded machine), before the start goes another way
    // or fails with the reason: a file the backend never gets ready, or a seek it never finishes
    // (measured: a RealMedia file made by ffmpeg resumed at 4 s stalls GStreamer's rmdemux for
    // good), would otherwise wait forever, and so would --quit-after, which counts from the start.
    static constexpr int kDefaultStartWaitMs = 10000;
    // The farthest resume point the start plays to from the beginning, unseen, when the seek
    // there did not land: as long as a person waits for it.
    static constexpr qint64 kReachUnseenMs = 3000;

    PlaybackSession(SyncClient &sync, LocalCopy &local, QObject *parent = nullptr);

    void setReportIntervalMs(int ms) { m_reportTimer.setInterval(ms); }
    void setServerWaitMs(int ms) { m_serverWaitMs = ms; }
    void setTracksWaitMs(int ms) { m_tracksTimer.setInterval(ms); }
    void setStartWaitMs(int ms) { m_startTimer.setInterval(ms); }
    void setSeekSettleMs(int ms) { m_settleTimer.setInterval(ms); }
    void setFromStart(bool fromStart) { m_fromStart = fromStart; }
    // Stop at the resume point instead of playing; play then first goes to a newer place another
    // device reported meanwhile.
    void setStartPaused(bool paused) { m_startPaused = paused; }
    // Start at 0 and offer the resume point instead (resumeOffered) of going there.
    void setAskBeforeResuming(bool ask) { m_askBeforeResuming = ask; }
    // Start a little before the saved second after a long break (ResumePoint::rewindFor).
    void setRewindAfterBreak(bool rewind) { m_rewindAfterBreak = rewind; }
    // Past this share of the video it counts as watched (WatchedRule, 50 .. 100).
    void setWatchedPercent(int percent) { m_watchedRule.setPercent(percent); }

    Phase phase() const { return m_phase; }
    QString path() const { return m_path; }
    QString contentId() const { return m_contentId; }
    QString title() const { return m_title; } // as reported: the file's name without extension
    // The show and episode the file's name says (EpisodeName), as reported; empty for a film.
    QString showId() const { return m_showId; }
    QString episodeId() const { return m_episodeId; }
    qint64 positionMs() const { return m_positionMs; }
    qint64 durationMs() const { return m_durationMs; }
    std::optional<ResumePoint> resumePoint() const { return m_decision; }
    std::optional<ProgressRecord> lastReport() const { return m_lastReport; }
    std::optional<PlaybackChoices> choices() const { return m_choices; }
    // Whether this viewing counts the video as watched (every report says it), and since when.
    bool isWatched() const { return m_watched; }
    qint64 finishedAtMs() const { return m_finishedAtMs; }

    // What the player tells.
    void setPlayerState(PlayerState state);
    void setPosition(qint64 positionMs);
    void setDuration(qint64 durationMs);
    void setSeekable(bool seekable);
    void handleEnd();
    void handleMediaError(const QString &reason);
    // The tracks, delay and speed playing now; every report carries them. `byPerson`: chosen
    // here just now, which is news to report (a change of choices is an observation, like a
    // seek); otherwise (applied on open) they go with the next report.
    void setChoices(const PlaybackChoices &choices, bool byPerson);
    // Paused, the video shows a new subtitle only with a new frame (measured: Qt 6.4's video
    // widget draws the text when a frame arrives): asks for the same frame again. Also how the
    // paused frame is shown once the start reveals the video; never after Stop.
    void refreshPausedFrame();
    // After loadRequested: the start (the seek to the resume point, play) waits until
    // tracksApplied(), at most the tracks wait.
    void awaitTracks();
    void tracksApplied();

    // What the person wants.
    void open(const QString &path);
    void requestSeek(qint64 positionMs);
    void requestSeekBy(qint64 deltaMs) { requestSeek(m_positionMs + deltaMs); }
    void togglePlayPause();
    void requestStop();
    void startOver();
    // "Continue from there": go to where another device is, and play.
    void continueFrom(const ProgressRecord &remote);
    // A live update from the event stream. Kept in the local copy; when it is another device's
    // update of the video on screen, remoteUpdateArrived() tells the window (never a jump).
    void handleRemote(const ProgressRecord &record);
    // Mark as Watched / Unwatched (the Playback menu) for the video open: a report now. Watched
    // keeps the place and is a finish of its own; unwatched goes back to 0, paused, and reports
    // `stopped` there. Either is an observation like any other: the newer wins on every device.
    void markWatched(bool watched);
    // Reports the final position and gives the server at most about a second; then closed().
    void close();

Q_SIGNALS:
    // Set the source and preroll, paused: once the file is known to be readable and not empty.
    void loadRequested(const QString &path);
    void playRequested();
    void pauseRequested();
    void stopRequested();
    void seekRequested(qint64 positionMs);
    void videoVisibleChanged(bool visible); // hides the preroll frame before the resume point
    void contentIdentified(const QString &contentId);
    // Where the choices to open with come from: the newer of the server's and the local record
    // (nullopt when it has none), given as soon as the resume point is decided, before the seek
    // to it, so the first frame already plays with them.
    void choicesWanted(const std::optional<PlaybackChoices> &choices, qint64 positionMs);
    void resumed(const ResumePoint &point);
    // A seek asked for here has settled (no other for the settle time): the person's place.
    void seekSettled(qint64 positionMs);
    void resumeOffered(const ResumePoint &point); // in "ask first" mode, instead of going there
    void progressReported(const ProgressRecord &record);
    void ended(); // the video played to its end (reported as `ended`)
    // The video open became watched or unwatched: past the threshold or the end, marked here, a
    // rewatch started, or another device's newer mark while this one was not playing.
    void watchedChanged(bool watched);
    void remoteUpdateArrived(const ProgressRecord &record, bool playingHere);
    // This device went to another device's place ("Continue from there", or play pressed while
    // that place was the newest).
    void continuedFrom(const ProgressRecord &remote);
    void closed(int pendingUpdates);
    void failed(const QString &reason);

private:
    void decideWhenReady();
    void startPlayback();
    void finishStarting();
    void handleStartTimeout();
    void startFromTheBeginning(const QString &why);
    void giveUpStarting(const QString &why);
    void report(PlaybackState state);
    PlaybackState currentState() const;
    // Applies the thresholds to the place now (`atEnd`: the player reached the end); true when
    // the watched state changed.
    bool followWatchedRule(bool atEnd);
    void setWatched(bool watched);
    void setPhase(Phase phase) { m_phase = phase; }

    SyncClient &m_sync;
    LocalCopy &m_local;
    int m_serverWaitMs = kDefaultServerWaitMs;
    bool m_fromStart = false;
    bool m_startPaused = false;
    bool m_askBeforeResuming = false;
    bool m_rewindAfterBreak = false;

    Phase m_phase = Phase::Idle;
    quint64 m_generation = 0; // answers for an earlier open() are ignored
    QString m_path;
    QString m_contentId;
    QString m_title;
    QString m_showId;
    QString m_episodeId;

    std::optional<FetchResult> m_serverAnswer;
    using LocalAnswer = StoreResult<std::optional<ProgressRecord>>;
    std::optional<LocalAnswer> m_localAnswer;
    std::optional<ResumePoint> m_decision;
    bool m_personActed = false; // a seek or play/pause while the answers were coming
    qint64 m_startTargetMs = 0;
    int m_positionsWhileStarting = 0;
    // The seek to the resume point did not land: the player goes there from 0 instead.
    bool m_fromTheBeginning = false;

    PlayerState m_playerState = PlayerState::Stopped;
    bool m_seekable = false;
    bool m_ended = false;
    bool m_stopped = false; // by the person: the player's return to 0 is not a place they chose
    bool m_closing = false;
    qint64 m_positionMs = 0;
    qint64 m_durationMs = 0;
    std::optional<ProgressRecord> m_lastReport;
    // Another device's place, newer than anything done here: play goes there. Any place the
    // person chooses here afterwards (seek, start over, a history jump) drops it.
    std::optional<ProgressRecord> m_newerRemote;
    bool m_changedSinceReport = false; // played or moved here since the last report
    std::optional<PlaybackChoices> m_choices;

    WatchedRule m_watchedRule;
    bool m_watched = false;
    // With m_watched: when this viewing became watched (0: the next report's observation).
    qint64 m_finishedAtMs = 0;
    // Since it became watched the place was back where a viewing has not started (< 5 % or
    // < 60 s; a watched video opens at 0): going on from there is a rewatch, not the old finish.
    bool m_backAtStart = false;
    // A pause asked for here whose place was already reported (Mark as Unwatched).
    bool m_pauseReported = false;

    QTimer m_reportTimer;
    QTimer m_settleTimer;
    QTimer m_choicesTimer;
    QTimer m_tracksTimer; // running: the start waits for the tracks
    QTimer m_startTimer; // running: the start waits for the player (to load, then to be there)
};
