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
class LocalCopy final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalCopy)
public:
    explicit LocalCopy(QObject *parent = nullptr);
    ~LocalCopy() override;

    void open(const QString &path, QObject *context, std::function<void(bool, QString)> done);

    void save(const ProgressRecord &record, bool queue, qint64 offsetMs);
    void record(const QString &contentId, QObject *context,
                std::function<void(std::optional<ProgressRecord>)> done);
    void recent(int limit, QObject *context, std::function<void(QList<ProgressRecord>)> done);

    void pending(int limit, QObject *context, std::function<void(QList<PendingUpdate>)> done);
    void pendingCount(QObject *context, std::function<void(int)> done);
    void markDelivered(const ProgressRecord &delivered);
    void restamp(const ProgressRecord &old, const ProgressRecord &restamped, qint64 offsetMs);

    void hide(const QString &contentId, qint64 observedAtMs);
    void withoutHidden(const QList<ProgressRecord> &records, QObject *context,
                       std::function<void(QList<ProgressRecord>)> done);
    void setLocation(const QString &contentId, const QString &path);
    void location(const QString &contentId, QObject *context, std::function<void(QString)> done);

    // Blocks until every queued call has run. For the exit path and tests only.
    void waitForIdle();

private:
    template<typename Result>
    void post(QObject *context, std::function<Result(LocalStore &)> work,
              std::function<void(Result)> done)
    {
        runOnThread<Result>(
            m_worker, this, context, [store = m_store.get(), work] { return work(*store); },
            std::move(done));
    }
    void post(std::function<void(LocalStore &)> work);

    QThread m_thread;
    QObject *m_worker = nullptr; // lives on m_thread
    std::unique_ptr<LocalStore> m_store; // touched only on m_thread
};
