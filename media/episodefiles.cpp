#include "media/episodefiles.h"

#include "media/episodename.h"
#include "media/videofiles.h"

#include <QDir>

#include <functional>

namespace {

struct Candidate
{
    QString path;
    EpisodeId id;
};

// The show's episodes of the kind of `kindOf`, in the folders named above, folder by folder in
// natural order.
QList<Candidate> episodesOf(const QString &folder, const QString &showId, const EpisodeId &kindOf)
{
    QDir root(folder);
    if (EpisodeName::seasonOfFolder(root.dirName()) >= 0) {
        QDir parent = root;
        if (parent.cdUp())
            root = parent;
    }
    QStringList folders{root.path()};
    const QStringList subfolders = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &name : subfolders) {
        if (EpisodeName::seasonOfFolder(name) >= 0)
            folders << root.filePath(name);
    }

    QList<Candidate> episodes;
    for (const QString &path : std::as_const(folders)) {
        const QDir dir(path);
        const QStringList names = videoFileNames(dir);
        for (const QString &name : names) {
            const QString filePath = dir.filePath(name);
            const std::optional<EpisodeName> episode = EpisodeName::parse(filePath);
            if (!episode || episode->showId != showId)
                continue;
            const EpisodeId id = episode->id();
            if (id.kind() == kindOf.kind())
                episodes.append({filePath, id});
        }
    }
    return episodes;
}

// The path of the eligible episode that no other eligible one is better than (the first of equals,
// in listing order); "" when none is eligible.
QString best(const QList<Candidate> &episodes,
             const std::function<bool(const EpisodeId &)> &eligible,
             const std::function<bool(const EpisodeId &, const EpisodeId &)> &better)
{
    const Candidate *chosen = nullptr;
    for (const Candidate &candidate : episodes) {
        if (eligible(candidate.id) && (!chosen || better(candidate.id, chosen->id)))
            chosen = &candidate;
    }
    return chosen ? chosen->path : QString();
}

} // namespace

QString nextEpisodeIn(const QString &folder, const QString &showId, const QString &afterEpisodeId)
{
    const EpisodeId after = EpisodeId::parse(afterEpisodeId);
    if (!after.isValid() || showId.isEmpty())
        return {};
    return best(
        episodesOf(folder, showId, after),
        [&after](const EpisodeId &id) { return id.isAfter(after) && !id.overlaps(after); },
        [](const EpisodeId &id, const EpisodeId &chosen) { return id < chosen; });
}

QString episodeFileIn(const QString &folder, const QString &showId, const QString &episodeId)
{
    const EpisodeId wanted = EpisodeId::parse(episodeId);
    if (!wanted.isValid() || showId.isEmpty())
        return {};
    // The episode's own file before a double that holds it too.
    return best(
        episodesOf(folder, showId, wanted),
        [&wanted](const EpisodeId &id) { return id.overlaps(wanted); },
        [&wanted](const EpisodeId &id, const EpisodeId &chosen) {
            return id == wanted && chosen != wanted;
        });
}
