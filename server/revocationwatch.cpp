#include "revocationwatch.h"

#include "storageservice.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRevocations, "playmark.server.revocations")

RevocationWatch::RevocationWatch(StorageService &storage, QObject *parent)
    : QObject(parent), m_storage(storage)
{
    connect(&m_timer, &QTimer::timeout, this, &RevocationWatch::poll);
}

void RevocationWatch::start(int intervalMs)
{
    stop();
    m_timer.setInterval(intervalMs);
    m_timer.start();
    m_reading = true;
    using Latest = std::pair<bool, qint64>;
    m_storage.read<Latest>(
        [](ServerStorage &storage) {
            Latest latest{false, 0};
            QString error;
            latest.first = storage.revocations().latest(&latest.second, &error);
            return latest;
        },
        this,
        [this, run = m_run](const Latest &latest) {
            if (run != m_run)
                return;
            m_reading = false;
            if (!latest.first) {
                // Nothing is applied until the start is known; the next tick asks again.
                m_again = false;
                return start(int(m_timer.interval()));
            }
            m_last = latest.second;
            if (std::exchange(m_again, false))
                read();
        });
}

void RevocationWatch::stop()
{
    m_timer.stop();
    ++m_run;
    m_last = -1;
    m_reading = false;
    m_again = false;
}

void RevocationWatch::poll()
{
    if (m_reading || m_last < 0) {
        m_again = m_timer.isActive();
        return;
    }
    read();
}

void RevocationWatch::read()
{
    m_reading = true;
    struct Read
    {
        bool ok = false;
        QList<Revocation> rows;
        QString error;
    };
    m_storage.read<Read>(
        [after = m_last](ServerStorage &storage) {
            Read read;
            read.ok = storage.revocations().after(after, &read.rows, &read.error);
            return read;
        },
        this,
        [this, run = m_run](const Read &result) {
            if (run != m_run)
                return;
            m_reading = false;
            // Said once, not four times a second, while the database stays away.
            if (!result.ok && !std::exchange(m_failing, true))
                qCWarning(lcRevocations).noquote()
                    << "cannot read the removals of devices:" << result.error;
            if (result.ok && std::exchange(m_failing, false))
                qCInfo(lcRevocations) << "reading the removals of devices again";
            for (const Revocation &row : result.rows) {
                m_last = qMax(m_last, row.seq);
                qCInfo(lcRevocations).noquote()
                    << "removal" << row.seq << "of"
                    << (row.deviceKey.isEmpty()
                            ? QStringLiteral("every device of user %1").arg(row.userId)
                            : row.deviceKey);
                Q_EMIT revoked(row.userId, row.deviceKey);
            }
            if (std::exchange(m_again, false))
                read();
        });
}
