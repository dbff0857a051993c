#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

// What "Connect with a code" says, decided without a window: the code as people read it
// ("123 456"), "Valid for 9:41" counting down to the expiry on this device's clock, where to type
// the code, "The code expired" when it runs out (or the server says so), and "Connected as NAME".
// Fed by PairingClient's signals; PairingDialog shows what it emits.
class PairingPresenter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PairingPresenter)
public:
    using Clock = std::function<qint64()>; // ms since the epoch, this device's clock

    explicit PairingPresenter(QObject *parent = nullptr);
    // Tests give their own clock and call tick() themselves.
    PairingPresenter(Clock clock, QObject *parent);

    // "123456" -> "123 456": two halves, as a phone number is read.
    static QString formatCode(const QString &code);
    // "Valid for 9:41": whole seconds, rounded up (a fresh 10-minute code reads 10:00).
    static QString remainingText(qint64 msLeft);
    static QString instructions(const QString &code);
    static QString connectedText(const QString &user);

    bool isCounting() const { return m_timer.isActive(); }

public Q_SLOTS:
    // A code is being asked of `server` (shown as the person typed it).
    void start(const QString &server);
    // PairingClient::codeReady: `expiresAtMs` on this device's clock.
    void showCode(const QString &code, qint64 expiresAtMs);
    void showPaired(const QString &user);
    // PairingClient::failed: `expired` when the code ran out (the server's 410).
    void showFailure(const QString &reason, bool expired);
    void stop();
    // Updates the countdown (the timer calls it when the shown second changes).
    void tick();

Q_SIGNALS:
    void waiting(const QString &text);
    void codeShown(const QString &code, const QString &instructions);
    void remainingChanged(const QString &text);
    // The code is of no use any more: why ("The code expired"); a new one may be asked.
    void ended(const QString &text);
    void connected(const QString &text);

private:
    void expire();

    Clock m_clock;
    QTimer m_timer;
    qint64 m_expiresAtMs = 0;
    QString m_lastRemaining;
};
