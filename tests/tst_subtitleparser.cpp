// Subtitle files as they are found (media/subtitleparser.h): SubRip and WebVTT, every encoding
// the player accepts as real byte strings, CRLF, BOMs, missing and extra blank lines, WebVTT
// blocks and settings, malformed cues skipped with one problem; and the markup removed from a
// cue's text (media/subtitletext.h), including the bytes Qt 6.4 appends to embedded text.
#include "media/subtitleparser.h"
#include "media/subtitletext.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTest>
#include <QTime>

using namespace Qt::StringLiterals;

namespace {

QByteArray fileContents(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const QByteArray kTwoCues = "1\n00:00:01,000 --> 00:00:02,500\nFirst line\nsecond line\n\n"
                            "2\n00:00:03,000 --> 00:00:04,000\nThird\n";
const QList<SubtitleCue> kTwoCuesParsed = {{1000, 2500, u"First line\nsecond line"_s},
                                           {3000, 4000, u"Third"_s}};

// The row's bytes give the row's cues, with nothing skipped.
void parsesCleanly(SubtitleFormat format)
{
    QFETCH(QByteArray, bytes);
    QFETCH(QList<SubtitleCue>, expected);
    const SubtitleParseResult result = parseSubtitles(bytes, format);
    QCOMPARE(result.cues, expected);
    QCOMPARE(result.skipped, 0);
    QCOMPARE(result.problem, QString());
}

} // namespace

class tst_SubtitleParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decode_data();
    void decode();
    void subRip_data();
    void subRip();
    void webVtt_data();
    void webVtt();
    void malformed_data();
    void malformed();
    void caps();
    void sampleFiles();
    void format_data();
    void format();
    void plainText_data();
    void plainText();
    void largeFile();
};

void tst_SubtitleParser::decode_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");

    const QString accents = u"Sous-titre fran\u00e7ais \u00e0 0:01"_s;
    QTest::newRow("utf-8") << QByteArray("Sous-titre fran\xc3\xa7"
                                         "ais \xc3\xa0 0:01")
                           << accents;
    QTest::newRow("utf-8 bom") << QByteArray("\xef\xbb\xbfSous-titre fran\xc3\xa7"
                                             "ais \xc3\xa0 0:01")
                               << accents;
    QTest::newRow("latin-1") << QByteArray("Sous-titre fran\xe7"
                                           "ais \xe0 0:01")
                             << accents;
    // One invalid sequence is enough: the whole file is Latin-1 (a UTF-8 reading would show
    // replacement characters).
    QTest::newRow("utf-8 then a latin-1 byte")
        << QByteArray("\xc3\xa7 and \xe9") << u"\u00c3\u00a7 and \u00e9"_s;
    QTest::newRow("utf-16 le bom") << QByteArray("\xff\xfe"
                                                 "a\x00\xe7\x00\x3a\x30",
                                                 8)
                                   << u"a\u00e7\u303a"_s;
    QTest::newRow("utf-16 be bom") << QByteArray("\xfe\xff\x00"
                                                 "a\x00\xe7\x30\x3a",
                                                 8)
                                   << u"a\u00e7\u303a"_s;
    QTest::newRow("utf-16 le surrogate pair")
        << QByteArray("\xff\xfe\x3d\xd8\x00\xde", 6) << u"\U0001F600"_s;
    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("bom only") << QByteArray("\xef\xbb\xbf") << QString();
}

void tst_SubtitleParser::decode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QCOMPARE(decodeSubtitleText(bytes), expected);
}

void tst_SubtitleParser::subRip_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<SubtitleCue>>("expected");

    QTest::newRow("plain") << kTwoCues << kTwoCuesParsed;
    QByteArray crlf = kTwoCues;
    crlf.replace("\n", "\r\n");
    QTest::newRow("crlf") << crlf << kTwoCuesParsed;
    QByteArray cr = kTwoCues;
    cr.replace("\n", "\r");
    QTest::newRow("old mac cr") << cr << kTwoCuesParsed;
    QTest::newRow("utf-8 bom") << QByteArray("\xef\xbb\xbf" + kTwoCues) << kTwoCuesParsed;
    QByteArray utf16;
    utf16 += "\xff\xfe";
    for (char c : kTwoCues) {
        utf16 += c;
        utf16 += '\0';
    }
    QTest::newRow("utf-16 le") << utf16 << kTwoCuesParsed;
    QTest::newRow("latin-1 text") << QByteArray("1\n00:00:01,000 --> 00:00:02,000\nD\xe9j\xe0 vu\n")
                                  << QList<SubtitleCue>{{1000, 2000, u"D\u00e9j\u00e0 vu"_s}};
    QTest::newRow("no cue numbers")
        << QByteArray("00:00:01,000 --> 00:00:02,500\nFirst line\nsecond line\n\n"
                      "00:00:03,000 --> 00:00:04,000\nThird\n")
        << kTwoCuesParsed;
    QTest::newRow("no blank line between cues")
        << QByteArray("1\n00:00:01,000 --> 00:00:02,500\nFirst line\nsecond line\n"
                      "2\n00:00:03,000 --> 00:00:04,000\nThird")
        << kTwoCuesParsed;
    QTest::newRow("extra blank lines")
        << QByteArray("\n\n1\n00:00:01,000 --> 00:00:02,500\nFirst line\nsecond line\n\n\n\n"
                      "2\n\n00:00:03,000 --> 00:00:04,000\nThird\n\n\n")
        << kTwoCuesParsed;
    QTest::newRow("dot millis, spaces, short fraction")
        << QByteArray("1\n 00:00:01.000  -->  00:00:02.5 \nFirst line\nsecond line\n\n"
                      "2\n00:00:03,0 --> 00:00:04,00\nThird\n")
        << kTwoCuesParsed;
    QTest::newRow("hours omitted, hours long")
        << QByteArray("00:01,000 --> 00:02,500\nA\n\n99:59:59,999 --> 100:00:00,000\nB\n")
        << QList<SubtitleCue>{{1000, 2500, u"A"_s}, {359999999, 360000000, u"B"_s}};
    QTest::newRow("markup in text")
        << QByteArray("1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i> {\\an8}<font "
                      "color=\"#ffff00\">there</font> &amp; you\n")
        << QList<SubtitleCue>{{1000, 2000, u"Hello there & you"_s}};
    QTest::newRow("cue with only markup is left out")
        << QByteArray("1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n"
                      "2\n00:00:03,000 --> 00:00:04,000\nThird\n")
        << QList<SubtitleCue>{{3000, 4000, u"Third"_s}};
    QTest::newRow("not subtitles") << QByteArray("hello\nworld\n") << QList<SubtitleCue>();
    QTest::newRow("empty") << QByteArray() << QList<SubtitleCue>();
}

void tst_SubtitleParser::subRip()
{
    parsesCleanly(SubtitleFormat::SubRip);
}

void tst_SubtitleParser::webVtt_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<SubtitleCue>>("expected");

    QTest::newRow("header, hours omitted")
        << QByteArray("WEBVTT\n\n00:01.000 --> 00:02.500\nFirst line\nsecond line\n\n"
                      "00:03.000 --> 00:04.000\nThird\n")
        << kTwoCuesParsed;
    QTest::newRow("header text, blocks, identifiers, settings, crlf")
        << QByteArray("\xef\xbb\xbfWEBVTT - a film\r\nKind: captions\r\nLanguage: en\r\n\r\n"
                      "STYLE\r\n::cue { color: yellow }\r\n\r\n"
                      "REGION\r\nid:fred width:40%\r\n\r\n"
                      "NOTE a comment\r\nthat spans lines\r\n\r\n"
                      "intro\r\n00:00:01.000 --> 00:00:02.500 line:90% align:start\r\n"
                      "<v Roger>First line</v>\r\n<c.yellow>second</c> <00:00:02.000>line\r\n"
                      "\r\nNOTE\r\n\r\n"
                      "3\r\n00:00:03.000 --> 00:00:04.000 position:10%\r\n"
                      "<ruby>Th<rt>t</rt></ruby>ird\r\n")
        << QList<SubtitleCue>{{1000, 2500, u"First line\nsecond line"_s},
                              {3000, 4000, u"Thtird"_s}};
    QTest::newRow("cue right after the header")
        << QByteArray("WEBVTT\n00:00:01.000 --> 00:00:02.000\nA\n")
        << QList<SubtitleCue>{{1000, 2000, u"A"_s}};
    QTest::newRow("NOTE in cue text is text")
        << QByteArray("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNOTE this\n")
        << QList<SubtitleCue>{{1000, 2000, u"NOTE this"_s}};
    QTest::newRow("no header") << QByteArray("00:00:01.000 --> 00:00:02.000\nA\n")
                               << QList<SubtitleCue>{{1000, 2000, u"A"_s}};
}

void tst_SubtitleParser::webVtt()
{
    parsesCleanly(SubtitleFormat::WebVtt);
}

void tst_SubtitleParser::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<SubtitleCue>>("expected");
    QTest::addColumn<int>("skipped");
    QTest::addColumn<QString>("problem");

    const QByteArray good = "00:00:05,000 --> 00:00:06,000\nGood\n\n";
    const QList<SubtitleCue> goodCue = {{5000, 6000, u"Good"_s}};
    QTest::newRow("end before start")
        << QByteArray(good + "2\n00:00:09,000 --> 00:00:08,000\nBackwards\nline 2\n\n" + good)
        << goodCue + goodCue << 1 << u"cue 2 (line 5): end before start"_s;
    QTest::newRow("letters in timing")
        << QByteArray("00:00:0x,000 --> 00:00:02,000\nBad\n\n" + good) << goodCue << 1
        << u"cue 1 (line 1): unreadable timing \"00:00:0x,000 --> 00:00:02,000\""_s;
    QTest::newRow("minutes over 59")
        << QByteArray(good + "00:61:00,000 --> 00:62:00,000\nBad\n") << goodCue << 1
        << u"cue 2 (line 4): unreadable timing \"00:61:00,000 --> 00:62:00,000\""_s;
    QTest::newRow("absurd hours") << QByteArray("999:00:00,000 --> 999:00:01,000\nBad\n\n" + good)
                                  << goodCue << 1 << u"cue 1 (line 1): time beyond 100 hours"_s;
    QTest::newRow("huge number")
        << QByteArray("99999999999999999999:00:00,000 --> 1:00:00,000\nBad\n\n" + good) << goodCue
        << 1
        << u"cue 1 (line 1): unreadable timing \"99999999999999999999:00:00,000 --> "
           "1:00:00,000\""_s;
    QTest::newRow("negative") << QByteArray("-00:00:01,000 --> 00:00:02,000\nBad\n\n" + good)
                              << goodCue << 1
                              << u"cue 1 (line 1): unreadable timing \"-00:00:01,000 --> "
                                 "00:00:02,000\""_s;
    QTest::newRow("missing end") << QByteArray("00:00:01,000 -->\nBad\n\n" + good) << goodCue << 1
                                 << u"cue 1 (line 1): unreadable timing \"00:00:01,000 -->\""_s;
    QTest::newRow("two bad: the first is named")
        << QByteArray(good + "00:00:09,000 --> 00:00:08,000\nBad\n\n" + good + "x --> y\nBad\n\n")
        << goodCue + goodCue << 2 << u"cue 2 (line 4): end before start"_s;
}

void tst_SubtitleParser::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QList<SubtitleCue>, expected);
    QFETCH(int, skipped);
    QFETCH(QString, problem);
    for (SubtitleFormat format : {SubtitleFormat::SubRip, SubtitleFormat::WebVtt}) {
        const SubtitleParseResult result = parseSubtitles(bytes, format);
        QCOMPARE(result.cues, expected);
        QCOMPARE(result.skipped, skipped);
        QCOMPARE(result.problem, problem);
    }
}

void tst_SubtitleParser::caps()
{
    // A cue that never ends (no blank line, no further timing) keeps kMaxSubtitleCueChars.
    QByteArray endless = "00:00:01,000 --> 00:00:02,000\n";
    for (int i = 0; i < 1000; ++i)
        endless += "twenty characters..\n";
    SubtitleParseResult result = parseSubtitles(endless, SubtitleFormat::SubRip);
    QCOMPARE(result.cues.size(), 1);
    QVERIFY(result.cues.first().text.size() <= kMaxSubtitleCueChars);
    QVERIFY(result.cues.first().text.size() > kMaxSubtitleCueChars - 30);

    // More cues than kMaxSubtitleCues: the rest are counted, and said once.
    QByteArray many;
    for (int i = 0; i < kMaxSubtitleCues + 5; ++i)
        many += "0:01.000 --> 0:02.000\nx\n\n";
    result = parseSubtitles(many, SubtitleFormat::WebVtt);
    QCOMPARE(result.cues.size(), kMaxSubtitleCues);
    QCOMPARE(result.skipped, 5);
    QCOMPARE(result.problem,
             u"cue %1 (line %2): more than %3 cues"_s.arg(kMaxSubtitleCues + 1)
                 .arg(kMaxSubtitleCues * 3 + 1)
                 .arg(kMaxSubtitleCues));
}

void tst_SubtitleParser::sampleFiles()
{
    const SubtitleParseResult srt =
        parseSubtitles(fileContents(QStringLiteral(PLAYMARK_RESOURCES "/sample-tracks.en.srt")),
                       SubtitleFormat::SubRip);
    QCOMPARE(srt.skipped, 0);
    QCOMPARE(srt.cues.size(), 14);
    QCOMPARE(srt.cues.first(), (SubtitleCue{4000, 5500, u"Sidecar cue from 0:04.000"_s}));
    QCOMPARE(srt.cues.last(), (SubtitleCue{56000, 57500, u"Sidecar cue from 0:56.000"_s}));

    const SubtitleParseResult vtt =
        parseSubtitles(fileContents(QStringLiteral(PLAYMARK_RESOURCES "/sample-tracks.fr.vtt")),
                       SubtitleFormat::WebVtt);
    QCOMPARE(vtt.skipped, 0);
    QCOMPARE(vtt.cues.size(), 15);
    QCOMPARE(vtt.cues.first(),
             (SubtitleCue{1000, 2500, u"Sous-titre fran\u00e7ais \u00e0 0:01.000"_s}));
    for (const SubtitleCue &cue : vtt.cues)
        QCOMPARE(cue.endMs - cue.startMs, 1500);
}

void tst_SubtitleParser::format_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("expected"); // -1: none

    QTest::newRow("srt") << u"Film.en.srt"_s << QByteArray() << int(SubtitleFormat::SubRip);
    QTest::newRow("SRT upper case")
        << u"FILM.SRT"_s << QByteArray("WEBVTT\n") << int(SubtitleFormat::SubRip);
    QTest::newRow("vtt") << u"Film.fr.Vtt"_s << QByteArray() << int(SubtitleFormat::WebVtt);
    QTest::newRow("content webvtt")
        << u"subs.txt"_s << QByteArray("\xef\xbb\xbfWEBVTT\n\n") << int(SubtitleFormat::WebVtt);
    QTest::newRow("content subrip") << u"subs"_s << kTwoCues << int(SubtitleFormat::SubRip);
    QTest::newRow("neither") << u"notes.txt"_s << QByteArray("hello --> world\n") << -1;
    QTest::newRow("no name, nothing") << QString() << QByteArray() << -1;
}

void tst_SubtitleParser::format()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, bytes);
    QFETCH(int, expected);
    const std::optional<SubtitleFormat> format = subtitleFormatOf(fileName, bytes);
    QCOMPARE(format ? int(*format) : -1, expected);
}

void tst_SubtitleParser::plainText_data()
{
    QTest::addColumn<QString>("markup");
    QTest::addColumn<QString>("expected");

    // What Qt 6.4 hands over for the sample's embedded cue: the text, then the bytes after the
    // buffer, decoded (ef bf bd ef bf bd 0b ef bf bd ...).
    QTest::newRow("qt 6.4 embedded garbage")
        << QString::fromUtf8("<i>Embedded</i> cue from 0:02.000\xef\xbf\xbd\xef\xbf\xbd\x0b"
                             "\xef\xbf\xbd\x01\xef\xbf\xbd")
        << u"Embedded cue from 0:02.000"_s;
    QTest::newRow("tags") << u"<b>bold</b> <u>under</u> <I>it</I> <font color=\"red\">red</font>"_s
                          << u"bold under it red"_s;
    QTest::newRow("webvtt") << u"<v.loud Mary>Hi</v> <c.a.b>there</c><00:00:01.000>!"_s
                            << u"Hi there!"_s;
    QTest::newRow("ass overrides") << u"{\\an8}{\\i1}Top{\\i0}"_s << u"Top"_s;
    QTest::newRow("braces without backslash stay") << u"{laughs}"_s << u"{laughs}"_s;
    QTest::newRow("entities") << u"a &amp; b &lt;c&gt; &quot;d&quot;&nbsp;&#39;e&#x2014;&#233;"_s
                              << u"a & b <c> \"d\" 'e\u2014\u00e9"_s;
    QTest::newRow("unknown entity stays") << u"R&D &bogus; &#xZZ; &"_s << u"R&D &bogus; &#xZZ; &"_s;
    QTest::newRow("entity for a control char") << u"a&#11;b&#0;c"_s << u"abc"_s;
    QTest::newRow("less-than as text") << u"1 < 2 and 3 > 2, x<5"_s << u"1 < 2 and 3 > 2, x<5"_s;
    QTest::newRow("unclosed tag stays") << u"<i>open"_s << u"open"_s;
    QTest::newRow("lone bracket") << u"a <b"_s << u"a <b"_s;
    QTest::newRow("lines kept, trimmed, empty dropped")
        << u"  first  line \r\n\n<i></i>\n  second\t line  "_s << u"first line\nsecond line"_s;
    QTest::newRow("emoji kept") << u"<i>\U0001F600</i>"_s << u"\U0001F600"_s;
    QTest::newRow("lone surrogate dropped") << (u"a"_s + QChar(0xd800) + u"b"_s) << u"ab"_s;
    QTest::newRow("empty") << QString() << QString();
}

void tst_SubtitleParser::plainText()
{
    QFETCH(QString, markup);
    QFETCH(QString, expected);
    QCOMPARE(plainSubtitleText(markup), expected);
}

void tst_SubtitleParser::largeFile()
{
    // A film's worth: 2,000 two-line cues with markup, about 150 KB.
    QByteArray bytes;
    for (int i = 0; i < 2000; ++i) {
        const int start = i * 2000;
        bytes += QByteArray::number(i + 1) + "\r\n"
            + QTime::fromMSecsSinceStartOfDay(start).toString(u"hh:mm:ss,zzz"_s).toLatin1()
            + " --> "
            + QTime::fromMSecsSinceStartOfDay(start + 1500).toString(u"hh:mm:ss,zzz"_s).toLatin1()
            + "\r\n<i>Line one of cue " + QByteArray::number(i) + "</i>\r\nline two\r\n\r\n";
    }
    QElapsedTimer timer;
    timer.start();
    const SubtitleParseResult result = parseSubtitles(bytes, SubtitleFormat::SubRip);
    qInfo("parsed %d cues (%lld bytes) in %lld ms", int(result.cues.size()), qint64(bytes.size()),
          timer.elapsed());
    QCOMPARE(result.cues.size(), 2000);
    QCOMPARE(result.cues.at(1999),
             (SubtitleCue{3998000, 3999500, u"Line one of cue 1999\nline two"_s}));
}

QTEST_GUILESS_MAIN(tst_SubtitleParser)
#include "tst_subtitleparser.moc"
