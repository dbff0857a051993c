// Connect with a code (PairingDialog), offscreen: what it is told shows (the code large, the time
// left, where to type it), an ended code greys out and offers New Code, Cancel rejects.
#include "pairingdialog.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_PairingDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsTheCode();
    void endedOffersANewCode();
    void cancelRejects();
};

void tst_PairingDialog::showsTheCode()
{
    PairingDialog dialog;
    dialog.showWaiting(u"Asking http://127.0.0.1:8787 for a code…"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.remainingText(), u"Asking http://127.0.0.1:8787 for a code…"_s);
    QCOMPARE(dialog.codeText(), QString());

    const QSize waiting = dialog.size();
    dialog.showCode(u"123 456"_s, u"On a connected player: Settings > Devices > Add a Device"_s);
    dialog.setRemaining(u"Valid for 9:41"_s);
    const auto *code = dialog.findChild<QLabel *>(u"code"_s);
    // The code fits whole in the room it had while waiting: nothing jumps, nothing is clipped.
    QTest::qWait(0);
    QCOMPARE(dialog.size(), waiting);
    QVERIFY(code->height() >= code->fontMetrics().height());
    QVERIFY(code && code->isVisible() && code->isEnabled());
    QCOMPARE(code->text(), u"123 456"_s);
    // Large: read across a room.
    QVERIFY(QFontInfo(code->font()).pixelSize() >= 2 * QFontInfo(dialog.font()).pixelSize());
    QCOMPARE(dialog.findChild<QLabel *>(u"remaining"_s)->text(), u"Valid for 9:41"_s);
    QCOMPARE(dialog.instructionsText(),
             u"On a connected player: Settings > Devices > Add a Device"_s);
    QVERIFY(!dialog.isNewCodeOffered());
}

void tst_PairingDialog::endedOffersANewCode()
{
    PairingDialog dialog;
    dialog.showCode(u"123 456"_s, u"…"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy newCode(&dialog, &PairingDialog::newCodeRequested);
    dialog.showEnded(u"The code expired"_s);
    QCOMPARE(dialog.remainingText(), u"The code expired"_s);
    QVERIFY(!dialog.findChild<QLabel *>(u"code"_s)->isEnabled());
    QVERIFY(dialog.isNewCodeOffered());
    auto *button = dialog.findChild<QPushButton *>(u"newCode"_s);
    QVERIFY(button->isVisible());
    QCOMPARE(button->text(), u"&New Code"_s);
    QTest::keyClick(&dialog, Qt::Key_Return); // the default once offered
    QCOMPARE(newCode.size(), 1);
    QVERIFY(dialog.isVisible());

    // The next code: no more New Code.
    dialog.showWaiting(u"Asking…"_s);
    dialog.showCode(u"654 321"_s, u"…"_s);
    QVERIFY(!dialog.isNewCodeOffered());
    QVERIFY(dialog.findChild<QLabel *>(u"code"_s)->isEnabled());
}

void tst_PairingDialog::cancelRejects()
{
    PairingDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QCOMPARE(rejected.size(), 1);
}

QTEST_MAIN(tst_PairingDialog)
#include "tst_pairingdialog.moc"
