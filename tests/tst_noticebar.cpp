// The one-line notice (NoticeBar): "Resumed at 0:42 · from TV · 3 min ago [Start over]". It shows
// a text and an optional action, runs the action when clicked or on Return (in the player window),
// hides by itself, and a newer notice replaces the shown one.
#include "noticebar.h"
#include "playerwindow.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QPushButton *actionButton(const NoticeBar &bar)
{
    return bar.findChild<QPushButton *>(u"noticeAction"_s);
}

QString shownText(const NoticeBar &bar)
{
    const auto *label = bar.findChild<QLabel *>(u"noticeText"_s);
    return label ? label->text() : QString();
}

const QString kResumed = u"Resumed at 0:42 · from TV · 3 min ago"_s;
const QString kLive = u"TV is at 0:42"_s;

} // namespace

class tst_NoticeBar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hiddenAtFirst();
    void showsTextAndAction();
    void clickingTheActionTriggersAndHides();
    void triggerRunsTheAction();
    void noticeWithoutAction();
    void hidesByItself();
    void newerNoticeReplaces();
    void newerNoticeWithoutActionDropsTheAction();
    void returnInThePlayerWindowTriggers_data();
    void returnInThePlayerWindowTriggers();
    void returnWithoutNoticeDoesNothing();
};

void tst_NoticeBar::hiddenAtFirst()
{
    NoticeBar bar;
    QVERIFY(bar.isHidden());
    QVERIFY(!bar.hasAction());

    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);
    bar.trigger();
    QCOMPARE(spy.count(), 0);
}

void tst_NoticeBar::showsTextAndAction()
{
    NoticeBar bar;
    bar.showNotice(kResumed, u"Start over"_s);
    QVERIFY(bar.isVisible());
    QCOMPARE(bar.text(), kResumed);
    QCOMPARE(shownText(bar), kResumed);
    QCOMPARE(bar.actionText(), u"Start over"_s);
    QVERIFY(bar.hasAction());
    QPushButton *button = actionButton(bar);
    QVERIFY(button);
    QVERIFY(button->isVisible());
    QCOMPARE(button->text(), u"Start over"_s);
}

void tst_NoticeBar::clickingTheActionTriggersAndHides()
{
    NoticeBar bar;
    bar.showNotice(kResumed, u"Start over"_s);
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);

    QTest::mouseClick(actionButton(bar), Qt::LeftButton);
    QCOMPARE(spy.count(), 1);
    QVERIFY(!bar.isVisible());
    QVERIFY(!bar.hasAction());

    // A second trigger once hidden does nothing: the action ran once.
    bar.trigger();
    QCOMPARE(spy.count(), 1);
}

void tst_NoticeBar::triggerRunsTheAction()
{
    NoticeBar bar;
    bar.showNotice(kLive, u"Continue from there"_s);
    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);
    bar.trigger();
    QCOMPARE(spy.count(), 1);
    QVERIFY(!bar.isVisible());
}

void tst_NoticeBar::noticeWithoutAction()
{
    NoticeBar bar;
    bar.showNotice(u"This is not the same video: it plays from its own place."_s, QString());
    QVERIFY(bar.isVisible());
    QVERIFY(!bar.hasAction());
    QVERIFY(!actionButton(bar)->isVisible());

    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);
    bar.trigger();
    QCOMPARE(spy.count(), 0);
    // Nothing to do, so the notice stays for its time.
    QVERIFY(bar.isVisible());
}

void tst_NoticeBar::hidesByItself()
{
    NoticeBar bar;
    bar.showNotice(kResumed, u"Start over"_s, 100);
    QVERIFY(bar.isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!bar.isVisible(), 10000);
    QVERIFY(!bar.hasAction());

    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);
    bar.trigger();
    QCOMPARE(spy.count(), 0);
}

void tst_NoticeBar::newerNoticeReplaces()
{
    NoticeBar bar;
    bar.showNotice(kResumed, u"Start over"_s, 150);
    bar.showNotice(kLive, u"Continue from there"_s, 60000);
    QCOMPARE(bar.text(), kLive);
    QCOMPARE(shownText(bar), kLive);
    QCOMPARE(bar.actionText(), u"Continue from there"_s);
    QCOMPARE(actionButton(bar)->text(), u"Continue from there"_s);

    // The newer notice's time counts, not the first one's. (Showing that something does not
    // happen needs a wait: three times the first notice's duration.)
    QTest::qWait(450);
    QVERIFY(bar.isVisible());
    QCOMPARE(bar.text(), kLive);
}

void tst_NoticeBar::newerNoticeWithoutActionDropsTheAction()
{
    NoticeBar bar;
    bar.showNotice(kLive, u"Continue from there"_s);
    bar.showNotice(u"Not the same video"_s, QString());
    QVERIFY(!bar.hasAction());
    QVERIFY(!actionButton(bar)->isVisible());

    QSignalSpy spy(&bar, &NoticeBar::actionTriggered);
    bar.trigger();
    QCOMPARE(spy.count(), 0);
}

void tst_NoticeBar::returnInThePlayerWindowTriggers_data()
{
    QTest::addColumn<int>("key");
    QTest::newRow("Return") << int(Qt::Key_Return);
    QTest::newRow("Enter (keypad)") << int(Qt::Key_Enter);
}

void tst_NoticeBar::returnInThePlayerWindowTriggers()
{
    QFETCH(int, key);

    PlayerWindow window;
    window.setVideoVisible(true); // notices come up while a video plays
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    QSignalSpy spy(window.notice(), &NoticeBar::actionTriggered);
    window.notice()->showNotice(kLive, u"Continue from there"_s);
    QVERIFY(window.notice()->isVisible());

    QTest::keyClick(&window, Qt::Key(key));
    QCOMPARE(spy.count(), 1);
    QVERIFY(!window.notice()->isVisible());

    // The notice is gone: Return again does nothing.
    QTest::keyClick(&window, Qt::Key(key));
    QCOMPARE(spy.count(), 1);
}

void tst_NoticeBar::returnWithoutNoticeDoesNothing()
{
    PlayerWindow window;
    window.setVideoVisible(true);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    QSignalSpy spy(window.notice(), &NoticeBar::actionTriggered);
    QSignalSpy plays(&window, &PlayerWindow::playPauseRequested);
    window.notice()->showNotice(u"Not the same video"_s, QString());
    QTest::keyClick(&window, Qt::Key_Return);
    QCOMPARE(spy.count(), 0);
    QCOMPARE(plays.count(), 0);
    QVERIFY(window.notice()->isVisible());
}

QTEST_MAIN(tst_NoticeBar)
#include "tst_noticebar.moc"
