#include "protocol/progressorder.h"

namespace ProgressOrder {

int compare(qint64 aObservedAtMs, const QString &aDeviceId, qint64 bObservedAtMs,
            const QString &bDeviceId)
{
    if (aObservedAtMs != bObservedAtMs)
        return aObservedAtMs < bObservedAtMs ? -1 : 1;
    // Byte order of the UTF-8 encoding: what SQLite's BINARY collation and PostgreSQL's "C" do.
    const QByteArray left = aDeviceId.toUtf8();
    const QByteArray right = bDeviceId.toUtf8();
    return left.compare(right);
}

} // namespace ProgressOrder
