#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

class StorageService;

// Hears of every removal of devices, this server's and every other's (another server on the same
// PostgreSQL database, `playmark-server user revoke` in another process): reads the revocations
// after the last one applied, on the storage reader's thread, every `intervalMs` and whenever
// poll() is called (PostgreSQL's NOTIFY on playmark_revocations, a change feed that connected
// again), and says revoked() for each, in order. The server then forgets the device's tokens and
// ends its event streams.
class RevocationWatch final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RevocationWatch)
public:
    static constexpr int kSqlitePollMs = 250; // the CLI is another process: nothing tells us
    static constexpr int kPostgreSqlPollMs = 2000; // besides the NOTIFY, in case one is missed

    explicit RevocationWatch(StorageService &storage, QObject *parent = nullptr);

    // From the newest revocation in the database now: what came before is in the tokens table
    // already, which every token lookup reads.
    void start(int intervalMs);
    void stop();
    // Reads the new rows now (once the one being read, if any, is done).
    void poll();
    // The newest seq applied; -1 before start() has read it.
    qint64 lastSeq() const { return m_last; }

Q_SIGNALS:
    // deviceKey empty: every device of the user.
    void revoked(qint64 userId, const QString &deviceKey);

private:
    void read();

    StorageService &m_storage;
    QTimer m_timer;
    qint64 m_last = -1;
    bool m_reading = false;
    bool m_again = false; // poll() while reading
    bool m_failing = false;
    quint64 m_run = 0; // moves on at start and stop: reads of an earlier run are dropped
};
