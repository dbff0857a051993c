#include "noticepresenter.h"

#include "timeformat.h"

#include <QFileInfo>

NoticePresenter::NoticePresenter(QObject *parent) : QObject(parent) { }

void NoticePresenter::showResumed(const ResumePoint &point, const QString &ownDeviceId,
                                  qint64 nowMs)
{
    if (point.missedMs >= 0) {
        // The player could not go there (PlaybackSession::startFromTheBeginning): where it plays
        // instead, in words.
        show(Kind::Resumed,
             point.positionMs > 0
                 ? tr("This file cannot be played from %1: playing from %2 instead")
                       .arg(TimeFormat::clock(point.missedMs), TimeFormat::clock(point.positionMs))
                 : tr("This file cannot be played from %1: playing from the start")
                       .arg(TimeFormat::clock(point.missedMs)),
             tr("Start over"), kShownMs);
        return;
    }
    if (point.ownPlace && point.record) {
        // The newest place is another device's and far behind where this one was: say where it
        // resumed, and offer this device's own place (with the day, since it may be old).
        m_offeredMs = point.ownPlace->positionMs;
        show(Kind::ResumedBehind,
             tr("Resumed at %1 from %2")
                 .arg(TimeFormat::clock(point.positionMs), point.record->deviceName),
             tr("Go to %1 (this device, %2)")
                 .arg(TimeFormat::clock(point.ownPlace->positionMs),
                      TimeFormat::day(point.ownPlace->observedAtMs, nowMs)),
             kResumeOfferShownMs);
        return;
    }
    if (point.positionMs <= 0 || !point.record)
        return;
    const QString from = point.record->deviceId == ownDeviceId
        ? tr("on this device")
        : tr("from %1").arg(point.record->deviceName);
    show(Kind::Resumed,
         tr("Resumed at %1 · %2 · %3")
             .arg(TimeFormat::clock(point.positionMs), from,
                  TimeFormat::ago(point.record->observedAtMs, nowMs)),
         tr("Start over"), kShownMs);
}

void NoticePresenter::showRemotePlace(const ProgressRecord &record, bool playingHere)
{
    m_remote = record;
    show(Kind::RemotePlace,
         tr("%1 is at %2").arg(record.deviceName, TimeFormat::clock(record.positionMs)),
         playingHere ? tr("Jump there") : tr("Continue from there"), kShownMs);
}

void NoticePresenter::showContinued(const ProgressRecord &record)
{
    show(Kind::Continued,
         tr("Continued from %1 at %2").arg(record.deviceName, TimeFormat::clock(record.positionMs)),
         QString(), kShownMs);
}

void NoticePresenter::showResumeOffer(const ResumePoint &point)
{
    m_offeredMs = point.positionMs;
    const QString from = point.record ? point.record->deviceName : QString();
    show(Kind::ResumeOffer,
         tr("Resume at %1 (from %2)?").arg(TimeFormat::clock(point.positionMs), from), tr("Resume"),
         kResumeOfferShownMs);
}

void NoticePresenter::showUpNext(const QString &nextPath, int secondsLeft)
{
    show(Kind::UpNext,
         tr("Up next: %1 · in %2 s").arg(QFileInfo(nextPath).completeBaseName()).arg(secondsLeft),
         tr("Cancel"), kUpNextShownMs);
}

void NoticePresenter::showMessage(const QString &text)
{
    show(Kind::Message, text, QString(), kShownMs);
}

void NoticePresenter::showLocated(const ProgressRecord &expected, const QString &contentId)
{
    if (contentId == expected.contentId)
        return;
    showMessage(
        tr("This is not the same video as “%1”: it plays from its own place.").arg(expected.title));
}

void NoticePresenter::clear()
{
    show(Kind::None, QString(), QString(), 0);
}

void NoticePresenter::triggerAction()
{
    const Kind kind = m_kind;
    switch (kind) {
    case Kind::Resumed:
        clear();
        Q_EMIT startOverRequested();
        break;
    case Kind::RemotePlace: {
        // Offered once: what it did replaces the offer, so the button cannot be pressed again.
        const ProgressRecord remote = m_remote;
        showContinued(remote);
        Q_EMIT continueFromRequested(remote);
        break;
    }
    case Kind::ResumeOffer:
    case Kind::ResumedBehind:
        clear();
        Q_EMIT resumeRequested(m_offeredMs);
        break;
    case Kind::UpNext:
        clear();
        Q_EMIT upNextCancelRequested();
        break;
    case Kind::None:
    case Kind::Continued:
    case Kind::Message:
        break;
    }
}

void NoticePresenter::show(Kind kind, const QString &text, const QString &actionText,
                           int durationMs)
{
    m_kind = kind;
    m_text = text;
    m_actionText = actionText;
    m_durationMs = durationMs;
    Q_EMIT noticeChanged();
}
