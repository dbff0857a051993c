// What the status bar says about syncing (SyncStatus): its text from the client's state, and a
// tooltip naming the server and the last successful exchange.
#include "syncstatus.h"

#include <QDateTime>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_SyncStatus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void text_data();
    void text();
    void toolTip_data();
    void toolTip();
    void toolTipWithoutServer();
    void toolTipNamesTheServerInUse();
    void localFailureComesFirst_data();
    void localFailureComesFirst();
    void removedDeviceOffersPairing();
};

void tst_SyncStatus::text_data()
{
    QTest::addColumn<bool>("hasServer");
    QTest::addColumn<bool>("online");
    QTest::addColumn<int>("pending");
    QTest::addColumn<QString>("text");

    QTest::newRow("no server") << false << false << 0 << u"Offline: no server set"_s;
    QTest::newRow("no server, whatever else is said")
        << false << true << 4 << u"Offline: no server set"_s;
    QTest::newRow("online") << true << true << 0 << u"Online"_s;
    QTest::newRow("offline") << true << false << 0 << u"Offline"_s;
    QTest::newRow("one waiting, offline") << true << false << 1 << u"1 update waiting"_s;
    QTest::newRow("one waiting, online (being sent)") << true << true << 1 << u"1 update waiting"_s;
    QTest::newRow("three waiting") << true << false << 3 << u"3 updates waiting"_s;
    QTest::newRow("many waiting") << true << false << 1250 << u"1250 updates waiting"_s;
}

void tst_SyncStatus::text()
{
    QFETCH(bool, hasServer);
    QFETCH(bool, online);
    QFETCH(int, pending);
    QFETCH(QString, text);

    SyncStatus status;
    status.hasServer = hasServer;
    status.online = online;
    status.pending = pending;
    status.server = hasServer ? QUrl(u"http://192.168.1.20:8787"_s) : QUrl();
    QCOMPARE(status.text(), text);
}

void tst_SyncStatus::toolTip_data()
{
    QTest::addColumn<QUrl>("server");
    QTest::addColumn<qint64>("lastExchangeMs");
    QTest::addColumn<QString>("shownServer");
    QTest::addColumn<QString>("shownTime");

    // Local time both ways: the tooltip shows the person's own clock.
    const qint64 march5 = QDateTime(QDate(2024, 3, 5), QTime(14, 7, 9)).toMSecsSinceEpoch();
    const qint64 newYear = QDateTime(QDate(2031, 1, 1), QTime(0, 0, 0)).toMSecsSinceEpoch();

    QTest::newRow("never") << QUrl(u"http://192.168.1.20:8787"_s) << qint64(0)
                           << u"http://192.168.1.20:8787"_s << u"never"_s;
    QTest::newRow("a time") << QUrl(u"https://sync.example.org"_s) << march5
                            << u"https://sync.example.org"_s << u"2024-03-05 14:07:09"_s;
    QTest::newRow("midnight") << QUrl(u"http://nas.local:8787/playmark"_s) << newYear
                              << u"http://nas.local:8787/playmark"_s << u"2031-01-01 00:00:00"_s;
    QTest::newRow("a password in the address is not shown")
        << QUrl(u"http://bob:secret@nas.local:8787"_s) << march5 << u"http://bob@nas.local:8787"_s
        << u"2024-03-05 14:07:09"_s;
}

void tst_SyncStatus::toolTip()
{
    QFETCH(QUrl, server);
    QFETCH(qint64, lastExchangeMs);
    QFETCH(QString, shownServer);
    QFETCH(QString, shownTime);

    for (const bool online : {true, false}) {
        SyncStatus status;
        status.hasServer = true;
        status.online = online;
        status.server = server;
        status.lastExchangeMs = lastExchangeMs;
        const QString tip = status.toolTip();
        QCOMPARE(tip, u"Server: %1\nLast successful exchange: %2"_s.arg(shownServer, shownTime));
        QVERIFY2(!tip.contains(u"secret"_s), qPrintable(tip));
    }
}

void tst_SyncStatus::toolTipWithoutServer()
{
    SyncStatus status;
    status.lastExchangeMs = 1700000000000; // left over from a server since removed
    const QString tip = status.toolTip();
    QVERIFY2(tip.contains(u"this device only"_s), qPrintable(tip));
    QVERIFY2(!tip.contains(u"Server:"_s), qPrintable(tip));
    QVERIFY2(!tip.contains(u"never"_s), qPrintable(tip));
}

// With several servers, the one in use is named first and the others after it.
void tst_SyncStatus::toolTipNamesTheServerInUse()
{
    const qint64 march5 = QDateTime(QDate(2024, 3, 5), QTime(14, 7, 9)).toMSecsSinceEpoch();
    SyncStatus status;
    status.hasServer = true;
    status.online = true;
    status.server = QUrl(u"http://backup.local:8787"_s);
    status.otherServers = {QUrl(u"http://nas.local:8787"_s),
                           QUrl(u"https://bob:secret@sync.example.org"_s)};
    status.lastExchangeMs = march5;
    const QString tip = status.toolTip();
    QCOMPARE(tip,
             u"Server in use: http://backup.local:8787\n"
             "Also listed: http://nas.local:8787, https://bob@sync.example.org\n"
             "Last successful exchange: 2024-03-05 14:07:09"_s);
    QVERIFY2(!tip.contains(u"secret"_s), qPrintable(tip));
}

// A local copy that fails is said before anything about the server, whatever that is.
void tst_SyncStatus::localFailureComesFirst_data()
{
    QTest::addColumn<bool>("hasServer");
    QTest::addColumn<bool>("online");
    QTest::addColumn<int>("pending");
    QTest::addColumn<QString>("toolTip");

    const QString failure = u"local copy: database disk image is malformed"_s;
    QTest::newRow("no server") << false << false << 0
                               << u"The local copy of positions fails: "_s + failure;
    QTest::newRow("online") << true << true << 0
                            << u"The local copy of positions fails: "_s + failure
            + u"\nServer in use: http://nas.local:8787"_s;
    QTest::newRow("updates waiting") << true << false << 3
                                     << u"The local copy of positions fails: "_s + failure
            + u"\nServer in use: http://nas.local:8787"_s;
}

void tst_SyncStatus::localFailureComesFirst()
{
    QFETCH(bool, hasServer);
    QFETCH(bool, online);
    QFETCH(int, pending);
    QFETCH(QString, toolTip);
    SyncStatus status;
    status.hasServer = hasServer;
    status.online = online;
    status.pending = pending;
    status.server = QUrl(u"http://nas.local:8787"_s);
    status.localFailure = u"local copy: database disk image is malformed"_s;
    QCOMPARE(status.text(), u"Not saving on this device"_s);
    QCOMPARE(status.toolTip(), toolTip);
}

void tst_SyncStatus::removedDeviceOffersPairing()
{
    SyncStatus status;
    status.hasServer = true;
    status.server = QUrl(u"http://192.168.1.20:8787"_s);
    status.online = true;
    QVERIFY(!status.offersPairing());

    // Removed: said before what waits (which waits for the new connection), and clickable.
    status.deviceRemoved = true;
    status.online = false;
    status.pending = 3;
    QCOMPARE(status.text(), u"This device was removed: connect again"_s);
    QVERIFY(status.offersPairing());
    QCOMPARE(status.toolTip(),
             u"http://192.168.1.20:8787 no longer accepts this device: it was removed from your "
             "devices. Positions are still kept here (3 waiting) and go out once it is connected "
             "again.\nClick to connect with a code."_s);

    // A local copy that fails still comes first.
    status.localFailure = u"disk full"_s;
    QCOMPARE(status.text(), u"Not saving on this device"_s);
    QVERIFY(!status.offersPairing());
}

QTEST_APPLESS_MAIN(tst_SyncStatus)
#include "tst_syncstatus.moc"
