#include "historyentries.h"

#include "client/syncclient.h"
#include "playbacksession.h"
#include "timeformat.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHistory, "playmark.app.history")

HistoryEntries::HistoryEntries(SyncClient &sync, QObject *parent)
    : QObject(parent), m_sync(sync) { }

void HistoryEntries::request(const QString &contentId)
{
    if (contentId.isEmpty()) {
        Q_EMIT entriesReady({});
        return;
    }
    m_sync.fetchHistory(
        contentId, kFetchLimit, PlaybackSession::kDefaultServerWaitMs, this,
        [this, contentId](bool ok, const QList<ProgressRecord> &items) {
            if (!ok)
                qCInfo(lcHistory) << "history of" << contentId << "unavailable: server unreachable";
            Q_EMIT entriesReady(build(items, m_sync.deviceId(), m_sync.clock().serverNowMs()));
        });
}

QList<HistoryEntries::Entry> HistoryEntries::build(const QList<ProgressRecord> &history,
                                                   const QString &ownDeviceId, qint64 nowMs)
{
    QList<Entry> entries;
    // The video's play count is the same in every item (the server's, of all devices).
    int playCount = 0;
    qint64 lastFinishedMs = 0;
    for (const ProgressRecord &item : history) {
        playCount = qMax(playCount, item.playCount);
        lastFinishedMs = qMax(lastFinishedMs, item.lastFinishedMs);
    }
    if (playCount > 0) {
        QString plays = TimeFormat::plays(playCount, lastFinishedMs, nowMs);
        plays[0] = plays[0].toUpper();
        entries.append({plays, kNoJump});
    }
    for (const ProgressRecord &item : history) {
        if (item.deviceId == ownDeviceId)
            continue;
        if (entries.size() >= kMaxEntries + (playCount > 0 ? 1 : 0))
            break;
        entries.append({QStringLiteral("%1 · %2 · %3")
                            .arg(item.deviceName, TimeFormat::clock(item.positionMs),
                                 TimeFormat::ago(item.observedAtMs, nowMs)),
                        item.positionMs});
    }
    return entries;
}
