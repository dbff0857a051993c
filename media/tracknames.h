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

// What to make of a code that names no language Qt knows.
enum class UnknownLanguage {
    Kept, // a track's tag: the code as the file has it, lower-cased ("xx-unknown")
    Dropped, // a part of a file's name: "" ("Part2" in Film.Part2.srt is not a language)
};

// One code for one language wherever it is read (a track's tag, a sidecar's name part), so a
// track tagged "fre" and Film.fra.srt are both "fr": ISO 639-1 where one exists ("jpn", "JA",
// "Japanese", "pt-BR" -> "ja", "ja", "ja", "pt"; a region is not part of the language), else the
// ISO 639 code Qt knows it by ("haw"); "" for "" and "und" (undetermined).
QString languageCode(const QString &code, UnknownLanguage unknown = UnknownLanguage::Kept);
