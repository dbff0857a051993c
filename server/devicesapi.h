#pragma once

#include "apiresponse.h"
#include "deviceidentity.h"
#include "serverdefaults.h"

#include <QAbstractSocket>
#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrlQuery>

#include <functional>
#include <memory>
#include <vector>

class StorageService;

// The device and pairing endpoints (docs/protocol.md, "Devices and pairing"), one method each,
// as ProgressApi is for progress: the caller has matched the route and, where one is needed,
// found who is asking from the token. Every answer goes to `reply`, once the storage threads have
// answered. A GET of a pairing may wait (?wait=N): it is looked at again when this server
// approves a pairing and every second (another server may approve it). Lives on the server's main
// thread: the HTTP threads ask it through HttpFrontend::askDevices().
class DevicesApi final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DevicesApi)
public:
    using Reply = std::function<void(const ApiResponse &)>;
    static constexpr int kMaxWaitSeconds = 30;
    static constexpr int kRecheckMs = 1000;
    // GETs waiting at once on this server; more are answered 202 at once. As many as there may
    // be pending pairings: each holder needs only one (a newer GET for a secret answers the older).
    static constexpr int kMaxWaiters = 1000;

    explicit DevicesApi(StorageService &storage, QObject *parent = nullptr);
    ~DevicesApi() override;

    void setPairingTtl(qint64 ttlMs) { m_pairingTtlMs = ttlMs; }
    // How often waiting GETs look at the database (for tests: a long one leaves only this
    // server's approvals to wake them).
    void setRecheckInterval(int ms) { m_recheckTimer.setInterval(ms); }
    qint64 pairingTtl() const { return m_pairingTtlMs; }
    void setMaxWaiters(int count) { m_maxWaiters = count; } // for tests

    void list(const DeviceIdentity &identity, Reply reply);
    void remove(const DeviceIdentity &identity, const QString &deviceKey, Reply reply);
    // No token: `address` is the client's, for the bound on pending pairings.
    void createPairing(const QString &address, const QByteArray &body, Reply reply);
    // `connection`: the client's; a waiting GET is dropped when it goes (null: never).
    void pairingStatus(const QString &secret, const QUrlQuery &query, QAbstractSocket *connection,
                       Reply reply);
    void approvePairing(const DeviceIdentity &identity, const QString &address,
                        const QByteArray &body, Reply reply);

    // As the server stops (closing true): every waiting GET is answered "pending" now, and every
    // later one at once instead of waiting, so that stopping does not wait out a long poll and
    // then drop its answer. The client asks again, of this server once it is back or another.
    void setClosing(bool closing);

    // GETs of pairings waiting for a change (for tests).
    qsizetype waiting() const { return qsizetype(m_waiters.size()); }

Q_SIGNALS:
    // Devices of the user were removed and that is committed (deviceKey empty: all of them); the
    // answer to the request that removed them is written after this returns.
    void devicesRemoved(qint64 userId, const QString &deviceKey);
    // A waiting GET was dropped because its client left (not answered, not timed out).
    void waiterLeft();

private:
    struct Waiter
    {
        QString secretHash;
        Reply reply;
        QDeadlineTimer deadline;
        QPointer<QAbstractSocket> connection;
        bool hasConnection = false;
        QMetaObject::Connection dropWhenGone;
        bool answered = false;

        // Whether an answer can still reach the client.
        bool isHeard() const
        {
            return !hasConnection
                || (connection && connection->state() == QAbstractSocket::ConnectedState);
        }
    };
    using WaiterPtr = std::shared_ptr<Waiter>;

    // Answers a pairing in `state` (PairingStore::State), collecting it when approved; a
    // pending one waits when `waiter` has time left, else answers 202.
    void settle(const WaiterPtr &waiter, int state, bool ok);
    void wait(const WaiterPtr &waiter);
    void recheck();
    void answer(const WaiterPtr &waiter, const ApiResponse &response);
    void forget(const WaiterPtr &waiter); // answered, or about to be: no longer waiting
    void drop(const WaiterPtr &waiter); // its client left: forgotten, unanswered

    StorageService &m_storage;
    qint64 m_pairingTtlMs = ServerDefaults::kPairingTtlMs;
    std::vector<WaiterPtr> m_waiters;
    QTimer m_recheckTimer;
    int m_maxWaiters = kMaxWaiters;
    bool m_closing = false;
    bool m_checking = false;
    bool m_checkAgain = false;
};
