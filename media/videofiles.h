#pragma once

#include <QDir>
#include <QStringList>

// The videos of a folder as the player lists them (Up Next, Next Up): which files are videos, and
// their natural order ("Episode 2" before "Episode 10", case ignored). Reads the folder's listing
// only, never a file: callers run it off the GUI thread (a network share may be slow).

// Name patterns of the files that count as videos, for QDir::entryList.
const QStringList &videoFilePatterns();

// The names of the videos in `dir`, in natural order; empty when the folder cannot be read.
QStringList videoFileNames(const QDir &dir);
