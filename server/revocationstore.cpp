#include "revocationstore.h"

#include "storageconnection.h"

#include <QSqlQuery>
#include <QVariant>

bool RevocationStore::latest(qint64 *seq, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM revocations"));
    if (!StorageConnection::exec(query, error))
        return false;
    *seq = query.next() ? query.value(0).toLongLong() : 0;
    return true;
}

bool RevocationStore::after(qint64 seq, QList<Revocation> *rows, QString *error)
{
    m_connection.reconnectIfLost();
    QSqlQuery query(m_connection.database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT seq, user_id, device_key FROM revocations WHERE seq > ? ORDER BY seq"));
    query.addBindValue(seq);
    if (!StorageConnection::exec(query, error))
        return false;
    rows->clear();
    while (query.next())
        rows->append(
            {query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toString()});
    return true;
}
