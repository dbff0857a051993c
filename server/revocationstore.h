#pragma once

#include <QList>
#include <QString>

class StorageConnection;

// One removal of devices (the revocations table): every server stops serving the tokens and the
// event streams of that device, or of every device of the user when deviceKey is empty.
struct Revocation
{
    qint64 seq = 0;
    qint64 userId = -1;
    QString deviceKey;
};

// Reading the revocations in the server's database (their rows are written by the removal's own
// transaction, and dropped, by UserStore). Every method returns false on a storage failure with the
// reason in *error.
class RevocationStore final
{
    Q_DISABLE_COPY_MOVE(RevocationStore)
public:
    // Rows older than this are dropped by the daily sweep (UserStore::dropRevocationsBefore):
    // every server has long applied them.
    static constexpr qint64 kKeepMs = 24LL * 60 * 60 * 1000;

    explicit RevocationStore(StorageConnection &connection) : m_connection(connection) { }

    // The newest row's seq, 0 when there is none.
    bool latest(qint64 *seq, QString *error);
    // The rows after `seq`, oldest first.
    bool after(qint64 seq, QList<Revocation> *rows, QString *error);

private:
    StorageConnection &m_connection;
};
