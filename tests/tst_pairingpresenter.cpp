// What "Connect with a code" says (PairingPresenter), without a window: the code in two halves,
// "Valid for 9:41" counting down on this device's clock and changing when the shown second does,
// "The code expired" at zero or when the server says so, and "Connected as NAME".
#include "pairingpresenter.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_PairingPresenter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatCode_data();
    void formatCode();
    void remainingText_data();
    void remainingText();
    void countsDownToExpiry();
    void timerFollowsTheClock();
    void serverSaysExpired();
    void otherFailuresSayWhy();
    void pairedStopsTheCountdown();
    void waitingNamesTheServer();
};

void tst_PairingPresenter::formatCode_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("shown");
    QTest::newRow("six digits") << u"123456"_s << u"123 456"_s;
    QTest::newRow("leading zeros kept") << u"004007"_s << u"004 007"_s;
    QTest::newRow("anything else as it is") << u"12345"_s << u"12345"_s;
}

void tst_PairingPresenter::formatCode()
{
    QFETCH(QString, code);
    QFETCH(QString, shown);
    QCOMPARE(PairingPresenter::formatCode(code), shown);
}

void tst_PairingPresenter::remainingText_data()
{
    QTest::addColumn<qint64>("msLeft");
    QTest::addColumn<QString>("text");
    QTest::newRow("a fresh code") << qint64(600000) << u"Valid for 10:00"_s;
    QTest::newRow("9:41 exactly") << qint64(581000) << u"Valid for 9:41"_s;
    QTest::newRow("rounded up") << qint64(580001) << u"Valid for 9:41"_s;
    QTest::newRow("the last second") << qint64(1) << u"Valid for 0:01"_s;
    QTest::newRow("none") << qint64(-5) << u"Valid for 0:00"_s;
}

void tst_PairingPresenter::remainingText()
{
    QFETCH(qint64, msLeft);
    QFETCH(QString, text);
    QCOMPARE(PairingPresenter::remainingText(msLeft), text);
}

void tst_PairingPresenter::countsDownToExpiry()
{
    qint64 now = 1'000'000;
    PairingPresenter presenter([&now] { return now; }, nullptr);
    QSignalSpy shown(&presenter, &PairingPresenter::codeShown);
    QSignalSpy remaining(&presenter, &PairingPresenter::remainingChanged);
    QSignalSpy ended(&presenter, &PairingPresenter::ended);

    presenter.showCode(u"123456"_s, now + 600000);
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"123 456"_s);
    QCOMPARE(shown.at(0).at(1).toString(),
             u"On a connected player: Settings > Devices > Add a Device, or on the server: "
             "playmark-server user approve NAME 123456"_s);
    QCOMPARE(remaining.size(), 1);
    QCOMPARE(remaining.at(0).at(0).toString(), u"Valid for 10:00"_s);
    QVERIFY(presenter.isCounting());

    // Within the same second: nothing new to say.
    now += 400;
    presenter.tick();
    QCOMPARE(remaining.size(), 1);
    now += 19'000;
    presenter.tick();
    QCOMPARE(remaining.last().at(0).toString(), u"Valid for 9:41"_s);
    now += 580'599;
    presenter.tick();
    QCOMPARE(remaining.last().at(0).toString(), u"Valid for 0:01"_s);
    QCOMPARE(ended.size(), 0);
    now += 1;
    presenter.tick();
    QCOMPARE(ended.size(), 1);
    QCOMPARE(ended.at(0).at(0).toString(), u"The code expired"_s);
    QVERIFY(!presenter.isCounting());
}

void tst_PairingPresenter::timerFollowsTheClock()
{
    // A real clock and timer: a code valid 2.5 s reads 0:03, 0:02, 0:01 (a loaded machine may
    // wake too late for one), each once and in order, then expires once.
    PairingPresenter presenter;
    QSignalSpy remaining(&presenter, &PairingPresenter::remainingChanged);
    QSignalSpy ended(&presenter, &PairingPresenter::ended);
    presenter.showCode(u"654321"_s, QDateTime::currentMSecsSinceEpoch() + 2500);
    QVERIFY(ended.wait(10000));
    QStringList texts;
    for (const QList<QVariant> &signal : remaining)
        texts << signal.at(0).toString();
    QCOMPARE(texts.value(0), u"Valid for 0:03"_s);
    const QStringList countdown{u"Valid for 0:03"_s, u"Valid for 0:02"_s, u"Valid for 0:01"_s};
    qsizetype at = -1;
    for (const QString &text : std::as_const(texts)) {
        const qsizetype index = countdown.indexOf(text);
        QVERIFY2(index > at, qPrintable(texts.join(u", "_s)));
        at = index;
    }
    QCOMPARE(ended.size(), 1);
    // And it ends there: its timer (single-shot, the only thing that ticks) is not started
    // again, so no second "expired" can come.
    QVERIFY(!presenter.isCounting());
}

void tst_PairingPresenter::serverSaysExpired()
{
    qint64 now = 0;
    PairingPresenter presenter([&now] { return now; }, nullptr);
    QSignalSpy ended(&presenter, &PairingPresenter::ended);
    presenter.showCode(u"123456"_s, 600000);
    // The server's clock ran out first (its 410).
    presenter.showFailure(u"expired"_s, true);
    QCOMPARE(ended.size(), 1);
    QCOMPARE(ended.at(0).at(0).toString(), u"The code expired"_s);
    QVERIFY(!presenter.isCounting());
}

void tst_PairingPresenter::otherFailuresSayWhy()
{
    PairingPresenter presenter;
    QSignalSpy ended(&presenter, &PairingPresenter::ended);
    presenter.showFailure(u"too many devices are waiting to connect; try again in 30 s"_s, false);
    QCOMPARE(ended.at(0).at(0).toString(),
             u"No code: too many devices are waiting to connect; try again in 30 s"_s);
}

void tst_PairingPresenter::pairedStopsTheCountdown()
{
    qint64 now = 0;
    PairingPresenter presenter([&now] { return now; }, nullptr);
    QSignalSpy connected(&presenter, &PairingPresenter::connected);
    QSignalSpy ended(&presenter, &PairingPresenter::ended);
    presenter.showCode(u"123456"_s, 600000);
    presenter.showPaired(u"alice"_s);
    QCOMPARE(connected.size(), 1);
    QCOMPARE(connected.at(0).at(0).toString(), u"Connected as alice"_s);
    QVERIFY(!presenter.isCounting());
    now = 700000;
    QTest::qWait(0);
    QCOMPARE(ended.size(), 0);
}

void tst_PairingPresenter::waitingNamesTheServer()
{
    PairingPresenter presenter;
    QSignalSpy waiting(&presenter, &PairingPresenter::waiting);
    presenter.start(u"http://192.168.1.20:8787"_s);
    QCOMPARE(waiting.at(0).at(0).toString(), u"Asking http://192.168.1.20:8787 for a code…"_s);
}

QTEST_GUILESS_MAIN(tst_PairingPresenter)
#include "tst_pairingpresenter.moc"
