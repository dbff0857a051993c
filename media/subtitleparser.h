#pragma once

#include "media/subtitlecue.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

enum class SubtitleFormat { SubRip, WebVtt };

// Bounds on what one subtitle file may cost, whatever it holds. A feature film has 1,000 to
// 3,000 cues and a cue a few lines, so these are far above real files and keep a hostile or
// broken one (a cue with no blank line after it, a file of timing lines) to a few MB of memory.
constexpr int kMaxSubtitleCues = 100000; // cues kept; further ones are counted as skipped
constexpr int kMaxSubtitleCueChars = 2000; // characters of one cue's text; the rest is cut
constexpr qint64 kMaxSubtitleTimeMs = 360000000; // 100 hours: a time beyond is a malformed cue
// Files larger than this are not subtitles (a 3-hour film's SubRip is about 200 KB): callers
// reading a file refuse it instead of reading it whole.
constexpr qint64 kMaxSubtitleFileBytes = 32 * 1024 * 1024;

struct SubtitleParseResult
{
    QList<SubtitleCue> cues; // in file order, text plain (markup removed), '\n' between lines
    int skipped = 0; // malformed cues left out
    QString problem; // the first one, in words ("cue 3: end before start"), for one warning
};

// UTF-8 (with or without BOM), UTF-16 LE/BE with BOM, else Latin-1: bytes that are not valid
// UTF-8 are read as Latin-1, what older European subtitle files are written in.
QString decodeSubtitleText(const QByteArray &bytes);

// SubRip or WebVTT from a file's bytes, as real files are: CRLF or CR line ends, missing or extra
// blank lines, missing cue numbers, ',' or '.' before the milliseconds, hours left out, WebVTT
// header, NOTE/STYLE/REGION blocks, cue identifiers and cue settings ("line:90%"). A cue whose
// timing cannot be read, ends before it starts or lies beyond kMaxSubtitleTimeMs is skipped and
// counted. Never fails as a whole: a file that is not subtitles gives no cues.
SubtitleParseResult parseSubtitles(const QByteArray &bytes, SubtitleFormat format);

// By the file name's extension alone: .srt, .vtt or .webvtt, in any case; nullopt for any other.
std::optional<SubtitleFormat> subtitleFormatOfName(const QString &fileName);

// By the file name's extension (subtitleFormatOfName), else by the content: a "WEBVTT" header,
// else a SubRip timing line ("00:00:01,000 --> ..."). nullopt when neither.
std::optional<SubtitleFormat> subtitleFormatOf(const QString &fileName, const QByteArray &bytes);
