#pragma once

#include "deviceidentity.h"

#include <QList>
#include <QString>

class StorageConnection;

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
    bool issueToken(const QString &name, QString *token, QString *error);
    bool revokeTokens(const QString &name, int *revoked, QString *error);
    bool listUsers(QList<UserSummary> *users, QString *error);
    // *userId is -1 when the token is unknown or revoked.
    bool userForToken(const QString &token, qint64 *userId, QString *error);
    // The user and device of a token; an unknown or revoked one leaves *identity unknown.
    bool identityForTokenHash(const QString &tokenHash, DeviceIdentity *identity, QString *error);
    // A new device id: "d-" and 16 hex digits from the system CSPRNG.
    static QString newDeviceKey();

private:
    bool findUser(const QString &name, qint64 *userId, QString *error);
    // findUser(), and a failure when there is no such user.
    bool findExistingUser(const QString &name, qint64 *userId, QString *error);
    // A new device of the user (named `deviceName`, '' until its first report names it) and its
    // token, in the caller's transaction.
    bool insertDevice(qint64 userId, const QString &deviceName, QString *token, QString *error);

    StorageConnection &m_connection;
};
