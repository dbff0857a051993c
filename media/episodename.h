#pragma once

#include "protocol/episodeid.h"

#include <QDate>
#include <QString>

#include <optional>

// A video's show and episode read from its path, as Kodi, Plex and Jellyfin name media:
// "Show S01E02", "s1e2", "1x02", "Show - 102", "Season 1/Episode 2", specials (S00E01), double
// episodes (S01E01E02, S01E01-E02), anime's absolute numbers ("[Group] Show - 145 [1080p]"),
// dated shows ("Show 2024-03-01"), with release noise ("1080p", "x265", "WEB-DL") left out. The
// show comes from the folder (or the one above a "Season N" folder) when the file's name is only
// the episode. Pure string work: reads nothing from disk. The rules, measured on
// tests/tst_episodenames.cpp's table, are in episodename.cpp.
class EpisodeName final
{
public:
    // nullopt when the path names no episode of a show (a film: "Heat (1995).mkv").
    static std::optional<EpisodeName> parse(const QString &path);

    // A show's name as reports carry it in show_id, stable across devices and spellings:
    // lowercase ASCII letters and digits, words joined by '-' ("The Expanse" -> "the-expanse"),
    // accents folded ("Pokémon" -> "pokemon"), apostrophes dropped, '&' read as "and", the dots of
    // an acronym dropped ("S.H.I.E.L.D." -> "shield"), a year kept ("Doctor Who (2005)" ->
    // "doctor-who-2005"). Letters of scripts with no ASCII form (Japanese, Cyrillic) are kept in
    // lower case rather than dropped, so such a show still has an id. At most 128 characters.
    static QString showIdFor(const QString &showTitle);

    // The folder is a show's season folder ("Season 2", "S02", "Specials" = 0): its season, else
    // -1.
    static int seasonOfFolder(const QString &folderName);

    EpisodeId id() const { return EpisodeId::parse(episodeId); }
    // "S01E02", "S01E01–E02", "Special 1", "Episode 145", "2024-03-01" (EpisodeId::label).
    QString label() const { return id().label(); }

    QString showTitle; // for people: "The Expanse", "Doctor Who (2005)"
    QString showId; // showIdFor(showTitle)
    int season = -1; // -1: none (absolute or dated); 0: the specials
    int episode = -1; // within the season; -1 when none
    // The last episode a double (or longer) file holds: within the season, or the last absolute
    // number; -1 for one episode.
    int lastEpisode = -1;
    int absolute = -1; // an episode numbered without seasons; -1 when none
    QDate date; // a dated show's episode; null when none
    QString episodeId; // normalised: "s01e02", "s01e01-e02", "s00e01", "e145", "2024-03-01"
};
