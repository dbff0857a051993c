#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

class StorageConnection;
class UserStore;

// Devices waiting to be paired (docs/protocol.md, "Devices and pairing"), in the server's
// database, so that every server of one database knows them: a pairing is created by the new
// device (POST /v1/pairings), approved by its code for a user, then collected once by the holder
// of its secret, which makes the device and its token. Only the secret's SHA-256 is stored, and
// the token exists only in the answer that collects it. Wrong codes are counted per subject
// ("user:ID", "address:IP") in the database too, so the limit holds for the whole service.
// Every method returns false on a storage failure with the reason in *error; the outcome is
// told through the output parameter. Times are given by the caller (tests move them).
class PairingStore final
{
    Q_DISABLE_COPY_MOVE(PairingStore)
public:
    // Pending (unexpired, not collected) pairings at most, from one address and in all.
    static constexpr int kMaxPendingPerAddress = 10;
    static constexpr int kMaxPending = 1000;
    // Rows of every kind at most (pending, approved, expired and kept for their 410): whatever
    // the validity, expired rows beyond this go at once, and a create finding it full is refused.
    static constexpr int kMaxStored = 10 * kMaxPending;
    // An expired pairing is kept this long, so that its holder hears "expired" and not "unknown".
    static constexpr qint64 kKeepExpiredMs = 60 * 60 * 1000;
    // Wrong codes allowed per subject within the window; the next attempt is refused.
    static constexpr int kMaxWrongCodes = 5;
    static constexpr qint64 kWrongCodeWindowMs = 10 * 60 * 1000;
    static constexpr int kCodeDigits = 6;

    struct Created
    {
        enum class Outcome { Created, TooManyFromAddress, TooManyPending };
        Outcome outcome = Outcome::Created;
        QString code;
        QString secret; // given out once, stored only as its hash
        qint64 expiresAtMs = 0;
        qint64 retryAfterMs = 0; // refused: when the oldest pending one that counted expires
    };
    enum class State { Unknown, Pending, Approved, Expired };
    struct Collected
    {
        bool collected = false; // false: not approved, or already collected
        QString token;
        QString userName;
        QString deviceKey;
    };
    struct Approval
    {
        enum class Outcome { Approved, WrongCode, TooManyWrongCodes };
        Outcome outcome = Outcome::WrongCode;
        QString deviceName;
        qint64 retryAfterMs = 0; // TooManyWrongCodes: until a subject is under the limit again
    };

    PairingStore(StorageConnection &connection, UserStore &users)
        : m_connection(connection), m_users(users)
    {
    }

    // A code the person can type: spaces (as in "123 456") are left out; nothing else is changed.
    static QString normalizedCode(const QString &code);
    static bool isWellFormedCode(const QString &code);

    bool create(const QString &deviceId, const QString &deviceName, const QString &address,
                qint64 nowMs, qint64 ttlMs, Created *created, QString *error);
    // Approved stays approved after the expiry (the approval counted; its holder may collect it
    // until the row goes, kKeepExpiredMs later).
    bool state(const QString &secretHash, qint64 nowMs, State *state, QString *error);
    // The states of several pairings in one query (the waiting GETs' look every second); a hash
    // not in *states is Unknown.
    bool states(const QStringList &secretHashes, qint64 nowMs, QHash<QString, State> *states,
                QString *error);
    bool collect(const QString &secretHash, qint64 nowMs, Collected *collected, QString *error);
    // `subjects`: whose wrong codes count and are limited; none (the command line): no limit.
    bool approve(qint64 userId, const QString &code, const QStringList &subjects, qint64 nowMs,
                 Approval *approval, QString *error);

private:
    // How many pairings of `address` (or of all, when empty) are pending at nowMs, and when the
    // first of them expires.
    bool countPending(const QString &address, qint64 nowMs, int *count, qint64 *firstExpiryMs,
                      QString *error);
    // Makes the rest of the transaction the only one checking and changing `subjects`' rows
    // (PostgreSQL: READ COMMITTED lets two servers both pass a count before either inserts;
    // SQLite already takes one writer at a time).
    bool lockSubjects(QStringList subjects, QString *error);
    bool countStored(int *count, QString *error);

    StorageConnection &m_connection;
    UserStore &m_users;
};
