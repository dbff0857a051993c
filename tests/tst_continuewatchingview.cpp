// Continue Watching (ContinueWatchingView), used with the keyboard and mouse: Enter or a
// double-click asks to open the current entry, Delete asks to hide it, Shift+Delete or "Forget…"
// asks to forget it only after the person confirms; an empty or offline list says so.
#include "continuewatchingview.h"

#include <QApplication>
#include <QLabel>
#include <QListWidget>
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

// Shows `view` at 720x480 with `entries`, active, the list (when there is one) focused.
bool show(ContinueWatchingView &view, const QList<ContinueWatchingView::Entry> &entries, bool fromServer = true)
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

QTEST_MAIN(tst_ContinueWatchingView)
#include "tst_continuewatchingview.moc"
