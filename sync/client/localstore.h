#pragma once

#include "client/storeresult.h"
#include "protocol/progressrecord.h"

#include <QList>
#include <QString>

#include <optional>

// Where this device itself last was in a video: its own last report's place and observation.
struct OwnPlace
{
    qint64 positionMs = 0;
    qint64 observedAtMs = 0;
};

// An update waiting in the outbox, with the clock offset it was stamped with.
struct PendingUpdate
{
    ProgressRecord record;
    qint64 offsetMs = 0;
};

// The player's local SQLite copy: every position it reported or learned, the outbox of updates
// not yet delivered, and where each video lives on this device. Plain SQL; LocalCopy runs it on
// its own thread. Every method returns a StoreResult: its value, or the reason it failed.
class LocalStore final
{
    Q_DISABLE_COPY_MOVE(LocalStore)
public:
    LocalStore();
    ~LocalStore();

    StoreResult<void> open(const QString &path);
    void close();

    // Keeps `record` if it is newer (by the ordering rule) than the one stored; with `queue` (this
    // device's own report) also puts it in the outbox, replacing an older pending update of the
    // same video, and keeps it as this device's own place (ownPlace).
    StoreResult<void> save(const ProgressRecord &record, bool queue, qint64 offsetMs);
    // No record (nullopt) is an answer; a failure to read is not.
    StoreResult<std::optional<ProgressRecord>> record(const QString &contentId);
    // This device's own last place in the video; nullopt when it never reported one.
    StoreResult<std::optional<OwnPlace>> ownPlace(const QString &contentId);
    // Newest first, `ended` and hidden excluded: the offline Continue Watching list.
    StoreResult<QList<ProgressRecord>> recent(int limit);
    // Newest first, watched and hidden included: what Continue Watching groups by show when the
    // server cannot be asked (ContinueGrouping), before it leaves out what was hidden.
    StoreResult<QList<ProgressRecord>> latest(int limit);

    StoreResult<QList<PendingUpdate>> pending(int limit);
    StoreResult<int> pendingCount();
    // Removes the pending update of that video if it is still this exact observation.
    StoreResult<void> markDelivered(const ProgressRecord &delivered);
    // Replaces a pending update with a re-stamped copy (after a clock_skew answer).
    StoreResult<void> restamp(const ProgressRecord &old, const ProgressRecord &restamped,
                              qint64 offsetMs);

    // The updates of device `from` in the outbox become device `to`'s (a new device id).
    StoreResult<void> renameDevice(const QString &from, const QString &to);

    // Hides a video from recent() until an observation newer than `observedAtMs` arrives.
    StoreResult<void> hide(const QString &contentId, qint64 observedAtMs);
    // `records` less the ones hidden at or after their observation.
    StoreResult<QList<ProgressRecord>> withoutHidden(const QList<ProgressRecord> &records);

    // The video was forgotten at `forgottenAtMs`: its record goes when it was observed at or
    // before then (a newer one brought it back), and so does a pending update as old.
    StoreResult<void> dropForgotten(const QString &contentId, qint64 forgottenAtMs);

    StoreResult<void> setLocation(const QString &contentId, const QString &path);
    // An empty path when the video was never seen here.
    StoreResult<QString> location(const QString &contentId);
    // Where this device last opened an episode of the show (a file's path); empty when never.
    StoreResult<QString> showLocation(const QString &showId);

private:
    // Newest first, those `where` (" WHERE ...", or empty for all) keeps.
    StoreResult<QList<ProgressRecord>> newest(const QString &where, int limit);
    bool openConnection(const QString &path, QString *error);

    QString m_connectionName;
};
