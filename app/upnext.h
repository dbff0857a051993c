#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

// At the end of a video: the next one, offered with a countdown the person can cancel. For an
// episode (media/episodename.h) the same show's next episode by episode order, else the next video
// in its folder (natural order: "Episode 2" before "Episode 10").
class UpNext final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpNext)
public:
    static constexpr int kCountdownSeconds = 10;

    explicit UpNext(QObject *parent = nullptr);

    // The video after `path`: the show's next episode (media/episodefiles.h: in its folder or the
    // next season's) when `path` names an episode, else the next in its folder; an empty string at
    // the last one. Reads directory listings: not on the GUI thread.
    static QString nextAfter(const QString &path);

    // Starts the countdown to `nextPath`; tick() every `tickMs` (a second; shorter in tests).
    void offer(const QString &nextPath, int seconds = kCountdownSeconds, int tickMs = 1000);
    // At the end of `path`: looks for the next video off the GUI thread and offers it, unless
    // cancel() or another offer came first. Nothing at the last one.
    void offerAfter(const QString &path);
    // Also drops a lookup offerAfter() started.
    void cancel();
    bool isCounting() const { return m_timer.isActive(); }

Q_SIGNALS:
    void countdownChanged(const QString &nextPath, int secondsLeft);
    void playNextRequested(const QString &nextPath);
    void cancelled();

private:
    void tick();

    QTimer m_timer;
    QString m_next;
    int m_secondsLeft = 0;
    quint64 m_lookup = 0; // a lookup's answer counts only while this is still its number
};
