#pragma once

#include "protocol/crossthread.h"
#include "serverstorage.h"

#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

// ServerStorage off the HTTP thread. A writer thread gathers every change that arrives while the
// previous transaction commits and writes them all in one transaction (group commit): one fsync
// for many updates, each answered only after its transaction is durable. A reader thread, with
// its own connection, answers reads. Answers come back on the thread that asked (it needs a home
// in homes(): this object's own thread has one, each HTTP thread adds its own), guarded by a
// context object that lives there.
class WalCheckpointer;

class StorageService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StorageService)
public:
    enum class CommitMode {
        Group, // concurrent changes share a transaction (the default)
        PerUpdate, // one transaction per change: only for benchmarks to compare
    };
    static constexpr int kMaxGroup = 1000;

    using WriteDone =
        std::function<void(bool ok, const ApplyOutcome &outcome, const QString &error)>;

    explicit StorageService(QObject *parent = nullptr);
    ~StorageService() override;

    // Opens the writer's connection (migrating the database) and the reader's. Blocks: call it
    // before serving. `location` is a SQLite file path or a postgresql:// URL.
    bool open(const QString &location, CommitMode mode, QString *error);
    // PostgreSQL: the writer announces every committed change on `channel` as the change feed
    // reads them (ProgressStore::announceChanges, ChangeNotice). Call before open().
    void announceChanges(const QString &channel, const QString &origin);
    // Finishes every queued change, then closes both connections.
    void close();

    // Where answers go back to, by the thread that asked: safe from any thread.
    ThreadHomes &homes() { return m_homes; }

    void write(const WriteOp &op, QObject *context, WriteDone done);

    template<typename Result>
    void read(std::function<Result(ServerStorage &)> job, QObject *context,
              std::function<void(Result)> done)
    {
        runOnThread<Result>(
            m_readerContext, m_homes, context,
            [reader = m_reader.get(), job] { return job(*reader); }, std::move(done));
    }

    // A job of its own on the writer's thread and connection, in turn with the grouped writes,
    // for changes that are not progress updates (devices, pairings).
    template<typename Result>
    void writeJob(std::function<Result(ServerStorage &)> job, QObject *context,
                  std::function<void(Result)> done)
    {
        runOnThread<Result>(
            m_writerContext, m_homes, context,
            [writer = m_writer.get(), job] { return job(*writer); }, std::move(done));
    }

    quint64 transactions() const { return m_transactions.load(std::memory_order_relaxed); }
    quint64 groupedWrites() const { return m_groupedWrites.load(std::memory_order_relaxed); }

private:
    struct Pending
    {
        WriteOp op;
        QPointer<QObject> context; // checked on `caller` only
        QThread *caller = nullptr;
        WriteDone done;
    };
    void drain(); // on the writer thread

    CommitMode m_mode = CommitMode::Group;
    QString m_channel;
    QString m_origin;
    std::unique_ptr<ServerStorage> m_writer;
    std::unique_ptr<ServerStorage> m_reader;
    std::unique_ptr<WalCheckpointer> m_checkpointer; // SQLite: the writer's checkpoints
    QThread m_writerThread;
    QThread m_readerThread;
    QObject *m_writerContext = nullptr;
    QObject *m_readerContext = nullptr;

    QMutex m_mutex;
    std::vector<Pending> m_queue; // guarded by m_mutex
    bool m_drainScheduled = false; // guarded by m_mutex

    ThreadHomes m_homes;
    // Written on the writer thread, read by any thread for /metrics.
    std::atomic<quint64> m_transactions{0};
    std::atomic<quint64> m_groupedWrites{0};
};
