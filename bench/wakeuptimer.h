#pragma once

#include <QObject>
#include <QTimer>

class QSocketNotifier;

// A single-shot timer with microsecond precision, for the request timeline. QTimer counts whole
// milliseconds, so waking with it for a request due 0.2 ms later wakes up to a millisecond late,
// and that lateness shows up in every measured latency (on this machine it put about 1 ms on the
// median of a 1.5 ms answer). On Linux this is a timerfd watched by the event loop; elsewhere it
// falls back to a precise QTimer.
class WakeupTimer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WakeupTimer)
public:
    explicit WakeupTimer(QObject *parent = nullptr);
    ~WakeupTimer() override;

    void start(qint64 delayNs); // replaces any pending wake-up
    void stop();

Q_SIGNALS:
    void timeout();

private:
    void onActivated();

    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QTimer m_fallback;
};
