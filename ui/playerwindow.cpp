#include "playerwindow.h"

#include "continuewatchingview.h"
#include "noticebar.h"
#include "playercontrols.h"
#include "timeformat.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QMouseEvent>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QVideoWidget>

PlayerWindow::PlayerWindow(QWidget *parent) : QMainWindow(parent)
{
    setAcceptDrops(true);
    resize(960, 600);

    m_pages = new QStackedWidget(this);
    m_home = new ContinueWatchingView(m_pages);
    m_home->setObjectName(QStringLiteral("continueWatching"));
    m_loadingPage = new QLabel(tr("Opening…"), m_pages);
    m_loadingPage->setObjectName(QStringLiteral("loadingPage"));
    m_loadingPage->setAlignment(Qt::AlignCenter);
    m_loadingPage->setStyleSheet(QStringLiteral("background: black; color: #8899aa;"));
    m_video = new QVideoWidget(m_pages);
    m_video->setObjectName(QStringLiteral("video"));
    m_audioPage = new QLabel(m_pages);
    m_audioPage->setObjectName(QStringLiteral("audioPage"));
    m_audioPage->setAlignment(Qt::AlignCenter);
    m_audioPage->setTextFormat(Qt::RichText);
    m_audioPage->setWordWrap(true);
    m_audioPage->setStyleSheet(m_loadingPage->styleSheet());
    m_pages->addWidget(m_home);
    m_pages->addWidget(m_loadingPage);
    m_pages->addWidget(m_video);
    m_pages->addWidget(m_audioPage);

    m_controls = new PlayerControls(this);
    auto *central = new QWidget(this);
    // The banner sits in the layout, not over the video: the video surface may be a native
    // window that would cover any widget laid over it.
    m_notice = new NoticeBar(central);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_notice);
    layout->addWidget(m_controls);
    setCentralWidget(central);

    connect(m_controls, &PlayerControls::playPauseClicked, this, &PlayerWindow::playPauseRequested);
    connect(m_controls, &PlayerControls::seekRequested, this, &PlayerWindow::seekRequested);
    connect(m_controls, &PlayerControls::seekByRequested, this, &PlayerWindow::seekByRequested);
    connect(m_controls, &PlayerControls::muteToggleRequested, this,
            &PlayerWindow::muteToggleRequested);
    connect(m_controls, &PlayerControls::fullScreenToggleRequested, this,
            &PlayerWindow::toggleFullScreen);

    m_syncStatus = new QLabel(this);
    m_syncStatus->setObjectName(QStringLiteral("syncStatus"));
    statusBar()->addPermanentWidget(m_syncStatus);
    m_syncStatus->installEventFilter(this);

    createActions();
    showHome();
    updateTitle();
}

void PlayerWindow::createActions()
{
    const auto add = [this](QMenu *menu, const QString &text, const QKeySequence &key, auto slot) {
        auto *action = menu->addAction(text);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WindowShortcut);
        addAction(action); // so the shortcut works with the menu bar hidden in full screen
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    add(file, tr("&Open…"), QKeySequence::Open, [this] { chooseFile(); });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setEnabled(false);
    add(file, tr("&Continue Watching"), QKeySequence(Qt::CTRL | Qt::Key_L),
        [this] { Q_EMIT homeRequested(); });
    file->addSeparator();
    add(file, tr("&Settings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma),
        [this] { Q_EMIT settingsRequested(); });
    file->addSeparator();
    // Not QKeySequence::Quit: it is empty on Windows and wherever the platform theme has no
    // X11 key scheme (offscreen), and then the menu shows no key.
    add(file, tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), [this] { close(); });

    QMenu *playback = menuBar()->addMenu(tr("&Playback"));
    add(playback, tr("Play / Pause"), QKeySequence(Qt::Key_Space),
        [this] { Q_EMIT playPauseRequested(); });
    add(playback, tr("Back 10 Seconds"), QKeySequence(Qt::Key_Left),
        [this] { Q_EMIT seekByRequested(-10000); });
    add(playback, tr("Forward 10 Seconds"), QKeySequence(Qt::Key_Right),
        [this] { Q_EMIT seekByRequested(10000); });
    add(playback, tr("Start Over"), QKeySequence(Qt::CTRL | Qt::Key_Home),
        [this] { Q_EMIT startOverRequested(); });
    // Enabled only while a notice offers something, so Return still works everywhere else
    // (opening an entry of Continue Watching, say).
    QAction *accept = add(playback, tr("Accept the Notice"), QKeySequence(Qt::Key_Return),
                          [this] { m_notice->trigger(); });
    accept->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}); // keypad
    accept->setEnabled(false);
    connect(m_notice, &NoticeBar::actionAvailableChanged, accept, &QAction::setEnabled);
    // Kodi's key: W toggles watched.
    m_markWatched = add(playback, tr("Mark as &Watched"), QKeySequence(Qt::Key_W),
                        [this] { Q_EMIT markWatchedRequested(!m_watched); });
    setWatched(std::nullopt);
    playback->addSeparator();
    m_historyMenu = playback->addMenu(tr("&Jump to Where Another Device Was"));
    connect(m_historyMenu, &QMenu::aboutToShow, this, [this] {
        m_historyMenu->clear();
        m_historyMenu->addAction(tr("Asking the server…"))->setEnabled(false);
        Q_EMIT historyRequested();
    });

    playback->addSeparator();
    // VLC's keys for speed.
    m_speedMenu = playback->addMenu(tr("&Speed"));
    add(m_speedMenu, tr("Slower"), QKeySequence(Qt::Key_BracketLeft),
        [this] { Q_EMIT speedStepRequested(-1); });
    add(m_speedMenu, tr("Faster"), QKeySequence(Qt::Key_BracketRight),
        [this] { Q_EMIT speedStepRequested(1); });
    add(m_speedMenu, tr("Normal Speed"), QKeySequence(Qt::Key_Equal),
        [this] { Q_EMIT normalSpeedRequested(); });
    m_speedMenu->addSeparator();

    // Tracks first, then their keys (VLC's: B audio, V subtitles, G/H delay).
    m_audioMenu = menuBar()->addMenu(tr("&Audio"));
    m_audioTracksEnd = m_audioMenu->addSeparator();
    add(m_audioMenu, tr("Next Audio Track"), QKeySequence(Qt::Key_B),
        [this] { Q_EMIT audioCycleRequested(); });
    m_audioMenu->addSeparator();
    QMenu *audio = m_audioMenu;
    add(audio, tr("Volume Up"), QKeySequence(Qt::Key_Up),
        [this] { Q_EMIT volumeStepRequested(5); });
    add(audio, tr("Volume Down"), QKeySequence(Qt::Key_Down),
        [this] { Q_EMIT volumeStepRequested(-5); });
    add(audio, tr("Mute"), QKeySequence(Qt::Key_M), [this] { Q_EMIT muteToggleRequested(); });

    m_subtitlesMenu = menuBar()->addMenu(tr("&Subtitles"));
    m_subtitleTracksEnd = m_subtitlesMenu->addSeparator();
    add(m_subtitlesMenu, tr("Next Subtitles"), QKeySequence(Qt::Key_V),
        [this] { Q_EMIT subtitleCycleRequested(); });
    add(m_subtitlesMenu, tr("Load Subtitle File…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
        [this] { chooseSubtitleFile(); });
    m_subtitlesMenu->addSeparator();
    add(m_subtitlesMenu, tr("Delay −%1 ms (Earlier)").arg(kSubtitleDelayStepMs),
        QKeySequence(Qt::Key_G),
        [this] { Q_EMIT subtitleDelayStepRequested(-kSubtitleDelayStepMs); });
    add(m_subtitlesMenu, tr("Delay +%1 ms (Later)").arg(kSubtitleDelayStepMs),
        QKeySequence(Qt::Key_H),
        [this] { Q_EMIT subtitleDelayStepRequested(kSubtitleDelayStepMs); });
    setAudioTracks({}, -1);
    setSubtitleTracks({}, -1);
    setSpeeds({1.0}, 1.0);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    add(view, tr("Full Screen"), QKeySequence(Qt::Key_F), [this] { toggleFullScreen(); });
    add(view, tr("Leave Full Screen"), QKeySequence(Qt::Key_Escape), [this] {
        if (isFullScreen())
            toggleFullScreen();
    });
}

void PlayerWindow::setWatched(std::optional<bool> watched)
{
    m_watched = watched.value_or(false);
    m_markWatched->setEnabled(watched.has_value());
    m_markWatched->setText(m_watched ? tr("Mark as Un&watched") : tr("Mark as &Watched"));
}

void PlayerWindow::setDeviceName(const QString &name)
{
    m_deviceName = name;
    updateTitle();
}

void PlayerWindow::setMediaTitle(const QString &title)
{
    m_mediaTitle = title;
    m_audioPage->setText(
        QStringLiteral("<p style=\"font-size: 64pt; margin: 0\">\u266A</p><p>%1</p>")
            .arg(title.toHtmlEscaped()));
    updateTitle();
}

void PlayerWindow::updateTitle()
{
    QStringList parts;
    if (!m_mediaTitle.isEmpty())
        parts << m_mediaTitle;
    parts << QStringLiteral("Playmark");
    QString title = parts.join(QStringLiteral(" — "));
    if (!m_deviceName.isEmpty())
        title += QStringLiteral(" (%1)").arg(m_deviceName);
    setWindowTitle(title);
}

void PlayerWindow::showLoading()
{
    m_controls->setMediaLoaded(false);
    m_pages->setCurrentWidget(m_loadingPage);
}

void PlayerWindow::setVideoVisible(bool visible)
{
    m_controls->setMediaLoaded(visible);
    m_pages->setCurrentWidget(visible ? playingPage() : m_loadingPage);
}

void PlayerWindow::setAudioOnly(bool audioOnly)
{
    const bool playing = m_pages->currentWidget() == playingPage();
    m_audioOnly = audioOnly;
    if (playing)
        m_pages->setCurrentWidget(playingPage());
}

QWidget *PlayerWindow::playingPage() const
{
    return m_audioOnly ? static_cast<QWidget *>(m_audioPage) : m_video;
}

void PlayerWindow::showHome(const QString &message)
{
    m_controls->setMediaLoaded(false);
    m_controls->setPosition(0);
    m_pages->setCurrentWidget(m_home);
    m_notice->hide(); // it spoke of the video that is no longer open
    setMediaTitle(QString());
    if (!message.isEmpty())
        statusBar()->showMessage(message, 15000);
}

bool PlayerWindow::isHomeShown() const
{
    return m_pages->currentWidget() == m_home;
}

void PlayerWindow::allowClose()
{
    m_closeAllowed = true;
    close();
}

void PlayerWindow::setSyncStatus(const QString &text, const QString &toolTip, bool clickable)
{
    m_syncStatus->setText(text);
    m_syncStatus->setToolTip(toolTip);
    m_syncStatusClickable = clickable;
    m_syncStatus->setCursor(clickable ? Qt::PointingHandCursor : Qt::ArrowCursor);
    // Underlined as a link when it does something.
    QFont font = m_syncStatus->font();
    font.setUnderline(clickable);
    m_syncStatus->setFont(font);
}

bool PlayerWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_syncStatus && m_syncStatusClickable
        && event->type() == QEvent::MouseButtonRelease
        && static_cast<QMouseEvent *>(event)->button() == Qt::LeftButton) {
        Q_EMIT syncStatusClicked();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

QString PlayerWindow::syncStatusText() const
{
    return m_syncStatus->text();
}

void PlayerWindow::setRecentFiles(const QStringList &paths)
{
    m_recentMenu->clear();
    for (const QString &path : paths) {
        QAction *action = m_recentMenu->addAction(QFileInfo(path).fileName());
        action->setToolTip(path);
        connect(action, &QAction::triggered, this,
                [this, path] { Q_EMIT openFileRequested(path); });
    }
    m_recentMenu->setEnabled(!paths.isEmpty());
}

void PlayerWindow::setHistoryEntries(const QList<QPair<QString, qint64>> &entries)
{
    m_historyMenu->clear();
    bool places = false;
    for (const auto &[label, positionMs] : entries) {
        QAction *action = m_historyMenu->addAction(label);
        // A negative position: a line to read ("Watched twice, last on Monday"), not a place.
        if (positionMs < 0) {
            action->setEnabled(false);
            continue;
        }
        places = true;
        connect(action, &QAction::triggered, this,
                [this, position = positionMs] { Q_EMIT jumpRequested(position); });
    }
    if (!places)
        m_historyMenu->addAction(tr("No other device has played this video"))->setEnabled(false);
}

void PlayerWindow::closeEvent(QCloseEvent *event)
{
    if (m_closeAllowed) {
        event->accept();
        return;
    }
    // Let the owner save the final position first; it calls allowClose() when done.
    event->ignore();
    if (!m_closeAsked) {
        m_closeAsked = true;
        Q_EMIT closeRequested();
    }
}

void PlayerWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().constFirst().isLocalFile())
        event->acceptProposedAction();
}

void PlayerWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.constFirst().isLocalFile()) {
        event->acceptProposedAction();
        Q_EMIT openFileRequested(urls.constFirst().toLocalFile());
    }
}

void PlayerWindow::toggleFullScreen()
{
    if (isFullScreen()) {
        showNormal();
        menuBar()->show();
    } else {
        menuBar()->hide();
        showFullScreen();
    }
}

void PlayerWindow::chooseFile()
{
    auto *dialog = new QFileDialog(
        this, tr("Open a video"), QStandardPaths::writableLocation(QStandardPaths::MoviesLocation),
        tr("Videos (*.mp4 *.mkv *.webm *.mov *.avi *.m4v *.ts);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &PlayerWindow::openFileRequested);
    dialog->open();
}

void PlayerWindow::chooseSubtitleFile()
{
    auto *dialog = new QFileDialog(this, tr("Load a subtitle file"), QString(),
                                   tr("Subtitles (*.srt *.vtt);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &PlayerWindow::subtitleFileChosen);
    dialog->open();
}

void PlayerWindow::setMenuItems(QMenu *menu, QActionGroup *&group, QAction *end,
                                const QStringList &names, int current,
                                const std::function<void(int)> &chosen)
{
    delete group; // and its actions, which it owns
    group = new QActionGroup(this);
    group->setExclusive(true);
    for (int i = 0; i < names.size(); ++i) {
        auto *action = new QAction(names.at(i), group);
        action->setCheckable(true);
        action->setChecked(i == current);
        connect(action, &QAction::triggered, this, [chosen, i] { chosen(i); });
        menu->insertAction(end, action);
    }
}

void PlayerWindow::setAudioTracks(const QStringList &names, int current)
{
    setMenuItems(m_audioMenu, m_audioTracks, m_audioTracksEnd, names, current,
                 [this](int index) { Q_EMIT audioTrackChosen(index); });
    if (names.isEmpty()) {
        auto *none = new QAction(tr("No Audio Tracks"), m_audioTracks);
        none->setEnabled(false);
        m_audioMenu->insertAction(m_audioTracksEnd, none);
    }
}

void PlayerWindow::setSubtitleTracks(const QStringList &names, int current)
{
    setMenuItems(m_subtitlesMenu, m_subtitleTracks, m_subtitleTracksEnd,
                 QStringList{tr("Off")} + names, current + 1,
                 [this](int index) { Q_EMIT subtitleTrackChosen(index - 1); });
}

void PlayerWindow::setSpeeds(const QList<double> &speeds, double current)
{
    QStringList names;
    int checked = -1;
    for (int i = 0; i < speeds.size(); ++i) {
        names << TimeFormat::speed(speeds.at(i));
        if (qFuzzyCompare(speeds.at(i), current))
            checked = i;
    }
    setMenuItems(m_speedMenu, m_speeds, nullptr, names, checked,
                 [this, speeds](int index) { Q_EMIT speedChosen(speeds.at(index)); });
    m_controls->setSpeed(current);
}

void PlayerWindow::showMessage(const QString &text)
{
    statusBar()->showMessage(text, kMessageMs);
}
