#pragma once

#include <QLatin1String>
#include <QString>

// Bearer tokens: 256 random bits from the system CSPRNG; only their SHA-256 is ever stored.
namespace Tokens {

// `prefix` says what it is: "pm_" a token, "pp_" a pairing's secret.
QString generate(QLatin1String prefix = QLatin1String("pm_"));
QString hash(const QString &token);

} // namespace Tokens
