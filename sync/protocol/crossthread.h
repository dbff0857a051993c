#pragma once

#include <QHash>
#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QSemaphore>
#include <QThread>

#include <functional>

// Runs `job` on the thread of `worker`, then `done(result)` back on the thread of `home`, and only
// if `context` (which lives on home's thread) still exists there: asking a QPointer anywhere else
// would race with its deletion. Calls to one worker run in the order they were made.
template<typename Result>
void runOnThread(QObject *worker, QObject *home, QObject *context, std::function<Result()> job,
                 std::function<void(Result)> done)
{
    QMetaObject::invokeMethod(
        worker,
        [home, ctx = QPointer<QObject>(context), job = std::move(job), done = std::move(done)] {
            Result result = job();
            if (!done)
                return;
            QMetaObject::invokeMethod(
                home,
                [ctx, done, result] {
                    if (ctx)
                        done(result);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

// One object per thread that answers come back to, for work several threads hand to one worker
// (a server's HTTP threads to its storage threads). An answer cannot be posted to the asking
// object itself: it may be deleted on its own thread while the worker posts. A home lives as long
// as its thread serves; remove() it before deleting it, and answers still due to that thread are
// dropped (whatever asked on it is gone too). Thread-safe.
class ThreadHomes final
{
    Q_DISABLE_COPY_MOVE(ThreadHomes)
public:
    ThreadHomes() = default;

    // `home` lives on the thread whose answers it receives from now on.
    void add(QObject *home)
    {
        QMutexLocker lock(&m_mutex);
        m_homes.insert(home->thread(), home);
    }
    void remove(QObject *home)
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_homes.find(home->thread());
        if (it != m_homes.end() && *it == home)
            m_homes.erase(it);
    }
    // Runs `answer` on `thread`, queued, if that thread has a home (false: dropped).
    bool post(QThread *thread, std::function<void()> answer) const
    {
        QMutexLocker lock(&m_mutex); // the home is not removed, so not deleted, while posting
        QObject *home = m_homes.value(thread);
        if (!home)
            return false;
        QMetaObject::invokeMethod(home, std::move(answer), Qt::QueuedConnection);
        return true;
    }

private:
    mutable QMutex m_mutex;
    QHash<QThread *, QObject *> m_homes;
};

// runOnThread for callers on any thread with a home in `homes`: `done(result)` runs on the thread
// that called this, if `context` (which lives there) still exists.
template<typename Result>
void runOnThread(QObject *worker, const ThreadHomes &homes, QObject *context,
                 std::function<Result()> job, std::function<void(Result)> done)
{
    QMetaObject::invokeMethod(
        worker,
        [&homes, caller = QThread::currentThread(), ctx = QPointer<QObject>(context),
         job = std::move(job), done = std::move(done)] {
            Result result = job();
            if (!done)
                return;
            homes.post(caller, [ctx, done, result] {
                if (ctx)
                    done(result);
            });
        },
        Qt::QueuedConnection);
}

// Runs `job` on the thread of `worker` and waits for it to finish: only for opening and closing
// what lives on that thread, never on a path that serves requests.
inline void runAndWait(QObject *worker, const std::function<void()> &job)
{
    QSemaphore finished;
    QMetaObject::invokeMethod(
        worker,
        [&] {
            job();
            finished.release();
        },
        Qt::QueuedConnection);
    finished.acquire();
}
