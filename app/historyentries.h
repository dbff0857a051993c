#pragma once

#include "protocol/progressrecord.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

class SyncClient;

// The entries of the "Jump to…" menu for the video shown: where the other devices were, newest
// first, as "TV · 0:42 · 3 min ago" with the position to jump to. This device's own places are
// left out (they are where it already is); an unreachable server gives an empty menu. First, when
// the video was ever finished, "Watched twice, last on Monday" (a line to read, not to jump to).
class HistoryEntries final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryEntries)
public:
    using Entry = QPair<QString, qint64>; // (label, position)

    static constexpr int kFetchLimit = 50; // own places count against it, so ask for more
    static constexpr int kMaxEntries = 12;
    // The position of an entry that is only read ("Watched twice, last on Monday").
    static constexpr qint64 kNoJump = -1;

    HistoryEntries(SyncClient &sync, QObject *parent = nullptr);

    // Asks the server for `contentId`'s history; entriesReady() answers (at once for none).
    void request(const QString &contentId);

    static QList<Entry> build(const QList<ProgressRecord> &history, const QString &ownDeviceId,
                              qint64 nowMs);

Q_SIGNALS:
    void entriesReady(const QList<QPair<QString, qint64>> &entries);

private:
    SyncClient &m_sync;
};
