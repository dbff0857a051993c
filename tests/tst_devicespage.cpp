// Settings > Devices (DevicesPage), offscreen, used as a person would: the rows it is given, Remove
// asked again before it goes (Cancel keeps the device; by mouse and by the Delete key), Add a
// Device and Refresh, and the page of a device that is not connected, which offers a code.
#include "devicespage.h"

#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QList<DevicesPage::Row> threeRows()
{
    return {{u"d-1"_s, u"Living-room TV"_s, u"This device · Big Buck Bunny"_s, true},
            {u"d-2"_s, u"Phone"_s, u"last seen 5 min ago · Sintel"_s, false},
            {u"d-3"_s, u"Unnamed device (since 3 March)"_s, u"last seen 2 days ago"_s, false}};
}

QStringList labelsNamed(const QWidget &page, const QString &name)
{
    QStringList texts;
    const QList<QLabel *> labels = page.findChildren<QLabel *>(name);
    for (const QLabel *label : labels) {
        if (label->isVisible())
            texts << label->text();
    }
    return texts;
}

// The page on screen with threeRows().
bool showRows(DevicesPage &page)
{
    page.setRows(threeRows());
    page.show();
    return QTest::qWaitForWindowExposed(&page);
}

QList<QPushButton *> removeButtons(const QWidget &page)
{
    return page.findChildren<QPushButton *>(u"removeDevice"_s);
}

} // namespace

class tst_DevicesPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsEachDevice();
    void removeAsksFirst();
    void cancelKeepsTheDevice();
    void deleteKeyAsksForTheCurrentRow();
    void addAndRefresh();
    void statusLineKeepsTheList();
    void sameListKeepsThePlace();
    void notConnectedOffersACode();

private:
    // The confirmation now open over `page`.
    static QMessageBox *confirmation(const QWidget &page)
    {
        QMessageBox *box = nullptr;
        const auto open = [&] {
            box = page.findChild<QMessageBox *>(u"removeConfirmation"_s);
            return box && box->isVisible();
        };
        if (!QTest::qWaitFor(open, 5000))
            return nullptr;
        return box;
    }
};

void tst_DevicesPage::showsEachDevice()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    QVERIFY(page.isConnectedShown());
    QCOMPARE(labelsNamed(page, u"deviceRowName"_s),
             QStringList({u"Living-room TV"_s, u"Phone"_s, u"Unnamed device (since 3 March)"_s}));
    QCOMPARE(labelsNamed(page, u"deviceRowDetail"_s),
             QStringList({u"This device · Big Buck Bunny"_s, u"last seen 5 min ago · Sintel"_s,
                          u"last seen 2 days ago"_s}));
    QCOMPARE(removeButtons(page).size(), 3);
    QCOMPARE(page.rows().size(), 3);

    // A new list replaces the old.
    page.setRows({threeRows().at(0)});
    QTRY_COMPARE(labelsNamed(page, u"deviceRowName"_s), QStringList({u"Living-room TV"_s}));
    QTRY_COMPARE(removeButtons(page).size(), 1); // the old rows' widgets go with deleteLater
}

void tst_DevicesPage::removeAsksFirst()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    QSignalSpy removed(&page, &DevicesPage::removeRequested);

    QPushButton *phoneRemove = removeButtons(page).at(1);
    QTest::mouseClick(phoneRemove, Qt::LeftButton);
    QMessageBox *box = confirmation(page);
    QVERIFY(box);
    QCOMPARE(box->text(), u"Remove Phone? It will have to be connected again with a code."_s);
    QCOMPARE(removed.size(), 0); // nothing before the answer
    auto *remove = box->findChild<QPushButton *>(u"confirmRemove"_s);
    QVERIFY(remove);
    QCOMPARE(remove->text(), u"&Remove"_s);
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), u"d-2"_s);
}

void tst_DevicesPage::cancelKeepsTheDevice()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    QSignalSpy removed(&page, &DevicesPage::removeRequested);

    QTest::mouseClick(removeButtons(page).at(2), Qt::LeftButton);
    QMessageBox *box = confirmation(page);
    QVERIFY(box);
    QCOMPARE(box->text(),
             u"Remove Unnamed device (since 3 March)? It will have to be connected again with a "
             "code."_s);
    // Cancel is the default: Enter does not remove.
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!page.findChild<QMessageBox *>(u"removeConfirmation"_s));
    QCOMPARE(removed.size(), 0);
}

void tst_DevicesPage::deleteKeyAsksForTheCurrentRow()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    QSignalSpy removed(&page, &DevicesPage::removeRequested);
    auto *list = page.findChild<QListWidget *>(u"devices"_s);
    QVERIFY(list);
    // Nothing chosen before the person goes into the list.
    QVERIFY(list->selectedItems().isEmpty());
    page.findChild<QPushButton *>(u"addDevice"_s)->setFocus();
    QVERIFY(!list->hasFocus());
    // Alt+Y, the list's label's key, reaches it.
    QTest::keyClick(&page, Qt::Key_Y, Qt::AltModifier);
    QTRY_VERIFY(list->hasFocus());
    QCOMPARE(list->currentRow(), 0);
    QTest::keyClick(list, Qt::Key_Down);
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(list->currentRow(), 2);
    QTest::keyClick(list, Qt::Key_Delete);
    QMessageBox *box = confirmation(page);
    QVERIFY(box);
    QVERIFY(box->text().startsWith(u"Remove Unnamed device"_s));
    // Its button's key, as a person would (a message box takes it without Alt).
    QTest::keyClick(box, Qt::Key_R);
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), u"d-3"_s);
}

void tst_DevicesPage::addAndRefresh()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    QSignalSpy add(&page, &DevicesPage::addDeviceRequested);
    QSignalSpy refresh(&page, &DevicesPage::refreshRequested);
    auto *addButton = page.findChild<QPushButton *>(u"addDevice"_s);
    QVERIFY(addButton);
    QCOMPARE(addButton->text(), u"&Add a Device…"_s);
    QTest::mouseClick(addButton, Qt::LeftButton);
    QCOMPARE(add.size(), 1);
    QTest::mouseClick(page.findChild<QPushButton *>(u"refreshDevices"_s), Qt::LeftButton);
    QCOMPARE(refresh.size(), 1);
}

void tst_DevicesPage::statusLineKeepsTheList()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    page.setStatus(u"Could not remove Phone: the server cannot be reached"_s);
    QCOMPARE(page.statusText(), u"Could not remove Phone: the server cannot be reached"_s);
    QCOMPARE(labelsNamed(page, u"devicesStatus"_s),
             QStringList({u"Could not remove Phone: the server cannot be reached"_s}));
    QCOMPARE(labelsNamed(page, u"deviceRowName"_s).size(), 3);
    // A new list clears it.
    page.setRows(threeRows());
    QCOMPARE(page.statusText(), QString());
}

// The list asked again (Refresh, or while a new device is awaited) and unchanged: the person's
// row stays chosen, with the keyboard's focus. A changed list is shown anew.
void tst_DevicesPage::sameListKeepsThePlace()
{
    DevicesPage page;
    QVERIFY(showRows(page));
    auto *list = page.findChild<QListWidget *>(u"devices"_s);
    QVERIFY(list);
    QTest::keyClick(&page, Qt::Key_Y, Qt::AltModifier);
    QTRY_VERIFY(list->hasFocus());
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(list->currentRow(), 1);
    page.setStatus(u"Asking the server…"_s);

    page.setRows(threeRows());
    QCOMPARE(list->currentRow(), 1);
    QVERIFY(list->hasFocus());
    QCOMPARE(page.statusText(), QString());

    QList<DevicesPage::Row> changed = threeRows();
    changed[1].detail = u"last seen 6 min ago · Sintel"_s;
    page.setRows(changed);
    QCOMPARE(page.rows(), changed);
    QCOMPARE(labelsNamed(page, u"deviceRowDetail"_s).value(1), changed[1].detail);
    QVERIFY(list->selectedItems().isEmpty());
}

void tst_DevicesPage::notConnectedOffersACode()
{
    DevicesPage page;
    page.showNotConnected(u"This device was removed: connect again"_s);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QVERIFY(!page.isConnectedShown());
    QCOMPARE(labelsNamed(page, u"notConnected"_s),
             QStringList({u"This device was removed: connect again"_s}));
    QVERIFY(!page.findChild<QPushButton *>(u"addDevice"_s)->isVisible());
    QSignalSpy connectWithCode(&page, &DevicesPage::connectWithCodeRequested);
    auto *button = page.findChild<QPushButton *>(u"connectWithCode"_s);
    QVERIFY(button && button->isVisible());
    QCOMPARE(button->text(), u"&Connect with a Code…"_s);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(connectWithCode.size(), 1);

    // Connected again: the list.
    page.setRows(threeRows());
    QVERIFY(page.isConnectedShown());
    QVERIFY(page.findChild<QPushButton *>(u"addDevice"_s)->isVisible());
}

QTEST_MAIN(tst_DevicesPage)
#include "tst_devicespage.moc"
