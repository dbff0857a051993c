#pragma once

#include "client/localstore.h"
#include "protocol/crossthread.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>

// The local copy as the GUI thread sees it: every call is queued to LocalStore on a thread of its
// own, in order, and answers through a callback run on this object's thread, guarded by
// `context`, which must live on that thread too (no answer once it is gone). Destroying a LocalCopy
// finishes the queued writes first.
//
// Every answer is a StoreResult: a read that fails says so, never "nothing there". Writes answer
// no one, but they and the reads keep failure() up to date, so that a local copy that keeps
// failing (a full or read-only disk, a damaged or locked file) is shown, not only logged. A failed
// write stands until a write succeeds, a failed read until a read does: on a read-only disk the
// reads that still work do not hide the writes that do not.
class LocalCopy final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalCopy)
public:
    explicit LocalCopy(QObject *parent = nullptr);
    ~LocalCopy() override;

    void open(const QString &path, QObject *context, std::function<void(StoreResult<void>)> done);

    void save(const ProgressRecord &record, bool queue, qint64 offsetMs);
    void record(const QString &contentId, QObject *context,
                std::function<void(StoreResult<std::optional<ProgressRecord>>)> done);
    void ownPlace(const QString &contentId, QObject *context,
                  std::function<void(StoreResult<std::optional<OwnPlace>>)> done);
    void recent(int limit, QObject *context,
                std::function<void(StoreResult<QList<ProgressRecord>>)> done);
    void latest(int limit, QObject *context,
                std::function<void(StoreResult<QList<ProgressRecord>>)> done);

    void pending(int limit, QObject *context,
                 std::function<void(StoreResult<QList<PendingUpdate>>)> done);
    void pendingCount(QObject *context, std::function<void(StoreResult<int>)> done);
    void markDelivered(const ProgressRecord &delivered);
    void restamp(const ProgressRecord &old, const ProgressRecord &restamped, qint64 offsetMs);

    void renameDevice(const QString &from, const QString &to);

    void hide(const QString &contentId, qint64 observedAtMs);
    void withoutHidden(const QList<ProgressRecord> &records, QObject *context,
                       std::function<void(StoreResult<QList<ProgressRecord>>)> done);
    void dropForgotten(const QString &contentId, qint64 forgottenAtMs);
    void setLocation(const QString &contentId, const QString &path);
    void location(const QString &contentId, QObject *context,
                  std::function<void(StoreResult<QString>)> done);
    void showLocation(const QString &showId, QObject *context,
                      std::function<void(StoreResult<QString>)> done);

    // Why the local copy fails now (the latest failed write, else the latest failed read); empty
    // while it works.
    QString failure() const;

    // Blocks until every queued call has run. For the exit path and tests only.
    void waitForIdle();

Q_SIGNALS:
    void failureChanged(const QString &failure);

private:
    // Runs `work` on the store's thread; its result updates failure() and then goes to `done`
    // (when given) on this object's thread, as long as `context` lives.
    enum class Kind { Read, Write };

    template<typename Result>
    void post(QObject *context, std::function<Result(LocalStore &)> work,
              std::function<void(Result)> done, Kind kind = Kind::Read)
    {
        runOnThread<Result>(
            m_worker, this, this, [store = m_store.get(), work] { return work(*store); },
            [this, context = QPointer<QObject>(context), done = std::move(done),
             kind](Result result) {
                noteOutcome(kind, result.error());
                if (context && done)
                    done(std::move(result));
            });
    }
    void post(std::function<StoreResult<void>(LocalStore &)> work);
    // `error` empty: the call succeeded.
    void noteOutcome(Kind kind, const QString &error);

    QThread m_thread;
    QObject *m_worker = nullptr; // lives on m_thread
    std::unique_ptr<LocalStore> m_store; // touched only on m_thread
    QString m_readFailure;
    QString m_writeFailure;
};
