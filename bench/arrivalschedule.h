#pragma once

#include <QtGlobal>

#include <queue>
#include <random>
#include <vector>

// When each request is due, as a fixed timeline in nanoseconds from the start of the run.
//
// Device d reports first at a random phase, then every interval times (1 +- jitter), each time
// counted from its previous *scheduled* time, so N devices make N / interval reports a second
// from the first second on. Reads are evenly spaced at
// `readsPerSecond`. The timeline depends only on the arguments and the seed: taking arrivals late
// (a busy generator, a slow server) returns the same times, never shifts the ones after, so the
// load stays open-model and latencies can be measured from these times.
class ArrivalSchedule
{
public:
    static constexpr int kReadSource = -1;

    struct Arrival
    {
        qint64 atNs = 0;
        int source = kReadSource; // a device number, or kReadSource
    };

    ArrivalSchedule(int devices, qint64 intervalNs, double jitter, double readsPerSecond,
                    quint32 seed);

    bool isEmpty() const { return m_queue.empty(); }
    // The earliest pending arrival; only valid when !isEmpty().
    qint64 nextAtNs() const { return m_queue.top().atNs; }
    // Pops the earliest arrival if it is due at or before nowNs.
    bool takeDue(qint64 nowNs, Arrival *arrival);

private:
    struct Later
    {
        bool operator()(const Arrival &a, const Arrival &b) const
        {
            return a.atNs != b.atNs ? a.atNs > b.atNs : a.source > b.source;
        }
    };

    qint64 nextDeviceGap();

    std::priority_queue<Arrival, std::vector<Arrival>, Later> m_queue;
    std::mt19937_64 m_random;
    std::uniform_real_distribution<double> m_jitter;
    qint64 m_intervalNs = 0;
    double m_readPeriodNs = 0;
    qint64 m_readsTaken = 0;
};
