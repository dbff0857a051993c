#include "timeformat.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

namespace TimeFormat {

QString clock(qint64 ms)
{
    const qint64 totalSeconds = qMax<qint64>(0, ms) / 1000;
    const qint64 hours = totalSeconds / 3600;
    const qint64 minutes = (totalSeconds / 60) % 60;
    const qint64 seconds = totalSeconds % 60;
    if (hours > 0)
        return QStringLiteral("%1:%2:%3")
            .arg(hours)
            .arg(minutes, 2, 10, QLatin1Char('0'))
            .arg(seconds, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(minutes).arg(seconds, 2, 10, QLatin1Char('0'));
}

QString ago(qint64 thenMs, qint64 nowMs)
{
    const qint64 seconds = qMax<qint64>(0, nowMs - thenMs) / 1000;
    if (seconds < 60)
        return QCoreApplication::translate("TimeFormat", "just now");
    if (seconds < 3600)
        return QCoreApplication::translate("TimeFormat", "%1 min ago").arg(seconds / 60);
    if (seconds < 86400)
        return QCoreApplication::translate("TimeFormat", "%1 h ago").arg(seconds / 3600);
    if (seconds < 2 * 86400)
        return QCoreApplication::translate("TimeFormat", "1 day ago");
    return QCoreApplication::translate("TimeFormat", "%1 days ago").arg(seconds / 86400);
}

QString left(qint64 positionMs, qint64 durationMs)
{
    if (durationMs <= 0)
        return QCoreApplication::translate("TimeFormat", "at %1").arg(clock(positionMs));
    const qint64 leftMs = qMax<qint64>(0, durationMs - qMax<qint64>(0, positionMs));
    if (leftMs < 60000)
        return QCoreApplication::translate("TimeFormat", "under a minute left");
    // Rounded, not up: 2:01 left reads "2 min left", not "3".
    return QCoreApplication::translate("TimeFormat", "%1 min left").arg((leftMs + 30000) / 60000);
}

QString speed(double speed)
{
    return QString::number(speed, 'g', 3) + QChar(0x00D7);
}

QString delay(qint64 ms)
{
    return ms > 0 ? QStringLiteral("+%1 ms").arg(ms) : QStringLiteral("%1 ms").arg(ms);
}

QString day(qint64 thenMs, qint64 nowMs)
{
    const QDate then = QDateTime::fromMSecsSinceEpoch(thenMs).date();
    const QDate now = QDateTime::fromMSecsSinceEpoch(nowMs).date();
    const qint64 days = then.daysTo(now);
    if (days <= 0)
        return QCoreApplication::translate("TimeFormat", "today");
    if (days == 1)
        return QCoreApplication::translate("TimeFormat", "yesterday");
    // The names in English, as every other word the player shows.
    const QLocale english(QLocale::English);
    if (days < 7)
        return QCoreApplication::translate("TimeFormat", "on %1")
            .arg(english.dayName(then.dayOfWeek()));
    const QString format =
        then.year() == now.year() ? QStringLiteral("d MMMM") : QStringLiteral("d MMMM yyyy");
    return QCoreApplication::translate("TimeFormat", "on %1").arg(english.toString(then, format));
}

QString plays(int count, qint64 lastFinishedMs, qint64 nowMs)
{
    const QString when = day(lastFinishedMs, nowMs);
    if (count <= 0)
        return {};
    if (count == 1)
        return QCoreApplication::translate("TimeFormat", "watched %1").arg(when);
    if (count == 2)
        return QCoreApplication::translate("TimeFormat", "watched twice, last %1").arg(when);
    return QCoreApplication::translate("TimeFormat", "watched %1 times, last %2")
        .arg(count)
        .arg(when);
}

} // namespace TimeFormat
