#pragma once

// What fuzz_subtitles checks on every input. Header-only so that tests/tst_fuzzregressions.cpp
// replays fuzz/regressions/subtitles/ through exactly these checks in the normal build.

#include "media/subtitleparser.h"
#include "media/subtitletext.h"
#include "media/subtitletimeline.h"

#include <QList>
#include <QString>

#include <limits>

namespace SubtitleProperties {

namespace detail {

// Plain text as plainSubtitleText promises it: no control character but '\n', no U+FFFD or
// U+FEFF, no lone surrogate, no empty line, no space at either end of a line.
inline QString brokenPlainText(const QString &text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        if ((c < 0x20 && c != u'\n') || (c >= 0x7f && c <= 0x9f) || c == 0xfffd || c == 0xfeff)
            return QStringLiteral("character U+%1 left in the text").arg(int(c), 4, 16);
        if (text.at(i).isHighSurrogate()
            && (i + 1 == text.size() || !text.at(i + 1).isLowSurrogate()))
            return QStringLiteral("lone high surrogate at %1").arg(i);
        if (text.at(i).isLowSurrogate() && (i == 0 || !text.at(i - 1).isHighSurrogate()))
            return QStringLiteral("lone low surrogate at %1").arg(i);
    }
    for (const QStringView line : QStringView(text).split(u'\n')) {
        if (text.isEmpty())
            break;
        if (line.isEmpty())
            return QStringLiteral("an empty line");
        if (line.front().isSpace() || line.back().isSpace())
            return QStringLiteral("a line not trimmed");
    }
    return QString();
}

inline QString brokenParse(const SubtitleParseResult &result, const char *format)
{
    const auto broken = [format](const QString &what) {
        return QStringLiteral("%1: %2").arg(QLatin1String(format), what);
    };
    if (result.cues.size() > kMaxSubtitleCues)
        return broken(QStringLiteral("%1 cues").arg(result.cues.size()));
    if (result.skipped < 0 || (result.skipped > 0) != !result.problem.isEmpty())
        return broken(QStringLiteral("skipped %1 with problem \"%2\"")
                          .arg(result.skipped)
                          .arg(result.problem));
    for (const SubtitleCue &cue : result.cues) {
        if (cue.startMs < 0 || cue.endMs < cue.startMs || cue.endMs > kMaxSubtitleTimeMs)
            return broken(QStringLiteral("cue %1..%2").arg(cue.startMs).arg(cue.endMs));
        if (cue.text.isEmpty() || cue.text.size() > kMaxSubtitleCueChars)
            return broken(QStringLiteral("cue text of %1 characters").arg(cue.text.size()));
        if (const QString text = brokenPlainText(cue.text); !text.isEmpty())
            return broken(text);
    }
    return QString();
}

// textAt at the cues' own times and around them, with delays that overflow: at most two lines,
// plain text, and something shown at a cue's start.
inline QString brokenTimeline(const QList<SubtitleCue> &cues)
{
    SubtitleTimeline timeline;
    timeline.setCues(cues);
    // Bounded so that one input stays fast whatever it holds.
    const qsizetype checked = qMin<qsizetype>(cues.size(), 200);
    const qint64 extremes[] = {0, -1, 1, std::numeric_limits<qint64>::min(),
                               std::numeric_limits<qint64>::max()};
    for (qsizetype i = 0; i < checked; ++i) {
        const SubtitleCue &cue = cues.at(i);
        if (cue.endMs > cue.startMs && timeline.textAt(cue.startMs).isEmpty())
            return QStringLiteral("nothing shown at the start of cue %1 (%2..%3 \"%4\")")
                .arg(i)
                .arg(cue.startMs)
                .arg(cue.endMs)
                .arg(cue.text);
        for (const qint64 delay : extremes) {
            for (const qint64 position : {cue.startMs, cue.endMs, cue.endMs - 1}) {
                const QString text = timeline.textAt(position, delay);
                if (text.count(u'\n') > 1)
                    return QStringLiteral("more than two lines at %1").arg(position);
                if (const QString broken = brokenPlainText(text); !broken.isEmpty())
                    return QStringLiteral("textAt(%1): %2").arg(position).arg(broken);
            }
        }
    }
    return QString();
}

} // namespace detail

// "" when every property holds for these bytes, else what broke, in words.
inline QString check(const QByteArray &bytes)
{
    const QString decoded = decodeSubtitleText(bytes);
    if (const QString broken = detail::brokenPlainText(plainSubtitleText(decoded));
        !broken.isEmpty())
        return QStringLiteral("plainSubtitleText: ") + broken;
    subtitleFormatOf(QStringLiteral("input"), bytes);
    for (const SubtitleFormat format : {SubtitleFormat::SubRip, SubtitleFormat::WebVtt}) {
        const char *name = format == SubtitleFormat::SubRip ? "SubRip" : "WebVTT";
        const SubtitleParseResult result = parseSubtitles(bytes, format);
        if (const QString broken = detail::brokenParse(result, name); !broken.isEmpty())
            return broken;
        if (const QString broken = detail::brokenTimeline(result.cues); !broken.isEmpty())
            return QStringLiteral("%1 timeline: %2").arg(QLatin1String(name), broken);
    }
    return QString();
}

} // namespace SubtitleProperties
