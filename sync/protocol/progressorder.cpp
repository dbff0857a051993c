#include "protocol/progressorder.h"

namespace ProgressOrder {

int compare(const ProgressRecord &a, const ProgressRecord &b)
{
    if (a.observedAtMs != b.observedAtMs)
        return a.observedAtMs < b.observedAtMs ? -1 : 1;
    // Byte order of the UTF-8 encoding: what SQLite's BINARY collation and PostgreSQL's "C" do.
    const QByteArray left = a.deviceId.toUtf8();
    const QByteArray right = b.deviceId.toUtf8();
    return left.compare(right);
}

} // namespace ProgressOrder
