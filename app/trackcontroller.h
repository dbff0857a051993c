#pragma once

#include "media/embeddedsubtitles.h"
#include "media/mediastreams.h"
#include "media/sidecarsubtitles.h"
#include "media/subtitletimeline.h"
#include "media/trackselector.h"
#include "protocol/playbackchoices.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <functional>
#include <optional>

// The tracks, subtitles, subtitle delay and speed of the video open, with no widgets and no
// QMediaPlayer: it is told the file, the wanted choices, this profile's defaults and the player's
// position; it reads the file's tracks and subtitle files off the GUI thread, decides what plays
// (selectTracks), asks the player for the audio track and the rate through signals, and gives the
// subtitle text to show at each position (the player's own subtitle track stays off: Qt 6.4 times
// embedded text wrongly after any seek, measured). Tested with QSignalSpy, no window.
class TrackController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrackController)
public:
    // Why the choices are what they are: this device's defaults, the video's record or the
    // folder's last choices, or the person just now.
    enum class Cause { Defaults, Wanted, Person };
    Q_ENUM(Cause)

    // The speeds [ and ] step through (VLC's keys).
    static QList<double> speeds();

    explicit TrackController(QObject *parent = nullptr);

    // A video opens: its tracks (probeMediaStreams) and the subtitle files next to it
    // (findSidecarSubtitles) are read on worker threads. Everything about the previous video is
    // forgotten, and answers about it that arrive late are dropped.
    void open(const QString &path);
    // Nothing open: no subtitles.
    void close();
    void setDefaults(const TrackDefaults &defaults);
    // The choices to open with: the video's own (from its record) win over the folder's last
    // ones; with neither, the defaults. `positionMs`: where playback starts (embedded subtitles
    // are read from there first). Applied as soon as the tracks are known.
    void setWanted(const std::optional<PlaybackChoices> &own,
                   const std::optional<PlaybackChoices> &folder, qint64 positionMs);
    void setPosition(qint64 positionMs);

    // What the person wants. Each says what it did (messageShown).
    void cycleSubtitles(); // Off -> each embedded track -> each file -> Off
    void chooseSubtitles(int index); // into subtitleNames(); -1: Off
    void loadSubtitleFile(const QString &path);
    void cycleAudio();
    void chooseAudio(int index); // into audioNames()
    void shiftSubtitleDelay(qint64 deltaMs);
    void stepSpeed(int steps); // through speeds(), -1 slower, +1 faster
    void setSpeed(double speed);

    // The choices are applied: the tracks are known and the wanted choices were given.
    bool isApplied() const { return m_applied; }
    TrackSelection selection() const { return m_selection; }
    PlaybackChoices choices() const { return m_choices; }
    QString path() const { return m_path; }
    // As the menus list them: "Japanese", "English — Commentary".
    QStringList audioNames() const;
    // Embedded tracks ("English"), then subtitle files ("English — Film.en.srt").
    QStringList subtitleNames() const;
    int currentAudio() const; // into audioNames(); -1 when there is none
    int currentSubtitles() const; // into subtitleNames(); -1: Off
    // The names of what plays, as the --events tracks line prints them: audio nullopt when the
    // file has none, subtitles "" when off.
    std::optional<QString> audioName() const;
    QString subtitleName() const;
    QString subtitleText() const { return m_text; }

Q_SIGNALS:
    void audioTrackRequested(int index); // as QMediaPlayer::audioTracks() counts
    void playbackRateRequested(double rate);
    void subtitleTextChanged(const QString &text);
    // A short message about a change the person made ("Subtitle delay: +300 ms").
    void messageShown(const QString &text);
    // The open file's picture cannot be decoded, in words (MediaStreams::undecodableVideo).
    void videoUndecodable(const QString &reason);
    // The lists of tracks changed (the menus list them anew).
    void tracksChanged();
    // Applied on open (once), then on every change.
    void choicesChanged(const PlaybackChoices &choices, TrackController::Cause cause);

private:
    // A subtitle file: a sidecar found next to the video, or one the person loaded.
    struct SubtitleFile
    {
        SidecarSubtitle file;
        bool loaded = false; // chosen with Load Subtitle File…
    };

    void applyWhenReady();
    void startEmbedded();
    // Plays `selection` (asks for its audio track, rate and subtitles) and tells the choices.
    void play(const TrackSelection &selection, Cause cause);
    void selectSubtitles(int index);
    void loadFile(const QString &path);
    // Parses a subtitle file off the GUI thread into m_fileCues, then runs `done` here; says why
    // when it cannot be used. Dropped when another video opened meanwhile.
    void readFile(const QString &path, std::function<void()> done);
    void updateText();
    QList<SidecarSubtitle> subtitleFiles() const;
    int fileIndexOf(const QString &path) const;

    quint64 m_generation = 0;
    QString m_path;
    TrackDefaults m_defaults;
    std::optional<MediaStreams> m_streams;
    bool m_sidecarsKnown = false;
    QList<SubtitleFile> m_files;
    bool m_wantedKnown = false;
    std::optional<PlaybackChoices> m_wanted;
    Cause m_wantedCause = Cause::Defaults;
    qint64 m_startMs = 0;
    bool m_applied = false;
    TrackSelection m_selection;
    PlaybackChoices m_choices;
    qint64 m_positionMs = 0;
    QString m_text;

    EmbeddedSubtitles m_embedded;
    QElapsedTimer m_embeddedClock; // for the log: how long a file's embedded cues take
    QHash<int, SubtitleTimeline> m_embeddedCues; // by embedded track
    QHash<QString, SubtitleTimeline> m_fileCues; // by file path, once parsed
};
