#pragma once

// What the tests of devices share (tst_revocation, tst_devicebinding): a user's token and device
// as the database has them, removing a device as the command line does, a small HTTP client that
// waits for its answer with the event loop running (tst_scaleout's too), and a server with a
// household on it.
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"
#include "tokens.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <memory>

namespace DeviceFixture {

// The device (devices.id) a token belongs to; empty if none.
inline QString deviceOf(QSqlDatabase db, const QString &token)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT device_key FROM tokens WHERE token_hash = ?"));
    query.addBindValue(Tokens::hash(token));
    return query.exec() && query.next() ? query.value(0).toString() : QString();
}

inline qint64 userOf(QSqlDatabase db, const QString &token)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT user_id FROM tokens WHERE token_hash = ?"));
    query.addBindValue(Tokens::hash(token));
    return query.exec() && query.next() ? query.value(0).toLongLong() : -1;
}

// Removes the device `deviceKey` of `userId` (empty: every device of the user) through
// `storage`, a connection that is not the server's request path (as `playmark-server user
// remove-device` and `user revoke` do it): only its revocations row tells the server. False, with
// a warning, when nothing was removed.
inline bool removeDevice(ServerStorage &storage, qint64 userId, const QString &deviceKey)
{
    int devices = 0;
    int tokens = 0;
    qint64 seq = 0;
    QString error;
    if (!storage.users().removeDevices(userId, deviceKey, &devices, &tokens, &seq, &error)) {
        qWarning("removeDevice: %s", qPrintable(error));
        return false;
    }
    return devices > 0;
}

struct Answer
{
    int status = -1; // -1: no answer
    QByteArray body; // as the server wrote it
    QJsonObject json;
    QString errorCode() const
    {
        return json.value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
    // A progress answer's record, and its position.
    QJsonObject record() const { return json.value(QStringLiteral("record")).toObject(); }
    qint64 position() const
    {
        return qint64(record().value(QStringLiteral("position_ms")).toDouble());
    }
};

// One request with a bearer token (none when `token` is empty: the before-pairing routes),
// answered while the event loop runs.
class Client
{
public:
    Client() { m_nam.setProxy(QNetworkProxy::NoProxy); }
    Answer send(const QString &url, const QByteArray &verb, const QString &token,
                const QJsonObject &body = {}, int timeoutMs = 30000)
    {
        QNetworkRequest request{QUrl(url)};
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
        const QByteArray data =
            body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
        if (!data.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, verb, data));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        Answer answer;
        if (!reply->isFinished() && !finished.wait(timeoutMs))
            return answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (answer.status == 0)
            answer.status = -1;
        answer.body = reply->readAll();
        answer.json = QJsonDocument::fromJson(answer.body).object();
        return answer;
    }

private:
    QNetworkAccessManager m_nam;
};

// A server in-process on a new database of the engine CTest chose, with alice on two devices
// (her TV and her phone, each a token) and bob on one.
struct Household
{
    std::unique_ptr<TestDatabase> database;
    std::unique_ptr<SyncServer> server;
    QString tv;
    QString phone;
    QString bob;

    // Empty, or what failed.
    QString start(const QString &tag)
    {
        database = std::make_unique<TestDatabase>(tag);
        if (!database->isValid())
            return database->error();
        server = std::make_unique<SyncServer>();
        ServerOptions options;
        options.databasePath = database->location();
        options.port = 0;
        options.rateLimit = 0;
        QString error;
        UserStore &users = server->storage().users();
        if (!server->start(options, &error) || !users.addUser(QStringLiteral("alice"), &tv, &error)
            || !users.issueToken(QStringLiteral("alice"), &phone, &error)
            || !users.addUser(QStringLiteral("bob"), &bob, &error))
            return error;
        return {};
    }
    void stop()
    {
        server.reset();
        database.reset();
    }
};

} // namespace DeviceFixture
