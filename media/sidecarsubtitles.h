#pragma once

#include "media/subtitleparser.h"

#include <QList>
#include <QString>

struct SidecarSubtitle
{
    QString path; // absolute
    QString fileName; // "Film.en.srt"
    QString language; // "en" from the name's language part, "" when none
    SubtitleFormat format = SubtitleFormat::SubRip;

    friend bool operator==(const SidecarSubtitle &a, const SidecarSubtitle &b)
    {
        return a.path == b.path && a.fileName == b.fileName && a.language == b.language
            && a.format == b.format;
    }
    friend bool operator!=(const SidecarSubtitle &a, const SidecarSubtitle &b) { return !(a == b); }
};

// NAME.srt, NAME.LANG.srt, NAME.vtt, NAME.LANG.vtt next to the video (also .webvtt, as
// subtitleFormatOfName reads it; the extension in any case;
// also NAME.LANG.forced.srt, NAME.LANG.sdh.srt, .cc., .hi. as that language), sorted by language
// name, then file name. LANG is an ISO 639 code of 2 or 3 letters ("en", "eng", "fre"), with or
// without a region ("pt-BR"), or an English language name ("English"). A file named after another
// video of the folder (Film.en.srt when Film.en.mkv is there) is that video's, not this one's.
QList<SidecarSubtitle> findSidecarSubtitles(const QString &videoPath);

// The language a subtitle file's name states in its last part before the extension, as a sidecar's
// ("Other.en.srt", "Other.en.forced.srt" -> "en"); "" when it states none ("Other.srt",
// "Other.Part2.srt"). For a file loaded by hand, whose video name is not known.
QString subtitleFileLanguage(const QString &fileName);
