#pragma once

#include "pairingstore.h"
#include "progressstore.h"
#include "protocol/sqlrecord.h"
#include "revocationstore.h"
#include "storageconnection.h"
#include "userstore.h"

#include <QString>

// The server's database as one object: a connection (StorageConnection) and the stores that
// share it, users, devices and tokens (UserStore), progress (ProgressStore), pairings
// (PairingStore) and the removals of devices (RevocationStore). One instance is used from one
// thread.
class ServerStorage final
{
    Q_DISABLE_COPY_MOVE(ServerStorage)
public:
    ServerStorage() = default;
    ~ServerStorage() = default;

    // Opens the database at `location` (a SQLite file path, created if needed, or a
    // postgresql:// URL), applies the pending migrations and refuses a database written by a
    // newer schema.
    bool open(const QString &location, QString *error)
    {
        return m_connection.open(location, error);
    }
    void close() { m_connection.close(); }
    bool isOpen() const { return m_connection.isOpen(); }
    SqlRecord::Dialect dialect() const { return m_connection.dialect(); }
    QSqlDatabase database() const { return m_connection.database(); }
    // Whether the database can be used now; a lost PostgreSQL connection is opened again here
    // (StorageConnection::reconnectIfLost). Every store operation calls it first, so the one
    // that found the connection lost fails and the next one works.
    bool reconnectIfLost(bool *reconnected = nullptr)
    {
        return m_connection.reconnectIfLost(reconnected);
    }
    static int latestSchemaVersion() { return StorageConnection::latestSchemaVersion(); }
    int schemaVersion() const { return m_connection.schemaVersion(); }

    UserStore &users() { return m_users; }
    ProgressStore &progress() { return m_progress; }
    PairingStore &pairings() { return m_pairings; }
    RevocationStore &revocations() { return m_revocations; }

private:
    StorageConnection m_connection; // before the stores, which use it
    UserStore m_users{m_connection};
    ProgressStore m_progress{m_connection};
    PairingStore m_pairings{m_connection, m_users};
    RevocationStore m_revocations{m_connection};
};
