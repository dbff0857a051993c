// What Settings > Devices says (DevicesPresenter): each device's name and line from what the
// server lists and the titles the local copy knows, the answers to a typed code, and why there is
// no list.
#include "devicespresenter.h"

#include <QDateTime>
#include <QTest>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(ApproveResult)

namespace {

// Noon, local time: days before it are whole days whatever the time zone.
const qint64 kNow = QDateTime(QDate(2026, 12, 5), QTime(12, 0)).toMSecsSinceEpoch();

DeviceEntry device(const QString &id, const QString &name, qint64 lastSeenMs,
                   const QString &lastContentId = QString(), bool thisDevice = false)
{
    DeviceEntry entry;
    entry.id = id;
    entry.deviceName = name;
    entry.deviceId = u"dev-"_s + id;
    entry.createdAtMs = lastSeenMs - 86400000;
    entry.lastSeenMs = lastSeenMs;
    entry.lastContentId = lastContentId;
    entry.thisDevice = thisDevice;
    return entry;
}

ApproveResult answer(ApproveResult::Outcome outcome, const QString &deviceName = QString(),
                     int retryAfterSeconds = 0, const QString &error = QString())
{
    ApproveResult result;
    result.outcome = outcome;
    result.deviceName = deviceName;
    result.retryAfterSeconds = retryAfterSeconds;
    result.error = error;
    return result;
}

} // namespace

class tst_DevicesPresenter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rows();
    void thisDeviceFirst();
    void unnamed_data();
    void unnamed();
    void contentIdsOnceEach();
    void approveAnswer_data();
    void approveAnswer();
    void notConnected();
};

void tst_DevicesPresenter::rows()
{
    const QString bunny = u"pm1-0000000000000000000000000000000a"_s;
    const QString sintel = u"pm1-0000000000000000000000000000000b"_s;
    const QString unknown = u"pm1-0000000000000000000000000000000c"_s;
    const QList<DeviceEntry> devices{
        device(u"d-1"_s, u"Living-room TV"_s, kNow - 1000, bunny, true),
        device(u"d-2"_s, u"Phone"_s, kNow - 5 * 60000, sintel),
        device(u"d-3"_s, u"Laptop"_s, kNow - 3 * 86400000LL, unknown),
        device(u"d-4"_s, u"Tablet"_s, kNow - 30000),
    };
    const QHash<QString, QString> titles{{bunny, u"Big Buck Bunny"_s}, {sintel, u"Sintel"_s}};
    const QList<DevicesPresenter::Row> rows = DevicesPresenter::rows(devices, kNow, titles);
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(0).id, u"d-1"_s);
    QCOMPARE(rows.at(0).name, u"Living-room TV"_s);
    QCOMPARE(rows.at(0).detail, u"This device · Big Buck Bunny"_s);
    QVERIFY(rows.at(0).thisDevice);
    QCOMPARE(rows.at(1).detail, u"last seen 5 min ago · Sintel"_s);
    QVERIFY(!rows.at(1).thisDevice);
    // A video this device never saw: nothing rather than an id.
    QCOMPARE(rows.at(2).detail, u"last seen 3 days ago"_s);
    QCOMPARE(rows.at(3).detail, u"last seen just now"_s);
    // In the server's order (newest last seen first), not re-sorted.
    QCOMPARE(rows.at(3).id, u"d-4"_s);
}

void tst_DevicesPresenter::thisDeviceFirst()
{
    const QList<DeviceEntry> devices{device(u"d-2"_s, u"Phone"_s, kNow - 1000),
                                     device(u"d-3"_s, u"Laptop"_s, kNow - 2000),
                                     device(u"d-1"_s, u"TV"_s, kNow - 3000, {}, true),
                                     device(u"d-4"_s, u"Tablet"_s, kNow - 4000)};
    QStringList ids;
    for (const DevicesPresenter::Row &row : DevicesPresenter::rows(devices, kNow, {}))
        ids << row.id;
    QCOMPARE(ids, QStringList({u"d-1"_s, u"d-2"_s, u"d-3"_s, u"d-4"_s}));
}

void tst_DevicesPresenter::unnamed_data()
{
    QTest::addColumn<qint64>("createdAtMs");
    QTest::addColumn<QString>("name");
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(kNow);
    QTest::newRow("today") << kNow - 3600000 << u"Unnamed device (since today)"_s;
    QTest::newRow("yesterday") << now.addDays(-1).toMSecsSinceEpoch()
                               << u"Unnamed device (since yesterday)"_s;
    QTest::newRow("this year") << QDateTime(QDate(2026, 3, 3), QTime(9, 0)).toMSecsSinceEpoch()
                               << u"Unnamed device (since 3 March)"_s;
    QTest::newRow("another year") << QDateTime(QDate(2024, 11, 30), QTime(9, 0)).toMSecsSinceEpoch()
                                  << u"Unnamed device (since 30 November 2024)"_s;
}

void tst_DevicesPresenter::unnamed()
{
    QFETCH(qint64, createdAtMs);
    QFETCH(QString, name);
    DeviceEntry entry = device(u"d-9"_s, QString(), kNow);
    entry.createdAtMs = createdAtMs;
    QCOMPARE(DevicesPresenter::name(entry, kNow), name);
    QCOMPARE(DevicesPresenter::rows({entry}, kNow, {}).at(0).name, name);
    entry.deviceName = u"Kitchen"_s;
    QCOMPARE(DevicesPresenter::name(entry, kNow), u"Kitchen"_s);
}

void tst_DevicesPresenter::contentIdsOnceEach()
{
    const QList<DeviceEntry> devices{
        device(u"d-1"_s, u"A"_s, kNow, u"pm1-a"_s), device(u"d-2"_s, u"B"_s, kNow, u"pm1-a"_s),
        device(u"d-3"_s, u"C"_s, kNow), device(u"d-4"_s, u"D"_s, kNow, u"pm1-b"_s)};
    QCOMPARE(DevicesPresenter::contentIds(devices), QStringList({u"pm1-a"_s, u"pm1-b"_s}));
}

void tst_DevicesPresenter::approveAnswer_data()
{
    QTest::addColumn<ApproveResult>("result");
    QTest::addColumn<QString>("text");
    QTest::newRow("approved") << answer(ApproveResult::Approved, u"Phone"_s)
                              << u"Phone is connected"_s;
    QTest::newRow("approved, no name")
        << answer(ApproveResult::Approved) << u"The device is connected"_s;
    QTest::newRow("wrong code") << answer(ApproveResult::WrongCode)
                                << u"That code is not valid or has expired"_s;
    QTest::newRow("too many, 10 minutes") << answer(ApproveResult::TooManyTries, {}, 600)
                                          << u"Too many wrong codes: try again in 10 minutes"_s;
    QTest::newRow("too many, rounded up") << answer(ApproveResult::TooManyTries, {}, 61)
                                          << u"Too many wrong codes: try again in 2 minutes"_s;
    QTest::newRow("too many, under a minute") << answer(ApproveResult::TooManyTries, {}, 12)
                                              << u"Too many wrong codes: try again in 1 minute"_s;
    QTest::newRow("too many, no Retry-After")
        << answer(ApproveResult::TooManyTries) << u"Too many wrong codes: try again in 1 minute"_s;
    QTest::newRow("failed") << answer(ApproveResult::Failed, {}, 0, u"no answer from the server"_s)
                            << u"Could not approve the code: no answer from the server"_s;
}

void tst_DevicesPresenter::approveAnswer()
{
    QFETCH(ApproveResult, result);
    QFETCH(QString, text);
    QCOMPARE(DevicesPresenter::approveAnswer(result), text);
}

void tst_DevicesPresenter::notConnected()
{
    using Connection = DevicesPresenter::Connection;
    QCOMPARE(DevicesPresenter::notConnectedText(Connection::Removed),
             u"This device was removed: connect again"_s);
    QVERIFY(DevicesPresenter::notConnectedText(Connection::NoServer).contains(u"address"_s));
    QVERIFY(DevicesPresenter::notConnectedText(Connection::NoToken).contains(u"not connected"_s));
    QCOMPARE(DevicesPresenter::removeFailed(u"Phone"_s, u"timed out"_s),
             u"Could not remove Phone: timed out"_s);
    QCOMPARE(DevicesPresenter::listFailed(u"timed out"_s),
             u"Could not list the devices: timed out"_s);
}

QTEST_GUILESS_MAIN(tst_DevicesPresenter)
#include "tst_devicespresenter.moc"
