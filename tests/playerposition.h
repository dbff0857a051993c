#pragma once

// Where the real media player is, as the player's --events lines tell it (`player_position_ms` on
// `resumed` and `seeked`), against the point the line names: the tests that read those lines
// check the picture's place, not only the decision, so a player that ignored the seek fails.
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

// The player may be a little before the point (the frame shown is the one at or just before it)
// and later by the time the line is printed: the first position after a seek (about 100 ms
// apart), or up to the 400 ms settle time of playing after a seek asked for here.
constexpr qint64 kPlayerEarlyMs = 300;
constexpr qint64 kPlayerLateMs = 2000;

// Empty when the player is at the line's `position_ms`; otherwise what is wrong, for the failure
// message.
inline QString playerAwayFromPoint(const QJsonObject &line)
{
    const qint64 point = line.value(QStringLiteral("position_ms")).toInteger(-1);
    const qint64 player = line.value(QStringLiteral("player_position_ms")).toInteger(-1);
    if (point >= 0 && player >= point - kPlayerEarlyMs && player <= point + kPlayerLateMs)
        return {};
    return QStringLiteral("the player is at %1 ms, the point at %2 ms: %3")
        .arg(player)
        .arg(point)
        .arg(QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact)));
}
