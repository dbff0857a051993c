#pragma once

#include "protocol/protocollimits.h"

#include <QtGlobal>

// Each default of playmark-server, written once: ServerOptions starts from them, the classes that
// take a setting default to them, and `playmark-server --help` prints them.
namespace ServerDefaults {
constexpr quint16 kPort = 8787;
constexpr qint64 kMaxBodyBytes = ProtocolLimits::kMaxBodyBytes;
constexpr qint64 kMaxHeaderBytes = 16 * 1024; // request line and headers
constexpr int kIdleTimeoutMs = 10 * 1000;
constexpr int kMaxConnections = 1024;
constexpr int kKeepAliveMs = ProtocolLimits::kKeepAliveMs;
// Records kept in memory for reads (about 0.15 KB each).
constexpr qsizetype kCacheRecords = 100000;
// Requests a second per token (0: unlimited) and the burst allowed above that rate. A device
// makes one every few seconds; the default leaves room for many, and for scripts.
constexpr int kRateLimit = 50;
constexpr int kRateBurst = 200;
// HTTP threads at most (--http-threads; 0, the default, is one per core up to this).
constexpr int kMaxHttpThreads = 64;
// How long a pairing code is valid (--pairing-ttl).
constexpr qint64 kPairingTtlMs = 10 * 60 * 1000;
} // namespace ServerDefaults
