#include "media/subtitleparser.h"

#include "media/subtitletext.h"

#include <QFileInfo>
#include <QStringDecoder>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace {

const QLatin1String kArrow("-->");

// A time as SubRip ("01:02:03,456") or WebVTT ("01:02:03.456", "02:03.456") write it; 1 to 3
// digits of fraction ("00:00:01,5" is half a second) or none. -1 when it is not one.
qint64 parseTime(QStringView text)
{
    QStringView clock = text;
    qint64 millis = 0;
    const qsizetype dot = text.indexOf(QLatin1Char('.')) >= 0 ? text.indexOf(QLatin1Char('.'))
                                                              : text.indexOf(QLatin1Char(','));
    if (dot >= 0) {
        const QStringView fraction = text.mid(dot + 1);
        if (fraction.isEmpty() || fraction.size() > 3)
            return -1;
        for (QChar c : fraction) {
            if (!c.isDigit() || c.unicode() > 0x7f)
                return -1;
            millis = millis * 10 + (c.unicode() - u'0');
        }
        for (qsizetype n = fraction.size(); n < 3; ++n)
            millis *= 10;
        clock = text.left(dot);
    }
    const QList<QStringView> parts = clock.split(QLatin1Char(':'));
    if (parts.size() < 2 || parts.size() > 3)
        return -1;
    qint64 fields[3] = {0, 0, 0};
    const qsizetype first = 3 - parts.size();
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QStringView part = parts.at(i);
        // Hours may have up to 3 digits (kMaxSubtitleTimeMs bounds them), minutes and seconds 1-2.
        if (part.isEmpty() || part.size() > (first + i == 0 ? 3 : 2))
            return -1;
        for (QChar c : part) {
            if (c < u'0' || c > u'9')
                return -1;
            fields[first + i] = fields[first + i] * 10 + (c.unicode() - u'0');
        }
    }
    if (fields[1] > 59 || fields[2] > 59)
        return -1;
    return ((fields[0] * 60 + fields[1]) * 60 + fields[2]) * 1000 + millis;
}

// "start --> end [settings]": what is wrong with it in words, or "" and the times.
QString parseTiming(QStringView line, qint64 *start, qint64 *end)
{
    const qsizetype arrow = line.indexOf(kArrow);
    const QStringView left = line.left(arrow).trimmed();
    QStringView right = line.mid(arrow + 3).trimmed();
    // Cue settings follow the end time after white space ("line:90% align:start").
    for (qsizetype i = 0; i < right.size(); ++i) {
        if (right.at(i).isSpace()) {
            right = right.left(i);
            break;
        }
    }
    *start = parseTime(left);
    *end = parseTime(right);
    if (*start < 0 || *end < 0)
        return u"unreadable timing \"%1\""_s.arg(line.left(60).toString());
    if (*start > kMaxSubtitleTimeMs || *end > kMaxSubtitleTimeMs)
        return u"time beyond %1 hours"_s.arg(kMaxSubtitleTimeMs / 3600000);
    if (*end < *start)
        return u"end before start"_s;
    return QString();
}

bool isCueNumber(QStringView line)
{
    if (line.isEmpty() || line.size() > 9)
        return false;
    for (QChar c : line) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

// A WebVTT block that is not a cue: a comment, a style sheet or a region definition.
bool isWebVttBlock(QStringView line)
{
    for (const QStringView keyword :
         {QStringView(u"NOTE"), QStringView(u"STYLE"), QStringView(u"REGION")}) {
        if (line.startsWith(keyword)
            && (line.size() == keyword.size() || line.at(keyword.size()).isSpace()))
            return true;
    }
    return false;
}

class CueCollector
{
public:
    explicit CueCollector(SubtitleParseResult *result) : m_result(result) { }

    // A timing line (the cue'th of the file) on line `lineNumber`: the end of the cue before it.
    void beginCue(int cue, int lineNumber, QStringView timing)
    {
        finishCue();
        qint64 start = 0;
        qint64 end = 0;
        const QString problem = parseTiming(timing, &start, &end);
        if (!problem.isEmpty()) {
            skip(u"cue %1 (line %2): %3"_s.arg(cue).arg(lineNumber).arg(problem));
            return;
        }
        if (m_result->cues.size() >= kMaxSubtitleCues) {
            skip(u"cue %1 (line %2): more than %3 cues"_s.arg(cue)
                     .arg(lineNumber)
                     .arg(kMaxSubtitleCues));
            return;
        }
        m_open = true;
        m_cue = SubtitleCue{start, end, QString()};
        m_text.clear();
        m_lastLineIsNumber = false;
    }

    void addText(QStringView line)
    {
        if (!m_open)
            return;
        m_lastLineIsNumber = isCueNumber(line);
        if (m_text.size() >= kMaxSubtitleCueChars)
            return;
        if (!m_text.isEmpty())
            m_text += u'\n';
        m_text += line.left(kMaxSubtitleCueChars - m_text.size());
    }

    // The number of the next cue, when a timing line follows the text with no blank line: it is
    // not part of this cue's text.
    void dropCueNumber()
    {
        if (!m_open || !m_lastLineIsNumber)
            return;
        const qsizetype lineStart = m_text.lastIndexOf(u'\n');
        m_text.truncate(lineStart < 0 ? 0 : lineStart);
    }

    void finishCue()
    {
        if (!m_open)
            return;
        m_open = false;
        m_cue.text = plainSubtitleText(m_text);
        // A cue with nothing to show is not malformed, there is just nothing to keep.
        if (!m_cue.text.isEmpty())
            m_result->cues.append(m_cue);
    }

private:
    void skip(const QString &problem)
    {
        m_open = false;
        ++m_result->skipped;
        if (m_result->problem.isEmpty())
            m_result->problem = problem;
    }

    SubtitleParseResult *m_result;
    bool m_open = false;
    bool m_lastLineIsNumber = false;
    SubtitleCue m_cue;
    QString m_text;
};

} // namespace

QString decodeSubtitleText(const QByteArray &bytes)
{
    if (bytes.startsWith("\xef\xbb\xbf"))
        return QString::fromUtf8(bytes.mid(3));
    if (bytes.startsWith("\xff\xfe") || bytes.startsWith("\xfe\xff")) {
        QStringDecoder decoder(bytes.startsWith("\xff\xfe") ? QStringConverter::Utf16LE
                                                            : QStringConverter::Utf16BE);
        return decoder.decode(bytes.mid(2));
    }
    QStringDecoder utf8(QStringConverter::Utf8, QStringConverter::Flag::Stateless);
    QString text = utf8.decode(bytes);
    if (!utf8.hasError())
        return text;
    return QString::fromLatin1(bytes);
}

SubtitleParseResult parseSubtitles(const QByteArray &bytes, SubtitleFormat format)
{
    SubtitleParseResult result;
    QString text = decodeSubtitleText(bytes);
    text.replace(u"\r\n"_s, u"\n"_s);
    text.replace(u'\r', u'\n');

    CueCollector collector(&result);
    enum class State { BetweenCues, InCue, InBlock };
    // WebVTT's header ("WEBVTT" and what follows up to the first blank line) is a block to skip.
    State state = format == SubtitleFormat::WebVtt && text.startsWith(u"WEBVTT"_s)
        ? State::InBlock
        : State::BetweenCues;
    int cue = 0;
    int lineNumber = 0;
    for (QStringView rawLine : QStringView(text).split(u'\n')) {
        ++lineNumber;
        const QStringView line = rawLine.trimmed();
        if (line.isEmpty()) {
            if (state == State::InCue)
                collector.finishCue();
            state = State::BetweenCues;
            continue;
        }
        // A timing line starts a cue even right after a block: WebVTT forbids "-->" in blocks.
        if (line.contains(kArrow)) {
            if (state == State::InCue)
                collector.dropCueNumber();
            collector.beginCue(++cue, lineNumber, line);
            state = State::InCue;
            continue;
        }
        if (state == State::InBlock)
            continue;
        if (state == State::InCue) {
            collector.addText(rawLine);
            continue;
        }
        // Between cues: a cue number or identifier (the timing line follows), a WebVTT block, or
        // stray text that belongs to no cue.
        if (format == SubtitleFormat::WebVtt && isWebVttBlock(line))
            state = State::InBlock;
    }
    collector.finishCue();
    return result;
}

std::optional<SubtitleFormat> subtitleFormatOfName(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == u"srt"_s)
        return SubtitleFormat::SubRip;
    if (suffix == u"vtt"_s || suffix == u"webvtt"_s)
        return SubtitleFormat::WebVtt;
    return std::nullopt;
}

std::optional<SubtitleFormat> subtitleFormatOf(const QString &fileName, const QByteArray &bytes)
{
    if (const std::optional<SubtitleFormat> format = subtitleFormatOfName(fileName))
        return format;
    // The start of the file is enough to tell; a character cut in two at the end does no harm.
    const QString head = decodeSubtitleText(bytes.left(4096)).trimmed();
    if (head.startsWith(u"WEBVTT"_s))
        return SubtitleFormat::WebVtt;
    for (QStringView line : QStringView(head).split(u'\n')) {
        if (!line.contains(kArrow))
            continue;
        qint64 start = 0;
        qint64 end = 0;
        if (parseTiming(line.trimmed(), &start, &end).isEmpty())
            return SubtitleFormat::SubRip;
    }
    return std::nullopt;
}
