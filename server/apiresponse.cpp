#include "apiresponse.h"

#include "protocol/errorcode.h"
#include "protocol/recordcodec.h"

#include <QDateTime>

int apiErrorStatus(ApiError error)
{
    switch (error) {
    case ApiError::BadRequest:
        return 400;
    case ApiError::Unauthorized:
        return 401;
    case ApiError::NotFound:
        return 404;
    case ApiError::MethodNotAllowed:
        return 405;
    case ApiError::Expired:
        return 410;
    case ApiError::PayloadTooLarge:
        return 413;
    case ApiError::ClockSkew:
        return 422;
    case ApiError::RateLimited:
        return 429;
    case ApiError::Unavailable:
        return 503;
    case ApiError::DeviceIdTaken:
        return 409;
    }
    return 500;
}

QString apiErrorCode(ApiError error)
{
    switch (error) {
    case ApiError::BadRequest:
        return ErrorCode::kBadRequest;
    case ApiError::Unauthorized:
        return ErrorCode::kUnauthorized;
    case ApiError::NotFound:
        return ErrorCode::kNotFound;
    case ApiError::MethodNotAllowed:
        return ErrorCode::kMethodNotAllowed;
    case ApiError::Expired:
        return ErrorCode::kExpired;
    case ApiError::PayloadTooLarge:
        return ErrorCode::kPayloadTooLarge;
    case ApiError::ClockSkew:
        return ErrorCode::kClockSkew;
    case ApiError::RateLimited:
        return ErrorCode::kRateLimited;
    case ApiError::Unavailable:
        return ErrorCode::kUnavailable;
    case ApiError::DeviceIdTaken:
        return ErrorCode::kDeviceIdTaken;
    }
    return ErrorCode::kInternal;
}

QJsonObject errorObject(ApiError error, const QString &message)
{
    return QJsonObject{{QStringLiteral("code"), apiErrorCode(error)},
                       {QStringLiteral("message"), message}};
}

ApiResponse ApiResponse::ok(QJsonObject json, int status)
{
    ApiResponse response;
    response.status = status;
    response.json = std::move(json);
    return response;
}

ApiResponse ApiResponse::readyJson(QByteArray members, int status)
{
    ApiResponse response;
    response.status = status;
    if (members.size() > 1)
        members.append(',');
    members.append("\"server_time_ms\":");
    RecordCodec::appendJsonInteger(members, QDateTime::currentMSecsSinceEpoch());
    members.append('}');
    response.rawBody = std::move(members);
    response.contentType = "application/json";
    return response;
}

ApiResponse ApiResponse::noContent()
{
    ApiResponse response;
    response.status = 204;
    return response;
}

ApiResponse ApiResponse::text(QByteArray body, QByteArray contentType)
{
    ApiResponse response;
    response.rawBody = std::move(body);
    response.contentType = std::move(contentType);
    return response;
}

ApiResponse ApiResponse::error(ApiError error, const QString &message)
{
    ApiResponse response;
    response.status = apiErrorStatus(error);
    response.json = QJsonObject{{QStringLiteral("error"), errorObject(error, message)}};
    return response;
}
