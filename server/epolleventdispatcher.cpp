#include "epolleventdispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QVarLengthArray>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace {

constexpr int kMaxEventsAPass = 256;
// As Qt's Unix dispatcher reads poll(): a hang-up or an error wakes every notifier of the socket.
constexpr quint32 kReadEvents = EPOLLIN | EPOLLHUP | EPOLLERR;
constexpr quint32 kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;
constexpr quint32 kExceptionEvents = EPOLLPRI | EPOLLHUP | EPOLLERR;
constexpr qint64 kNsPerMs = 1'000'000;

qint64 nowNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

quint32 interestOf(QSocketNotifier::Type type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return EPOLLIN;
    case QSocketNotifier::Write:
        return EPOLLOUT;
    case QSocketNotifier::Exception:
        return EPOLLPRI;
    }
    return 0;
}

} // namespace

EpollEventDispatcher *EpollEventDispatcher::create(QString *error)
{
    if (qgetenv("PLAYMARK_EVENT_LOOP") == "qt")
        return nullptr;
    const int epollFd = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd < 0) {
        if (error)
            *error =
                QStringLiteral("epoll_create1: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return nullptr;
    }
    const int wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = wakeFd;
    if (wakeFd < 0 || epoll_ctl(epollFd, EPOLL_CTL_ADD, wakeFd, &wake) != 0) {
        if (error)
            *error = QStringLiteral("eventfd: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        if (wakeFd >= 0)
            close(wakeFd);
        close(epollFd);
        return nullptr;
    }
    return new EpollEventDispatcher(epollFd, wakeFd);
}

EpollEventDispatcher::EpollEventDispatcher(int epollFd, int wakeFd)
    : m_epoll(epollFd), m_wake(wakeFd)
{
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    close(m_wake);
    close(m_epoll);
}

// --- socket notifiers ----------------------------------------------------------------------

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    auto it = m_watches.find(fd);
    if (it == m_watches.end()) {
        it = m_watches.insert(fd, Watch());
        it->generation = ++m_generations;
    }
    const int type = int(notifier->type());
    if (it->notifiers[type] && it->notifiers[type] != notifier) {
        // The descriptor was closed with its notifier still on (epoll forgot it then) and the
        // number now belongs to a new socket: watch it afresh.
        qWarning("EpollEventDispatcher: a second socket notifier of the same type for socket %d",
                 fd);
        it->events = 0;
        it->generation = ++m_generations;
    }
    it->notifiers[type] = notifier;
    updateWatch(fd, *it);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const auto it = m_watches.find(fd);
    const int type = int(notifier->type());
    if (it == m_watches.end() || it->notifiers[type] != notifier)
        return;
    it->notifiers[type] = nullptr;
    updateWatch(fd, *it);
    if (!it->notifiers[0] && !it->notifiers[1] && !it->notifiers[2])
        m_watches.erase(it);
}

// Tells epoll what `watch` now wants of `fd`: added, changed or removed.
void EpollEventDispatcher::updateWatch(int fd, Watch &watch)
{
    quint32 wanted = 0;
    for (int type = 0; type < 3; ++type) {
        if (watch.notifiers[type])
            wanted |= interestOf(QSocketNotifier::Type(type));
    }
    if (watch.polledAlways) {
        if (wanted == 0)
            m_polledAlways.removeOne(fd);
        watch.events = wanted;
        return;
    }
    if (wanted == watch.events)
        return;
    epoll_event event{};
    event.events = wanted;
    event.data.fd = fd;
    int result = 0;
    if (wanted == 0) {
        // The descriptor may already be closed (epoll forgets it by itself then).
        result = epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event);
        if (result != 0 && (errno == ENOENT || errno == EBADF))
            result = 0;
    } else if (watch.events == 0) {
        result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        // Still in the set under an old registration of the same number: change it.
        if (result != 0 && errno == EEXIST)
            result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
    } else {
        result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        // Closed and opened again behind our back: epoll dropped it with the close.
        if (result != 0 && errno == ENOENT)
            result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
    }
    if (result != 0 && errno == EPERM) {
        // A regular file or a directory: poll() calls those always ready, and so does this.
        watch.polledAlways = true;
        watch.events = wanted;
        m_polledAlways.append(fd);
        return;
    }
    if (result != 0) {
        qWarning("EpollEventDispatcher: epoll_ctl on socket %d: %s", fd, strerror(errno));
        return;
    }
    watch.events = wanted;
}

template<typename List>
int EpollEventDispatcher::activateNotifiers(const List &ready)
{
    int activated = 0;
    QEvent event(QEvent::SockAct);
    for (const Ready &item : ready) {
        // Looked up again before each type: a handler may disable, delete or replace notifiers
        // of this descriptor or of the ones after it.
        for (int type = 0; type < 3; ++type) {
            const auto it = m_watches.constFind(item.fd);
            // Gone, replaced, or collected again (and served) by a nested loop's pass.
            if (it == m_watches.cend() || it->generation != item.generation
                || it->collectedIn != item.pass)
                break;
            QSocketNotifier *notifier = it->notifiers[type];
            if (!notifier)
                continue;
            const quint32 triggers = type == QSocketNotifier::Read ? kReadEvents
                : type == QSocketNotifier::Write                   ? kWriteEvents
                                                                   : kExceptionEvents;
            if (!(item.events & triggers))
                continue;
            QCoreApplication::sendEvent(notifier, &event);
            ++activated;
        }
    }
    return activated;
}

// --- timers --------------------------------------------------------------------------------

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (timerId < 1 || interval < 0 || !object) {
        qWarning("EpollEventDispatcher::registerTimer: invalid arguments");
        return;
    }
    unregisterTimer(timerId); // a stale registration of the same id must not fire
    Timer timer;
    timer.object = object;
    timer.intervalMs = interval;
    timer.type = timerType;
    timer.serial = ++m_timerSerials;
    Timer &stored = *m_timers.insert(timerId, timer);
    m_timersByObject.insert(object, timerId);
    schedule(timerId, stored, nowNs() + interval * kNsPerMs);
}

void EpollEventDispatcher::schedule(int timerId, Timer &timer, qint64 deadlineNs)
{
    m_deadlines.erase({timer.deadlineNs, timerId});
    timer.deadlineNs = deadlineNs;
    m_deadlines.insert({deadlineNs, timerId});
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_deadlines.erase({it->deadlineNs, timerId});
    m_timersByObject.remove(it->object, timerId);
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    const QList<int> ids = m_timersByObject.values(object);
    for (const int id : ids)
        unregisterTimer(id);
    return !ids.isEmpty();
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> result;
    for (auto it = m_timersByObject.constFind(object);
         it != m_timersByObject.cend() && it.key() == object; ++it) {
        const Timer &timer = m_timers[*it];
        result.append(TimerInfo(*it, int(timer.intervalMs), timer.type));
    }
    return result;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const qint64 left = it->deadlineNs - nowNs();
    return left <= 0 ? 0 : int((left + kNsPerMs - 1) / kNsPerMs);
}

int EpollEventDispatcher::activateTimers()
{
    if (m_deadlines.empty())
        return 0;
    const qint64 now = nowNs();
    // Those due now, each fired once this pass: a zero-interval timer comes back next pass,
    // after the sockets have had theirs.
    std::vector<std::pair<int, quint64>> due; // (id, serial)
    for (const auto &[deadline, id] : m_deadlines) {
        if (deadline > now)
            break;
        due.push_back({id, m_timers[id].serial});
    }
    int fired = 0;
    for (const auto &[id, serial] : due) {
        auto it = m_timers.find(id);
        // Gone or registered anew by an earlier handler; running further up the stack; or fired
        // (and so rescheduled) by a nested loop since this list was made.
        if (it == m_timers.end() || it->serial != serial || it->firing || it->deadlineNs > now)
            continue;
        // The next deadline on the grid of the first; if the loop fell behind by more than an
        // interval, one interval from now instead of a burst of catch-ups (as Qt does).
        qint64 next = it->deadlineNs + it->intervalMs * kNsPerMs;
        if (next < now)
            next = now + it->intervalMs * kNsPerMs;
        schedule(id, *it, next);
        it->firing = true;
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++fired;
        it = m_timers.find(id);
        if (it != m_timers.end() && it->serial == serial)
            it->firing = false;
    }
    return fired;
}

// --- the loop ------------------------------------------------------------------------------

// How long this pass may block: -1 for as long as it takes.
int EpollEventDispatcher::waitMs(bool canWait, bool includeTimers) const
{
    if (!canWait || !m_polledAlways.isEmpty())
        return 0;
    if (!includeTimers)
        return -1;
    for (const auto &[deadline, id] : m_deadlines) {
        if (m_timers.value(id).firing)
            continue; // not fired again until its handler returns
        const qint64 left = deadline - nowNs();
        return left <= 0 ? 0 : int(qMin<qint64>((left + kNsPerMs - 1) / kNsPerMs, INT_MAX));
    }
    return -1;
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.store(false, std::memory_order_relaxed);
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool canWait =
        (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed);
    if (canWait)
        Q_EMIT aboutToBlock();
    if (m_interrupted.load(std::memory_order_relaxed))
        return false;

    const int timeoutMs = waitMs(canWait, includeTimers);
    int handled = 0;
    // On the stack: a notifier's handler may run a nested loop, which makes a list of its own.
    QVarLengthArray<Ready, kMaxEventsAPass> ready;
    const quint64 pass = ++m_passes;
    if (includeNotifiers) {
        epoll_event events[kMaxEventsAPass];
        const int count = epoll_wait(m_epoll, events, kMaxEventsAPass, timeoutMs);
        for (int i = 0; i < count; ++i) {
            const int fd = events[i].data.fd;
            if (fd == m_wake) {
                drainWake();
                ++handled;
                continue;
            }
            const auto it = m_watches.find(fd);
            if (it != m_watches.end()) {
                it->collectedIn = pass;
                ready.append({fd, it->generation, pass, events[i].events});
            }
        }
        for (const int fd : std::as_const(m_polledAlways)) {
            const auto it = m_watches.find(fd);
            if (it != m_watches.end()) {
                it->collectedIn = pass;
                ready.append({fd, it->generation, pass, EPOLLIN | EPOLLOUT});
            }
        }
    } else {
        // Sockets left out: wait on the wake-up alone (epoll would report them ready again and
        // again, being level-triggered).
        pollfd wake{m_wake, POLLIN, 0};
        if (poll(&wake, 1, timeoutMs) > 0) {
            drainWake();
            ++handled;
        }
    }
    handled += activateNotifiers(ready);
    if (includeTimers)
        handled += activateTimers();
    return handled > 0;
}

void EpollEventDispatcher::drainWake()
{
    eventfd_t value = 0;
    eventfd_read(m_wake, &value);
}

void EpollEventDispatcher::wakeUp()
{
    eventfd_write(m_wake, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}
