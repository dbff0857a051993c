// EpollEventDispatcher, the event loop of the server's HTTP threads and of playmark-streamload:
// on a thread of its own, driven through Qt's own timers, socket notifiers, sockets and queued
// calls, as the server uses it. Every wait here is for the event that matters.

#include "epolleventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QEventLoop>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int kTimeoutMs = 30000;

// A thread running EpollEventDispatcher; run() executes a function there and waits for it.
class EpollThread
{
public:
    EpollThread()
    {
        QString error;
        EpollEventDispatcher *dispatcher = EpollEventDispatcher::create(&error);
        m_ok = dispatcher != nullptr;
        if (!m_ok) {
            qWarning("no epoll dispatcher: %s", qPrintable(error));
            return;
        }
        m_thread.setEventDispatcher(dispatcher);
        m_home = new QObject;
        m_home->moveToThread(&m_thread);
        QObject::connect(&m_thread, &QThread::finished, m_home, &QObject::deleteLater);
        m_thread.start();
    }
    ~EpollThread()
    {
        m_thread.quit();
        m_thread.wait();
    }
    bool ok() const { return m_ok; }
    QThread &thread() { return m_thread; }
    QObject *home() const { return m_home; }
    void run(const std::function<void()> &job)
    {
        QMetaObject::invokeMethod(m_home, job, Qt::BlockingQueuedConnection);
    }

private:
    QThread m_thread;
    QObject *m_home = nullptr;
    bool m_ok = false;
};

// Both ends of a connected Unix socket pair; closed at the end.
struct SocketPair
{
    int fds[2] = {-1, -1};
    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
    ~SocketPair()
    {
        for (const int fd : fds) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    bool ok() const { return fds[0] >= 0 && fds[1] >= 0; }
};

} // namespace

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isTheThreadsDispatcher();
    void timersFireInDeadlineOrderAndStop();
    void timerQueries();
    void zeroTimerDoesNotStarveSockets();
    void timerIsNotReenteredByANestedLoop();
    void crossThreadCallsWakeABlockedLoop();
    void tcpEchoOverManyConnections();
    void notifierRemovedDuringAPassIsNotCalled();
    void excludedSocketNotifiersWaitTheirTurn();
    void regularFileIsAlwaysReady();
    void everyReadySocketIsServedOnce();
    void nestedPassDoesNotServeTwice();
    void hangUpWakesEveryNotifier();
    void reusedDescriptorIsWatchedAfresh();
    void qtLoopWhenAskedFor();
};

void tst_EpollEventDispatcher::isTheThreadsDispatcher()
{
    EpollThread loop;
    QVERIFY(loop.ok());
    QVERIFY(
        qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(&loop.thread())));
}

void tst_EpollEventDispatcher::timersFireInDeadlineOrderAndStop()
{
    QList<QByteArray> fired; // written on the loop's thread, read here once it is all over
    std::atomic<bool> lateFired{false};
    std::atomic<int> repeats{0};
    std::atomic<bool> quietAfterStop{false};
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        // Started first, due last.
        QTimer::singleShot(300, loop.home(), [&] {
            fired.append("late");
            lateFired = true;
        });
        QTimer::singleShot(20, loop.home(), [&] { fired.append("early"); });
        auto *repeating = new QTimer(loop.home());
        QObject::connect(repeating, &QTimer::timeout, [&, repeating] {
            if (++repeats == 5) {
                repeating->stop();
                // Well after its next tick would have come.
                QTimer::singleShot(100, loop.home(), [&] { quietAfterStop = true; });
            }
        });
        repeating->start(5);
    });
    QTRY_VERIFY_WITH_TIMEOUT(lateFired.load() && quietAfterStop.load(), kTimeoutMs);
    loop.run([] {}); // what the loop's thread wrote is seen from here on
    QCOMPARE(fired, (QList<QByteArray>{"early", "late"}));
    QCOMPARE(repeats.load(), 5);
}

void tst_EpollEventDispatcher::timerQueries()
{
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        auto *dispatcher = QAbstractEventDispatcher::instance();
        QObject owner;
        const int slow = owner.startTimer(10000, Qt::VeryCoarseTimer);
        const int fast = owner.startTimer(1000, Qt::PreciseTimer);
        const QList<QAbstractEventDispatcher::TimerInfo> timers =
            dispatcher->registeredTimers(&owner);
        QCOMPARE(timers.size(), 2);
        for (const auto &timer : timers) {
            QVERIFY(timer.timerId == slow || timer.timerId == fast);
            QCOMPARE(timer.interval, timer.timerId == slow ? 10000 : 1000);
            QCOMPARE(timer.timerType,
                     timer.timerId == slow ? Qt::VeryCoarseTimer : Qt::PreciseTimer);
        }
        const int left = dispatcher->remainingTime(slow);
        QVERIFY2(left > 0 && left <= 10000, qPrintable(QString::number(left)));
        owner.killTimer(fast);
        QCOMPARE(dispatcher->remainingTime(fast), -1);
        QCOMPARE(dispatcher->registeredTimers(&owner).size(), 1);
        // Unregistered with its object.
        QVERIFY(dispatcher->unregisterTimers(&owner));
        QVERIFY(dispatcher->registeredTimers(&owner).isEmpty());
        QVERIFY(!dispatcher->unregisterTimers(&owner));
    });
}

void tst_EpollEventDispatcher::zeroTimerDoesNotStarveSockets()
{
    SocketPair pair;
    QVERIFY(pair.ok());
    std::atomic<int> zeroTicks{0};
    std::atomic<bool> read{false};
    QTimer *zero = nullptr;
    QSocketNotifier *notifier = nullptr;
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        zero = new QTimer(loop.home());
        QObject::connect(zero, &QTimer::timeout, [&] { ++zeroTicks; });
        zero->start(0);
        notifier = new QSocketNotifier(pair.fds[0], QSocketNotifier::Read, loop.home());
        QObject::connect(notifier, &QSocketNotifier::activated, [&] {
            char buffer[16];
            if (::read(pair.fds[0], buffer, sizeof buffer) > 0)
                read = true;
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(zeroTicks.load() > 10, kTimeoutMs);
    QCOMPARE(::write(pair.fds[1], "x", 1), ssize_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(read.load(), kTimeoutMs);
    QVERIFY(zeroTicks.load() > 10);
    loop.run([&] {
        delete zero;
        delete notifier;
    });
}

void tst_EpollEventDispatcher::timerIsNotReenteredByANestedLoop()
{
    std::atomic<int> depth{0};
    std::atomic<int> deepest{0};
    std::atomic<int> calls{0};
    std::atomic<bool> done{false};
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        auto *ticking = new QTimer(loop.home());
        QObject::connect(ticking, &QTimer::timeout, [&, ticking] {
            deepest = qMax(deepest.load(), ++depth);
            if (++calls == 1) {
                // A nested loop long enough for many ticks of this timer to come due.
                QEventLoop nested;
                QTimer::singleShot(100, &nested, &QEventLoop::quit);
                nested.exec();
            } else if (calls == 3) {
                ticking->stop();
                done = true;
            }
            --depth;
        });
        ticking->start(1);
    });
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), kTimeoutMs);
    QCOMPARE(deepest.load(), 1);
}

void tst_EpollEventDispatcher::crossThreadCallsWakeABlockedLoop()
{
    std::atomic<bool> ran{false};
    EpollThread loop;
    QVERIFY(loop.ok());
    // No timer, no socket: the loop sits in epoll_wait until a call from here wakes it.
    for (int round = 0; round < 20; ++round) {
        ran = false;
        QMetaObject::invokeMethod(
            loop.home(), [&] { ran = true; }, Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(ran.load(), kTimeoutMs);
    }
    // And quit() from here ends its loop.
    loop.thread().quit();
    QVERIFY(loop.thread().wait(kTimeoutMs));
}

void tst_EpollEventDispatcher::tcpEchoOverManyConnections()
{
    // A server and 300 clients on the loop's thread, each client sending its number and waiting
    // for it back: accept, reads, writes (the write notifier on and off), hang-ups.
    constexpr int kClients = 300;
    std::atomic<int> echoed{0};
    std::atomic<int> closed{0};
    std::atomic<bool> wrong{false};
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        auto *server = new QTcpServer(loop.home());
        server->setListenBacklogSize(kClients); // all connect at once
        QVERIFY(server->listen(QHostAddress::LocalHost));
        QObject::connect(server, &QTcpServer::newConnection, [server, &closed] {
            while (QTcpSocket *peer = server->nextPendingConnection()) {
                QObject::connect(peer, &QTcpSocket::readyRead,
                                 [peer] { peer->write(peer->readAll()); });
                QObject::connect(peer, &QTcpSocket::disconnected, [peer, &closed] {
                    ++closed;
                    peer->deleteLater();
                });
            }
        });
        for (int i = 0; i < kClients; ++i) {
            auto *client = new QTcpSocket(loop.home());
            const QByteArray message = "client " + QByteArray::number(i) + '\n';
            QObject::connect(client, &QTcpSocket::connected,
                             [client, message] { client->write(message); });
            auto received = std::make_shared<QByteArray>();
            QObject::connect(client, &QTcpSocket::readyRead,
                             [client, message, received, &echoed, &wrong] {
                                 received->append(client->readAll());
                                 if (received->size() < message.size())
                                     return;
                                 if (*received != message)
                                     wrong = true;
                                 ++echoed;
                                 client->disconnectFromHost();
                             });
            client->connectToHost(QHostAddress::LocalHost, server->serverPort());
        }
    });
    QTRY_COMPARE_WITH_TIMEOUT(echoed.load(), kClients, kTimeoutMs);
    QVERIFY(!wrong.load());
    QTRY_COMPARE_WITH_TIMEOUT(closed.load(), kClients, kTimeoutMs);
}

void tst_EpollEventDispatcher::notifierRemovedDuringAPassIsNotCalled()
{
    // Two sockets ready in the same pass (epoll lists them in the order they were added: the
    // first, then the second). The first one's handler deletes the second's notifier, closes that
    // socket and opens a new one, which may well get the same descriptor number: neither the
    // deleted notifier nor the newcomer (with nothing to read) may be called for the old
    // socket's readiness.
    auto first = std::make_unique<SocketPair>();
    auto second = std::make_unique<SocketPair>();
    QVERIFY(first->ok() && second->ok());
    std::atomic<bool> swapped{false};
    std::atomic<bool> secondBeforeSwap{false};
    std::atomic<bool> secondAfterSwap{false};
    std::atomic<int> newcomerCalls{0};
    std::unique_ptr<SocketPair> replacement;
    QSocketNotifier *firstNotifier = nullptr;
    QSocketNotifier *secondNotifier = nullptr;
    QSocketNotifier *newcomer = nullptr;
    EpollThread loop;
    QVERIFY(loop.ok());
    // Both readable before the loop looks.
    QCOMPARE(::write(first->fds[1], "a", 1), ssize_t(1));
    QCOMPARE(::write(second->fds[1], "b", 1), ssize_t(1));
    loop.run([&] {
        firstNotifier = new QSocketNotifier(first->fds[0], QSocketNotifier::Read, loop.home());
        secondNotifier = new QSocketNotifier(second->fds[0], QSocketNotifier::Read, loop.home());
        QObject::connect(firstNotifier, &QSocketNotifier::activated, [&] {
            char buffer[4];
            (void)::read(first->fds[0], buffer, sizeof buffer);
            if (swapped)
                return;
            delete secondNotifier;
            secondNotifier = nullptr;
            second.reset();
            replacement = std::make_unique<SocketPair>();
            newcomer = new QSocketNotifier(replacement->fds[0], QSocketNotifier::Read, loop.home());
            QObject::connect(newcomer, &QSocketNotifier::activated, [&] { ++newcomerCalls; });
            swapped = true;
        });
        QObject::connect(secondNotifier, &QSocketNotifier::activated, [&] {
            (swapped ? secondAfterSwap : secondBeforeSwap) = true;
            char buffer[4];
            (void)::read(second->fds[0], buffer, sizeof buffer);
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(swapped.load(), kTimeoutMs);
    // Two round trips through the loop: a stray call would have come by now.
    loop.run([] {});
    loop.run([] {});
    // epoll lists ready descriptors in the order they were added, so the swap came first.
    QVERIFY(!secondBeforeSwap.load());
    QVERIFY(!secondAfterSwap.load());
    QCOMPARE(newcomerCalls.load(), 0);
    // The newcomer works once there is something to read.
    QCOMPARE(::write(replacement->fds[1], "c", 1), ssize_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(newcomerCalls.load() > 0, kTimeoutMs);
    loop.run([&] {
        delete newcomer;
        delete firstNotifier;
    });
}

void tst_EpollEventDispatcher::excludedSocketNotifiersWaitTheirTurn()
{
    SocketPair pair;
    QVERIFY(pair.ok());
    QCOMPARE(::write(pair.fds[1], "x", 1), ssize_t(1));
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        int calls = 0;
        QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
        QObject::connect(&notifier, &QSocketNotifier::activated, [&] {
            ++calls;
            char buffer[4];
            (void)::read(pair.fds[0], buffer, sizeof buffer);
        });
        // Left out: not called, and the pass does not block on the ready socket either.
        QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(calls, 0);
        // Its turn.
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        QCOMPARE(calls, 1);
    });
}

void tst_EpollEventDispatcher::regularFileIsAlwaysReady()
{
    // epoll refuses regular files; poll() calls them always ready, and so does this loop.
    QTemporaryFile file;
    QVERIFY(file.open());
    std::atomic<int> calls{0};
    QSocketNotifier *notifier = nullptr;
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        notifier = new QSocketNotifier(file.handle(), QSocketNotifier::Read, loop.home());
        QObject::connect(notifier, &QSocketNotifier::activated, [&] {
            if (++calls == 3)
                notifier->setEnabled(false);
        });
    });
    QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 3, kTimeoutMs);
    loop.run([&] { delete notifier; });
    QCOMPARE(calls.load(), 3);
}

void tst_EpollEventDispatcher::everyReadySocketIsServedOnce()
{
    // More ready at once than one epoll_wait returns (256): every one served, and only once.
    constexpr int kPairs = 600;
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::vector<std::atomic<int>> calls(kPairs);
    std::vector<QSocketNotifier *> notifiers;
    for (int i = 0; i < kPairs; ++i) {
        pairs.push_back(std::make_unique<SocketPair>());
        QVERIFY(pairs.back()->ok());
        QCOMPARE(::write(pairs.back()->fds[1], "x", 1), ssize_t(1));
    }
    std::atomic<int> served{0};
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        for (int i = 0; i < kPairs; ++i) {
            auto *notifier =
                new QSocketNotifier(pairs[size_t(i)]->fds[0], QSocketNotifier::Read, loop.home());
            QObject::connect(notifier, &QSocketNotifier::activated, [&, i] {
                char buffer[4];
                if (::read(pairs[size_t(i)]->fds[0], buffer, sizeof buffer) == 1)
                    ++served;
                ++calls[size_t(i)];
            });
            notifiers.push_back(notifier);
        }
    });
    QTRY_COMPARE_WITH_TIMEOUT(served.load(), kPairs, kTimeoutMs);
    loop.run([] {});
    for (int i = 0; i < kPairs; ++i)
        QCOMPARE(calls[size_t(i)].load(), 1);
    loop.run([&] { qDeleteAll(notifiers); });
}

void tst_EpollEventDispatcher::nestedPassDoesNotServeTwice()
{
    // Two sockets ready in one pass; the first one's handler runs a nested pass, which serves the
    // second. The outer pass must not call the second again (it would find nothing to read).
    SocketPair first;
    SocketPair second;
    QVERIFY(first.ok() && second.ok());
    QCOMPARE(::write(first.fds[1], "a", 1), ssize_t(1));
    QCOMPARE(::write(second.fds[1], "b", 1), ssize_t(1));
    std::atomic<int> firstCalls{0};
    std::atomic<int> secondCalls{0};
    std::atomic<int> secondEmpty{0};
    QSocketNotifier *firstNotifier = nullptr;
    QSocketNotifier *secondNotifier = nullptr;
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        firstNotifier = new QSocketNotifier(first.fds[0], QSocketNotifier::Read, loop.home());
        secondNotifier = new QSocketNotifier(second.fds[0], QSocketNotifier::Read, loop.home());
        QObject::connect(firstNotifier, &QSocketNotifier::activated, [&] {
            char buffer[4];
            (void)::read(first.fds[0], buffer, sizeof buffer);
            if (++firstCalls == 1)
                QCoreApplication::processEvents();
        });
        QObject::connect(secondNotifier, &QSocketNotifier::activated, [&] {
            char buffer[4];
            if (::read(second.fds[0], buffer, sizeof buffer) <= 0)
                ++secondEmpty;
            ++secondCalls;
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(secondCalls.load() >= 1 && firstCalls.load() >= 1, kTimeoutMs);
    loop.run([] {});
    loop.run([] {});
    QCOMPARE(secondCalls.load(), 1);
    QCOMPARE(secondEmpty.load(), 0);
    loop.run([&] {
        delete firstNotifier;
        delete secondNotifier;
    });
}

void tst_EpollEventDispatcher::hangUpWakesEveryNotifier()
{
    // As with Qt's loop: a hang-up wakes a notifier of any type, even one that asked only for
    // urgent data (epoll reports a hang-up whether asked or not).
    SocketPair pair;
    QVERIFY(pair.ok());
    std::atomic<int> calls{0};
    QSocketNotifier *notifier = nullptr;
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        notifier = new QSocketNotifier(pair.fds[0], QSocketNotifier::Exception, loop.home());
        QObject::connect(notifier, &QSocketNotifier::activated, [&] {
            ++calls;
            notifier->setEnabled(false);
        });
    });
    ::close(pair.fds[1]);
    pair.fds[1] = -1;
    QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1, kTimeoutMs);
    loop.run([&] { delete notifier; });
}

void tst_EpollEventDispatcher::reusedDescriptorIsWatchedAfresh()
{
    // A socket closed with its notifier still on (epoll forgets it with the close), and a new
    // socket with the same descriptor number and a notifier of the same type: the new one must
    // be called when it has something to read.
    auto old = std::make_unique<SocketPair>();
    QVERIFY(old->ok());
    std::unique_ptr<SocketPair> fresh;
    std::atomic<int> freshCalls{0};
    QSocketNotifier *stale = nullptr;
    QSocketNotifier *watcher = nullptr;
    int number = -1;
    EpollThread loop;
    QVERIFY(loop.ok());
    loop.run([&] {
        stale = new QSocketNotifier(old->fds[0], QSocketNotifier::Read, loop.home());
        number = old->fds[0];
        old.reset(); // both ends closed, the notifier left on
        fresh = std::make_unique<SocketPair>();
        // The new socket on the old number: the kernel's lowest free number usually gives it,
        // and dup2 makes sure of it, so the case holds every run.
        if (fresh->fds[1] == number)
            std::swap(fresh->fds[0], fresh->fds[1]);
        if (fresh->ok() && fresh->fds[0] != number && ::dup2(fresh->fds[0], number) == number) {
            ::close(fresh->fds[0]);
            fresh->fds[0] = number;
        }
        watcher = new QSocketNotifier(fresh->fds[0], QSocketNotifier::Read, loop.home());
        QObject::connect(watcher, &QSocketNotifier::activated, [&] {
            char buffer[4];
            (void)::read(fresh->fds[0], buffer, sizeof buffer);
            ++freshCalls;
        });
    });
    QCOMPARE(fresh->fds[0], number);
    QCOMPARE(::write(fresh->fds[1], "x", 1), ssize_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(freshCalls.load() > 0, kTimeoutMs);
    loop.run([&] {
        delete watcher;
        delete stale;
    });
}

void tst_EpollEventDispatcher::qtLoopWhenAskedFor()
{
    qputenv("PLAYMARK_EVENT_LOOP", "qt");
    QString error;
    QCOMPARE(EpollEventDispatcher::create(&error), nullptr);
    QVERIFY(error.isEmpty());
    qunsetenv("PLAYMARK_EVENT_LOOP");
    std::unique_ptr<EpollEventDispatcher> dispatcher(EpollEventDispatcher::create(&error));
    QVERIFY2(dispatcher, qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_EpollEventDispatcher)
#include "tst_epolleventdispatcher.moc"
