#pragma once

#include <QDate>
#include <QString>

// Which episode of a show a record is about, as reports carry it in `episode_id` (the player's
// name parser makes it, media/episodename.h; the server orders a show's episodes by it for Next
// Up). The normalised text, at least two digits per number:
//   s01e02       season 1, episode 2 (season 0 holds the specials: s00e01)
//   s01e01-e02   a double episode: one file holding episodes 1 and 2 of season 1
//   e145         an episode numbered without seasons (anime's absolute numbers); e01-e02 a double
//   2024-03-01   a dated show's episode (talk shows, news)
// Anything else is not an episode id: a default-constructed, invalid EpisodeId.
class EpisodeId final
{
public:
    // Also the order of kinds in compare(): a show whose files mix kinds cannot be ordered
    // rightly, but it is ordered the same way everywhere.
    enum class Kind { Invalid, Seasonal, Absolute, Dated };

    EpisodeId() = default;
    // Invalid (and no crash) for anything that is not an episode id as above; letters may be in
    // either case and numbers padded or not ("S1E2" is s01e02).
    static EpisodeId parse(const QString &text);
    // lastEpisode: the last episode a double (or triple) file holds, -1 for one episode. Invalid
    // when a number is negative or out of range, or lastEpisode is not after episode.
    static EpisodeId seasonal(int season, int episode, int lastEpisode = -1);
    static EpisodeId absolute(int number, int lastNumber = -1);
    static EpisodeId dated(const QDate &date);

    bool isValid() const { return m_kind != Kind::Invalid; }
    Kind kind() const { return m_kind; }
    int season() const { return m_season; } // -1 unless Seasonal
    // The (first) episode: within the season when Seasonal, the absolute number when Absolute.
    int episode() const { return m_episode; }
    int lastEpisode() const { return m_last; } // -1 unless a double
    QDate date() const { return m_date; } // null unless Dated

    // The normalised id ("s01e02"); empty when invalid.
    QString toString() const;
    // For people: "S01E02", "S01E01–E02", "Special 1", "Specials 1–2", "Episode 145",
    // "Episodes 1–2", "2024-03-01"; empty when invalid.
    QString label() const;

    // Watching order: by kind (the enum's order: text that is not an episode id before every
    // episode, all such text equal), then season, episode and last episode (one episode before
    // the double that starts with it), absolute numbers by number, dates by date. A total order:
    // < 0, 0 (the same episode, however spelled) or > 0.
    static int compare(const EpisodeId &a, const EpisodeId &b);
    bool isAfter(const EpisodeId &other) const { return compare(*this, other) > 0; }
    // Both hold a common episode (s01e01-e02 and s01e02); an id overlaps itself.
    bool overlaps(const EpisodeId &other) const;

    friend bool operator==(const EpisodeId &a, const EpisodeId &b) { return compare(a, b) == 0; }
    friend bool operator!=(const EpisodeId &a, const EpisodeId &b) { return compare(a, b) != 0; }
    friend bool operator<(const EpisodeId &a, const EpisodeId &b) { return compare(a, b) < 0; }

    // Beyond these a number is not an episode's (and stays short in an id of at most 128).
    static constexpr int kMaxSeason = 9999;
    static constexpr int kMaxEpisode = 99999;

private:
    int lastOrFirst() const { return m_last >= 0 ? m_last : m_episode; }

    Kind m_kind = Kind::Invalid;
    int m_season = -1;
    int m_episode = -1;
    int m_last = -1;
    QDate m_date;
};
