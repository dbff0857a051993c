#pragma once

#include "deviceidentity.h"

#include <QList>
#include <QString>
#include <QStringList>

class StorageConnection;

// One device of a user, as GET /v1/devices and `user devices` show it.
struct DeviceSummary
{
    QString id; // the server's (devices.id)
    QString deviceName; // '' until its first report names it
    QString deviceId; // the player's; empty until its first update binds it
    qint64 createdAtMs = 0;
    qint64 lastSeenMs = 0;
    QString lastContentId; // empty: none yet
};

struct UserSummary
{
    QString name;
    qint64 createdAtMs = 0;
    int activeTokens = 0;
    int records = 0;
};

// The users and their tokens, in the server's database. Every method returns false on a storage
// failure with the reason in *error; "not there" is not a failure and is told through the output
// parameters. The returned tokens are the only time they exist outside a hash.
class UserStore final
{
    Q_DISABLE_COPY_MOVE(UserStore)
public:
    explicit UserStore(StorageConnection &connection) : m_connection(connection) { }

    static bool isValidUserName(const QString &name);
    bool addUser(const QString &name, QString *token, QString *error);
    // Several new users in one transaction (all or none), each with one device and its token:
    // (*tokens)[i] is names[i]'s. Fails, adding nobody, if a name is invalid, repeated or taken.
    // For making many users at once (`user add A B C...`, the 10,000 of bench/run's streams).
    bool addUsers(const QStringList &names, QStringList *tokens, QString *error);
    bool issueToken(const QString &name, QString *token, QString *error);
    // Removes every device of the user (removeDevices), so every token; *revoked: the tokens.
    bool revokeTokens(const QString &name, int *revoked, QString *error);
    bool listUsers(QList<UserSummary> *users, QString *error);
    // *userId is -1 when the token is unknown or revoked.
    bool userForToken(const QString &token, qint64 *userId, QString *error);
    // The user and device of a token; an unknown or revoked one leaves *identity unknown.
    bool identityForTokenHash(const QString &tokenHash, DeviceIdentity *identity, QString *error);
    // A new device id: "d-" and 16 hex digits from the system CSPRNG.
    static QString newDeviceKey();
    static bool isValidDeviceKey(const QString &deviceKey);

    // *userId is -1 when there is no such user.
    bool findUser(const QString &name, qint64 *userId, QString *error);
    bool userName(qint64 userId, QString *name, QString *error);
    // The user's active devices, most recently seen first.
    bool listDevices(qint64 userId, QList<DeviceSummary> *devices, QString *error);
    // Removes one active device of the user (`deviceKey`), or all of them (empty), in one
    // transaction: the devices marked removed, their tokens revoked and a `revocations` row that
    // tells every server (on PostgreSQL a NOTIFY on revocationChannel() with its seq, in the same
    // transaction). *removedDevices and *revokedTokens say how many; 0 devices: none of the
    // user's matched (nothing written). *seq: the revocation's, or 0.
    bool removeDevices(qint64 userId, const QString &deviceKey, int *removedDevices,
                       int *revokedTokens, qint64 *seq, QString *error);
    static QString revocationChannel() { return QStringLiteral("playmark_revocations"); }
    // Drops the revocations made before `cutoffMs` (every server has applied them long since);
    // the newest is always kept, so that the next one still takes the next seq.
    bool dropRevocationsBefore(qint64 cutoffMs, int *dropped, QString *error);

    // A new device of the user, named `deviceName` ('' until its first report names it), with
    // the player's `deviceId` bound to it (empty: none yet) and its token, in the caller's
    // transaction. *deviceKey (if given): the new device's id.
    bool insertDevice(qint64 userId, const QString &deviceName, const QString &deviceId,
                      QString *token, QString *error, QString *deviceKey = nullptr);

    // findUser(), and a failure when there is no such user.
    bool findExistingUser(const QString &name, qint64 *userId, QString *error);

private:
    // One attempt of removeDevices(), in a transaction of its own.
    bool removeDevicesOnce(qint64 userId, const QString &deviceKey, int *removedDevices,
                           int *revokedTokens, qint64 *seq, QString *error);

    StorageConnection &m_connection;
};
