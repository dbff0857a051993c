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
    for (const ProgressRecord &item : history) {
        if (item.deviceId == ownDeviceId)
            continue;
        if (entries.size() >= kMaxEntries)
            break;
        entries.append({QStringLiteral("%1 · %2 · %3")
                            .arg(item.deviceName, TimeFormat::clock(item.positionMs),
                                 TimeFormat::ago(item.observedAtMs, nowMs)),
                        item.positionMs});
    }
    return entries;
}
