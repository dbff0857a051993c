// Continue Watching (ContinueWatchingView), used with the keyboard and mouse: Enter or a
// double-click asks to open the current entry, Delete asks to hide it, Shift+Delete or "Forget…"
// asks to forget it only after the person confirms; an empty or offline list says so.
#include "continuewatchingview.h"
#include "timeformat.h"

#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kNow = 1700000000000;

ContinueWatchingView::Entry entry(const QString &id, const QString &title, const QString &device,
                                  qint64 positionMs, qint64 agoMs)
{
    ContinueWatchingView::Entry e;
    e.contentId = id;
    e.title = title;
    e.deviceName = device;
    e.positionMs = positionMs;
    e.durationMs = 1800000;
    e.observedAtMs = kNow - agoMs;
    return e;
}

QList<ContinueWatchingView::Entry> threeEntries()
{
    return {
        entry(u"pm1-aaaa"_s, u"Episode 1.mp4"_s, u"TV"_s, 42000, 3 * 60000),
        entry(u"pm1-bbbb"_s, u"Episode 2.mp4"_s, u"Phone"_s, 600000, 2 * 3600000),
        entry(u"pm1-cccc"_s, u"Film.mkv"_s, u"Laptop"_s, 1200000, 3 * 86400000LL),
    };
}

QPushButton *button(const ContinueWatchingView &view, const QString &text)
{
    const QList<QPushButton *> buttons = view.findChildren<QPushButton *>();
    for (QPushButton *b : buttons) {
        if (b->text() == text)
            return b;
    }
    return nullptr;
}

QStringList labelTexts(const ContinueWatchingView &view)
{
    QStringList texts;
    const QList<QLabel *> labels = view.findChildren<QLabel *>();
    for (const QLabel *label : labels) {
        if (label->isVisibleTo(&view))
            texts << label->text();
    }
    return texts;
}

// The picture an item carries, whatever role the view keeps it in.
QImage itemImage(const QListWidgetItem *item)
{
    for (int role = Qt::UserRole; role < Qt::UserRole + 32; ++role) {
        const QVariant value = item->data(role);
        if (value.metaType() == QMetaType::fromType<QImage>())
            return value.value<QImage>();
    }
    return {};
}

QImage solidImage(const QColor &color)
{
    QImage image(320, 180, QImage::Format_RGB32);
    image.fill(color);
    return image;
}

// Row `row` of the list in viewport coordinates.
QPoint rowCenter(const ContinueWatchingView &view, int row)
{
    return view.list()->visualItemRect(view.list()->item(row)).center();
}

// A show's next episode, a show never opened here, and an episode in progress watched before.
QList<ContinueWatchingView::Entry> showEntries()
{
    using Kind = ContinueWatchingView::Entry::Kind;
    ContinueWatchingView::Entry next =
        entry(u"pm1-next"_s, u"The Show S01E02"_s, u"TV"_s, 0, 5 * 60000);
    next.kind = Kind::NextUp;
    next.episodeLabel = u"S01E02"_s;
    ContinueWatchingView::Entry locate =
        entry(u"show:never-here"_s, u"Never Here"_s, u"Phone"_s, 0, 3600000);
    locate.kind = Kind::Locate;
    ContinueWatchingView::Entry again =
        entry(u"pm1-again"_s, u"Heat (1995)"_s, u"TV"_s, 600000, 2 * 86400000LL);
    again.playCount = 2;
    again.lastFinishedMs = kNow - 2 * 86400000LL;
    return {next, locate, again};
}

// The texts a row is painted with (title, detail, time left), whatever roles the view keeps.
QString rowText(const QListWidgetItem *item)
{
    QStringList texts{item->text()};
    for (int role = Qt::UserRole; role < Qt::UserRole + 32; ++role) {
        if (item->data(role).metaType() == QMetaType::fromType<QString>())
            texts << item->data(role).toString();
    }
    return texts.join(u'\n');
}

// Opens row `row`'s menu as a right click does and gives the menu shown.
QMenu *openMenu(ContinueWatchingView &view, int row)
{
    QWidget *viewport = view.list()->viewport();
    const QPoint at = rowCenter(view, row);
    QContextMenuEvent event(QContextMenuEvent::Mouse, at, viewport->mapToGlobal(at));
    QApplication::sendEvent(viewport, &event);
    QMenu *menu = nullptr;
    const bool shown = QTest::qWaitFor([&menu] {
        menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        return menu != nullptr;
    });
    return shown ? menu : nullptr;
}

QAction *menuAction(const QMenu *menu, const QString &text)
{
    const QList<QAction *> actions = menu->actions();
    for (QAction *action : actions) {
        if (action->text() == text)
            return action;
    }
    return nullptr;
}

// Shows `view` at 720x480 with `entries`, active, the list (when there is one) focused.
bool show(ContinueWatchingView &view, const QList<ContinueWatchingView::Entry> &entries,
          bool fromServer = true)
{
    view.setEntries(entries, kNow, fromServer);
    view.resize(720, 480);
    view.show();
    view.activateWindow(); // no window manager under xvfb-run does it
    if (!QTest::qWaitForWindowActive(&view))
        return false;
    if (view.list()->isVisible())
        view.list()->setFocus();
    return entries.isEmpty() || view.list()->hasFocus();
}

} // namespace

class tst_ContinueWatchingView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsEntries();
    void enterOpensCurrent_data();
    void enterOpensCurrent();
    void downThenEnterOpensTheNext();
    void doubleClickOpens();
    void openButtonOpensCurrent();
    void deleteHides();
    void hideButtonHides();
    void forgetAsksFirst_data();
    void forgetAsksFirst();
    void emptyList();
    void offlineListCannotForget();
    void setEntriesReplaces();
    void setThumbnail();
    void nextUpAndLocate();
    void locateEntryAsksForTheFolder();
    void watchedCountShown();
    void menuMarksWatchedAndUnwatched();
    void menuOfNextUpAndLocate();
};

void tst_ContinueWatchingView::showsEntries()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QCOMPARE(view.entryCount(), 3);
    QCOMPARE(view.list()->count(), 3);
    QCOMPARE(view.list()->currentRow(), 0);
    QCOMPARE(view.currentContentId(), u"pm1-aaaa"_s);
    QCOMPARE(view.list()->item(0)->text(), u"Episode 1.mp4"_s);
    QCOMPARE(view.list()->item(2)->text(), u"Film.mkv"_s);
    QVERIFY(view.list()->isVisible());
    QVERIFY(!view.findChild<QLabel *>(u"continueEmpty"_s)->isVisible());
    for (const QString &text : {u"Open"_s, u"Hide"_s, u"Forget…"_s}) {
        QVERIFY2(button(view, text), qPrintable(text));
        QVERIFY2(button(view, text)->isEnabled(), qPrintable(text));
    }
    QVERIFY(labelTexts(view).contains(u"Continue Watching"_s));

    // The row says where and when: "TV · 0:42 · 3 min ago".
    const QListWidgetItem *first = view.list()->item(0);
    bool detailFound = false;
    for (int role = Qt::UserRole; role < Qt::UserRole + 32; ++role) {
        const QString text = first->data(role).toString();
        if (text.contains(u"TV"_s) && text.contains(u"0:42"_s) && text.contains(u"3 min ago"_s))
            detailFound = true;
    }
    QVERIFY(detailFound);
}

void tst_ContinueWatchingView::enterOpensCurrent_data()
{
    QTest::addColumn<int>("key");
    QTest::newRow("Return") << int(Qt::Key_Return);
    QTest::newRow("Enter (keypad)") << int(Qt::Key_Enter);
}

void tst_ContinueWatchingView::enterOpensCurrent()
{
    QFETCH(int, key);
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    QSignalSpy hides(&view, &ContinueWatchingView::hideRequested);

    QTest::keyClick(view.list(), Qt::Key(key));
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-aaaa"_s);
    QCOMPARE(hides.count(), 0);
}

void tst_ContinueWatchingView::downThenEnterOpensTheNext()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);

    QTest::keyClick(view.list(), Qt::Key_Down);
    QTest::keyClick(view.list(), Qt::Key_Down);
    QCOMPARE(view.currentContentId(), u"pm1-cccc"_s);
    QTest::keyClick(view.list(), Qt::Key_Up);
    QCOMPARE(view.currentContentId(), u"pm1-bbbb"_s);
    QCOMPARE(opens.count(), 0);
    QTest::keyClick(view.list(), Qt::Key_Return);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-bbbb"_s);
}

void tst_ContinueWatchingView::doubleClickOpens()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    QWidget *viewport = view.list()->viewport();

    // A single click selects, it does not open.
    const QPoint second = rowCenter(view, 1);
    QTest::mouseClick(viewport, Qt::LeftButton, {}, second);
    QCOMPARE(view.currentContentId(), u"pm1-bbbb"_s);
    QCOMPARE(opens.count(), 0);

    // The second click of a double-click (the widget sees press, release, double-click, release).
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, second);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, second);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-bbbb"_s);
}

void tst_ContinueWatchingView::openButtonOpensCurrent()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    view.list()->setCurrentRow(2);
    QTest::mouseClick(button(view, u"Open"_s), Qt::LeftButton);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-cccc"_s);
}

void tst_ContinueWatchingView::deleteHides()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy hides(&view, &ContinueWatchingView::hideRequested);
    QSignalSpy forgets(&view, &ContinueWatchingView::forgetRequested);
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);

    QTest::keyClick(view.list(), Qt::Key_Down);
    QTest::keyClick(view.list(), Qt::Key_Delete);
    QCOMPARE(hides.count(), 1);
    QCOMPARE(hides.constFirst().constFirst().toString(), u"pm1-bbbb"_s);
    QCOMPARE(forgets.count(), 0);
    QCOMPARE(opens.count(), 0);
    // Hiding is the owner's decision: the view asks, it does not remove the row itself.
    QCOMPARE(view.entryCount(), 3);
    QVERIFY(!view.findChild<QMessageBox *>());
}

void tst_ContinueWatchingView::hideButtonHides()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    QSignalSpy hides(&view, &ContinueWatchingView::hideRequested);
    QTest::mouseClick(button(view, u"Hide"_s), Qt::LeftButton);
    QCOMPARE(hides.count(), 1);
    QCOMPARE(hides.constFirst().constFirst().toString(), u"pm1-aaaa"_s);
}

void tst_ContinueWatchingView::forgetAsksFirst_data()
{
    QTest::addColumn<bool>("byKey"); // Shift+Delete, or the "Forget…" button
    QTest::addColumn<bool>("confirm"); // "Forget" in the dialog, or Cancel

    QTest::newRow("Shift+Delete, confirmed") << true << true;
    QTest::newRow("Shift+Delete, cancelled") << true << false;
    QTest::newRow("button, confirmed") << false << true;
    QTest::newRow("button, cancelled") << false << false;
}

void tst_ContinueWatchingView::forgetAsksFirst()
{
    QFETCH(bool, byKey);
    QFETCH(bool, confirm);

    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    view.list()->setCurrentRow(1);
    QSignalSpy forgets(&view, &ContinueWatchingView::forgetRequested);
    QSignalSpy hides(&view, &ContinueWatchingView::hideRequested);

    if (byKey)
        QTest::keyClick(view.list(), Qt::Key_Delete, Qt::ShiftModifier);
    else
        QTest::mouseClick(button(view, u"Forget…"_s), Qt::LeftButton);

    QPointer<QMessageBox> box;
    QTRY_VERIFY((box = view.findChild<QMessageBox *>()) && box->isVisible());
    QCOMPARE(QApplication::activeModalWidget(), box.data());
    QVERIFY(box->text().contains(u"Episode 2.mp4"_s));
    // Asking is not forgetting.
    QCOMPARE(forgets.count(), 0);
    // The safe answer is the default one.
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));

    QAbstractButton *answer = nullptr;
    if (confirm) {
        const QList<QAbstractButton *> buttons = box->buttons();
        for (QAbstractButton *b : buttons) {
            if (b->text() == u"Forget"_s)
                answer = b;
        }
    } else {
        answer = box->button(QMessageBox::Cancel);
    }
    QVERIFY(answer);
    QTest::mouseClick(answer, Qt::LeftButton);
    QTRY_VERIFY(!box); // closed and deleted

    QCOMPARE(forgets.count(), confirm ? 1 : 0);
    if (confirm)
        QCOMPARE(forgets.constFirst().constFirst().toString(), u"pm1-bbbb"_s);
    QCOMPARE(hides.count(), 0);
}

void tst_ContinueWatchingView::emptyList()
{
    ContinueWatchingView view;
    QVERIFY(show(view, {}));
    QCOMPARE(view.entryCount(), 0);
    QVERIFY(view.currentContentId().isEmpty());
    const auto *empty = view.findChild<QLabel *>(u"continueEmpty"_s);
    QVERIFY(empty);
    QVERIFY(empty->isVisible());
    QVERIFY(empty->text().contains(u"Nothing to continue"_s));
    QVERIFY(!view.list()->isVisible());
    for (const QString &text : {u"Open"_s, u"Hide"_s, u"Forget…"_s}) {
        QVERIFY2(button(view, text), qPrintable(text));
        QVERIFY2(!button(view, text)->isEnabled(), qPrintable(text));
    }

    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    QSignalSpy hides(&view, &ContinueWatchingView::hideRequested);
    QSignalSpy forgets(&view, &ContinueWatchingView::forgetRequested);
    QTest::keyClick(&view, Qt::Key_Return);
    QTest::keyClick(&view, Qt::Key_Delete);
    QTest::keyClick(&view, Qt::Key_Delete, Qt::ShiftModifier);
    QCOMPARE(opens.count(), 0);
    QCOMPARE(hides.count(), 0);
    QCOMPARE(forgets.count(), 0);
    QVERIFY(!view.findChild<QMessageBox *>());
}

void tst_ContinueWatchingView::offlineListCannotForget()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries(), false));
    QCOMPARE(view.entryCount(), 3);
    bool saysOffline = false;
    for (const QString &text : labelTexts(view))
        saysOffline = saysOffline || text.contains(u"offline"_s);
    QVERIFY(saysOffline);
    QVERIFY(!button(view, u"Forget…"_s)->isEnabled());
    QVERIFY(button(view, u"Open"_s)->isEnabled());
    QVERIFY(button(view, u"Hide"_s)->isEnabled());

    // Shift+Delete does not ask either: forgetting needs the server.
    QSignalSpy forgets(&view, &ContinueWatchingView::forgetRequested);
    QTest::keyClick(view.list(), Qt::Key_Delete, Qt::ShiftModifier);
    QTest::qWait(50);
    QVERIFY(!view.findChild<QMessageBox *>());
    QCOMPARE(forgets.count(), 0);

    // Back online, the heading and the button follow.
    view.setEntries(threeEntries(), kNow, true);
    QVERIFY(button(view, u"Forget…"_s)->isEnabled());
    for (const QString &text : labelTexts(view))
        QVERIFY2(!text.contains(u"offline"_s), qPrintable(text));
}

void tst_ContinueWatchingView::setEntriesReplaces()
{
    ContinueWatchingView view;
    QVERIFY(show(view, threeEntries()));
    view.list()->setCurrentRow(2);
    view.setEntries({threeEntries().at(1)}, kNow, true);
    QCOMPARE(view.entryCount(), 1);
    QCOMPARE(view.currentContentId(), u"pm1-bbbb"_s);

    view.setEntries({}, kNow, true);
    QCOMPARE(view.entryCount(), 0);
    QVERIFY(view.findChild<QLabel *>(u"continueEmpty"_s)->isVisible());
    QVERIFY(!button(view, u"Open"_s)->isEnabled());
}

void tst_ContinueWatchingView::setThumbnail()
{
    ContinueWatchingView view;
    QList<ContinueWatchingView::Entry> entries = threeEntries();
    entries[0].thumbnail = solidImage(Qt::darkGreen);
    QVERIFY(show(view, entries));
    QCOMPARE(itemImage(view.list()->item(0)).pixelColor(10, 10), QColor(Qt::darkGreen));
    QVERIFY(itemImage(view.list()->item(1)).isNull());

    // The picture of the second entry arrives later.
    view.setThumbnail(u"pm1-bbbb"_s, solidImage(Qt::red));
    QCOMPARE(itemImage(view.list()->item(1)).pixelColor(10, 10), QColor(Qt::red));
    QCOMPARE(itemImage(view.list()->item(0)).pixelColor(10, 10), QColor(Qt::darkGreen));
    QVERIFY(itemImage(view.list()->item(2)).isNull());

    // A picture for an entry no longer listed changes nothing.
    view.setThumbnail(u"pm1-gone"_s, solidImage(Qt::blue));
    QCOMPARE(view.entryCount(), 3);
    for (int row = 0; row < 3; ++row)
        QVERIFY(itemImage(view.list()->item(row)).isNull()
                || itemImage(view.list()->item(row)).pixelColor(10, 10) != QColor(Qt::blue));
    // Painting with pictures works (the delegate scales them into the row).
    const QImage shot = view.grab().toImage();
    QVERIFY(!shot.isNull());
}

void tst_ContinueWatchingView::nextUpAndLocate()
{
    ContinueWatchingView view;
    QVERIFY(show(view, showEntries()));
    QCOMPARE(view.entryCount(), 3);
    // "The Show S01E02 / Next: S01E02", for the eye and for a screen reader.
    const QListWidgetItem *next = view.list()->item(0);
    QCOMPARE(next->text(), u"The Show S01E02"_s);
    QVERIFY2(rowText(next).contains(u"Next: S01E02"_s), qPrintable(rowText(next)));
    QVERIFY2(rowText(next).contains(u"TV"_s), qPrintable(rowText(next)));
    QCOMPARE(next->data(Qt::AccessibleTextRole).toString(), u"The Show S01E02, Next: S01E02"_s);
    const QListWidgetItem *locate = view.list()->item(1);
    QVERIFY2(rowText(locate).contains(u"Locate…"_s), qPrintable(rowText(locate)));
    // Painted: a grab of the list is not empty where the rows are.
    QVERIFY(!view.grab().toImage().isNull());

    // Enter on the next episode asks to open it.
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    QTest::keyClick(view.list(), Qt::Key_Return);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"pm1-next"_s);
    QCOMPARE(button(view, u"Open"_s)->isEnabled(), true);
}

void tst_ContinueWatchingView::locateEntryAsksForTheFolder()
{
    ContinueWatchingView view;
    QVERIFY(show(view, showEntries()));
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    QTest::keyClick(view.list(), Qt::Key_Down);
    // The button says what Enter does here.
    QVERIFY(!button(view, u"Open"_s));
    QVERIFY(button(view, u"Locate…"_s));
    QTest::keyClick(view.list(), Qt::Key_Return);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.constFirst().constFirst().toString(), u"show:never-here"_s);
    QTest::keyClick(view.list(), Qt::Key_Down);
    QVERIFY(button(view, u"Open"_s));
}

void tst_ContinueWatchingView::watchedCountShown()
{
    ContinueWatchingView view;
    QVERIFY(show(view, showEntries()));
    const QString text = rowText(view.list()->item(2));
    QVERIFY2(
        text.contains(u"watched twice, last "_s + TimeFormat::day(kNow - 2 * 86400000LL, kNow)),
        qPrintable(text));
    QVERIFY2(text.contains(u"min left"_s), qPrintable(text));
    // Never finished: no count.
    QVERIFY(!rowText(view.list()->item(0)).contains(u"watched twice"_s));
}

void tst_ContinueWatchingView::menuMarksWatchedAndUnwatched()
{
    ContinueWatchingView view;
    QVERIFY(show(view, showEntries()));
    QSignalSpy marks(&view, &ContinueWatchingView::markWatchedRequested);
    for (const bool watched : {true, false}) {
        QMenu *menu = openMenu(view, 2);
        QVERIFY(menu);
        // The entry the menu is for becomes the current one.
        QCOMPARE(view.currentContentId(), u"pm1-again"_s);
        for (const QString &text : {u"Open"_s, u"Hide"_s, u"Forget…"_s})
            QVERIFY2(menuAction(menu, text), qPrintable(text));
        QAction *action = menuAction(menu, watched ? u"Mark as Watched"_s : u"Mark as Unwatched"_s);
        QVERIFY(action);
        QVERIFY(action->isEnabled());
        action->trigger();
        menu->close();
        QTRY_VERIFY(!QApplication::activePopupWidget());
    }
    QCOMPARE(marks.count(), 2);
    QCOMPARE(marks.at(0).at(0).toString(), u"pm1-again"_s);
    QCOMPARE(marks.at(0).at(1).toBool(), true);
    QCOMPARE(marks.at(1).at(0).toString(), u"pm1-again"_s);
    QCOMPARE(marks.at(1).at(1).toBool(), false);
}

void tst_ContinueWatchingView::menuOfNextUpAndLocate()
{
    ContinueWatchingView view;
    QVERIFY(show(view, showEntries()));
    QSignalSpy marks(&view, &ContinueWatchingView::markWatchedRequested);
    // Next Up: its episode can be marked watched (skipped); it was never watched to unmark.
    QMenu *menu = openMenu(view, 0);
    QVERIFY(menu);
    QVERIFY(menuAction(menu, u"Mark as Watched"_s)->isEnabled());
    QVERIFY(!menuAction(menu, u"Mark as Unwatched"_s)->isEnabled());
    // Nor forgotten: the entry stands for the show, not for one video (Hide takes it off here).
    QVERIFY(!menuAction(menu, u"Forget…"_s)->isEnabled());
    QVERIFY(menuAction(menu, u"Hide"_s)->isEnabled());
    menuAction(menu, u"Mark as Watched"_s)->trigger();
    menu->close();
    QTRY_VERIFY(!QApplication::activePopupWidget());
    QCOMPARE(marks.count(), 1);
    QCOMPARE(marks.at(0).at(0).toString(), u"pm1-next"_s);

    // Locate…: nothing to mark yet; its first action asks for the folder.
    menu = openMenu(view, 1);
    QVERIFY(menu);
    QVERIFY(!menuAction(menu, u"Mark as Watched"_s)->isEnabled());
    QVERIFY(!menuAction(menu, u"Mark as Unwatched"_s)->isEnabled());
    QVERIFY(!menuAction(menu, u"Forget…"_s)->isEnabled());
    QSignalSpy opens(&view, &ContinueWatchingView::openRequested);
    menuAction(menu, u"Locate…"_s)->trigger();
    menu->close();
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.at(0).at(0).toString(), u"show:never-here"_s);
}

QTEST_MAIN(tst_ContinueWatchingView)
#include "tst_continuewatchingview.moc"
