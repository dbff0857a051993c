#pragma once

#include <QMainWindow>

#include <functional>
#include <optional>

class ContinueWatchingView;
class PlayerControls;
class QActionGroup;
class QLabel;
class QMenu;
class QStackedWidget;
class QVideoWidget;
class NoticeBar;

// The main window: Continue Watching or the video, the transport bar, menus with every action
// and its shortcut, the notice bar and the sync status. Passive: it shows what it is told and emits
// what the person wants; closing asks first (closeRequested) so the final position can be saved,
// then allowClose() lets it go.
class PlayerWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlayerWindow)
public:
    // How long a message about a change stays.
    static constexpr int kMessageMs = 2500;
    // G and H move the subtitles this much (VLC's step).
    static constexpr int kSubtitleDelayStepMs = 100;

    explicit PlayerWindow(QWidget *parent = nullptr);

    QVideoWidget *videoWidget() const { return m_video; }
    PlayerControls *controls() const { return m_controls; }
    NoticeBar *notice() const { return m_notice; }

    void setDeviceName(const QString &name);
    void setMediaTitle(const QString &title);
    // Loading: a dark page until the resume point plays; then the video.
    void showLoading();
    void setVideoVisible(bool visible);
    // A file with sound and no picture (an audiobook, music): instead of a black video, its name
    // under a note, on the page the video would take.
    void setAudioOnly(bool audioOnly);
    // Continue Watching, with an optional message in the status bar (why a file did not open).
    void showHome(const QString &message = QString());
    bool isHomeShown() const;
    ContinueWatchingView *home() const { return m_home; }
    void allowClose();
    // `clickable`: the text offers something ("This device was removed: connect again"), and a
    // click on it emits syncStatusClicked.
    void setSyncStatus(const QString &text, const QString &toolTip, bool clickable = false);
    void setRecentFiles(const QStringList &paths);
    // Where other devices were, newest first, for the "Jump to…" menu: (label, position).
    void setHistoryEntries(const QList<QPair<QString, qint64>> &entries);
    QString syncStatusText() const;

    // The Audio menu's tracks ("Japanese", "English — Commentary"), `current` checked (-1: none).
    void setAudioTracks(const QStringList &names, int current);
    // The Subtitles menu: Off, then these (embedded tracks, then files), `current` checked (-1:
    // Off).
    void setSubtitleTracks(const QStringList &names, int current);
    // The Playback > Speed menu lists `speeds`, `current` checked; the controls show it while
    // it is not 1×.
    void setSpeeds(const QList<double> &speeds, double current);
    // The video open is watched or not (Playback > Mark as Watched / Unwatched, W, says the other
    // one); nullopt: no video is open, and the action is off.
    void setWatched(std::optional<bool> watched);
    // A short message about a change (delay, speed, track), in the status bar for a moment: the
    // video surface is a native window that would cover anything laid over it.
    void showMessage(const QString &text);

Q_SIGNALS:
    void openFileRequested(const QString &path);
    void playPauseRequested();
    void seekRequested(qint64 positionMs);
    void seekByRequested(qint64 deltaMs);
    void startOverRequested();
    void markWatchedRequested(bool watched); // Mark as Watched (true) / Unwatched (false)
    void volumeStepRequested(int deltaPercent);
    void muteToggleRequested();
    void closeRequested();
    void homeRequested();
    void settingsRequested();
    void historyRequested(); // the "Jump to…" menu is about to show: fill it
    void jumpRequested(qint64 positionMs);
    void audioTrackChosen(int index);
    void audioCycleRequested();
    void subtitleTrackChosen(int index); // -1: Off
    void subtitleCycleRequested();
    void subtitleFileChosen(const QString &path);
    void subtitleDelayStepRequested(qint64 deltaMs);
    void speedChosen(double speed);
    void speedStepRequested(int steps); // -1 slower, +1 faster
    void normalSpeedRequested();
    void syncStatusClicked();

protected:
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void toggleFullScreen();
    void chooseFile();
    void updateTitle();
    QWidget *playingPage() const;
    void chooseSubtitleFile();
    // Replaces the items of `group` in `menu`, before `end`, and checks `current`.
    void setMenuItems(QMenu *menu, QActionGroup *&group, QAction *end, const QStringList &names,
                      int current, const std::function<void(int)> &chosen);

    QStackedWidget *m_pages = nullptr;
    ContinueWatchingView *m_home = nullptr;
    QLabel *m_loadingPage = nullptr;
    QLabel *m_audioPage = nullptr;
    bool m_audioOnly = false;
    QLabel *m_syncStatus = nullptr;
    bool m_syncStatusClickable = false;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_historyMenu = nullptr;
    QMenu *m_audioMenu = nullptr;
    QAction *m_audioTracksEnd = nullptr;
    QActionGroup *m_audioTracks = nullptr;
    QMenu *m_subtitlesMenu = nullptr;
    QAction *m_subtitleTracksEnd = nullptr;
    QActionGroup *m_subtitleTracks = nullptr;
    QMenu *m_speedMenu = nullptr;
    QAction *m_markWatched = nullptr;
    bool m_watched = false;
    QActionGroup *m_speeds = nullptr;
    QVideoWidget *m_video = nullptr;
    PlayerControls *m_controls = nullptr;
    NoticeBar *m_notice = nullptr;
    QString m_deviceName;
    QString m_mediaTitle;
    bool m_closeAllowed = false;
    bool m_closeAsked = false;
};
