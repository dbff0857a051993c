#pragma once

#include <QString>

// Bearer tokens: 256 random bits from the system CSPRNG; only their SHA-256 is ever stored.
namespace Tokens {

QString generate();
QString hash(const QString &token);

} // namespace Tokens
