#pragma once

#include "protocol/progressrecord.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QString>

class LocalCopy;
class SyncClient;

// The Continue Watching list: the server's list when it answers (kept in the local copy too, for
// when it does not), else the local copy's; less what the person hid on this device. Knows where
// each video was last seen here, asks for its thumbnail, and removes entries (hide: here only;
// forget: on every device). Every call to the local copy for the list is made here.
class ContinueWatchingModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ContinueWatchingModel)
    Q_PROPERTY(bool fromServer READ isFromServer NOTIFY fromServerChanged)
public:
    enum Role {
        ContentIdRole = Qt::UserRole + 1,
        TitleRole,
        DeviceNameRole,
        PositionRole,
        DurationRole,
        ObservedAtRole,
        LocationRole, // where the file was last opened on this device ("" if never)
    };
    Q_ENUM(Role)

    static constexpr int kLimit = 20;

    ContinueWatchingModel(SyncClient &sync, LocalCopy &local, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Whether the rows are the server's list (false: this device's only, offline).
    bool isFromServer() const { return m_fromServer; }
    QList<ProgressRecord> records() const { return m_records; }
    ProgressRecord record(const QString &contentId) const;
    QString location(const QString &contentId) const { return m_locations.value(contentId); }

    // Fetches the list again; the model is reset when it arrives.
    void refresh();
    // Off this device's list until a newer observation arrives; the place is kept.
    void hide(const QString &contentId);
    // Deleted on every device (and hidden here at once).
    void forget(const QString &contentId);
    // Asks to open the entry's file where it was last seen, or to find it when it is not there.
    void open(const QString &contentId);

Q_SIGNALS:
    void fromServerChanged(bool fromServer);
    void thumbnailRequested(const QString &contentId, const QString &path, qint64 positionMs);
    void openRequested(const QString &path);
    void locateRequested(const ProgressRecord &record, const QString &lastPath);

private:
    void showLocal();
    void setRecords(const QList<ProgressRecord> &records, bool fromServer);
    void setLocation(const QString &contentId, const QString &path);

    SyncClient &m_sync;
    LocalCopy &m_local;
    QList<ProgressRecord> m_records;
    QHash<QString, QString> m_locations; // by content id
    bool m_fromServer = true;
};
