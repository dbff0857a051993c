#include "protocol/episodeid.h"

#include <QRegularExpression>

namespace {

bool inRange(int value, int max)
{
    return value >= 0 && value <= max;
}

// A number of the id, at least two digits.
QString twoDigits(int value)
{
    return QStringLiteral("%1").arg(value, 2, 10, QLatin1Char('0'));
}

int threeWay(int a, int b)
{
    return a < b ? -1 : (a > b ? 1 : 0);
}

} // namespace

EpisodeId EpisodeId::parse(const QString &text)
{
    // Digits limited so that toInt() cannot overflow; the ranges are checked by the makers.
    static const QRegularExpression seasonal(
        QStringLiteral("^s([0-9]{1,4})e([0-9]{1,5})(?:-e([0-9]{1,5}))?$"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression absolute(QStringLiteral("^e([0-9]{1,5})(?:-e([0-9]{1,5}))?$"),
                                             QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression dated(QStringLiteral("^([0-9]{4})-([0-9]{2})-([0-9]{2})$"));

    const auto numberOr = [](const QRegularExpressionMatch &match, int group) {
        return match.capturedLength(group) > 0 ? match.captured(group).toInt() : -1;
    };
    if (const QRegularExpressionMatch match = seasonal.match(text); match.hasMatch())
        return EpisodeId::seasonal(numberOr(match, 1), numberOr(match, 2), numberOr(match, 3));
    if (const QRegularExpressionMatch match = absolute.match(text); match.hasMatch())
        return EpisodeId::absolute(numberOr(match, 1), numberOr(match, 2));
    if (const QRegularExpressionMatch match = dated.match(text); match.hasMatch())
        return EpisodeId::dated(QDate(numberOr(match, 1), numberOr(match, 2), numberOr(match, 3)));
    return {};
}

EpisodeId EpisodeId::seasonal(int season, int episode, int lastEpisode)
{
    if (!inRange(season, kMaxSeason) || !inRange(episode, kMaxEpisode)
        || (lastEpisode != -1 && (lastEpisode <= episode || lastEpisode > kMaxEpisode)))
        return {};
    EpisodeId id;
    id.m_kind = Kind::Seasonal;
    id.m_season = season;
    id.m_episode = episode;
    id.m_last = lastEpisode;
    return id;
}

EpisodeId EpisodeId::absolute(int number, int lastNumber)
{
    EpisodeId id = seasonal(0, number, lastNumber);
    if (!id.isValid())
        return {};
    id.m_kind = Kind::Absolute;
    id.m_season = -1;
    return id;
}

EpisodeId EpisodeId::dated(const QDate &date)
{
    // Four digits in the id, and nothing a name would carry outside them.
    if (!date.isValid() || date.year() < 1000 || date.year() > 9999)
        return {};
    EpisodeId id;
    id.m_kind = Kind::Dated;
    id.m_date = date;
    return id;
}

QString EpisodeId::toString() const
{
    switch (m_kind) {
    case Kind::Invalid:
        return {};
    case Kind::Seasonal:
        return QStringLiteral("s%1e%2").arg(twoDigits(m_season), twoDigits(m_episode))
            + (m_last >= 0 ? QStringLiteral("-e") + twoDigits(m_last) : QString());
    case Kind::Absolute:
        return QStringLiteral("e") + twoDigits(m_episode)
            + (m_last >= 0 ? QStringLiteral("-e") + twoDigits(m_last) : QString());
    case Kind::Dated:
        return m_date.toString(Qt::ISODate);
    }
    return {};
}

QString EpisodeId::label() const
{
    const QChar dash(0x2013); // en dash: a range, "S01E01–E02"
    switch (m_kind) {
    case Kind::Invalid:
        return {};
    case Kind::Seasonal:
        // "S00E01" means nothing to most people; Kodi and Jellyfin file these under "Specials".
        if (m_season == 0) {
            return m_last >= 0
                ? QStringLiteral("Specials %1%2%3").arg(m_episode).arg(dash).arg(m_last)
                : QStringLiteral("Special %1").arg(m_episode);
        }
        return QStringLiteral("S%1E%2").arg(twoDigits(m_season), twoDigits(m_episode))
            + (m_last >= 0 ? dash + QStringLiteral("E") + twoDigits(m_last) : QString());
    case Kind::Absolute:
        return m_last >= 0 ? QStringLiteral("Episodes %1%2%3").arg(m_episode).arg(dash).arg(m_last)
                           : QStringLiteral("Episode %1").arg(m_episode);
    case Kind::Dated:
        return m_date.toString(Qt::ISODate);
    }
    return {};
}

int EpisodeId::compare(const EpisodeId &a, const EpisodeId &b)
{
    if (a.m_kind != b.m_kind)
        return threeWay(int(a.m_kind), int(b.m_kind));
    switch (a.m_kind) {
    case Kind::Invalid:
        return 0;
    case Kind::Dated:
        return a.m_date < b.m_date ? -1 : (b.m_date < a.m_date ? 1 : 0);
    case Kind::Seasonal:
    case Kind::Absolute:
        break;
    }
    if (const int bySeason = threeWay(a.m_season, b.m_season); bySeason != 0)
        return bySeason;
    if (const int byEpisode = threeWay(a.m_episode, b.m_episode); byEpisode != 0)
        return byEpisode;
    return threeWay(a.lastOrFirst(), b.lastOrFirst());
}

bool EpisodeId::overlaps(const EpisodeId &other) const
{
    if (m_kind != other.m_kind || m_kind == Kind::Invalid)
        return false;
    if (m_kind == Kind::Dated)
        return m_date == other.m_date;
    return m_season == other.m_season && m_episode <= other.lastOrFirst()
        && other.m_episode <= lastOrFirst();
}
