#include "media/episodename.h"

#include <QDir>
#include <QRegularExpression>

#include <algorithm>

// How a name is read. [Tags] go first (untag()), but for one that holds the episode ("[1x01]",
// "[01]"). The first rule that finds an episode marker in the rest wins; the show is the text
// before the marker, else the tag after a leading [Group] ("[Group][Show][01]"), else the folder's
// name:
//   1. S01E02, s1e2, S01.E02, S01 E02, with more episodes after it (S01E01E02, S01E01-E02,
//      S01E01-02) for a double; "Season 1 Episode 2".
//   2. 1x02 (1x01-02, 1x01x02 for doubles).
//   3. a date after the show's name: "Show 2024-03-01", "Show.2024.03.01", "Show 01.03.2024". A
//      date alone ("2024-03-01 Birthday") or with a time to the second ("Screen Recording
//      2024-03-01 at 10.15.32") is how cameras, phones and screen recorders name videos.
//   4. "Episode 2", "Ep 2", "E02": the episode alone; its season is the folder's ("Season 1/",
//      "Show.S01.1080p/"), else it is an absolute number.
//   5. "Show - 102": a number after " - ". See readDashNumber() for how 102 is told from 145.
//      With a leading [Group] tag (a fansub release), also "[Group] Show 12" without the dash.
//   6. a number at the start ("02 - Title", "02.mkv"): only inside a season folder, after a
//      "[Group][Show]" pair, or when it is two digits zero-padded ("01 - Pilot"), since films
//      start with numbers too ("2001 A Space Odyssey", "101 Dalmatians", "007 - Skyfall").
// Nothing else is an episode: a name with none of these is a film or something else
// ("Heat (1995)", "Blade Runner 2049 (2017)", "Ocean's 11" carry no marker). Not read: the Kodi
// "show.102.hdtv" form without a dash (rare since about 2010, and too like a film's "Ocean's 11").

namespace {

using RE = QRegularExpression;
constexpr auto kCaseless = RE::CaseInsensitiveOption;

// Parts of a folder's or a show's name that are release noise, not the name: the name ends where
// the first of them starts ("The.Expanse.S01.1080p.BluRay.x264-ROVERS"). No English words
// ("Proper", "Internal", "Complete"): shows are called that, and a release that writes them writes
// a resolution or codec too.
const RE &noiseExpression()
{
    static const RE noise(
        QStringLiteral("(?<![a-z0-9])(?:480p|576p|720p|1080[pi]|2160p|4k|uhd|hdr(?:10)?|"
                       "blu-?ray|bdrip|brrip|bdremux|remux|web-?dl|web-?rip|hdtv|pdtv|dvdrip|"
                       "x26[45]|h\\.?26[45]|hevc|xvid|divx|10-?bit|8-?bit|aac|e?ac-?3|"
                       "ddp?[0-9]\\.[0-9]|repack|amzn|dsnp|hmax|atvp)(?![a-z0-9])"),
        kCaseless);
    return noise;
}

// [Group], [1080p], [8E2A1E79], {tags}: never part of a show's name, and dropped before the rules
// look for an episode (a CRC such as [8E2A1E79] would read as E2).
const RE &tagsExpression()
{
    static const RE tags(QStringLiteral("\\[[^\\]]*\\]|\\{[^}]*\\}"));
    return tags;
}

// A season in a folder's or a show's name ("The.Expanse.S02.1080p", "Show Season 2", "Show 2nd
// Season"): where it starts, and the number in the first group that captured.
const RE &seasonMarkerExpression()
{
    static const RE marker(QStringLiteral("(?<![a-z0-9])(?:s([0-9]{1,4})|season[ ._-]*([0-9]{1,4})|"
                                          "([0-9]{1,2})(?:st|nd|rd|th)[ ._-]*season)(?![a-z0-9])"),
                           kCaseless);
    return marker;
}

int number(const QRegularExpressionMatch &match, int group)
{
    return match.capturedLength(group) > 0 ? match.captured(group).toInt() : -1;
}

// The first capture group of `match` that captured something, as a number; -1 when none.
int firstNumber(const QRegularExpressionMatch &match, std::initializer_list<int> groups)
{
    for (int group : groups) {
        if (match.capturedLength(group) > 0)
            return match.captured(group).toInt();
    }
    return -1;
}

// "S.H.I.E.L.D." -> "SHIELD": the dots of an acronym are not word breaks, in a title or a scene
// name ("Marvels.Agents.of.S.H.I.E.L.D.S01E01").
QString joinAcronyms(QString text)
{
    static const RE acronym(
        QStringLiteral("(?<![A-Za-z0-9])(?:[A-Za-z]\\.){2,}[A-Za-z]?(?![A-Za-z0-9])"));
    QRegularExpressionMatchIterator it = acronym.globalMatch(text);
    QList<QRegularExpressionMatch> matches;
    while (it.hasNext())
        matches << it.next();
    for (auto match = matches.crbegin(); match != matches.crend(); ++match) {
        QString letters = match->captured();
        letters.remove(QLatin1Char('.'));
        text.replace(match->capturedStart(), match->capturedLength(), letters + QLatin1Char(' '));
    }
    return text;
}

// A show's name for people from the part of a name before the episode (or a folder's name):
// tags, noise and separators out.
QString cleanTitle(const QString &raw)
{
    static const RE separators(QStringLiteral("[._]+"));
    static const RE emptyParentheses(QStringLiteral("\\(\\s*\\)"));
    QString title = raw;
    title.replace(tagsExpression(), QStringLiteral(" "));
    if (const QRegularExpressionMatch noise = noiseExpression().match(title); noise.hasMatch())
        title.truncate(noise.capturedStart());
    if (const QRegularExpressionMatch season = seasonMarkerExpression().match(title);
        season.hasMatch())
        title.truncate(season.capturedStart());
    title = joinAcronyms(title);
    title.replace(separators, QStringLiteral(" "));
    title.replace(emptyParentheses, QStringLiteral(" "));
    title = title.simplified();
    // What the cuts leave at the ends: "Show -", "Show (", "- Show".
    const QString edges = QStringLiteral(" -\u2013\u2014:,(~");
    while (!title.isEmpty() && edges.contains(title.back()))
        title.chop(1);
    while (!title.isEmpty() && edges.contains(title.front()) && title.front() != u'(')
        title.remove(0, 1);
    return title.trimmed();
}

// The file's name without its extension; a last part that is not an extension ("Show.S01E02",
// "Show.2024.03.01") stays.
QString withoutExtension(const QString &fileName)
{
    static const RE extension(QStringLiteral("\\.(?![eE][0-9]+$)([A-Za-z0-9]{2,4})$"));
    const QRegularExpressionMatch match = extension.match(fileName);
    const QString suffix = match.captured(1);
    if (!match.hasMatch()
        || std::none_of(suffix.cbegin(), suffix.cend(), [](QChar c) { return c.isLetter(); }))
        return fileName;
    return fileName.left(match.capturedStart());
}

// A file's name without its [tags], and what they said.
struct Untagged
{
    QString name; // tags out, but for those that hold the episode
    bool groupTag = false; // it starts with a fansub group's [Group] tag
    QString bracketShow; // "[Group][Show][01][1080p]": the show, in the tag after the group's
};

// [Group], [1080p] and CRCs go; a tag that holds the episode ("Friends - [1x01] - Title",
// "[Group] Show [01][1080p]") stays as its content.
Untagged untag(const QString &base)
{
    static const RE episode(
        QStringLiteral("^\\s*(?:s[0-9]{1,4}[ ._-]*e[0-9]{1,4}(?:[ ._-]*-?[ ._-]*e?[0-9]{1,4})*|"
                       "[0-9]{1,2}x[0-9]{1,3}(?:-(?:[0-9]{1,2}x)?[0-9]{1,3})?|"
                       "[0-9]{1,3}(?:v[0-9]{1,2})?)\\s*$"),
        kCaseless);
    Untagged result;
    qsizetype from = 0;
    int index = 0;
    QRegularExpressionMatchIterator it = tagsExpression().globalMatch(base);
    while (it.hasNext()) {
        const QRegularExpressionMatch tag = it.next();
        const QString content = tag.captured().mid(1).chopped(1);
        const bool holdsEpisode = episode.match(content).hasMatch();
        const QString before = base.mid(from, tag.capturedStart() - from);
        result.name += before + u' ' + (holdsEpisode ? content + u' ' : QString());
        if (index == 0 && tag.capturedStart() == 0 && !holdsEpisode)
            result.groupTag = true;
        else if (index == 1 && result.groupTag && before.trimmed().isEmpty() && !holdsEpisode
                 && !noiseExpression().match(content).hasMatch())
            result.bracketShow = content;
        from = tag.capturedEnd();
        ++index;
    }
    result.name = QString(result.name + base.mid(from)).trimmed();
    return result;
}

// What the rules found in the file's name.
struct Marker
{
    EpisodeId id; // valid when the episode is known in full
    int episodeOnly = -1; // else: an episode whose season comes from the folder, if any
    int lastOnly = -1; // ... and the last episode of a double
    qsizetype showEnd = 0; // the show's name is the text before this
    // Rule 6 outside a season folder: "01 - Pilot", not "101 Dalmatians" or "007 - Skyfall".
    bool zeroPadded = false;
};

// More episodes after S01E01 or 1x01 (a double or triple file): the last one, or -1. `next`
// captures the episode in its first or second group.
int lastOfRun(const QString &name, qsizetype from, const RE &next, int first)
{
    int last = -1;
    int previous = first;
    for (;;) {
        const QRegularExpressionMatch match =
            next.match(name, from, RE::NormalMatch, RE::AnchorAtOffsetMatchOption);
        if (!match.hasMatch())
            return last;
        const int episode = firstNumber(match, {1, 2}); // whichever alternative matched
        if (episode <= previous)
            return last;
        last = previous = episode;
        from = match.capturedEnd();
    }
}

std::optional<Marker> findSeasonEpisode(const QString &name)
{
    static const RE seasonEpisode(
        QStringLiteral("(?<![a-z0-9])(?:s([0-9]{1,4})[ ._-]*e|season[ ._-]*([0-9]{1,4})[ ._-]*"
                       "(?:episode|ep)[ ._-]*)([0-9]{1,4})(?![0-9])"),
        kCaseless);
    // "E02", "-E02", ".E02", "-S01E02", "-02" (not "-1080p").
    static const RE more(QStringLiteral("(?:[ ._]*-?[ ._]*(?:s[0-9]{1,4})?e([0-9]{1,4})(?![0-9])|"
                                        "-([0-9]{1,4})(?![0-9a-z]))"),
                         kCaseless);
    const QRegularExpressionMatch match = seasonEpisode.match(name);
    if (!match.hasMatch())
        return std::nullopt;
    const int first = number(match, 3);
    Marker marker;
    marker.id = EpisodeId::seasonal(firstNumber(match, {1, 2}), first,
                                    lastOfRun(name, match.capturedEnd(), more, first));
    marker.showEnd = match.capturedStart();
    return marker;
}

std::optional<Marker> findCrossed(const QString &name)
{
    static const RE crossed(QStringLiteral("(?<![a-z0-9])([0-9]{1,2})x([0-9]{1,3})(?![0-9])"),
                            kCaseless);
    static const RE more(QStringLiteral("(?:x|-|-[0-9]{1,2}x)([0-9]{1,3})(?![0-9a-z])"), kCaseless);
    const QRegularExpressionMatch match = crossed.match(name);
    if (!match.hasMatch())
        return std::nullopt;
    const int first = number(match, 2);
    Marker marker;
    marker.id = EpisodeId::seasonal(number(match, 1), first,
                                    lastOfRun(name, match.capturedEnd(), more, first));
    marker.showEnd = match.capturedStart();
    return marker;
}

std::optional<Marker> findDate(const QString &name)
{
    static const RE yearFirst(
        QStringLiteral("(?<![0-9])((?:19|20)[0-9]{2})[ ._-]([0-9]{2})[ ._-]([0-9]{2})(?![0-9])"));
    static const RE dayFirst(
        QStringLiteral("(?<![0-9])([0-9]{2})[ ._-]([0-9]{2})[ ._-]((?:19|20)[0-9]{2})(?![0-9])"));
    // "Screen Recording 2024-03-01 at 10.15.32": a recording's time stamp, to the second.
    static const RE clock(
        QStringLiteral("[ ._-]+(?:at[ ._-]+)?[0-9]{1,2}[.:_-][0-9]{2}[.:_-][0-9]{2}(?![0-9])"),
        kCaseless);
    for (const auto &[expression, year, day] :
         {std::tuple{&yearFirst, 1, 3}, std::tuple{&dayFirst, 3, 1}}) {
        const QRegularExpressionMatch match = expression->match(name);
        if (!match.hasMatch())
            continue;
        const EpisodeId id =
            EpisodeId::dated(QDate(number(match, year), number(match, 2), number(match, day)));
        const bool timeStamp =
            clock.match(name, match.capturedEnd(), RE::NormalMatch, RE::AnchorAtOffsetMatchOption)
                .hasMatch();
        if (id.isValid() && !timeStamp) {
            Marker marker;
            marker.id = id;
            marker.showEnd = match.capturedStart();
            return marker;
        }
    }
    return std::nullopt;
}

// An episode without its season: the first and (for a double, "Episode 1-2") the last number
// `match` captured, in groups 1 and 2.
Marker withoutSeason(const QRegularExpressionMatch &match)
{
    Marker marker;
    marker.episodeOnly = number(match, 1);
    const int last = number(match, 2);
    marker.lastOnly = last > marker.episodeOnly ? last : -1;
    return marker;
}

std::optional<Marker> findEpisodeWord(const QString &name)
{
    // "E02" only right before its digits, so that a word ending in e is never one.
    static const RE word(QStringLiteral("(?<![a-z0-9])(?:(?:episode|ep)[ ._-]*|e)([0-9]{1,4})"
                                        "(?:[ ._]*-[ ._]*(?:episode|ep|e)?[ ._]*([0-9]{1,4}))?"
                                        "(?![0-9a-z])"),
                         kCaseless);
    const QRegularExpressionMatch match = word.match(name);
    if (!match.hasMatch())
        return std::nullopt;
    Marker marker = withoutSeason(match);
    marker.showEnd = match.capturedStart();
    return marker;
}

// "Show - 102": season 1 episode 2 (Kodi's and Plex's "102" form), or episode 102 of an anime
// numbered absolutely ("Show - 145")? The rule, in this order:
//   - four digits that read as a year (1900-2099) are a year, not an episode ("Film - 2019"),
//     unless the name starts with a [Group] tag;
//   - a season in the show's part of the name ("[SubsPlease] Spy x Family S2 - 01", "Show 2nd
//     Season - 05") or else the folder's (Season 1/Show - 102): when the number is that season
//     followed by two digits 01-30, those are the episode (s01e02); else the number is the
//     episode of that season (Season 1/Show - 145 is s01e145, a long season);
//   - with a leading [Group] tag: an absolute number (fansub releases number episodes, never
//     seasons: "[HorribleSubs] Naruto Shippuuden - 145" is episode 145, and so is "- 102");
//   - three or four digits whose last two are 01-30 are season and episode (102 = s01e02,
//     1012 = s10e12): seasons longer than 30 episodes are rare outside anime and soaps;
//   - anything else is an absolute number ("Bleach - 145", "Bleach - 100", "Show - 05").
// Measured on tests/tst_episodenames.cpp's table: every dash name there reads as its release
// meant, and "Film - 2019" is no episode.
bool isSeasonLength(int episode)
{
    return episode >= 1 && episode <= 30;
}

std::optional<Marker> readDashNumber(const QString &digits, qsizetype showEnd, bool groupTag,
                                     int season)
{
    const int value = digits.toInt();
    Marker marker;
    marker.showEnd = showEnd;
    if (digits.size() == 4 && value >= 1900 && value <= 2099 && !groupTag)
        return std::nullopt;
    if (season >= 0) {
        const QString prefix = QString::number(season);
        const int lastTwo = value % 100;
        if (digits.size() == prefix.size() + 2 && digits.startsWith(prefix)
            && isSeasonLength(lastTwo))
            marker.id = EpisodeId::seasonal(season, lastTwo);
        else
            marker.id = EpisodeId::seasonal(season, value);
        return marker;
    }
    if (!groupTag && digits.size() >= 3 && isSeasonLength(value % 100)) {
        marker.id = EpisodeId::seasonal(value / 100, value % 100);
        return marker;
    }
    marker.id = EpisodeId::absolute(value);
    return marker;
}

std::optional<Marker> findDashNumber(const QString &name, bool groupTag, int folderSeason)
{
    // "v2": a fansub group's second version of the same episode.
    static const RE dash(QStringLiteral("[ ._]+-[ ._]+([0-9]{1,4})(?:v[0-9]{1,2})?(?![0-9a-z])"),
                         kCaseless);
    // Without the dash only after a [Group] tag, the number last but for "(1080p)"-like notes.
    static const RE last(
        QStringLiteral("[ ._]+([0-9]{1,4})(?:v[0-9]{1,2})?(?:[ ._]*\\([^)]*\\))*[ ._]*$"),
        kCaseless);
    static const RE titleSeason(QStringLiteral("(?:") + seasonMarkerExpression().pattern()
                                    + QStringLiteral(")[ ._]*$"),
                                kCaseless);
    QRegularExpressionMatch match = dash.match(name);
    if (!match.hasMatch() && groupTag)
        match = last.match(name);
    if (!match.hasMatch() || match.capturedStart() == 0)
        return std::nullopt;
    const QRegularExpressionMatch season = titleSeason.match(name.left(match.capturedStart()));
    return readDashNumber(match.captured(1), match.capturedStart(), groupTag,
                          season.hasMatch() ? firstNumber(season, {1, 2, 3}) : folderSeason);
}

std::optional<Marker> findLeadingNumber(const QString &name)
{
    static const RE leading(
        QStringLiteral("^([0-9]{1,3})(?:[ ._]*-[ ._]*([0-9]{1,3}))?(?=$|[ ._-])"));
    const QRegularExpressionMatch match = leading.match(name);
    if (!match.hasMatch())
        return std::nullopt;
    Marker marker = withoutSeason(match);
    marker.zeroPadded = match.captured(1).size() == 2 && match.captured(1).startsWith(u'0');
    return marker;
}

// The show and season a folder gives: a season folder's show is the folder above it.
struct FolderShow
{
    QString title;
    int season = -1;
};

FolderShow showFromFolders(const QStringList &folders)
{
    FolderShow show;
    if (folders.isEmpty())
        return show;
    QString folder = folders.last();
    show.season = EpisodeName::seasonOfFolder(folder);
    if (show.season >= 0) {
        if (folders.size() < 2)
            return show;
        folder = folders.at(folders.size() - 2);
    } else if (const QRegularExpressionMatch pack = seasonMarkerExpression().match(folder);
               pack.hasMatch()) {
        show.season = firstNumber(pack, {1, 2, 3}); // "The.Expanse.S02.1080p.WEB-DL"
    }
    show.title = cleanTitle(folder);
    return show;
}

} // namespace

int EpisodeName::seasonOfFolder(const QString &folderName)
{
    static const RE season(
        QStringLiteral(
            "^(?:season|series|saison|staffel|temporada|stagione|s)[ ._-]*([0-9]{1,4})$"),
        kCaseless);
    static const RE specials(QStringLiteral("^specials?$"), kCaseless);
    const QString name = folderName.trimmed();
    if (const QRegularExpressionMatch match = season.match(name); match.hasMatch())
        return number(match, 1);
    return specials.match(name).hasMatch() ? 0 : -1;
}

std::optional<EpisodeName> EpisodeName::parse(const QString &path)
{
    QStringList parts = QDir::fromNativeSeparators(path).split(u'/', Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return std::nullopt;
    const Untagged untagged = untag(withoutExtension(parts.takeLast()).trimmed());
    const QString &name = untagged.name;
    const bool groupTag = untagged.groupTag;

    const FolderShow folder = showFromFolders(parts);
    const bool inSeasonFolder = !parts.isEmpty() && seasonOfFolder(parts.last()) >= 0;

    std::optional<Marker> marker = findSeasonEpisode(name);
    if (!marker)
        marker = findCrossed(name);
    if (!marker)
        marker = findDate(name);
    if (!marker)
        marker = findEpisodeWord(name);
    if (!marker)
        marker = findDashNumber(name, groupTag, folder.season);
    if (!marker) {
        marker = findLeadingNumber(name);
        if (marker && !inSeasonFolder && !marker->zeroPadded && untagged.bracketShow.isEmpty())
            marker.reset();
    }
    if (!marker)
        return std::nullopt;

    EpisodeId id = marker->id;
    if (!id.isValid() && marker->episodeOnly >= 0) {
        id = folder.season >= 0
            ? EpisodeId::seasonal(folder.season, marker->episodeOnly, marker->lastOnly)
            : EpisodeId::absolute(marker->episodeOnly, marker->lastOnly);
    }
    if (!id.isValid())
        return std::nullopt;

    EpisodeName episode;
    episode.showTitle = cleanTitle(name.left(marker->showEnd));
    // A date with no show before it is how cameras and phones name videos ("2024-03-01
    // Birthday", "Camera Uploads/2024-03-01 10.15.32"), not a dated show's episode.
    if (episode.showTitle.isEmpty() && id.kind() == EpisodeId::Kind::Dated)
        return std::nullopt;
    if (episode.showTitle.isEmpty())
        episode.showTitle = cleanTitle(untagged.bracketShow);
    if (episode.showTitle.isEmpty())
        episode.showTitle = folder.title;
    episode.showId = showIdFor(episode.showTitle);
    if (episode.showId.isEmpty())
        return std::nullopt;
    switch (id.kind()) {
    case EpisodeId::Kind::Seasonal:
        episode.season = id.season();
        episode.episode = id.episode();
        break;
    case EpisodeId::Kind::Absolute:
        episode.absolute = id.episode();
        break;
    case EpisodeId::Kind::Dated:
        episode.date = id.date();
        break;
    case EpisodeId::Kind::Invalid:
        break;
    }
    episode.lastEpisode = id.lastEpisode();
    episode.episodeId = id.toString();
    return episode;
}

QString EpisodeName::showIdFor(const QString &showTitle)
{
    constexpr qsizetype kMaxShowId = 128; // docs/protocol.md: show_id at most 128 characters
    // Letters that do not decompose into an ASCII letter and a mark.
    static const QHash<QChar, QString> spelled{
        {u'ß', QStringLiteral("ss")}, {u'æ', QStringLiteral("ae")}, {u'œ', QStringLiteral("oe")},
        {u'ø', QStringLiteral("o")},  {u'ł', QStringLiteral("l")},  {u'đ', QStringLiteral("d")},
        {u'ð', QStringLiteral("d")},  {u'þ', QStringLiteral("th")}, {u'ı', QStringLiteral("i")}};
    const QString apostrophes = QStringLiteral("'\u2019\u2018`\u00b4\u02bc");

    QString text = joinAcronyms(showTitle);
    text.replace(u'&', QStringLiteral(" and "));
    text = text.normalized(QString::NormalizationForm_KD).toLower();
    QString id;
    bool pendingBreak = false;
    for (const QChar c : std::as_const(text)) {
        if (apostrophes.contains(c) || c.category() == QChar::Mark_NonSpacing)
            continue;
        QString piece;
        if ((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9'))
            piece = c;
        else if (const auto it = spelled.constFind(c); it != spelled.cend())
            piece = *it;
        else if (c.unicode() > 0x7f && c.isLetterOrNumber())
            piece = c;
        if (piece.isEmpty()) {
            pendingBreak = !id.isEmpty();
            continue;
        }
        if (pendingBreak)
            id += u'-';
        pendingBreak = false;
        id += piece;
    }
    if (id.size() > kMaxShowId) {
        // Not a word cut in two: up to the last break that fits.
        const bool midWord = id.at(kMaxShowId) != u'-';
        id.truncate(kMaxShowId);
        const qsizetype lastBreak = id.lastIndexOf(u'-');
        if (midWord && lastBreak > 0)
            id.truncate(lastBreak);
    }
    return id;
}
