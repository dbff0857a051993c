#include "continuewatchingmodel.h"

#include "client/continuegrouping.h"
#include "client/localcopy.h"
#include "client/syncclient.h"
#include "media/episodefiles.h"
#include "media/episodename.h"
#include "playbacksession.h"
#include "playersettings.h"
#include "protocol/contentfingerprint.h"
#include "watchedrule.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

Q_LOGGING_CATEGORY(lcContinue, "playmark.app.continue")

namespace {

QString showTitleOf(const ProgressRecord &record)
{
    if (const auto name = EpisodeName::parse(record.title); name && !name->showTitle.isEmpty())
        return name->showTitle;
    // The file's name alone did not say (Season 1/Episode 2.mkv): the show id in words,
    // "the-expanse" as "The Expanse".
    QStringList words = record.showId.split(u'-', Qt::SkipEmptyParts);
    for (QString &word : words)
        word[0] = word.at(0).toUpper();
    return words.isEmpty() ? record.showId : words.join(u' ');
}

} // namespace

ContinueWatchingModel::ContinueWatchingModel(SyncClient &sync, LocalCopy &local,
                                             PlayerSettings &settings, QObject *parent)
    : QAbstractListModel(parent), m_sync(sync), m_local(local), m_settings(settings)
{
}

int ContinueWatchingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant ContinueWatchingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ContinueWatchingItem &item = m_items.at(index.row());
    const ProgressRecord &record = item.record;
    const bool resume = item.kind == ContinueWatchingItem::Kind::Resume;
    switch (role) {
    case Qt::DisplayRole:
        return item.title.isEmpty() ? record.contentId : item.title;
    case ContentIdRole:
        return record.contentId;
    case TitleRole:
        return item.title;
    case DeviceNameRole:
        return record.deviceName;
    case PositionRole:
        return resume ? record.positionMs : 0;
    case DurationRole:
        return resume ? record.durationMs : 0;
    case ObservedAtRole:
        return record.observedAtMs;
    case LocationRole:
        return resume ? m_locations.value(record.contentId) : item.path;
    case KeyRole:
        return item.key;
    case KindRole:
        return int(item.kind);
    case EpisodeLabelRole:
        return item.episodeLabel;
    case PlayCountRole:
        return resume ? record.playCount : 0;
    case LastFinishedRole:
        return resume ? record.lastFinishedMs : 0;
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
    names[KeyRole] = "key";
    names[KindRole] = "kind";
    names[EpisodeLabelRole] = "episodeLabel";
    names[PlayCountRole] = "playCount";
    names[LastFinishedRole] = "lastFinishedMs";
    return names;
}

ContinueWatchingItem ContinueWatchingModel::item(const QString &key) const
{
    for (const ContinueWatchingItem &item : m_items) {
        if (item.key == key)
            return item;
    }
    return {};
}

void ContinueWatchingModel::refresh()
{
    const quint64 generation = ++m_generation;
    if (!m_sync.hasServer()) {
        showLocal(generation);
        return;
    }
    m_sync.fetchContinue(kLimit, PlaybackSession::kDefaultServerWaitMs, this,
                         [this, generation](bool ok, const QList<ContinueEntry> &entries) {
                             if (generation != m_generation)
                                 return;
                             // Offline, or an older server without the list: this device's.
                             if (!ok) {
                                 showLocal(generation);
                                 return;
                             }
                             // Kept here too, for the list when the server is away.
                             for (const ContinueEntry &entry : entries) {
                                 m_local.save(entry.record, false, 0);
                                 if (entry.nextAfter)
                                     m_local.save(*entry.nextAfter, false, 0);
                             }
                             showEntries(entries, true, generation);
                         });
}

void ContinueWatchingModel::showLocal(quint64 generation)
{
    m_local.latest(kLocalRecords, this, [this, generation](const auto &records) {
        if (generation == m_generation)
            showEntries(ContinueGrouping::group(records.valueOr({}), kLimit), false, generation);
    });
}

std::optional<ContinueWatchingItem> ContinueWatchingModel::plan(const ContinueEntry &entry)
{
    const ProgressRecord &record = entry.record;
    ContinueWatchingItem item;
    item.record = record;
    // A show's episode not started (WatchedRule) is not resumed: it is offered from the start.
    if (record.showId.isEmpty()
        || (!record.isWatched() && WatchedRule::isStarted(record.positionMs, record.durationMs))) {
        if (record.showId.isEmpty() && record.isWatched())
            return std::nullopt;
        item.key = record.contentId;
        item.title = record.title;
        return item;
    }
    // Next Up: after the episode it follows; without one, the newest episode again from the start
    // (not started, or watched with no finish known).
    item.kind = ContinueWatchingItem::Kind::NextUp;
    item.nextAfter = entry.nextAfter;
    if (!item.nextAfter && record.isWatched())
        item.nextAfter = record;
    item.key = ContinueWatchingItem::showKey(record.showId);
    item.title = showTitleOf(record);
    return item;
}

QList<ContinueWatchingItem>
ContinueWatchingModel::findFiles(QList<ContinueWatchingItem> items,
                                 const QHash<QString, QStringList> &folders,
                                 const QSet<QString> &locatedOnly)
{
    QList<ContinueWatchingItem> found;
    for (ContinueWatchingItem &item : items) {
        if (item.kind != ContinueWatchingItem::Kind::NextUp) {
            found.append(item);
            continue;
        }
        const QString showId = item.record.showId;
        const QStringList showFolders = folders.value(showId);
        if (showFolders.isEmpty()) {
            item.kind = ContinueWatchingItem::Kind::Locate;
            found.append(item);
            continue;
        }
        for (const QString &folder : showFolders) {
            item.path = item.nextAfter ? nextEpisodeIn(folder, showId, item.nextAfter->episodeId)
                                       : episodeFileIn(folder, showId, item.record.episodeId);
            if (!item.path.isEmpty())
                break;
        }
        if (item.path.isEmpty()) {
            // Not where this device played the show: left out (it was moved, or the season is
            // over). Not in the folder the person chose: Locate… again, since the choice may
            // have been wrong and nothing else would offer it.
            if (!locatedOnly.contains(showId)) {
                qCInfo(lcContinue)
                    << "show" << showId << "left out: its next episode is not in" << showFolders;
                continue;
            }
            item.kind = ContinueWatchingItem::Kind::Locate;
            found.append(item);
            continue;
        }
        QString error;
        item.key = ContentFingerprint::ofFile(item.path, &error);
        if (item.key.isEmpty()) {
            qCWarning(lcContinue).noquote() << "show" << showId << "left out:" << error;
            continue;
        }
        // The show's name (the file's folders may give it: Show/Season 1/Episode 2.mkv) above
        // "Next: S01E02".
        const auto name = EpisodeName::parse(item.path);
        item.title = name && !name->showTitle.isEmpty() ? name->showTitle
                                                        : QFileInfo(item.path).completeBaseName();
        item.episodeLabel = name ? name->label() : item.title;
        found.append(item);
    }
    return found;
}

void ContinueWatchingModel::showEntries(QList<ContinueEntry> entries, bool fromServer,
                                        quint64 generation)
{
    QList<ProgressRecord> records;
    for (const ContinueEntry &entry : entries)
        records.append(entry.record);
    // The hidden list unreadable: the list as it is (the status bar says the local copy fails).
    m_local.withoutHidden(records, this,
                          [this, entries, records, fromServer, generation](const auto &visible) {
                              if (generation != m_generation)
                                  return;
                              QSet<QString> shown;
                              for (const ProgressRecord &record : visible.valueOr(records))
                                  shown.insert(record.contentId);
                              QList<ContinueWatchingItem> items;
                              for (const ContinueEntry &entry : entries) {
                                  if (!shown.contains(entry.record.contentId))
                                      continue;
                                  if (const auto item = plan(entry))
                                      items.append(*item);
                              }
                              findNextEpisodes(items, fromServer, generation);
                          });
}

void ContinueWatchingModel::findNextEpisodes(QList<ContinueWatchingItem> items, bool fromServer,
                                             quint64 generation)
{
    QStringList shows;
    for (const ContinueWatchingItem &item : items) {
        if (item.kind == ContinueWatchingItem::Kind::NextUp)
            shows.append(item.record.showId);
    }
    if (shows.isEmpty()) {
        setItems(items, fromServer);
        return;
    }
    // Where each show's episodes were last opened here, then the folder chosen for it: asked one
    // after the other of the local copy, which answers in order.
    auto folders = std::make_shared<QHash<QString, QStringList>>();
    auto locatedOnly = std::make_shared<QSet<QString>>(); // shows known here by Locate… alone
    for (const QString &showId : shows) {
        const bool last = showId == shows.last();
        m_local.showLocation(showId, this, [=](const StoreResult<QString> &location) {
            if (generation != m_generation)
                return;
            QStringList &showFolders = (*folders)[showId];
            if (!location.valueOr({}).isEmpty())
                showFolders.append(QFileInfo(location.value()).absolutePath());
            if (const QString chosen = m_settings.showFolder(showId);
                !chosen.isEmpty() && !showFolders.contains(chosen)) {
                if (showFolders.isEmpty())
                    locatedOnly->insert(showId);
                showFolders.append(chosen);
            }
            if (!last)
                return;
            QtConcurrent::run([items, folders, locatedOnly] {
                return findFiles(items, *folders, *locatedOnly);
            }).then(this, [this, fromServer, generation](const QList<ContinueWatchingItem> &found) {
                if (generation == m_generation)
                    setItems(found, fromServer);
            });
        });
    }
}

void ContinueWatchingModel::setItems(const QList<ContinueWatchingItem> &items, bool fromServer)
{
    beginResetModel();
    m_items = items;
    const bool changed = m_fromServer != fromServer;
    m_fromServer = fromServer;
    endResetModel();
    if (changed)
        Q_EMIT fromServerChanged(fromServer);
    for (const ContinueWatchingItem &item : items) {
        if (item.kind == ContinueWatchingItem::Kind::NextUp) {
            Q_EMIT thumbnailRequested(item.key, item.path, 0);
            continue;
        }
        if (item.kind != ContinueWatchingItem::Kind::Resume)
            continue;
        const ProgressRecord record = item.record;
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
    for (int row = 0; row < m_items.size(); ++row) {
        if (m_items.at(row).kind == ContinueWatchingItem::Kind::Resume
            && m_items.at(row).record.contentId == contentId)
            Q_EMIT dataChanged(index(row), index(row), {LocationRole});
    }
}

void ContinueWatchingModel::hide(const QString &key)
{
    const ProgressRecord record = item(key).record;
    m_local.hide(record.contentId, record.observedAtMs);
    refresh();
}

void ContinueWatchingModel::forget(const QString &key)
{
    const ProgressRecord record = item(key).record;
    m_local.hide(record.contentId, record.observedAtMs);
    m_sync.forget(record.contentId, record.observedAtMs, this, [this](bool) { refresh(); });
}

void ContinueWatchingModel::open(const QString &key)
{
    const ContinueWatchingItem entry = item(key);
    switch (entry.kind) {
    case ContinueWatchingItem::Kind::NextUp:
        if (QFileInfo::exists(entry.path))
            Q_EMIT openRequested(entry.path);
        else
            refresh(); // moved or deleted since the list was made
        return;
    case ContinueWatchingItem::Kind::Locate:
        Q_EMIT showFolderRequested(entry.record.showId, entry.title);
        return;
    case ContinueWatchingItem::Kind::Resume:
        break;
    }
    const QString path = location(entry.record.contentId);
    if (!path.isEmpty() && QFileInfo::exists(path))
        Q_EMIT openRequested(path);
    else
        Q_EMIT locateRequested(entry.record, path);
}

void ContinueWatchingModel::markWatched(const QString &key, bool watched)
{
    const ContinueWatchingItem entry = item(key);
    ProgressRecord current = entry.record;
    switch (entry.kind) {
    case ContinueWatchingItem::Kind::Locate:
        return; // no video yet
    case ContinueWatchingItem::Kind::NextUp: {
        // The next episode has no record yet: one made from its file.
        const auto name = EpisodeName::parse(entry.path);
        current = ProgressRecord();
        current.contentId = entry.key;
        current.title = entry.title;
        current.showId = entry.record.showId;
        current.episodeId = name ? name->episodeId : QString();
        break;
    }
    case ContinueWatchingItem::Kind::Resume:
        break;
    }
    if (current.contentId.isEmpty())
        return;
    // Made again once its delivery was tried (at once without a server), so that the server's
    // list has it.
    auto settled = std::make_shared<QMetaObject::Connection>();
    *settled =
        connect(&m_sync, &SyncClient::reportSettled, this,
                [this, contentId = current.contentId, settled](const ProgressRecord &record, bool) {
                    if (record.contentId != contentId)
                        return;
                    disconnect(*settled);
                    refresh();
                });
    Q_EMIT markReported(m_sync.markWatched(current, watched));
}

void ContinueWatchingModel::setShowFolder(const QString &showId, const QString &folder)
{
    m_settings.setShowFolder(showId, folder);
    refresh();
}
