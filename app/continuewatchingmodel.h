#pragma once

#include "client/continueentry.h"
#include "continuewatchingitem.h"
#include "protocol/progressrecord.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <optional>

class LocalCopy;
class PlayerSettings;
class SyncClient;

// The Continue Watching list: one entry per show (the episode in progress, or the next one) and
// per film, newest activity first on any device. The server's list (GET /v1/continue) when it
// answers (its records kept in the local copy too), else the local copy's records grouped by the
// same rules (ContinueGrouping); less what the person hid on this device. Finds each show's next
// episode on this device (off the GUI thread), knows where each video was last seen here, asks for
// thumbnails, and removes or marks entries (hide: here only; forget, mark: on every device). Every
// call to the local copy for the list is made here.
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
        KeyRole, // ContinueWatchingItem::key: what open(), hide(), markWatched() take
        KindRole, // ContinueWatchingItem::Kind
        EpisodeLabelRole, // Next Up: "S01E03"
        PlayCountRole,
        LastFinishedRole,
    };
    Q_ENUM(Role)

    static constexpr int kLimit = 20;
    // Records of the local copy grouped when offline: a show's episodes are many records.
    static constexpr int kLocalRecords = 1000;

    ContinueWatchingModel(SyncClient &sync, LocalCopy &local, PlayerSettings &settings,
                          QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Whether the rows are the server's list (false: this device's only, offline).
    bool isFromServer() const { return m_fromServer; }
    QList<ContinueWatchingItem> items() const { return m_items; }
    // The entry with that key (ContinueWatchingItem::key); a default one when none.
    ContinueWatchingItem item(const QString &key) const;
    ProgressRecord record(const QString &key) const { return item(key).record; }
    QString location(const QString &contentId) const { return m_locations.value(contentId); }

    // Fetches the list again; the model is reset when it arrives and its next episodes are found.
    void refresh();
    // Off this device's list until a newer observation arrives; the place is kept.
    void hide(const QString &key);
    // Deleted on every device (and hidden here at once).
    void forget(const QString &key);
    // Opens the entry: a video where it was last seen (or asks where it is), the next episode from
    // the start, or asks for the folder of a show never opened here.
    void open(const QString &key);
    // Marks the entry's video (a Next Up entry: the next episode) watched or unwatched on every
    // device (SyncClient::markWatched).
    void markWatched(const QString &key, bool watched);
    // The folder the person chose for a show ("Locate…"): remembered, and the list made again.
    void setShowFolder(const QString &showId, const QString &folder);

    // What an item of the list becomes here before any folder is looked at: a Resume entry, a
    // NextUp entry whose file is still to be found (path empty), or none (a watched film).
    static std::optional<ContinueWatchingItem> plan(const ContinueEntry &entry);
    // `items` with each NextUp entry's file found in the first of its show's `folders` (by
    // show_id) that has it, and its content id; a show with no folder becomes a Locate entry, one
    // whose file none of its folders has is left out, unless its only folder is the one chosen
    // with Locate… (`locatedOnly`): Locate again. Reads folders and files: off the GUI thread.
    static QList<ContinueWatchingItem> findFiles(QList<ContinueWatchingItem> items,
                                                 const QHash<QString, QStringList> &folders,
                                                 const QSet<QString> &locatedOnly);

Q_SIGNALS:
    void fromServerChanged(bool fromServer);
    void thumbnailRequested(const QString &key, const QString &path, qint64 positionMs);
    void openRequested(const QString &path);
    void locateRequested(const ProgressRecord &record, const QString &lastPath);
    // A show never opened here: where are its episodes?
    void showFolderRequested(const QString &showId, const QString &showTitle);
    // A mark was reported (the list is made again once its delivery was tried).
    void markReported(const ProgressRecord &record);

private:
    void showLocal(quint64 generation);
    void showEntries(QList<ContinueEntry> entries, bool fromServer, quint64 generation);
    void findNextEpisodes(QList<ContinueWatchingItem> items, bool fromServer, quint64 generation);
    void setItems(const QList<ContinueWatchingItem> &items, bool fromServer);
    void setLocation(const QString &contentId, const QString &path);

    SyncClient &m_sync;
    LocalCopy &m_local;
    PlayerSettings &m_settings;
    QList<ContinueWatchingItem> m_items;
    QHash<QString, QString> m_locations; // by content id
    bool m_fromServer = true;
    quint64 m_generation = 0; // an answer counts only while this is still its refresh's number
};
