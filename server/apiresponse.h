#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

// The typed errors of docs/protocol.md's error table. Their HTTP status and code are mapped in
// apiresponse.cpp and nowhere else.
enum class ApiError {
    BadRequest,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    Expired,
    PayloadTooLarge,
    ClockSkew,
    RateLimited,
    Unavailable,
    DeviceIdTaken, // v1.1
};

int apiErrorStatus(ApiError error);
QString apiErrorCode(ApiError error);

// What a route answers, before it is written to a socket. JSON bodies get server_time_ms added
// when they are sent.
struct ApiResponse
{
    int status = 200;
    QJsonObject json;
    QByteArray rawBody; // used instead of json when contentType is set
    QByteArray contentType;
    QList<QPair<QByteArray, QByteArray>> headers;

    static ApiResponse ok(QJsonObject json, int status = 200);
    // A JSON answer written already: `members` is the object's text up to its last member, without
    // the closing brace (e.g. `{"record":{...}`). server_time_ms is added now, as the last member,
    // which is where QJsonDocument would put it among these answers' keys.
    static ApiResponse readyJson(QByteArray members, int status = 200);
    static ApiResponse noContent();
    static ApiResponse text(QByteArray body, QByteArray contentType);
    static ApiResponse error(ApiError error, const QString &message);

    bool hasJsonBody() const { return contentType.isEmpty() && status != 204; }
};

QJsonObject errorObject(ApiError error, const QString &message);
