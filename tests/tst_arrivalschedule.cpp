// ArrivalSchedule: the open-model timeline. Due times depend on the seed alone: a generator that
// falls behind takes the same arrivals with the same times later, and the ones after do not move.

#include "arrivalschedule.h"

#include <QTest>

#include <map>
#include <vector>

namespace {

constexpr qint64 kMs = 1'000'000;
constexpr qint64 kSecond = 1000 * kMs;

using Timeline = std::vector<std::pair<qint64, int>>;

// Takes every arrival due before `end`, looking at the clock every `step`.
Timeline drain(ArrivalSchedule &schedule, qint64 end, qint64 step)
{
    Timeline taken;
    ArrivalSchedule::Arrival arrival;
    for (qint64 now = 0;; now += step) {
        const qint64 limit = std::min(now, end - 1);
        while (schedule.takeDue(limit, &arrival))
            taken.emplace_back(arrival.atNs, arrival.source);
        if (now >= end)
            break;
    }
    return taken;
}

} // namespace

class tst_ArrivalSchedule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lateTakingKeepsTheTimeline_data();
    void lateTakingKeepsTheTimeline();
    void aStallDoesNotShiftLaterArrivals();
    void devicesReportEveryIntervalWithinJitter();
    void firstReportsSpreadOverOneInterval();
    void aggregateRateIsDevicesOverInterval();
    void aggregateRateHoldsFromTheStart();
    void readsAreEvenlySpaced();
    void nothingIsDueBeforeItsTime();
    void seedChangesTheTimeline();
};

void tst_ArrivalSchedule::lateTakingKeepsTheTimeline_data()
{
    QTest::addColumn<qint64>("step");
    QTest::newRow("every 50 us") << 50'000LL;
    QTest::newRow("every 7 ms") << 7 * kMs;
    QTest::newRow("every 400 ms") << 400 * kMs;
    QTest::newRow("once, at the end") << 10 * kSecond;
}

void tst_ArrivalSchedule::lateTakingKeepsTheTimeline()
{
    QFETCH(qint64, step);
    ArrivalSchedule reference(50, 200 * kMs, 0.1, 120.0, 9);
    ArrivalSchedule late(50, 200 * kMs, 0.1, 120.0, 9);
    const Timeline expected = drain(reference, 3 * kSecond, kMs);
    const Timeline taken = drain(late, 3 * kSecond, step);
    QCOMPARE(taken.size(), expected.size());
    QVERIFY(taken == expected);
}

void tst_ArrivalSchedule::aStallDoesNotShiftLaterArrivals()
{
    // A generator busy for 2 s takes the backlog with its own due times, then carries on as if
    // nothing had happened: no arrival is moved to "now".
    ArrivalSchedule schedule(1, 100 * kMs, 0.0, 0.0, 1);
    ArrivalSchedule::Arrival arrival;
    QVERIFY(schedule.takeDue(2 * kSecond, &arrival));
    const qint64 first = arrival.atNs;
    QVERIFY(first < 100 * kMs);
    std::vector<qint64> backlog;
    while (schedule.takeDue(2 * kSecond, &arrival))
        backlog.push_back(arrival.atNs);
    QCOMPARE(int(backlog.size()), int((2 * kSecond - first) / (100 * kMs)));
    for (size_t i = 0; i < backlog.size(); ++i)
        QCOMPARE(backlog[i], first + qint64(i + 1) * 100 * kMs);
    QCOMPARE(schedule.nextAtNs(), first + qint64(backlog.size() + 1) * 100 * kMs);
}

void tst_ArrivalSchedule::devicesReportEveryIntervalWithinJitter()
{
    ArrivalSchedule schedule(20, 5 * kSecond, 0.1, 0.0, 3);
    const Timeline taken = drain(schedule, 120 * kSecond, 100 * kMs);
    std::map<int, qint64> last;
    int gaps = 0;
    for (const auto &[at, device] : taken) {
        QVERIFY(device >= 0 && device < 20);
        if (last.count(device)) {
            const qint64 gap = at - last[device];
            QVERIFY2(gap >= 4500 * kMs && gap <= 5500 * kMs, qPrintable(QString::number(gap)));
            ++gaps;
        }
        last[device] = at;
    }
    QCOMPARE(int(last.size()), 20);
    QVERIFY(gaps > 20 * 20);
}

void tst_ArrivalSchedule::firstReportsSpreadOverOneInterval()
{
    // Random but evenly spread phases: not all devices at once at t = 0, which would be a
    // thundering herd, and the rate right from the start. (No jitter, so that no device's second
    // report falls into the first interval.)
    ArrivalSchedule schedule(1000, 5 * kSecond, 0.0, 0.0, 5);
    const Timeline taken = drain(schedule, 5 * kSecond, kSecond);
    int perSecond[5] = {};
    for (const auto &[at, device] : taken) {
        Q_UNUSED(device)
        ++perSecond[at / kSecond];
    }
    QCOMPARE(int(taken.size()), 1000);
    for (const int count : perSecond)
        QVERIFY2(count >= 198 && count <= 202, qPrintable(QString::number(count)));
}

void tst_ArrivalSchedule::aggregateRateIsDevicesOverInterval()
{
    // 500 devices every 0.5 s: 1000 updates a second, over 20 s within 1%.
    ArrivalSchedule schedule(500, 500 * kMs, 0.1, 0.0, 11);
    const Timeline taken = drain(schedule, 20 * kSecond, 10 * kMs);
    QVERIFY2(std::abs(int(taken.size()) - 20000) <= 200, qPrintable(QString::number(taken.size())));
}

void tst_ArrivalSchedule::aggregateRateHoldsFromTheStart()
{
    // 25000 devices every 5 s with 10% jitter, over the first 10 s: 50000 reports, give or take
    // a few dozen. Uniform first phases over one interval would give about 50200.
    for (const quint32 seed : {1u, 2u, 3u}) {
        ArrivalSchedule schedule(25000, 5 * kSecond, 0.1, 0.0, seed);
        const Timeline taken = drain(schedule, 10 * kSecond, 10 * kSecond);
        QVERIFY2(std::abs(int(taken.size()) - 50000) <= 150,
                 qPrintable(QString::number(taken.size())));
    }
}

void tst_ArrivalSchedule::readsAreEvenlySpaced()
{
    ArrivalSchedule schedule(0, kSecond, 0.1, 300.0, 1);
    const Timeline taken = drain(schedule, 10 * kSecond, 33 * kMs);
    QCOMPARE(int(taken.size()), 3000);
    for (size_t i = 0; i < taken.size(); ++i) {
        QCOMPARE(taken[i].second, ArrivalSchedule::kReadSource);
        // i / 300 s, to the nanosecond: computed from the start, no drift after thousands.
        QVERIFY(std::abs(taken[i].first - qint64(i) * kSecond / 300) <= 1);
    }
}

void tst_ArrivalSchedule::nothingIsDueBeforeItsTime()
{
    ArrivalSchedule schedule(10, kSecond, 0.2, 50.0, 2);
    ArrivalSchedule::Arrival arrival;
    for (qint64 now = 0; now < 3 * kSecond; now += 3 * kMs) {
        while (schedule.takeDue(now, &arrival))
            QVERIFY(arrival.atNs <= now);
        QVERIFY(schedule.nextAtNs() > now);
    }
}

void tst_ArrivalSchedule::seedChangesTheTimeline()
{
    ArrivalSchedule a(10, kSecond, 0.1, 0.0, 1);
    ArrivalSchedule b(10, kSecond, 0.1, 0.0, 2);
    QVERIFY(drain(a, 3 * kSecond, kMs) != drain(b, 3 * kSecond, kMs));
}

QTEST_APPLESS_MAIN(tst_ArrivalSchedule)
#include "tst_arrivalschedule.moc"
