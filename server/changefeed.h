#pragma once

#include "committedchange.h"

#include <QList>
#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>

// How committed changes travel between servers as PostgreSQL NOTIFY payloads: compact JSON,
// {"o": origin, "c": [{"u": user, "r": record} or {"u": user, "x": content_id}, ...]}, split
// so that no payload reaches PostgreSQL's limit of 8000 bytes.
namespace ChangeNotice {
constexpr int kMaxPayloadBytes = 7800;
QList<QByteArray> encode(const QString &origin, const QList<CommittedChange> &changes);
// False, with the reason, for a payload this server cannot read (nothing is taken from it).
bool decode(const QByteArray &payload, QString *origin, QList<CommittedChange> *changes,
            QString *error);
} // namespace ChangeNotice

// The changes every server on one PostgreSQL database commits, heard through LISTEN on a
// connection of its own, on a thread of its own. PostgreSQL delivers notices in commit order,
// this server's own included, so a cache that follows them converges on the database. When the
// connection is lost the notices in between are lost too: resynchronised() says so once the
// connection is back, and whoever kept state from notices must drop it. The same connection
// listens for removals of devices too (revocationAnnounced(); RevocationWatch reads them).
//
// Then it catches up: the records received since the feed was last known to hear everything
// (less kCatchUpMarginMs, for commits that lag their receipt and for servers' clocks that differ)
// are read from the database and told as caughtUp(), so that an update committed while the feed
// was away (a failover of the database, a cut connection) still reaches the event streams. A
// catch-up that fails is tried again, from the same time, at the next health check.
// Removals need no catching up: they reach no stream, and resynchronised() drops the caches.
class ChangeFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangeFeed)
public:
    static QString channel() { return QStringLiteral("playmark_changes"); }
    static constexpr int kHealthCheckMs = 2000;
    static constexpr qint64 kCatchUpMarginMs = 60000;
    // Bounds of a catch-up: a feed away longer, or more records received meanwhile, and the
    // streams hear only the newest (players read the rest when they next open a video).
    static constexpr qint64 kMaxCatchUpMs = 10 * 60 * 1000;
    static constexpr int kMaxCatchUpRecords = 50000;

    explicit ChangeFeed(QObject *parent = nullptr);
    ~ChangeFeed() override;

    // Connects to the postgresql:// `location` and listens. Blocks: call it before serving.
    bool start(const QString &location, QString *error);
    void stop();

    quint64 noticesReceived() const { return m_notices.load(); }
    quint64 resynchronisations() const { return m_resyncs.load(); }
    // Records told by caughtUp() since the feed started.
    quint64 caughtUpRecords() const { return m_caughtUp.load(); }

Q_SIGNALS:
    // On the thread that owns this object, in commit order.
    void committed(const QString &origin, const QList<CommittedChange> &changes);
    void resynchronised();
    // After resynchronised(): the records that stand and may have been committed while the
    // connection was away, oldest receipt first. Some were heard of before: leave those out.
    void caughtUp(const QList<CommittedChange> &changes);
    // A removal of devices was committed (by any server, or `playmark-server user`): a NOTIFY on
    // UserStore::revocationChannel().
    void revocationAnnounced();

private:
    class Listener;
    QThread m_thread;
    QObject *m_context; // lives on m_thread
    Listener *m_listener = nullptr; // lives on m_thread
    std::atomic<quint64> m_notices{0};
    std::atomic<quint64> m_resyncs{0};
    std::atomic<quint64> m_caughtUp{0};
};
