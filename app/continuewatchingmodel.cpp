#include "continuewatchingmodel.h"

#include "client/localcopy.h"
#include "client/syncclient.h"
#include "playbacksession.h"

#include <QFileInfo>

ContinueWatchingModel::ContinueWatchingModel(SyncClient &sync, LocalCopy &local, QObject *parent)
    : QAbstractListModel(parent), m_sync(sync), m_local(local)
{
}

int ContinueWatchingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

QVariant ContinueWatchingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ProgressRecord &record = m_records.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return record.title.isEmpty() ? record.contentId : record.title;
    case ContentIdRole:
        return record.contentId;
    case TitleRole:
        return record.title;
    case DeviceNameRole:
        return record.deviceName;
    case PositionRole:
        return record.positionMs;
    case DurationRole:
        return record.durationMs;
    case ObservedAtRole:
        return record.observedAtMs;
    case LocationRole:
        return m_locations.value(record.contentId);
    default:
        return {};
    }
}

QHash<int, QByteArray> ContinueWatchingModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names[ContentIdRole] = "contentId";
    names[TitleRole] = "title";
    names[DeviceNameRole] = "deviceName";
    names[PositionRole] = "positionMs";
    names[DurationRole] = "durationMs";
    names[ObservedAtRole] = "observedAtMs";
    names[LocationRole] = "location";
    return names;
}

ProgressRecord ContinueWatchingModel::record(const QString &contentId) const
{
    for (const ProgressRecord &record : m_records) {
        if (record.contentId == contentId)
            return record;
    }
    return {};
}

void ContinueWatchingModel::refresh()
{
    if (!m_sync.hasServer()) {
        showLocal();
        return;
    }
    m_sync.fetchList(kLimit, PlaybackSession::kDefaultServerWaitMs, this,
                     [this](bool ok, const QList<ProgressRecord> &records) {
                         if (!ok) {
                             showLocal();
                             return;
                         }
                         // Kept here too, for the list when the server is away.
                         for (const ProgressRecord &record : records)
                             m_local.save(record, false, 0);
                         // The hidden list unreadable: the server's list as it is (the
                         // status bar says the local copy fails).
                         m_local.withoutHidden(records, this, [this, records](const auto &visible) {
                             setRecords(visible.valueOr(records), true);
                         });
                     });
}

void ContinueWatchingModel::showLocal()
{
    m_local.recent(kLimit, this,
                   [this](const auto &records) { setRecords(records.valueOr({}), false); });
}

void ContinueWatchingModel::setRecords(const QList<ProgressRecord> &records, bool fromServer)
{
    beginResetModel();
    m_records = records;
    const bool changed = m_fromServer != fromServer;
    m_fromServer = fromServer;
    endResetModel();
    if (changed)
        Q_EMIT fromServerChanged(fromServer);
    for (const ProgressRecord &record : records) {
        m_local.location(record.contentId, this, [this, record](const auto &location) {
            const QString path = location.valueOr({});
            setLocation(record.contentId, path);
            Q_EMIT thumbnailRequested(record.contentId, path, record.positionMs);
        });
    }
}

void ContinueWatchingModel::setLocation(const QString &contentId, const QString &path)
{
    m_locations.insert(contentId, path);
    for (int row = 0; row < m_records.size(); ++row) {
        if (m_records.at(row).contentId == contentId)
            Q_EMIT dataChanged(index(row), index(row), {LocationRole});
    }
}

void ContinueWatchingModel::hide(const QString &contentId)
{
    m_local.hide(contentId, record(contentId).observedAtMs);
    refresh();
}

void ContinueWatchingModel::forget(const QString &contentId)
{
    m_local.hide(contentId, record(contentId).observedAtMs);
    m_sync.forget(contentId, this, [this](bool) { refresh(); });
}

void ContinueWatchingModel::open(const QString &contentId)
{
    const QString path = location(contentId);
    if (!path.isEmpty() && QFileInfo::exists(path))
        Q_EMIT openRequested(path);
    else
        Q_EMIT locateRequested(record(contentId), path);
}
