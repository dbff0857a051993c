#include "media/subtitletext.h"

#include <QStringList>

namespace {

// Characters that never reach the screen: C0 controls but the line break (a tab is a space),
// DEL and C1 controls, the replacement character U+FFFD (what a decoder makes of bytes that are
// not text) and U+FEFF (a byte order mark inside the text). Lone surrogates are dropped too:
// they cannot be drawn and come only from broken input.
void appendVisible(QString &out, char32_t c)
{
    if (c == u'\n') {
        out += QChar(u'\n');
        return;
    }
    if (c == u'\t') {
        out += QChar(u' ');
        return;
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffd || c == 0xfeff
        || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return;
    if (c > 0xffff) {
        const char32_t pair[] = {c};
        out += QString::fromUcs4(pair, 1);
        return;
    }
    out += QChar(char16_t(c));
}

bool isAsciiLetter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

// A tag opened at `open` ('<') and closed at `close` ('>'): an element name or its end tag, or a
// WebVTT timestamp ("<00:01.500>"). "a < b" and "1<2" are text, not tags.
bool isTag(QStringView text, qsizetype open, qsizetype close)
{
    const QStringView inside = text.mid(open + 1, close - open - 1);
    if (inside.isEmpty())
        return false;
    if (isAsciiLetter(inside.front()) || inside.front() == u'/')
        return true;
    for (QChar c : inside) {
        if (!c.isDigit() && c != u':' && c != u'.')
            return false;
    }
    return inside.front().isDigit();
}

// The character an entity stands for ("amp" -> '&', "#39" -> '\'', "#x2014" -> U+2014); 0 when
// it is not one this knows, so the text is kept as written. Left-to-right and right-to-left marks
// stand for nothing visible: U+FEFF, which appendVisible drops.
char32_t entityValue(QStringView name)
{
    static const struct
    {
        const char16_t *name;
        char32_t value;
    } named[] = {{u"amp", u'&'},   {u"lt", u'<'},       {u"gt", u'>'},      {u"quot", u'"'},
                 {u"apos", u'\''}, {u"nbsp", 0xa0},     {u"lrm", 0xfeff},   {u"rlm", 0xfeff},
                 {u"shy", 0xfeff}, {u"hellip", 0x2026}, {u"mdash", 0x2014}, {u"ndash", 0x2013}};
    for (const auto &entity : named) {
        if (name == QStringView(entity.name))
            return entity.value;
    }
    if (name.size() < 2 || name.front() != u'#')
        return 0;
    const bool hex = name.at(1) == u'x' || name.at(1) == u'X';
    const QStringView digits = name.mid(hex ? 2 : 1);
    if (digits.isEmpty() || digits.size() > 8)
        return 0;
    bool ok = false;
    const uint value = digits.toUInt(&ok, hex ? 16 : 10);
    if (!ok || value > 0x10ffff)
        return 0;
    return value == 0 ? 0xfeff : char32_t(value); // &#0; is nothing to show, like a mark
}

// Longest entity name looked for after '&' ("#x10FFFF" is 8, "hellip" 6).
constexpr qsizetype kMaxEntityChars = 9;

} // namespace

QString plainSubtitleText(const QString &markup)
{
    const QStringView text(markup);
    QString out;
    out.reserve(text.size());
    // Where the next '>' / '}' is, searched once per run: -1 means there is none after `i`, so a
    // text full of '<' stays linear.
    qsizetype nextClose = 0;
    qsizetype nextBrace = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'<' && nextClose >= 0) {
            if (nextClose <= i)
                nextClose = text.indexOf(u'>', i + 1);
            if (nextClose > i && isTag(text, i, nextClose)) {
                i = nextClose;
                continue;
            }
        } else if (c == u'{' && i + 1 < text.size() && text.at(i + 1) == u'\\' && nextBrace >= 0) {
            if (nextBrace <= i)
                nextBrace = text.indexOf(u'}', i + 1);
            if (nextBrace > i) {
                i = nextBrace;
                continue;
            }
        } else if (c == u'&') {
            const qsizetype semicolon = text.mid(i + 1, kMaxEntityChars + 1).indexOf(u';');
            if (semicolon > 0) {
                const char32_t value = entityValue(text.mid(i + 1, semicolon));
                if (value != 0) {
                    appendVisible(out, value);
                    i += semicolon + 1;
                    continue;
                }
            }
        } else if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            appendVisible(out, QChar::surrogateToUcs4(c, text.at(i + 1)));
            ++i;
            continue;
        }
        appendVisible(out, c.unicode());
    }

    QStringList lines;
    for (QStringView line : QStringView(out).split(u'\n')) {
        const QString simple = line.toString().simplified();
        if (!simple.isEmpty())
            lines << simple;
    }
    return lines.join(u'\n');
}
