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
    post([](LocalStore &store) { store.close(); });
    QMetaObject::invokeMethod(
        m_worker, [thread = &m_thread] { thread->quit(); }, Qt::QueuedConnection);
    m_thread.wait();
}

void LocalCopy::post(std::function<void(LocalStore &)> work)
{
    QMetaObject::invokeMethod(
        m_worker, [store = m_store.get(), work = std::move(work)] { work(*store); },
        Qt::QueuedConnection);
}

void LocalCopy::open(const QString &path, QObject *context, std::function<void(bool, QString)> done)
{
    using Outcome = std::pair<bool, QString>;
    post<Outcome>(
        context,
        [path](LocalStore &store) {
            QString error;
            const bool ok = store.open(path, &error);
            return Outcome{ok, error};
        },
        [done = std::move(done)](const Outcome &outcome) {
            if (done)
                done(outcome.first, outcome.second);
        });
}

void LocalCopy::save(const ProgressRecord &record, bool queue, qint64 offsetMs)
{
    post([record, queue, offsetMs](LocalStore &store) {
        QString error;
        if (!store.save(record, queue, offsetMs, &error))
            qCWarning(lcLocal).noquote() << "could not save" << record.contentId << error;
    });
}

void LocalCopy::record(const QString &contentId, QObject *context,
                       std::function<void(std::optional<ProgressRecord>)> done)
{
    post<std::optional<ProgressRecord>>(
        context,
        [contentId](LocalStore &store) {
            std::optional<ProgressRecord> found;
            QString error;
            store.record(contentId, &found, &error);
            return found;
        },
        std::move(done));
}

void LocalCopy::recent(int limit, QObject *context, std::function<void(QList<ProgressRecord>)> done)
{
    post<QList<ProgressRecord>>(
        context,
        [limit](LocalStore &store) {
            QList<ProgressRecord> records;
            QString error;
            store.recent(limit, &records, &error);
            return records;
        },
        std::move(done));
}

void LocalCopy::pending(int limit, QObject *context, std::function<void(QList<PendingUpdate>)> done)
{
    post<QList<PendingUpdate>>(
        context,
        [limit](LocalStore &store) {
            QList<PendingUpdate> updates;
            QString error;
            store.pending(limit, &updates, &error);
            return updates;
        },
        std::move(done));
}

void LocalCopy::pendingCount(QObject *context, std::function<void(int)> done)
{
    post<int>(
        context,
        [](LocalStore &store) {
            int count = 0;
            QString error;
            store.pendingCount(&count, &error);
            return count;
        },
        std::move(done));
}

void LocalCopy::markDelivered(const ProgressRecord &delivered)
{
    post([delivered](LocalStore &store) {
        QString error;
        store.markDelivered(delivered, &error);
    });
}

void LocalCopy::restamp(const ProgressRecord &old, const ProgressRecord &restamped, qint64 offsetMs)
{
    post([old, restamped, offsetMs](LocalStore &store) {
        QString error;
        store.restamp(old, restamped, offsetMs, &error);
    });
}

void LocalCopy::hide(const QString &contentId, qint64 observedAtMs)
{
    post([contentId, observedAtMs](LocalStore &store) {
        QString error;
        store.hide(contentId, observedAtMs, &error);
    });
}

void LocalCopy::withoutHidden(const QList<ProgressRecord> &records, QObject *context,
                              std::function<void(QList<ProgressRecord>)> done)
{
    post<QList<ProgressRecord>>(
        context,
        [records](LocalStore &store) {
            QList<ProgressRecord> visible;
            QString error;
            if (!store.withoutHidden(records, &visible, &error))
                return records;
            return visible;
        },
        std::move(done));
}

void LocalCopy::setLocation(const QString &contentId, const QString &path)
{
    post([contentId, path](LocalStore &store) {
        QString error;
        store.setLocation(contentId, path, &error);
    });
}

void LocalCopy::location(const QString &contentId, QObject *context,
                         std::function<void(QString)> done)
{
    post<QString>(
        context,
        [contentId](LocalStore &store) {
            QString path;
            QString error;
            store.location(contentId, &path, &error);
            return path;
        },
        std::move(done));
}

void LocalCopy::waitForIdle()
{
    QSemaphore done;
    QMetaObject::invokeMethod(
        m_worker, [&done] { done.release(); }, Qt::QueuedConnection);
    done.acquire();
}
