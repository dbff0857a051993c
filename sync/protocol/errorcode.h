#pragma once

#include <QLatin1String>

// The `code` strings of docs/protocol.md's error table ("Errors"): the server writes them
// (apiresponse.cpp maps each ApiError to one) and the player reads them, both from here.
namespace ErrorCode {
constexpr QLatin1String kBadRequest("bad_request");
constexpr QLatin1String kUnauthorized("unauthorized");
constexpr QLatin1String kNotFound("not_found");
constexpr QLatin1String kMethodNotAllowed("method_not_allowed");
constexpr QLatin1String kExpired("expired"); // v1.1: a pairing past its time
constexpr QLatin1String kPayloadTooLarge("payload_too_large");
constexpr QLatin1String kClockSkew("clock_skew");
constexpr QLatin1String kRateLimited("rate_limited");
constexpr QLatin1String kUnavailable("unavailable");
// v1.1: another device of the user sends this device_id; make a new one and send again.
constexpr QLatin1String kDeviceIdTaken("device_id_taken");
constexpr QLatin1String kInternal("internal");
} // namespace ErrorCode
