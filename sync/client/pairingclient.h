#pragma once

#include "client/backoff.h"
#include "client/serverexchange.h"
#include "client/serverpool.h"

#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <QTimer>

// Pairing with a code, for a player without a token (PROTOCOL.md, "Devices and pairing"): asks
// the server for a pairing (POST /v1/pairings, no token), shows its 6-digit code, and waits for
// another of the person's devices (or `playmark-server user approve`) to approve it, long-polling
// GET /v1/pairings/{secret}?wait=25. Once approved the server hands the token to this holder of
// the secret, once. While the server is away it retries with backoff (moving on along the list
// as the sync client does); an expired pairing (410) ends it: a new start() makes a new code.
// Lives on the GUI thread; all network work is asynchronous.
class PairingClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PairingClient)
public:
    static constexpr int kWaitSeconds = 25; // each long poll; the server caps it at 30
    static constexpr int kRequestTimeoutMs = 10000;

    explicit PairingClient(QObject *parent = nullptr);

    // Starts pairing with the first server of `servers` that answers, as device `deviceId`
    // named `deviceName` (1-64 characters). A pairing already running is cancelled first.
    void start(const ServerList &servers, const QList<QSslCertificate> &trusted,
               const QString &deviceId, const QString &deviceName);
    // Stops waiting; nothing is emitted after it.
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // The code to show. `expiresAtMs` is on this device's clock; `serverExpiresAtMs` as the
    // server gave it (its clock).
    void codeReady(const QString &code, qint64 expiresAtMs, qint64 serverExpiresAtMs);
    // Approved: this device's own token, for `user`. The pairing is over.
    void paired(const QString &token, const QString &user);
    // The pairing is over without a token: `expired` when its code expired (offer a new code),
    // else `reason` says what the server answered.
    void failed(const QString &reason, bool expired);

private:
    void create();
    void poll();
    // The server is away or busy: the same step again after the backoff (or Retry-After).
    void retryLater(const ServerAnswer &answer, void (PairingClient::*step)());

    ServerPool m_pool; // no token: the pairing routes need none
    ServerExchange m_exchange;
    QString m_deviceId;
    QString m_deviceName;
    QString m_secret; // never logged
    qint64 m_expiresAtMs = 0; // local clock
    bool m_running = false;
    quint64 m_generation = 0; // answers to a cancelled pairing are dropped
    Backoff m_backoff;
    QTimer m_retry;
};
