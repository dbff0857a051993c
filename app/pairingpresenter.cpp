#include "pairingpresenter.h"

#include "timeformat.h"

#include <QDateTime>

PairingPresenter::PairingPresenter(QObject *parent)
    : PairingPresenter([] { return QDateTime::currentMSecsSinceEpoch(); }, parent)
{
}

PairingPresenter::PairingPresenter(Clock clock, QObject *parent)
    : QObject(parent), m_clock(std::move(clock))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &PairingPresenter::tick);
}

QString PairingPresenter::formatCode(const QString &code)
{
    if (code.size() != 6)
        return code;
    return code.left(3) + QLatin1Char(' ') + code.mid(3);
}

QString PairingPresenter::remainingText(qint64 msLeft)
{
    const qint64 seconds = (qMax<qint64>(0, msLeft) + 999) / 1000;
    return tr("Valid for %1").arg(TimeFormat::clock(seconds * 1000));
}

QString PairingPresenter::instructions(const QString &code)
{
    return tr("On a connected player: Settings > Devices > Add a Device, or on the server: "
              "playmark-server user approve NAME %1")
        .arg(code);
}

QString PairingPresenter::connectedText(const QString &user)
{
    return tr("Connected as %1").arg(user);
}

void PairingPresenter::start(const QString &server)
{
    m_timer.stop();
    m_lastRemaining.clear();
    Q_EMIT waiting(tr("Asking %1 for a code…").arg(server));
}

void PairingPresenter::showCode(const QString &code, qint64 expiresAtMs)
{
    m_expiresAtMs = expiresAtMs;
    m_lastRemaining.clear();
    Q_EMIT codeShown(formatCode(code), instructions(code));
    tick();
}

void PairingPresenter::showPaired(const QString &user)
{
    m_timer.stop();
    Q_EMIT connected(connectedText(user));
}

void PairingPresenter::showFailure(const QString &reason, bool expired)
{
    m_timer.stop();
    if (expired)
        Q_EMIT ended(tr("The code expired"));
    else
        Q_EMIT ended(tr("No code: %1").arg(reason));
}

void PairingPresenter::stop()
{
    m_timer.stop();
}

void PairingPresenter::tick()
{
    const qint64 msLeft = m_expiresAtMs - m_clock();
    if (msLeft <= 0) {
        expire();
        return;
    }
    const QString text = remainingText(msLeft);
    if (text != m_lastRemaining) {
        m_lastRemaining = text;
        Q_EMIT remainingChanged(text);
    }
    // Next when the shown second changes, not on a fixed beat that would drift from it.
    m_timer.start(int((msLeft - 1) % 1000) + 1);
}

void PairingPresenter::expire()
{
    m_timer.stop();
    Q_EMIT ended(tr("The code expired"));
}
