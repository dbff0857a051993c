#pragma once

#include "protocol/progressrecord.h"

#include <QList>
#include <QString>

#include <optional>

// An update waiting in the outbox, with the clock offset it was stamped with.
struct PendingUpdate
{
    ProgressRecord record;
    qint64 offsetMs = 0;
};

// The player's local SQLite copy: every position it reported or learned, the outbox of updates
// not yet delivered, and where each video lives on this device. Plain SQL; LocalCopy runs it on
// its own thread. Every method returns false on failure with the reason in *error.
class LocalStore final
{
    Q_DISABLE_COPY_MOVE(LocalStore)
public:
    LocalStore();
    ~LocalStore();

    bool open(const QString &path, QString *error);
    void close();

    // Keeps `record` if it is newer (by the ordering rule) than the one stored; with `queue` also
    // puts it in the outbox, replacing an older pending update of the same video.
    bool save(const ProgressRecord &record, bool queue, qint64 offsetMs, QString *error);
    bool record(const QString &contentId, std::optional<ProgressRecord> *record, QString *error);
    // Newest first, `ended` and hidden excluded: the offline Continue Watching list.
    bool recent(int limit, QList<ProgressRecord> *records, QString *error);

    bool pending(int limit, QList<PendingUpdate> *updates, QString *error);
    bool pendingCount(int *count, QString *error);
    // Removes the pending update of that video if it is still this exact observation.
    bool markDelivered(const ProgressRecord &delivered, QString *error);
    // Replaces a pending update with a re-stamped copy (after a clock_skew answer).
    bool restamp(const ProgressRecord &old, const ProgressRecord &restamped, qint64 offsetMs,
                 QString *error);

    // Hides a video from recent() until an observation newer than `observedAtMs` arrives.
    bool hide(const QString &contentId, qint64 observedAtMs, QString *error);
    // `records` less the ones hidden at or after their observation.
    bool withoutHidden(const QList<ProgressRecord> &records, QList<ProgressRecord> *visible,
                       QString *error);

    bool setLocation(const QString &contentId, const QString &path, QString *error);
    bool location(const QString &contentId, QString *path, QString *error);

private:
    bool openConnection(const QString &path, QString *error);

    QString m_connectionName;
};
