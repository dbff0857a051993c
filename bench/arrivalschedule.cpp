#include "arrivalschedule.h"

#include <cmath>

ArrivalSchedule::ArrivalSchedule(int devices, qint64 intervalNs, double jitter,
                                 double readsPerSecond, quint32 seed)
    : m_random(seed), m_jitter(-jitter, jitter), m_intervalNs(intervalNs)
{
    // Each device is already in its rhythm when the run starts: its first report comes after a
    // random part of a gap drawn the way a clock looking in at a random moment meets one (longer
    // gaps more often, in proportion to their length). Plain uniform phases over one interval
    // would put about 0.4% more reports than devices / interval into the first two intervals.
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double shortest = double(intervalNs) * (1.0 - jitter);
    const double longest = double(intervalNs) * (1.0 + jitter);
    std::vector<Arrival> initial;
    initial.reserve(size_t(devices) + 1);
    for (int device = 0; device < devices; ++device) {
        const double gap = std::sqrt(shortest * shortest
                                     + unit(m_random) * (longest * longest - shortest * shortest));
        // Stratified: device d takes a random point of the d-th of N equal slices, so that even a
        // few devices spread evenly and the rate holds over short windows too.
        const double slice = (double(device) + unit(m_random)) / double(devices);
        initial.push_back({qint64(slice * gap), device});
    }
    if (readsPerSecond > 0) {
        m_readPeriodNs = 1e9 / readsPerSecond;
        initial.push_back({0, kReadSource});
    }
    m_queue = decltype(m_queue)(Later(), std::move(initial));
}

qint64 ArrivalSchedule::nextDeviceGap()
{
    const double factor = 1.0 + m_jitter(m_random);
    return std::max<qint64>(1, qint64(std::llround(double(m_intervalNs) * factor)));
}

bool ArrivalSchedule::takeDue(qint64 nowNs, Arrival *arrival)
{
    if (m_queue.empty() || m_queue.top().atNs > nowNs)
        return false;
    *arrival = m_queue.top();
    m_queue.pop();
    Arrival next = *arrival;
    if (arrival->source == kReadSource) {
        // From the start, not from the previous read: no rounding error accumulates.
        ++m_readsTaken;
        next.atNs = qint64(std::llround(double(m_readsTaken) * m_readPeriodNs));
    } else {
        next.atNs = arrival->atNs + nextDeviceGap();
    }
    m_queue.push(next);
    return true;
}
