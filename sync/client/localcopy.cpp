#include "client/localcopy.h"

#include <QLoggingCategory>
#include <QSemaphore>

Q_DECLARE_LOGGING_CATEGORY(lcLocal)

LocalCopy::LocalCopy(QObject *parent)
    : QObject(parent), m_worker(new QObject), m_store(std::make_unique<LocalStore>())
{
    m_thread.setObjectName(QStringLiteral("playmark-local-copy"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

LocalCopy::~LocalCopy()
{
    // Queued after every earlier call, so all writes land before the thread stops.
    QMetaObject::invokeMethod(
        m_worker, [store = m_store.get()] { store->close(); }, Qt::QueuedConnection);
    QMetaObject::invokeMethod(
        m_worker, [thread = &m_thread] { thread->quit(); }, Qt::QueuedConnection);
    m_thread.wait();
}

void LocalCopy::post(std::function<StoreResult<void>(LocalStore &)> work)
{
    post<StoreResult<void>>(nullptr, std::move(work), nullptr, Kind::Write);
}

QString LocalCopy::failure() const
{
    return m_writeFailure.isEmpty() ? m_readFailure : m_writeFailure;
}

void LocalCopy::noteOutcome(Kind kind, const QString &error)
{
    const QString before = failure();
    (kind == Kind::Write ? m_writeFailure : m_readFailure) = error;
    const QString now = failure();
    if (now == before)
        return;
    if (now.isEmpty())
        qCInfo(lcLocal) << "the local copy works again";
    Q_EMIT failureChanged(now);
}

void LocalCopy::open(const QString &path, QObject *context,
                     std::function<void(StoreResult<void>)> done)
{
    post<StoreResult<void>>(
        context, [path](LocalStore &store) { return store.open(path); }, std::move(done),
        Kind::Write);
}

void LocalCopy::save(const ProgressRecord &record, bool queue, qint64 offsetMs)
{
    post([record, queue, offsetMs](LocalStore &store) {
        StoreResult<void> saved = store.save(record, queue, offsetMs);
        if (!saved.ok())
            qCWarning(lcLocal).noquote() << "could not save" << record.contentId << saved.error();
        return saved;
    });
}

void LocalCopy::record(const QString &contentId, QObject *context,
                       std::function<void(StoreResult<std::optional<ProgressRecord>>)> done)
{
    post<StoreResult<std::optional<ProgressRecord>>>(
        context, [contentId](LocalStore &store) { return store.record(contentId); },
        std::move(done));
}

void LocalCopy::ownPlace(const QString &contentId, QObject *context,
                         std::function<void(StoreResult<std::optional<OwnPlace>>)> done)
{
    post<StoreResult<std::optional<OwnPlace>>>(
        context, [contentId](LocalStore &store) { return store.ownPlace(contentId); },
        std::move(done));
}

void LocalCopy::recent(int limit, QObject *context,
                       std::function<void(StoreResult<QList<ProgressRecord>>)> done)
{
    post<StoreResult<QList<ProgressRecord>>>(
        context, [limit](LocalStore &store) { return store.recent(limit); }, std::move(done));
}

void LocalCopy::latest(int limit, QObject *context,
                       std::function<void(StoreResult<QList<ProgressRecord>>)> done)
{
    post<StoreResult<QList<ProgressRecord>>>(
        context, [limit](LocalStore &store) { return store.latest(limit); }, std::move(done));
}

void LocalCopy::pending(int limit, QObject *context,
                        std::function<void(StoreResult<QList<PendingUpdate>>)> done)
{
    post<StoreResult<QList<PendingUpdate>>>(
        context, [limit](LocalStore &store) { return store.pending(limit); }, std::move(done));
}

void LocalCopy::pendingCount(QObject *context, std::function<void(StoreResult<int>)> done)
{
    post<StoreResult<int>>(
        context, [](LocalStore &store) { return store.pendingCount(); }, std::move(done));
}

void LocalCopy::markDelivered(const ProgressRecord &delivered)
{
    post([delivered](LocalStore &store) { return store.markDelivered(delivered); });
}

void LocalCopy::restamp(const ProgressRecord &old, const ProgressRecord &restamped, qint64 offsetMs)
{
    post([old, restamped, offsetMs](LocalStore &store) {
        return store.restamp(old, restamped, offsetMs);
    });
}

void LocalCopy::renameDevice(const QString &from, const QString &to)
{
    post([from, to](LocalStore &store) { return store.renameDevice(from, to); });
}

void LocalCopy::hide(const QString &contentId, qint64 observedAtMs)
{
    post([contentId, observedAtMs](LocalStore &store) {
        return store.hide(contentId, observedAtMs);
    });
}

void LocalCopy::withoutHidden(const QList<ProgressRecord> &records, QObject *context,
                              std::function<void(StoreResult<QList<ProgressRecord>>)> done)
{
    post<StoreResult<QList<ProgressRecord>>>(
        context, [records](LocalStore &store) { return store.withoutHidden(records); },
        std::move(done));
}

void LocalCopy::dropForgotten(const QString &contentId, qint64 forgottenAtMs)
{
    post([contentId, forgottenAtMs](LocalStore &store) {
        return store.dropForgotten(contentId, forgottenAtMs);
    });
}

void LocalCopy::setLocation(const QString &contentId, const QString &path)
{
    post([contentId, path](LocalStore &store) { return store.setLocation(contentId, path); });
}

void LocalCopy::location(const QString &contentId, QObject *context,
                         std::function<void(StoreResult<QString>)> done)
{
    post<StoreResult<QString>>(
        context, [contentId](LocalStore &store) { return store.location(contentId); },
        std::move(done));
}

void LocalCopy::showLocation(const QString &showId, QObject *context,
                             std::function<void(StoreResult<QString>)> done)
{
    post<StoreResult<QString>>(
        context, [showId](LocalStore &store) { return store.showLocation(showId); },
        std::move(done));
}

void LocalCopy::waitForIdle()
{
    QSemaphore done;
    QMetaObject::invokeMethod(
        m_worker, [&done] { done.release(); }, Qt::QueuedConnection);
    done.acquire();
}
