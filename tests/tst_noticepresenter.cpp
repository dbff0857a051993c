// NoticePresenter: which notice shows, with which text, action and duration, and what its action
// asks for, without a window.
#include "noticepresenter.h"

#include <QDateTime>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kNowMs = 1'700'000'000'000;

ProgressRecord record(const QString &deviceId, const QString &deviceName, qint64 positionMs,
                      qint64 observedAtMs = kNowMs)
{
    ProgressRecord r;
    r.contentId = u"sha256:abc"_s;
    r.deviceId = deviceId;
    r.deviceName = deviceName;
    r.positionMs = positionMs;
    r.durationMs = 150000;
    r.observedAtMs = observedAtMs;
    return r;
}

ResumePoint point(const std::optional<ProgressRecord> &from, qint64 positionMs)
{
    ResumePoint p;
    p.positionMs = positionMs;
    p.record = from;
    p.source = from ? ResumePoint::Source::Server : ResumePoint::Source::None;
    return p;
}

} // namespace

class tst_NoticePresenter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resumed_data();
    void resumed();
    void resumedElsewhereSaysWhere_data();
    void resumedElsewhereSaysWhere();
    void resumedBehindOffersThisDevicesPlace_data();
    void resumedBehindOffersThisDevicesPlace();
    void resumedAtTheStartSaysNothing_data();
    void resumedAtTheStartSaysNothing();
    void remotePlace_data();
    void remotePlace();
    void continueFromThereIsOfferedOnce();
    void resumeOfferResumesThere();
    void upNextCancels();
    void messageHasNoAction();
    void locatedAnotherVideo();
    void clearHides();
    void newerNoticeReplacesTheAction();
};

void tst_NoticePresenter::resumedBehindOffersThisDevicesPlace_data()
{
    QTest::addColumn<qint64>("resumedAt");
    QTest::addColumn<qint64>("ownAt");
    QTest::addColumn<qint64>("ownSeenAt");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("action");

    const qint64 day = 24 * 3600 * 1000;
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(kNowMs);
    const qint64 yesterday = QDateTime(now.date().addDays(-1), QTime(21, 0)).toMSecsSinceEpoch();
    QTest::newRow("the issue's example")
        << qint64(605000) << qint64(2530000) << yesterday << u"Resumed at 10:05 from TV"_s
        << u"Go to 42:10 (this device, yesterday)"_s;
    QTest::newRow("today") << qint64(0) << qint64(121000) << kNowMs - 1000
                           << u"Resumed at 0:00 from TV"_s << u"Go to 2:01 (this device, today)"_s;
    QTest::newRow("days ago")
        << qint64(60000) << qint64(3600000) << kNowMs - 3 * day << u"Resumed at 1:00 from TV"_s
        << u"Go to 1:00:00 (this device, on %1)"_s.arg(
               QLocale(QLocale::English).dayName(now.date().addDays(-3).dayOfWeek()));
}

// The newest place is another device's and far behind where this device was: both are offered.
void tst_NoticePresenter::resumedBehindOffersThisDevicesPlace()
{
    QFETCH(qint64, resumedAt);
    QFETCH(qint64, ownAt);
    QFETCH(qint64, ownSeenAt);
    QFETCH(QString, text);
    QFETCH(QString, action);

    ResumePoint where = point(record(u"tv"_s, u"TV"_s, resumedAt, kNowMs - 60000), resumedAt);
    where.ownPlace = OwnPlace{ownAt, ownSeenAt};
    NoticePresenter notice;
    QSignalSpy resume(&notice, &NoticePresenter::resumeRequested);
    QSignalSpy startOver(&notice, &NoticePresenter::startOverRequested);
    notice.showResumed(where, u"phone"_s, kNowMs);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::ResumedBehind);
    QCOMPARE(notice.text(), text);
    QCOMPARE(notice.actionText(), action);
    QCOMPARE(notice.durationMs(), NoticePresenter::kResumeOfferShownMs);

    notice.triggerAction();
    QCOMPARE(resume.size(), 1);
    QCOMPARE(resume.first().first().toLongLong(), ownAt);
    QCOMPARE(startOver.size(), 0);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::None);
}

void tst_NoticePresenter::resumed_data()
{
    QTest::addColumn<QString>("deviceId");
    QTest::addColumn<QString>("expected");
    QTest::newRow("from another device") << u"tv"_s << u"Resumed at 0:42 · from TV · 3 min ago"_s;
    QTest::newRow("from this device")
        << u"phone"_s << u"Resumed at 0:42 · on this device · 3 min ago"_s;
}

void tst_NoticePresenter::resumed()
{
    QFETCH(QString, deviceId);
    QFETCH(QString, expected);
    NoticePresenter notice;
    QSignalSpy changed(&notice, &NoticePresenter::noticeChanged);
    QSignalSpy startOver(&notice, &NoticePresenter::startOverRequested);
    notice.showResumed(point(record(deviceId, u"TV"_s, 42000, kNowMs - 3 * 60000), 42000),
                       u"phone"_s, kNowMs);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::Resumed);
    QCOMPARE(notice.text(), expected);
    QCOMPARE(notice.actionText(), u"Start over"_s);
    QCOMPARE(notice.durationMs(), NoticePresenter::kShownMs);
    notice.triggerAction();
    QCOMPARE(startOver.size(), 1);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::None);
}

// The player could not go to the resume point (PlaybackSession::startFromTheBeginning): the
// person is told where it plays instead, even from 0.
void tst_NoticePresenter::resumedElsewhereSaysWhere_data()
{
    QTest::addColumn<qint64>("positionMs");
    QTest::addColumn<QString>("expected");
    QTest::newRow("from the start")
        << qint64(0) << u"This file cannot be played from 1:00: playing from the start"_s;
    QTest::newRow("from elsewhere")
        << qint64(5000) << u"This file cannot be played from 1:00: playing from 0:05 instead"_s;
}

void tst_NoticePresenter::resumedElsewhereSaysWhere()
{
    QFETCH(qint64, positionMs);
    QFETCH(QString, expected);
    NoticePresenter notice;
    ResumePoint where = point(record(u"tv"_s, u"TV"_s, 60000, kNowMs - 60000), positionMs);
    where.missedMs = 60000;
    notice.showResumed(where, u"phone"_s, kNowMs);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::Resumed);
    QCOMPARE(notice.text(), expected);
    QCOMPARE(notice.actionText(), u"Start over"_s);
}

void tst_NoticePresenter::resumedAtTheStartSaysNothing_data()
{
    QTest::addColumn<qint64>("positionMs");
    QTest::addColumn<bool>("hasRecord");
    QTest::newRow("at 0") << qint64(0) << true;
    QTest::newRow("no record") << qint64(42000) << false;
}

void tst_NoticePresenter::resumedAtTheStartSaysNothing()
{
    QFETCH(qint64, positionMs);
    QFETCH(bool, hasRecord);
    NoticePresenter notice;
    QSignalSpy changed(&notice, &NoticePresenter::noticeChanged);
    const std::optional<ProgressRecord> from =
        hasRecord ? std::optional(record(u"tv"_s, u"TV"_s, positionMs)) : std::nullopt;
    notice.showResumed(point(from, positionMs), u"phone"_s, kNowMs);
    QCOMPARE(changed.size(), 0);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::None);
}

void tst_NoticePresenter::remotePlace_data()
{
    QTest::addColumn<bool>("playingHere");
    QTest::addColumn<QString>("expectedAction");
    QTest::newRow("paused here") << false << u"Continue from there"_s;
    QTest::newRow("playing here") << true << u"Jump there"_s;
}

void tst_NoticePresenter::remotePlace()
{
    QFETCH(bool, playingHere);
    QFETCH(QString, expectedAction);
    NoticePresenter notice;
    QSignalSpy continueFrom(&notice, &NoticePresenter::continueFromRequested);
    const ProgressRecord tv = record(u"tv"_s, u"TV"_s, 24000);
    notice.showRemotePlace(tv, playingHere);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::RemotePlace);
    QCOMPARE(notice.text(), u"TV is at 0:24"_s);
    QCOMPARE(notice.actionText(), expectedAction);
    QCOMPARE(notice.durationMs(), NoticePresenter::kShownMs);
    notice.triggerAction();
    QCOMPARE(continueFrom.size(), 1);
    QCOMPARE(continueFrom.at(0).at(0).value<ProgressRecord>(), tv);
}

// Bug 2 of issue 11: after "Continue from there" the notice no longer offers it; it says what
// happened.
void tst_NoticePresenter::continueFromThereIsOfferedOnce()
{
    NoticePresenter notice;
    QSignalSpy continueFrom(&notice, &NoticePresenter::continueFromRequested);
    QSignalSpy changed(&notice, &NoticePresenter::noticeChanged);
    notice.showRemotePlace(record(u"tv"_s, u"TV"_s, 24000), false);
    notice.triggerAction();
    QCOMPARE(continueFrom.size(), 1);
    QCOMPARE(changed.size(), 2);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::Continued);
    QCOMPARE(notice.text(), u"Continued from TV at 0:24"_s);
    QCOMPARE(notice.actionText(), QString());
    notice.triggerAction();
    QCOMPARE(continueFrom.size(), 1);
}

void tst_NoticePresenter::resumeOfferResumesThere()
{
    NoticePresenter notice;
    QSignalSpy resume(&notice, &NoticePresenter::resumeRequested);
    notice.showResumeOffer(point(record(u"tv"_s, u"TV"_s, 65000), 65000));
    QCOMPARE(notice.kind(), NoticePresenter::Kind::ResumeOffer);
    QCOMPARE(notice.text(), u"Resume at 1:05 (from TV)?"_s);
    QCOMPARE(notice.actionText(), u"Resume"_s);
    QCOMPARE(notice.durationMs(), NoticePresenter::kResumeOfferShownMs);
    notice.triggerAction();
    QCOMPARE(resume.size(), 1);
    QCOMPARE(resume.at(0).at(0).toLongLong(), 65000);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::None);
}

void tst_NoticePresenter::upNextCancels()
{
    NoticePresenter notice;
    QSignalSpy cancel(&notice, &NoticePresenter::upNextCancelRequested);
    notice.showUpNext(u"/videos/Episode 2.mkv"_s, 7);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::UpNext);
    QCOMPARE(notice.text(), u"Up next: Episode 2 · in 7 s"_s);
    QCOMPARE(notice.actionText(), u"Cancel"_s);
    QCOMPARE(notice.durationMs(), NoticePresenter::kUpNextShownMs);
    notice.triggerAction();
    QCOMPARE(cancel.size(), 1);
}

void tst_NoticePresenter::messageHasNoAction()
{
    NoticePresenter notice;
    QSignalSpy startOver(&notice, &NoticePresenter::startOverRequested);
    notice.showMessage(u"This is not the same video"_s);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::Message);
    QCOMPARE(notice.text(), u"This is not the same video"_s);
    QCOMPARE(notice.actionText(), QString());
    notice.triggerAction();
    QCOMPARE(startOver.size(), 0);
}

void tst_NoticePresenter::locatedAnotherVideo()
{
    NoticePresenter notice;
    QSignalSpy changed(&notice, &NoticePresenter::noticeChanged);
    ProgressRecord expected = record(u"tv"_s, u"TV"_s, 42000);
    expected.title = u"Episode 1"_s;
    notice.showLocated(expected, expected.contentId);
    QCOMPARE(changed.size(), 0);
    notice.showLocated(expected, u"sha256:other"_s);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::Message);
    QCOMPARE(notice.text(),
             u"This is not the same video as “Episode 1”: it plays from its own place."_s);
    QCOMPARE(notice.actionText(), QString());
}

void tst_NoticePresenter::clearHides()
{
    NoticePresenter notice;
    QSignalSpy changed(&notice, &NoticePresenter::noticeChanged);
    notice.showUpNext(u"/videos/Episode 2.mkv"_s, 3);
    notice.clear();
    QCOMPARE(changed.size(), 2);
    QCOMPARE(notice.kind(), NoticePresenter::Kind::None);
    QCOMPARE(notice.text(), QString());
    QCOMPARE(notice.actionText(), QString());
}

void tst_NoticePresenter::newerNoticeReplacesTheAction()
{
    NoticePresenter notice;
    QSignalSpy startOver(&notice, &NoticePresenter::startOverRequested);
    QSignalSpy continueFrom(&notice, &NoticePresenter::continueFromRequested);
    notice.showResumed(point(record(u"tv"_s, u"TV"_s, 42000), 42000), u"phone"_s, kNowMs);
    notice.showRemotePlace(record(u"tv"_s, u"TV"_s, 50000), false);
    notice.triggerAction();
    QCOMPARE(startOver.size(), 0);
    QCOMPARE(continueFrom.size(), 1);
}

QTEST_GUILESS_MAIN(tst_NoticePresenter)
#include "tst_noticepresenter.moc"
