#pragma once

#include <QString>

// Where a show's episodes are among a folder's videos (Next Up, Up Next): `folder` and its season
// folders one level down ("Show/Season 2/"); when `folder` is itself a season folder, the show's
// folder above it and all its season folders, so that the episode after a season's last is found
// in the next season's folder. Reads directory listings only (media/videofiles.h), never a file:
// callers run these off the GUI thread. Videos are matched by EpisodeName::parse: the same show_id,
// episodes of the same kind (seasonal, absolute or dated) as the one asked about.

// The path of the show's nearest episode after `afterEpisodeId` (EpisodeId order; a double file
// holding the episode itself, s01e01-e02 after s01e02, is not after it); "" when there is none or
// `afterEpisodeId` is not an episode id.
QString nextEpisodeIn(const QString &folder, const QString &showId, const QString &afterEpisodeId);

// The path of the show's episode `episodeId`, or else of a double file that holds it; "" when none.
QString episodeFileIn(const QString &folder, const QString &showId, const QString &episodeId);
