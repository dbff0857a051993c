#pragma once

#include "protocol/playbackchoices.h"

#include <QList>
#include <QString>
#include <QStringList>

// What the Audio and Subtitles menus (and the --events "tracks" line) call each track:
// "Japanese", "English — Commentary", "Commentary", "Track 2" (its place in the list, from 1);
// the same name a second time gets " (2)", a third " (3)".
QStringList trackDisplayNames(const QList<TrackIdentity> &tracks);

// The language's English name ("ja" -> "Japanese", "eng" -> "English"; the same in every locale,
// so a name in an --events line or a test does not change with the desktop's language); the code
// itself when Qt does not know it; "" -> "".
QString languageDisplayName(const QString &code);
