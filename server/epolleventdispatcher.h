#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QMultiHash>

#include <atomic>
#include <set>
#include <utility>

class QSocketNotifier;

// A Qt event dispatcher on Linux's epoll, for threads that hold thousands of sockets.
//
// Qt 6.4's Unix dispatcher builds a pollfd for every socket notifier of the thread and polls them
// all on every pass of the event loop: with 5,000 event streams on an HTTP thread, 60% of the
// server's CPU went to the kernel's sock_poll/tcp_poll over sockets with nothing to say (perf,
// 10,000 streams, 2,000 updates/s). Here the kernel keeps the interest list (epoll_ctl when a
// notifier is enabled or disabled) and a pass costs what is ready, not what is open.
//
// Semantics follow Qt's Unix dispatcher: posted events first, then a wait bounded by the next
// timer, then the ready socket notifiers (a hang-up or an error wakes every notifier of the
// socket, as Qt's does), then the due timers, each at most once a pass; a timer never fires
// inside its own handler's nested loop, and what a nested loop served is not served again by the
// pass around it. Every timer is kept to the millisecond (Qt's coarse timers may come up to
// 5% late; these come on time).
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EpollEventDispatcher)
public:
    // A new dispatcher, or null (with the reason in `error`) where epoll is not available; or
    // null with no error when the environment variable PLAYMARK_EVENT_LOOP is "qt": Qt's own
    // dispatcher then, for comparison (bench/run measures both).
    static EpollEventDispatcher *create(QString *error = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override; // any thread
    void interrupt() override; // any thread

private:
    EpollEventDispatcher(int epollFd, int wakeFd);

    // The notifiers of one descriptor (QSocketNotifier::Read, Write, Exception) and what epoll
    // watches for it. `generation` tells a descriptor number closed and reused apart.
    struct Watch
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr};
        quint32 events = 0;
        quint64 generation = 0;
        quint64 collectedIn = 0; // the pass that last found it ready
        bool polledAlways = false; // epoll refused it (a regular file): always ready, as poll says
    };
    struct Timer
    {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        qint64 deadlineNs = 0;
        quint64 serial = 0; // this registration
        bool firing = false; // its handler is running (a nested loop must not fire it again)
    };
    struct Ready
    {
        int fd;
        quint64 generation;
        quint64 pass;
        quint32 events;
    };

    void updateWatch(int fd, Watch &watch);
    template<typename List>
    int activateNotifiers(const List &ready);
    int activateTimers();
    void schedule(int timerId, Timer &timer, qint64 deadlineNs);
    int waitMs(bool canWait, bool includeTimers) const;
    void drainWake();

    const int m_epoll;
    const int m_wake; // eventfd: wakeUp() from any thread
    std::atomic<bool> m_interrupted{false};
    QHash<int, Watch> m_watches;
    quint64 m_generations = 0;
    quint64 m_passes = 0;
    QList<int> m_polledAlways; // descriptors epoll refused
    QHash<int, Timer> m_timers;
    QMultiHash<QObject *, int> m_timersByObject;
    std::set<std::pair<qint64, int>> m_deadlines; // (deadline ns, timer id), soonest first
    quint64 m_timerSerials = 0;
};
