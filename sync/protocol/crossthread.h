#pragma once

#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QSemaphore>

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
