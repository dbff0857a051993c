// The main window (PlayerWindow), driven with the keyboard and mouse as a person would: every
// shortcut asks for its action, every menu entry shows its shortcut, F/Esc switch full screen,
// closing asks first, a dropped file asks to be opened, and the title and status bar show state.
#include "continuewatchingview.h"
#include "noticebar.h"
#include "playercontrols.h"
#include "playerwindow.h"

#include <QAction>
#include <QFileDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QVideoWidget>

#include <map>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Every request the window can make, so a test can check that a key asked for one thing only.
const QList<QByteArray> kIntents = {
    SIGNAL(openFileRequested(QString)),
    SIGNAL(playPauseRequested()),
    SIGNAL(seekRequested(qint64)),
    SIGNAL(seekByRequested(qint64)),
    SIGNAL(startOverRequested()),
    SIGNAL(volumeStepRequested(int)),
    SIGNAL(muteToggleRequested()),
    SIGNAL(closeRequested()),
    SIGNAL(homeRequested()),
    SIGNAL(audioCycleRequested()),
    SIGNAL(subtitleCycleRequested()),
    SIGNAL(subtitleDelayStepRequested(qint64)),
    SIGNAL(speedStepRequested(int)),
    SIGNAL(normalSpeedRequested()),
    SIGNAL(audioTrackChosen(int)),
    SIGNAL(subtitleTrackChosen(int)),
    SIGNAL(speedChosen(double)),
};

struct IntentSpies
{
    explicit IntentSpies(PlayerWindow *window)
    {
        for (const QByteArray &signal : kIntents)
            spies[signal] = std::make_unique<QSignalSpy>(window, signal.constData());
    }
    // The signals that fired, with how often.
    QString fired() const
    {
        QStringList names;
        for (const auto &[signal, spy] : spies) {
            if (spy->count() > 0)
                names << QStringLiteral("%1 x%2")
                             .arg(QString::fromLatin1(signal.mid(1)))
                             .arg(spy->count());
        }
        return names.join(u", "_s);
    }
    std::map<QByteArray, std::unique_ptr<QSignalSpy>> spies;
};

bool showActive(PlayerWindow &window)
{
    window.show();
    window.activateWindow();
    return QTest::qWaitForWindowActive(&window);
}

ContinueWatchingView::Entry entry(const QString &id, const QString &title)
{
    ContinueWatchingView::Entry e;
    e.contentId = id;
    e.title = title;
    e.deviceName = u"TV"_s;
    e.positionMs = 42000;
    e.durationMs = 1800000;
    e.observedAtMs = 1700000000000 - 180000;
    return e;
}

} // namespace

class tst_PlayerWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shortcutsAskForTheirAction_data();
    void shortcutsAskForTheirAction();
    void shortcutsWorkInFullScreen();
    void markWatchedTogglesWithW();
    void everyMenuActionShowsItsShortcut();
    void fullScreenWithFAndEsc();
    void fullScreenButton();
    void closeAsksFirst();
    void quitShortcutAsksFirst();
    void dropLocalFileAsksToOpen();
    void dropRemoteUrlIsRefused();
    void openShortcutOpensAFileDialog();
    void titleShowsMediaAndDevice();
    void syncStatusInStatusBar();
    void syncStatusOffersWhatItSays();
    void pages();
    void audioOnlyShowsTheNameNotABlackVideo();
    void transportBarAsksThroughTheWindow();
    void keysOnContinueWatchingMoveTheList();
    void entriesArrivingAfterShowTakeTheKeyboard();
    void historyMenuJumpsToAnotherDevice();
    void recentFilesReopen();
    void trackMenusListAndChoose();
    void speedMenuAndLabel();
    void keysWorkWhileTheVideoHasFocus();
    void loadSubtitleFileOffersSubtitleFiles();
};

namespace {
// The submenu of the menu bar whose title (without its '&') is `title`.
QMenu *findMenu(QMainWindow &window, const QString &title)
{
    const QList<QMenu *> menus = window.menuBar()->findChildren<QMenu *>();
    for (QMenu *menu : menus) {
        if (menu->title().remove(u'&') == title)
            return menu;
    }
    return nullptr;
}
} // namespace

void tst_PlayerWindow::shortcutsAskForTheirAction_data()
{
    QTest::addColumn<QKeySequence>("key");
    QTest::addColumn<QByteArray>("signal");
    QTest::addColumn<QVariantList>("arguments");

    QTest::newRow("Space") << QKeySequence(Qt::Key_Space)
                           << QByteArray(SIGNAL(playPauseRequested())) << QVariantList();
    QTest::newRow("Left") << QKeySequence(Qt::Key_Left)
                          << QByteArray(SIGNAL(seekByRequested(qint64)))
                          << QVariantList{qint64(-10000)};
    QTest::newRow("Right") << QKeySequence(Qt::Key_Right)
                           << QByteArray(SIGNAL(seekByRequested(qint64)))
                           << QVariantList{qint64(10000)};
    QTest::newRow("Up") << QKeySequence(Qt::Key_Up) << QByteArray(SIGNAL(volumeStepRequested(int)))
                        << QVariantList{5};
    QTest::newRow("Down") << QKeySequence(Qt::Key_Down)
                          << QByteArray(SIGNAL(volumeStepRequested(int))) << QVariantList{-5};
    QTest::newRow("M") << QKeySequence(Qt::Key_M) << QByteArray(SIGNAL(muteToggleRequested()))
                       << QVariantList();
    QTest::newRow("Ctrl+Home") << QKeySequence(Qt::CTRL | Qt::Key_Home)
                               << QByteArray(SIGNAL(startOverRequested())) << QVariantList();
    QTest::newRow("Ctrl+L") << QKeySequence(Qt::CTRL | Qt::Key_L)
                            << QByteArray(SIGNAL(homeRequested())) << QVariantList();
    // VLC's keys for tracks, delay and speed.
    QTest::newRow("V") << QKeySequence(Qt::Key_V) << QByteArray(SIGNAL(subtitleCycleRequested()))
                       << QVariantList();
    QTest::newRow("B") << QKeySequence(Qt::Key_B) << QByteArray(SIGNAL(audioCycleRequested()))
                       << QVariantList();
    QTest::newRow("G") << QKeySequence(Qt::Key_G)
                       << QByteArray(SIGNAL(subtitleDelayStepRequested(qint64)))
                       << QVariantList{qint64(-100)};
    QTest::newRow("H") << QKeySequence(Qt::Key_H)
                       << QByteArray(SIGNAL(subtitleDelayStepRequested(qint64)))
                       << QVariantList{qint64(100)};
    QTest::newRow("[") << QKeySequence(Qt::Key_BracketLeft)
                       << QByteArray(SIGNAL(speedStepRequested(int))) << QVariantList{-1};
    QTest::newRow("]") << QKeySequence(Qt::Key_BracketRight)
                       << QByteArray(SIGNAL(speedStepRequested(int))) << QVariantList{1};
    QTest::newRow("=") << QKeySequence(Qt::Key_Equal) << QByteArray(SIGNAL(normalSpeedRequested()))
                       << QVariantList();
}

void tst_PlayerWindow::shortcutsAskForTheirAction()
{
    QFETCH(QKeySequence, key);
    QFETCH(QByteArray, signal);
    QFETCH(QVariantList, arguments);

    PlayerWindow window;
    window.setVideoVisible(true); // a video is playing
    QVERIFY(showActive(window));
    IntentSpies spies(&window);

    const QKeyCombination combination = key[0];
    QTest::keyClick(&window, combination.key(), combination.keyboardModifiers());
    QSignalSpy &spy = *spies.spies.at(signal);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.constFirst(), arguments);
    QCOMPARE(spies.fired(), QString::fromLatin1(signal.mid(1)) + u" x1"_s);

    // Held down, a key repeats its action.
    QTest::keyClick(&window, combination.key(), combination.keyboardModifiers());
    QCOMPARE(spy.count(), 2);
}

// Kodi's W: marks the video open watched, or unwatched when it is; nothing with none open.
void tst_PlayerWindow::markWatchedTogglesWithW()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QSignalSpy marked(&window, &PlayerWindow::markWatchedRequested);
    QAction *action = nullptr;
    for (QAction *candidate : findMenu(window, u"Playback"_s)->actions()) {
        if (candidate->shortcut() == QKeySequence(Qt::Key_W))
            action = candidate;
    }
    QVERIFY(action);
    QVERIFY(!action->isEnabled());
    QTest::keyClick(&window, Qt::Key_W);
    QCOMPARE(marked.count(), 0);

    window.setWatched(false);
    QVERIFY(action->isEnabled());
    QCOMPARE(action->text().remove(u'&'), u"Mark as Watched"_s);
    QTest::keyClick(&window, Qt::Key_W);
    QCOMPARE(marked.count(), 1);
    QCOMPARE(marked.last().first().toBool(), true);

    window.setWatched(true);
    QCOMPARE(action->text().remove(u'&'), u"Mark as Unwatched"_s);
    QTest::keyClick(&window, Qt::Key_W);
    QCOMPARE(marked.count(), 2);
    QCOMPARE(marked.last().first().toBool(), false);

    window.setWatched(std::nullopt);
    QTest::keyClick(&window, Qt::Key_W);
    QCOMPARE(marked.count(), 2);
}

void tst_PlayerWindow::shortcutsWorkInFullScreen()
{
    PlayerWindow window;
    window.setVideoVisible(true);
    QVERIFY(showActive(window));
    QTest::keyClick(&window, Qt::Key_F);
    QVERIFY(window.isFullScreen());
    // The menu bar is hidden, its shortcuts are not.
    QVERIFY(!window.menuBar()->isVisible());

    IntentSpies spies(&window);
    QTest::keyClick(&window, Qt::Key_Space);
    QTest::keyClick(&window, Qt::Key_Right);
    QTest::keyClick(&window, Qt::Key_Up);
    QCOMPARE(spies.fired(),
             u"playPauseRequested() x1, seekByRequested(qint64) x1, volumeStepRequested(int) x1"_s);
}

void tst_PlayerWindow::everyMenuActionShowsItsShortcut()
{
    PlayerWindow window;
    QHash<QKeySequence, QString> owners;
    int checked = 0;
    QList<QAction *> menus = window.menuBar()->actions();
    QVERIFY(!menus.isEmpty());
    // Playback > Speed holds commands ([, ], =) as well as the list of speeds.
    for (QAction *action : findMenu(window, u"Playback"_s)->actions()) {
        if (action->menu() && action->text().remove(u'&') == u"Speed"_s)
            menus << action;
    }
    for (const QAction *menuAction : std::as_const(menus)) {
        const QMenu *menu = menuAction->menu();
        QVERIFY2(menu, qPrintable(menuAction->text()));
        const QList<QAction *> actions = menu->actions();
        for (const QAction *action : actions) {
            // Submenus (recent files, places to jump to) and the lists of tracks and speeds list
            // items, not commands.
            if (action->isSeparator() || action->text().isEmpty() || action->menu()
                || action->actionGroup())
                continue;
            const QString name = menuAction->text() + u" > "_s + action->text();
            QVERIFY2(!action->shortcut().isEmpty(), qPrintable(name + u" has no shortcut"_s));
            // The menu shows it, and it works where the menu is hidden (full screen).
            QVERIFY2(window.actions().contains(const_cast<QAction *>(action)), qPrintable(name));
            // Two actions on one key would make the key do nothing.
            const QList<QKeySequence> keys = action->shortcuts();
            for (const QKeySequence &key : keys) {
                QVERIFY2(!owners.contains(key),
                         qPrintable(name + u" shares its key with "_s + owners.value(key)));
                owners.insert(key, name);
            }
            ++checked;
        }
    }
    QVERIFY(checked >= 12);
    for (const QKeySequence &key : {QKeySequence(Qt::Key_Space),
                                    QKeySequence(Qt::Key_Left),
                                    QKeySequence(Qt::Key_Right),
                                    QKeySequence(Qt::Key_Up),
                                    QKeySequence(Qt::Key_Down),
                                    QKeySequence(Qt::Key_M),
                                    QKeySequence(Qt::Key_F),
                                    QKeySequence(Qt::Key_Escape),
                                    QKeySequence(QKeySequence::Open),
                                    QKeySequence(Qt::CTRL | Qt::Key_L),
                                    QKeySequence(Qt::CTRL | Qt::Key_Home),
                                    QKeySequence(Qt::CTRL | Qt::Key_Q),
                                    QKeySequence(Qt::Key_Return),
                                    QKeySequence(Qt::Key_Enter),
                                    QKeySequence(Qt::Key_V),
                                    QKeySequence(Qt::Key_W),
                                    QKeySequence(Qt::Key_B),
                                    QKeySequence(Qt::Key_G),
                                    QKeySequence(Qt::Key_H),
                                    QKeySequence(Qt::Key_BracketLeft),
                                    QKeySequence(Qt::Key_BracketRight),
                                    QKeySequence(Qt::Key_Equal)})
        QVERIFY2(owners.contains(key), qPrintable(key.toString() + u" is in no menu"_s));
}

void tst_PlayerWindow::fullScreenWithFAndEsc()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QVERIFY(!window.isFullScreen());
    QVERIFY(window.menuBar()->isVisible());

    QTest::keyClick(&window, Qt::Key_F);
    QVERIFY(window.isFullScreen());
    QVERIFY(window.windowState() & Qt::WindowFullScreen);
    QVERIFY(!window.menuBar()->isVisible());

    QTest::keyClick(&window, Qt::Key_Escape);
    QVERIFY(!window.isFullScreen());
    QVERIFY(!(window.windowState() & Qt::WindowFullScreen));
    QVERIFY(window.menuBar()->isVisible());

    // Esc outside full screen leaves the window as it is.
    QTest::keyClick(&window, Qt::Key_Escape);
    QVERIFY(!window.isFullScreen());
    QVERIFY(window.isVisible());

    // F toggles.
    QTest::keyClick(&window, Qt::Key_F);
    QVERIFY(window.isFullScreen());
    QTest::keyClick(&window, Qt::Key_F);
    QVERIFY(!window.isFullScreen());
    QVERIFY(window.menuBar()->isVisible());
}

void tst_PlayerWindow::fullScreenButton()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QToolButton *button = nullptr;
    const QList<QToolButton *> buttons = window.controls()->findChildren<QToolButton *>();
    for (QToolButton *b : buttons) {
        if (b->toolTip().startsWith(u"Full screen"_s))
            button = b;
    }
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(window.isFullScreen());
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(!window.isFullScreen());
}

void tst_PlayerWindow::closeAsksFirst()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QSignalSpy asked(&window, &PlayerWindow::closeRequested);

    QVERIFY(!window.close());
    QCOMPARE(asked.count(), 1);
    QVERIFY(window.isVisible());

    // Closing again while the owner saves does not ask twice.
    QVERIFY(!window.close());
    QCOMPARE(asked.count(), 1);
    QVERIFY(window.isVisible());

    window.allowClose();
    QVERIFY(!window.isVisible());
    QCOMPARE(asked.count(), 1);
}

void tst_PlayerWindow::quitShortcutAsksFirst()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QSignalSpy asked(&window, &PlayerWindow::closeRequested);
    QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
    QCOMPARE(asked.count(), 1);
    QVERIFY(window.isVisible());
}

void tst_PlayerWindow::dropLocalFileAsksToOpen()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"Episode 1.mp4"_s);
    QSignalSpy opens(&window, &PlayerWindow::openFileRequested);

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at = window.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QCOMPARE(opens.count(), 0);

    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&window, &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), path);
}

void tst_PlayerWindow::dropRemoteUrlIsRefused()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QSignalSpy opens(&window, &PlayerWindow::openFileRequested);

    QMimeData mime;
    mime.setUrls({QUrl(u"https://example.org/video.mp4"_s)});
    const QPoint at = window.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    enter.ignore();
    QCoreApplication::sendEvent(&window, &enter);
    QVERIFY(!enter.isAccepted());

    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    drop.ignore();
    QCoreApplication::sendEvent(&window, &drop);
    QCOMPARE(opens.count(), 0);

    // Text without URLs neither.
    QMimeData text;
    text.setText(u"/tmp/video.mp4"_s);
    QDragEnterEvent textEnter(at, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    textEnter.ignore();
    QCoreApplication::sendEvent(&window, &textEnter);
    QVERIFY(!textEnter.isAccepted());
}

void tst_PlayerWindow::openShortcutOpensAFileDialog()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"Episode 2.mkv"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QSignalSpy opens(&window, &PlayerWindow::openFileRequested);

    const QKeyCombination open = QKeySequence(QKeySequence::Open)[0];
    QTest::keyClick(&window, open.key(), open.keyboardModifiers());
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<QFileDialog *>()) && dialog->isVisible());
    // Asking for a file is not opening one.
    QCOMPARE(opens.count(), 0);

    dialog->setDirectory(dir.path());
    dialog->selectFile(path);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept, which is protected
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), path);
}

void tst_PlayerWindow::titleShowsMediaAndDevice()
{
    PlayerWindow window;
    QVERIFY(window.windowTitle().contains(u"Playmark"_s));

    window.setDeviceName(u"TV"_s);
    QVERIFY(window.windowTitle().contains(u"TV"_s));

    window.setMediaTitle(u"Episode 1.mp4"_s);
    const QString title = window.windowTitle();
    QVERIFY2(title.contains(u"Episode 1.mp4"_s), qPrintable(title));
    QVERIFY2(title.contains(u"TV"_s), qPrintable(title));
    QVERIFY2(title.contains(u"Playmark"_s), qPrintable(title));
    // The media comes first: it is what a task bar shows when the title is cut.
    QVERIFY(title.startsWith(u"Episode 1.mp4"_s));

    // Back home, the title no longer names the video.
    window.showHome();
    QVERIFY(!window.windowTitle().contains(u"Episode 1.mp4"_s));
    QVERIFY(window.windowTitle().contains(u"TV"_s));
}

void tst_PlayerWindow::syncStatusInStatusBar()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    window.setSyncStatus(u"Synced · 2 waiting"_s, u"Server: http://127.0.0.1:8787"_s);
    QCOMPARE(window.syncStatusText(), u"Synced · 2 waiting"_s);

    const auto *label = window.statusBar()->findChild<QLabel *>(u"syncStatus"_s);
    QVERIFY(label);
    QVERIFY(label->isVisible());
    QCOMPARE(label->text(), u"Synced · 2 waiting"_s);
    QCOMPARE(label->toolTip(), u"Server: http://127.0.0.1:8787"_s);

    // A message about a file that did not open shows beside it.
    window.showHome(u"Cannot play broken.mp4: not a video"_s);
    QCOMPARE(window.statusBar()->currentMessage(), u"Cannot play broken.mp4: not a video"_s);
    QCOMPARE(label->text(), u"Synced · 2 waiting"_s);
}

// "This device was removed: connect again": a click on it asks for what it offers; an ordinary
// status does nothing on a click.
void tst_PlayerWindow::syncStatusOffersWhatItSays()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QSignalSpy clicked(&window, &PlayerWindow::syncStatusClicked);
    auto *label = window.statusBar()->findChild<QLabel *>(u"syncStatus"_s);
    QVERIFY(label);
    window.setSyncStatus(u"Online"_s, u"Server: http://127.0.0.1:8787"_s);
    QTest::mouseClick(label, Qt::LeftButton);
    QCOMPARE(clicked.size(), 0);
    QVERIFY(!label->font().underline());

    window.setSyncStatus(u"This device was removed: connect again"_s, u"…"_s, true);
    QVERIFY(label->font().underline());
    QCOMPARE(label->cursor().shape(), Qt::PointingHandCursor);
    QTest::mouseClick(label, Qt::LeftButton);
    QCOMPARE(clicked.size(), 1);

    window.setSyncStatus(u"Online"_s, u"…"_s);
    QTest::mouseClick(label, Qt::LeftButton);
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(label->cursor().shape(), Qt::ArrowCursor);
}

void tst_PlayerWindow::pages()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QVERIFY(window.isHomeShown());
    QVERIFY(window.home()->isVisible());
    QVERIFY(!window.controls()->seekSlider()->isEnabled());

    window.showLoading();
    QVERIFY(!window.isHomeShown());
    QVERIFY(!window.controls()->seekSlider()->isEnabled());

    window.setVideoVisible(true);
    QVERIFY(!window.isHomeShown());
    QVERIFY(window.videoWidget()->isVisible());
    QVERIFY(window.controls()->seekSlider()->isEnabled());

    window.showHome();
    QVERIFY(window.isHomeShown());
    QVERIFY(!window.controls()->seekSlider()->isEnabled());
}

// An audiobook or music: no black video, its name under a note where the video would be, with
// the controls as for a video. A video opened afterwards shows its picture again.
void tst_PlayerWindow::audioOnlyShowsTheNameNotABlackVideo()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    const auto *audioPage = window.findChild<QLabel *>(u"audioPage"_s);
    QVERIFY(audioPage);

    window.setMediaTitle(u"Chapter 1 <Prologue>.mp3"_s);
    window.showLoading();
    window.setAudioOnly(true); // told while loading: the loading page stays until it plays
    QVERIFY(!audioPage->isVisible());
    window.setVideoVisible(true);
    QVERIFY(audioPage->isVisible());
    QVERIFY(!window.videoWidget()->isVisible());
    QVERIFY(window.controls()->seekSlider()->isEnabled());
    QVERIFY2(audioPage->text().contains(u"\u266A"_s), qPrintable(audioPage->text()));
    QVERIFY2(audioPage->text().contains(u"Chapter 1 &lt;Prologue&gt;.mp3"_s),
             qPrintable(audioPage->text()));

    // The next file, a video: its picture as soon as the player knows it has one.
    window.setMediaTitle(u"Episode 1.mkv"_s);
    window.setVideoVisible(true);
    window.setAudioOnly(false);
    QVERIFY(window.videoWidget()->isVisible());
    QVERIFY(!audioPage->isVisible());
    window.showHome();
    window.setAudioOnly(true);
    QVERIFY(window.isHomeShown());
}

void tst_PlayerWindow::transportBarAsksThroughTheWindow()
{
    PlayerWindow window;
    window.setVideoVisible(true);
    window.controls()->setDuration(150000);
    QVERIFY(showActive(window));
    IntentSpies spies(&window);

    const QList<QToolButton *> buttons = window.controls()->findChildren<QToolButton *>();
    for (QToolButton *b : buttons) {
        if (b->toolTip() == u"Play (Space)"_s || b->toolTip() == u"Back 10 seconds (Left)"_s
            || b->toolTip() == u"Mute (M)"_s)
            QTest::mouseClick(b, Qt::LeftButton);
    }
    QCOMPARE(spies.fired(),
             u"muteToggleRequested() x1, playPauseRequested() x1, seekByRequested(qint64) x1"_s);
    QCOMPARE(spies.spies.at(SIGNAL(seekByRequested(qint64)))->constFirst(),
             QVariantList{qint64(-10000)});
}

void tst_PlayerWindow::keysOnContinueWatchingMoveTheList()
{
    PlayerWindow window;
    window.home()->setEntries(
        {entry(u"pm1-a"_s, u"Episode 1.mp4"_s), entry(u"pm1-b"_s, u"Episode 2.mp4"_s)},
        1700000000000, true);
    QVERIFY(showActive(window));
    QListWidget *list = window.home()->list();
    list->setFocus();
    QVERIFY(list->hasFocus());
    IntentSpies spies(&window);
    QSignalSpy opens(window.home(), &ContinueWatchingView::openRequested);

    // With no video, the arrows move through the list; they are not volume keys here.
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(window.home()->currentContentId(), u"pm1-b"_s);
    QTest::keyClick(list, Qt::Key_Up);
    QCOMPARE(window.home()->currentContentId(), u"pm1-a"_s);
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(spies.fired(), QString());

    // Return opens the chosen entry.
    QTest::keyClick(list, Qt::Key_Return);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-b"_s);

    // While a notice offers something, Return means "do it", here too.
    window.notice()->showNotice(u"TV is at 0:42"_s, u"Continue from there"_s);
    QSignalSpy noticeActions(window.notice(), &NoticeBar::actionTriggered);
    QTest::keyClick(list, Qt::Key_Return);
    QCOMPARE(noticeActions.count(), 1);
    QCOMPARE(opens.count(), 1);
    // The notice is gone: Return opens again.
    QTest::keyClick(list, Qt::Key_Return);
    QCOMPARE(opens.count(), 2);

    // Ctrl+L still works from the list.
    QTest::keyClick(list, Qt::Key_L, Qt::ControlModifier);
    QCOMPARE(spies.fired(), u"homeRequested() x1"_s);
}

void tst_PlayerWindow::entriesArrivingAfterShowTakeTheKeyboard()
{
    // The app shows the window first; the list arrives from the server a moment later.
    PlayerWindow window;
    QVERIFY(showActive(window));
    window.home()->setEntries(
        {entry(u"pm1-a"_s, u"Episode 1.mp4"_s), entry(u"pm1-b"_s, u"Episode 2.mp4"_s)},
        1700000000000, true);
    QSignalSpy opens(window.home(), &ContinueWatchingView::openRequested);

    // The person presses Down and Return without touching the mouse.
    QWidget *focus = QApplication::focusWidget() ? QApplication::focusWidget() : &window;
    QTest::keyClick(focus, Qt::Key_Down);
    focus = QApplication::focusWidget() ? QApplication::focusWidget() : &window;
    QTest::keyClick(focus, Qt::Key_Return);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-b"_s);
}

void tst_PlayerWindow::historyMenuJumpsToAnotherDevice()
{
    PlayerWindow window;
    QMenu *history = findMenu(window, QStringLiteral("Jump to Where Another Device Was"));
    QVERIFY(history);
    QSignalSpy asked(&window, &PlayerWindow::historyRequested);
    QSignalSpy jumped(&window, &PlayerWindow::jumpRequested);

    // Opening the menu asks for the history and says so until it comes.
    Q_EMIT history->aboutToShow();
    QCOMPARE(asked.count(), 1);
    QCOMPARE(history->actions().size(), 1);
    QVERIFY(!history->actions().constFirst()->isEnabled());

    window.setHistoryEntries({{QStringLiteral("Phone · 1:05 · 10 min ago"), 65000},
                              {QStringLiteral("TV · 0:42 · 1 h ago"), 42000}});
    QCOMPARE(history->actions().size(), 2);
    QCOMPARE(history->actions().at(1)->text(), QStringLiteral("TV · 0:42 · 1 h ago"));
    history->actions().at(1)->trigger();
    QCOMPARE(jumped.count(), 1);
    QCOMPARE(jumped.constFirst().constFirst().toLongLong(), 42000);

    // No other device: a line that says so, and nothing to pick.
    window.setHistoryEntries({});
    QCOMPARE(history->actions().size(), 1);
    QVERIFY(!history->actions().constFirst()->isEnabled());
}

void tst_PlayerWindow::recentFilesReopen()
{
    PlayerWindow window;
    QMenu *recent = findMenu(window, QStringLiteral("Open Recent"));
    QVERIFY(recent);
    QVERIFY(!recent->isEnabled());
    QSignalSpy open(&window, &PlayerWindow::openFileRequested);
    window.setRecentFiles(
        {QStringLiteral("/videos/Episode 2.mp4"), QStringLiteral("/videos/Episode 1.mp4")});
    QVERIFY(recent->isEnabled());
    QCOMPARE(recent->actions().size(), 2);
    QCOMPARE(recent->actions().constFirst()->text(), QStringLiteral("Episode 2.mp4"));
    recent->actions().at(1)->trigger();
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.constFirst().constFirst().toString(), QStringLiteral("/videos/Episode 1.mp4"));
}

namespace {
// The checkable items of `menu` (a list of tracks or speeds): their texts, and the checked one.
QPair<QStringList, QString> listedItems(QMenu *menu)
{
    QStringList texts;
    QString checked;
    const QList<QAction *> actions = menu->actions();
    for (const QAction *action : actions) {
        if (!action->actionGroup())
            continue;
        texts << action->text();
        if (action->isChecked())
            checked = action->text();
    }
    return {texts, checked};
}

QAction *itemNamed(QMenu *menu, const QString &text)
{
    const QList<QAction *> actions = menu->actions();
    for (QAction *action : actions) {
        if (action->text() == text)
            return action;
    }
    return nullptr;
}
} // namespace

// The Subtitles and Audio menus list what they are told, check the current one, are rebuilt (not
// appended to) when the tracks change, and a choice asks for that track.
void tst_PlayerWindow::trackMenusListAndChoose()
{
    PlayerWindow window;
    QMenu *subtitles = findMenu(window, u"Subtitles"_s);
    QMenu *audio = findMenu(window, u"Audio"_s);
    QVERIFY(subtitles && audio);
    QCOMPARE(listedItems(subtitles).first, QStringList{u"Off"_s});
    QCOMPARE(listedItems(audio).first, QStringList{u"No Audio Tracks"_s});

    window.setSubtitleTracks({u"English"_s, u"English — sample-tracks.en.srt"_s}, -1);
    window.setSubtitleTracks(
        {u"English"_s, u"English — sample-tracks.en.srt"_s, u"French — sample-tracks.fr.vtt"_s}, 1);
    QCOMPARE(listedItems(subtitles).first,
             (QStringList{u"Off"_s, u"English"_s, u"English — sample-tracks.en.srt"_s,
                          u"French — sample-tracks.fr.vtt"_s}));
    QCOMPARE(listedItems(subtitles).second, u"English — sample-tracks.en.srt"_s);
    window.setAudioTracks({u"Japanese"_s, u"English — Commentary"_s}, 0);
    QCOMPARE(listedItems(audio).first, (QStringList{u"Japanese"_s, u"English — Commentary"_s}));
    QCOMPARE(listedItems(audio).second, u"Japanese"_s);

    IntentSpies spies(&window);
    itemNamed(subtitles, u"French — sample-tracks.fr.vtt"_s)->trigger();
    itemNamed(subtitles, u"Off"_s)->trigger();
    itemNamed(audio, u"English — Commentary"_s)->trigger();
    QSignalSpy &subtitleSpy = *spies.spies.at(SIGNAL(subtitleTrackChosen(int)));
    QCOMPARE(subtitleSpy.count(), 2);
    QCOMPARE(subtitleSpy.at(0).at(0).toInt(), 2);
    QCOMPARE(subtitleSpy.at(1).at(0).toInt(), -1);
    QCOMPARE(spies.spies.at(SIGNAL(audioTrackChosen(int)))->constFirst().at(0).toInt(), 1);
    QCOMPARE(spies.fired(), u"audioTrackChosen(int) x1, subtitleTrackChosen(int) x2"_s);
}

// Playback > Speed lists the speeds with the current one checked; the controls show it only
// while it is not 1×.
void tst_PlayerWindow::speedMenuAndLabel()
{
    PlayerWindow window;
    window.setVideoVisible(true);
    QVERIFY(showActive(window));
    QMenu *playback = findMenu(window, u"Playback"_s);
    QVERIFY(playback);
    QMenu *speed = nullptr;
    const QList<QAction *> actions = playback->actions();
    for (QAction *action : actions) {
        if (action->menu() && action->text().remove(u'&') == u"Speed"_s)
            speed = action->menu();
    }
    QVERIFY(speed);
    auto *label = window.controls()->findChild<QLabel *>(u"speedLabel"_s);
    QVERIFY(label);

    const QList<double> speeds{0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0};
    window.setSpeeds(speeds, 1.0);
    QCOMPARE(
        listedItems(speed).first,
        (QStringList{u"0.5×"_s, u"0.75×"_s, u"1×"_s, u"1.25×"_s, u"1.5×"_s, u"1.75×"_s, u"2×"_s}));
    QCOMPARE(listedItems(speed).second, u"1×"_s);
    QVERIFY(!label->isVisible());

    window.setSpeeds(speeds, 1.25);
    QCOMPARE(listedItems(speed).second, u"1.25×"_s);
    QVERIFY(label->isVisible());
    QCOMPARE(label->text(), u"1.25×"_s);

    IntentSpies spies(&window);
    itemNamed(speed, u"0.5×"_s)->trigger();
    QCOMPARE(spies.spies.at(SIGNAL(speedChosen(double)))->constFirst().at(0).toDouble(), 0.5);
    QCOMPARE(spies.fired(), u"speedChosen(double) x1"_s);

    window.setSpeeds(speeds, 1.0);
    QVERIFY(!label->isVisible());
}

// The keys work with the focus on the video, as Space and the arrows do.
void tst_PlayerWindow::keysWorkWhileTheVideoHasFocus()
{
    PlayerWindow window;
    window.setVideoVisible(true);
    QVERIFY(showActive(window));
    window.videoWidget()->setFocusPolicy(Qt::StrongFocus);
    window.videoWidget()->setFocus();
    IntentSpies spies(&window);
    for (const Qt::Key key : {Qt::Key_V, Qt::Key_B, Qt::Key_G, Qt::Key_H, Qt::Key_BracketLeft,
                              Qt::Key_BracketRight, Qt::Key_Equal})
        QTest::keyClick(window.videoWidget(), key);
    QCOMPARE(spies.fired(),
             u"audioCycleRequested() x1, normalSpeedRequested() x1, speedStepRequested(int) x2, "
             "subtitleCycleRequested() x1, subtitleDelayStepRequested(qint64) x2"_s);
}

// Subtitles > Load Subtitle File… offers SubRip and WebVTT files; the one chosen is asked for.
void tst_PlayerWindow::loadSubtitleFileOffersSubtitleFiles()
{
    PlayerWindow window;
    QVERIFY(showActive(window));
    QMenu *subtitles = findMenu(window, u"Subtitles"_s);
    QVERIFY(subtitles);
    QSignalSpy chosen(&window, &PlayerWindow::subtitleFileChosen);
    itemNamed(subtitles, u"Load Subtitle File…"_s)->trigger();
    auto *dialog = window.findChild<QFileDialog *>();
    QVERIFY(dialog);
    QVERIFY2(dialog->nameFilters().constFirst().contains(u"*.srt *.vtt"_s),
             qPrintable(dialog->nameFilters().join(u";;"_s)));
    QTemporaryDir dir;
    const QString path = dir.filePath(u"Film.de.srt"_s);
    dialog->fileSelected(path);
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.constFirst().at(0).toString(), path);
    dialog->close();
}

QTEST_MAIN(tst_PlayerWindow)
#include "tst_playerwindow.moc"
