#include "wakeuptimer.h"

#include <QSocketNotifier>

#ifdef Q_OS_LINUX
#include <sys/timerfd.h>
#include <unistd.h>
#endif

#include <algorithm>

WakeupTimer::WakeupTimer(QObject *parent) : QObject(parent)
{
    m_fallback.setSingleShot(true);
    m_fallback.setTimerType(Qt::PreciseTimer);
    connect(&m_fallback, &QTimer::timeout, this, &WakeupTimer::timeout);
#ifdef Q_OS_LINUX
    m_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_fd >= 0) {
        m_notifier = new QSocketNotifier(qintptr(m_fd), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &WakeupTimer::onActivated);
    }
#endif
}

WakeupTimer::~WakeupTimer()
{
#ifdef Q_OS_LINUX
    if (m_fd >= 0) {
        delete m_notifier;
        ::close(m_fd);
    }
#endif
}

void WakeupTimer::start(qint64 delayNs)
{
    delayNs = std::max<qint64>(delayNs, 1); // zero would disarm the timerfd
#ifdef Q_OS_LINUX
    if (m_fd >= 0) {
        itimerspec spec{};
        spec.it_value.tv_sec = time_t(delayNs / 1'000'000'000);
        spec.it_value.tv_nsec = long(delayNs % 1'000'000'000);
        if (timerfd_settime(m_fd, 0, &spec, nullptr) == 0)
            return;
    }
#endif
    m_fallback.start(int(std::min<qint64>((delayNs + 999'999) / 1'000'000, 1'000'000)));
}

void WakeupTimer::stop()
{
    m_fallback.stop();
#ifdef Q_OS_LINUX
    if (m_fd >= 0) {
        const itimerspec disarmed{};
        timerfd_settime(m_fd, 0, &disarmed, nullptr);
    }
#endif
}

void WakeupTimer::onActivated()
{
#ifdef Q_OS_LINUX
    quint64 expirations = 0;
    if (::read(m_fd, &expirations, sizeof expirations) != qint64(sizeof expirations))
        return; // disarmed or re-armed since it became readable
#endif
    Q_EMIT timeout();
}
