// Add a Device (AddDeviceDialog), offscreen, typed into as a person would: Approve only with six
// digits (typed with or without the space), Enter approves, the answer shows under the code, a
// wrong code stays selected to be typed again, and after an approval the field is empty for the
// next device.
#include "adddevicedialog.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_AddDeviceDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void approveNeedsSixDigits_data();
    void approveNeedsSixDigits();
    void enterApproves();
    void wrongCodeStaysToRetype();
    void approvedEmptiesTheField();
    void waitingHoldsApprove();

private:
    struct Parts
    {
        QLineEdit *code = nullptr;
        QPushButton *approve = nullptr;
        QLabel *answer = nullptr;
    };
    // Shows `dialog` and finds its parts: false when it did not show or one is missing.
    static bool show(AddDeviceDialog &dialog, Parts *parts)
    {
        dialog.show();
        *parts = {dialog.findChild<QLineEdit *>(u"pairingCode"_s),
                  dialog.findChild<QPushButton *>(u"approveButton"_s),
                  dialog.findChild<QLabel *>(u"approveAnswer"_s)};
        return QTest::qWaitForWindowExposed(&dialog) && parts->code && parts->approve
            && parts->answer;
    }
};

void tst_AddDeviceDialog::approveNeedsSixDigits_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QString>("field");
    QTest::addColumn<bool>("approvable");
    QTest::newRow("six digits") << u"123456"_s << u"123456"_s << true;
    QTest::newRow("as shown, with the space") << u"123 456"_s << u"123 456"_s << true;
    QTest::newRow("five") << u"12345"_s << u"12345"_s << false;
    QTest::newRow("seven") << u"1234567"_s << u"1234567"_s << false;
    QTest::newRow("letters are not taken") << u"12ab3456"_s << u"123456"_s << true;
    QTest::newRow("nothing") << QString() << QString() << false;
}

void tst_AddDeviceDialog::approveNeedsSixDigits()
{
    QFETCH(QString, typed);
    QFETCH(QString, field);
    QFETCH(bool, approvable);
    AddDeviceDialog dialog;
    Parts p;
    QVERIFY(show(dialog, &p));
    QVERIFY(!p.approve->isEnabled());
    QTest::keyClicks(p.code, typed);
    QCOMPARE(p.code->text(), field);
    QCOMPARE(p.approve->isEnabled(), approvable);
    QSignalSpy approve(&dialog, &AddDeviceDialog::approveRequested);
    QTest::mouseClick(p.approve, Qt::LeftButton);
    QCOMPARE(approve.size(), approvable ? 1 : 0);
    if (approvable)
        QCOMPARE(approve.at(0).at(0).toString(), u"123456"_s);
}

void tst_AddDeviceDialog::enterApproves()
{
    AddDeviceDialog dialog;
    Parts p;
    QVERIFY(show(dialog, &p));
    QSignalSpy approve(&dialog, &AddDeviceDialog::approveRequested);
    QVERIFY(p.code->hasFocus());
    QTest::keyClicks(p.code, u"004007"_s);
    QTest::keyClick(p.code, Qt::Key_Return);
    QCOMPARE(approve.size(), 1);
    QCOMPARE(approve.at(0).at(0).toString(), u"004007"_s);
    QVERIFY(dialog.isVisible()); // the answer shows here
}

void tst_AddDeviceDialog::wrongCodeStaysToRetype()
{
    AddDeviceDialog dialog;
    Parts p;
    QVERIFY(show(dialog, &p));
    QTest::keyClicks(p.code, u"111111"_s);
    dialog.showWaiting(u"Asking the server…"_s);
    dialog.showAnswer(u"That code is not valid or has expired"_s, false);
    QCOMPARE(p.answer->text(), u"That code is not valid or has expired"_s);
    QCOMPARE(p.code->selectedText(), u"111111"_s);
    QVERIFY(p.approve->isEnabled());
    // Typing again replaces it, and the old answer goes.
    QTest::keyClicks(p.code, u"222222"_s);
    QCOMPARE(p.code->text(), u"222222"_s);
    QCOMPARE(dialog.answerText(), QString());
}

void tst_AddDeviceDialog::approvedEmptiesTheField()
{
    AddDeviceDialog dialog;
    Parts p;
    QVERIFY(show(dialog, &p));
    QTest::keyClicks(p.code, u"123456"_s);
    dialog.showWaiting(u"Asking the server…"_s);
    dialog.showAnswer(u"Phone is connected"_s, true);
    QCOMPARE(dialog.answerText(), u"Phone is connected"_s);
    QCOMPARE(p.code->text(), QString());
    QVERIFY(!p.approve->isEnabled());
    bool closeShown = false;
    for (const QPushButton *button : dialog.findChildren<QPushButton *>())
        closeShown = closeShown || (button->isVisible() && button->text() == u"Close"_s);
    QVERIFY(closeShown);
}

void tst_AddDeviceDialog::waitingHoldsApprove()
{
    AddDeviceDialog dialog;
    Parts p;
    QVERIFY(show(dialog, &p));
    QSignalSpy approve(&dialog, &AddDeviceDialog::approveRequested);
    QTest::keyClicks(p.code, u"123456"_s);
    QTest::keyClick(p.code, Qt::Key_Return);
    dialog.showWaiting(u"Asking the server…"_s);
    QCOMPARE(p.answer->text(), u"Asking the server…"_s);
    QVERIFY(!p.approve->isEnabled());
    QTest::keyClick(p.code, Qt::Key_Return); // once is enough: no second request meanwhile
    QCOMPARE(approve.size(), 1);
}

QTEST_MAIN(tst_AddDeviceDialog)
#include "tst_adddevicedialog.moc"
