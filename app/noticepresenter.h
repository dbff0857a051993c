#pragma once

#include "protocol/progressrecord.h"
#include "resumepoint.h"

#include <QObject>
#include <QString>

// Which one-line notice the player shows under the video, with its text, its action's label and
// how long it stays; the notice bar only shows it. The action asks for what it does through a
// signal. A newer notice replaces the one shown.
class NoticePresenter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NoticePresenter)
    Q_PROPERTY(Kind kind READ kind NOTIFY noticeChanged)
    Q_PROPERTY(QString text READ text NOTIFY noticeChanged)
    Q_PROPERTY(QString actionText READ actionText NOTIFY noticeChanged)
    Q_PROPERTY(int durationMs READ durationMs NOTIFY noticeChanged)
public:
    enum class Kind {
        None, // nothing shown
        Resumed, // "Resumed at 18:42 · from TV · 3 min ago  [Start over]"
        // Resumed far behind this device's own last place:
        // "Resumed at 10:05 from TV  [Go to 42:10 (this device, yesterday)]"
        ResumedBehind,
        RemotePlace, // "TV is at 18:42  [Continue from there]"
        Continued, // "Continued from TV at 18:42" (what the remote place's action did)
        ResumeOffer, // "Resume at 18:42 (from TV)?  [Resume]"
        UpNext, // "Up next: Episode 2 · in 7 s  [Cancel]"
        Message, // text alone
    };
    Q_ENUM(Kind)

    static constexpr int kShownMs = 8000;
    static constexpr int kResumeOfferShownMs = 15000;
    // Longer than the countdown's second, so the bar stays up between ticks.
    static constexpr int kUpNextShownMs = 1500;

    explicit NoticePresenter(QObject *parent = nullptr);

    Kind kind() const { return m_kind; }
    QString text() const { return m_text; }
    QString actionText() const { return m_actionText; } // empty: no action
    int durationMs() const { return m_durationMs; }

    // Playback resumed at `point`; nothing to say at 0 or without a saved place, unless it is far
    // behind this device's own last place (point.ownPlace), which it then offers.
    void showResumed(const ResumePoint &point, const QString &ownDeviceId, qint64 nowMs);
    // Another device is at `record` on the video shown. While this device plays, nothing jumps:
    // the notice only offers it.
    void showRemotePlace(const ProgressRecord &record, bool playingHere);
    // Playback went to where `record` was: the offer to go there is done.
    void showContinued(const ProgressRecord &record);
    // "Ask before resuming": offers `point` instead of going there.
    void showResumeOffer(const ResumePoint &point);
    void showUpNext(const QString &nextPath, int secondsLeft);
    void showMessage(const QString &text);
    // The file the person located for `expected` turned out to be `contentId`: when that is
    // another video, says it plays from its own place.
    void showLocated(const ProgressRecord &expected, const QString &contentId);
    void clear();

    // The person took the shown notice's action (its button, or Enter).
    void triggerAction();

Q_SIGNALS:
    void noticeChanged();
    void startOverRequested();
    void continueFromRequested(const ProgressRecord &record);
    void resumeRequested(qint64 positionMs);
    void upNextCancelRequested();

private:
    void show(Kind kind, const QString &text, const QString &actionText, int durationMs);

    Kind m_kind = Kind::None;
    QString m_text;
    QString m_actionText;
    int m_durationMs = 0;
    ProgressRecord m_remote; // the place a RemotePlace notice offers
    qint64 m_offeredMs = 0; // the point a ResumeOffer or ResumedBehind notice offers
};
