#pragma once

#include <QString>
#include <QThread>

#include <atomic>

struct sqlite3;

// SQLite's WAL checkpoints off the commit path: on a thread and a connection of their own.
//
// By default the connection that commits copies the WAL back into the database once the WAL
// passes 1,000 pages, inside that commit: with updates to 10,000 users' random records a commit
// group wrote about a hundred pages, so every tenth group also waited for a checkpoint (random
// writes to the database file and an fsync) before its updates could be answered. Measured with
// 10,000 streams and 2,000 updates/s: update p99 200 ms with SQLite's own checkpoints, 37 ms
// with none at all (the WAL grew to 1 GB in 30 s), 22 - 27 ms with this thread checkpointing
// every 4,000 pages (two runs; the WAL stayed about 32 MB).
//
// attach() takes the writer's checkpoints over (sqlite3_wal_hook replaces SQLite's own): after a
// commit that leaves the WAL at kCheckpointFrames or more, a PASSIVE checkpoint runs here, which
// neither waits for nor blocks the writer or readers, and copies what was committed when it
// started. The WAL starts again from its beginning once a pass has copied every page in it
// before the writer's next transaction. Passes are short (the database's pages recur in the WAL
// and each is copied once a pass), so at 2,000 updates/s they kept up and the WAL stayed about
// 32 MB. Should they ever fall far behind (kWriterCheckpointFrames, about 256 MB of WAL), the
// writer checkpoints inside a commit, as SQLite would have; SQLite then cuts the file back to
// kWalSizeLimitBytes when the WAL starts afresh.
class WalCheckpointer final
{
    Q_DISABLE_COPY_MOVE(WalCheckpointer)
public:
    static constexpr int kCheckpointFrames = 4000;
    static constexpr int kWriterCheckpointFrames = 65536;
    static constexpr qint64 kWalSizeLimitBytes = 64 * 1024 * 1024;

    WalCheckpointer();
    ~WalCheckpointer(); // detach() first

    // On the writer's thread, with its connection open on a SQLite file in WAL mode: opens this
    // thread's connection to the same file and takes the writer's checkpoints over.
    bool attach(sqlite3 *writer, QString *error);
    // On the writer's thread, before it closes: gives the checkpoints back, waits for one under
    // way and closes this thread's connection.
    void detach();

    // For tests: passes that ran here, ones the writer made, the WAL after the last commit.
    quint64 checkpoints() const { return m_checkpoints.load(std::memory_order_relaxed); }
    quint64 writerCheckpoints() const
    {
        return m_writerCheckpoints.load(std::memory_order_relaxed);
    }
    int walFrames() const { return m_walFrames.load(std::memory_order_relaxed); }

private:
    static int onCommit(void *self, sqlite3 *db, const char *schema, int frames);
    void checkpoint(); // on m_thread

    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread
    sqlite3 *m_writer = nullptr;
    sqlite3 *m_db = nullptr; // this thread's connection
    std::atomic<bool> m_scheduled{false};
    std::atomic<quint64> m_checkpoints{0};
    std::atomic<quint64> m_writerCheckpoints{0};
    std::atomic<int> m_walFrames{0};
};
