// DeviceActivity: when a device's last seen, last video and name are worth a write.
#include "deviceactivity.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

ProgressRecord report(const QString &contentId, qint64 observedAtMs,
                      const QString &deviceName = u"TV"_s)
{
    ProgressRecord record;
    record.contentId = contentId;
    record.deviceId = u"tv-1"_s;
    record.deviceName = deviceName;
    record.observedAtMs = observedAtMs;
    return record;
}

} // namespace

class TestDeviceActivity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestsTouchOnceAMinute();
    void updatesTouchWhenTheirVideoOrNameChanges();
    void olderUpdatesAreNotTheLastVideo();
    void devicesAreCountedApart();
};

void TestDeviceActivity::requestsTouchOnceAMinute()
{
    DeviceActivity activity;
    const std::optional<DeviceTouch> first = activity.seen(u"d-1"_s, 1000);
    QVERIFY(first);
    QCOMPARE(first->deviceKey, u"d-1"_s);
    QCOMPARE(first->seenAtMs, 1000);
    QVERIFY(first->contentId.isEmpty());
    QVERIFY(first->deviceName.isEmpty());
    QVERIFY(!activity.seen(u"d-1"_s, 1000 + DeviceActivity::kTouchIntervalMs - 1));
    QVERIFY(activity.seen(u"d-1"_s, 1000 + DeviceActivity::kTouchIntervalMs));
    QVERIFY(!activity.seen(QString(), 1000)); // no device: nothing to write
}

void TestDeviceActivity::updatesTouchWhenTheirVideoOrNameChanges()
{
    DeviceActivity activity;
    const std::optional<DeviceTouch> first = activity.updated(u"d-1"_s, report(u"a"_s, 10), 1000);
    QVERIFY(first);
    QCOMPARE(first->contentId, u"a"_s);
    QCOMPARE(first->deviceName, u"TV"_s);
    // The same video and name within the minute: nothing, requests included.
    QVERIFY(!activity.updated(u"d-1"_s, report(u"a"_s, 20), 2000));
    QVERIFY(!activity.seen(u"d-1"_s, 3000));
    const std::optional<DeviceTouch> other = activity.updated(u"d-1"_s, report(u"b"_s, 30), 4000);
    QVERIFY(other);
    QCOMPARE(other->contentId, u"b"_s);
    const std::optional<DeviceTouch> renamed =
        activity.updated(u"d-1"_s, report(u"b"_s, 40, u"Den TV"_s), 5000);
    QVERIFY(renamed);
    QCOMPARE(renamed->deviceName, u"Den TV"_s);
    // A report without a name keeps the one known.
    QVERIFY(!activity.updated(u"d-1"_s, report(u"b"_s, 50, QString()), 6000));
    const std::optional<DeviceTouch> later =
        activity.updated(u"d-1"_s, report(u"b"_s, 60), 5000 + DeviceActivity::kTouchIntervalMs);
    QVERIFY(later);
    QCOMPARE(later->deviceName, u"TV"_s);
}

void TestDeviceActivity::olderUpdatesAreNotTheLastVideo()
{
    DeviceActivity activity;
    QVERIFY(activity.updated(u"d-1"_s, report(u"new"_s, 100), 1000));
    QVERIFY(!activity.updated(u"d-1"_s, report(u"old"_s, 50, u"Old name"_s), 2000));
    const std::optional<DeviceTouch> touch =
        activity.seen(u"d-1"_s, 1000 + DeviceActivity::kTouchIntervalMs);
    QVERIFY(touch);
    QCOMPARE(touch->contentId, u"new"_s);
    QCOMPARE(touch->deviceName, u"TV"_s);
}

void TestDeviceActivity::devicesAreCountedApart()
{
    DeviceActivity activity;
    QVERIFY(activity.seen(u"d-1"_s, 1000));
    QVERIFY(activity.seen(u"d-2"_s, 1000));
    QCOMPARE(activity.size(), 2);
}

QTEST_GUILESS_MAIN(TestDeviceActivity)
#include "tst_deviceactivity.moc"
