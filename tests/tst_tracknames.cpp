// What the Audio and Subtitles menus call each track (media/tracknames.h).
#include "media/tracknames.h"

#include <QLocale>
#include <QTest>

namespace {
TrackIdentity track(const char *language, const char *title = "", const char *codec = "Opus")
{
    return {QString::fromUtf8(language), QString::fromUtf8(title), QString::fromUtf8(codec)};
}
} // namespace

class tst_TrackNames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void names_data();
    void names();
    void languageNames_data();
    void languageNames();
    void englishWhateverTheLocale();
    void languageCodes_data();
    void languageCodes();
};

void tst_TrackNames::names_data()
{
    QTest::addColumn<QList<TrackIdentity>>("tracks");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("none") << QList<TrackIdentity>{} << QStringList{};
    QTest::newRow("the sample: language, language and title")
        << QList<TrackIdentity>{track("ja"), track("en", "Commentary")}
        << QStringList{QStringLiteral("Japanese"), QStringLiteral("English \u2014 Commentary")};
    QTest::newRow("title alone") << QList<TrackIdentity>{track("", "Commentary")}
                                 << QStringList{QStringLiteral("Commentary")};
    QTest::newRow("nothing known: its place from 1")
        << QList<TrackIdentity>{track("ja"), track(""), track("", "", "")}
        << QStringList{QStringLiteral("Japanese"), QStringLiteral("Track 2"),
                       QStringLiteral("Track 3")};
    QTest::newRow("the same name again gets (2), (3)")
        << QList<TrackIdentity>{track("en"), track("en", "", "AC-3"), track("fr"), track("en")}
        << QStringList{QStringLiteral("English"), QStringLiteral("English (2)"),
                       QStringLiteral("French"), QStringLiteral("English (3)")};
    QTest::newRow("a title that reads like another's name")
        << QList<TrackIdentity>{track("", "Track 2"), track("")}
        << QStringList{QStringLiteral("Track 2"), QStringLiteral("Track 2 (2)")};
    QTest::newRow("three-letter and unknown codes")
        << QList<TrackIdentity>{track("haw"), track("xx-unknown", "Director")}
        << QStringList{QStringLiteral("Hawaiian"), QStringLiteral("xx-unknown \u2014 Director")};
}

void tst_TrackNames::names()
{
    QFETCH(QList<TrackIdentity>, tracks);
    QFETCH(QStringList, expected);
    QCOMPARE(trackDisplayNames(tracks), expected);
}

void tst_TrackNames::languageNames_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("ja") << QStringLiteral("ja") << QStringLiteral("Japanese");
    QTest::newRow("en") << QStringLiteral("en") << QStringLiteral("English");
    QTest::newRow("jpn") << QStringLiteral("jpn") << QStringLiteral("Japanese");
    QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("German");
    QTest::newRow("pt-BR: the language") << QStringLiteral("pt-BR") << QStringLiteral("Portuguese");
    QTest::newRow("unknown: the code") << QStringLiteral("qqq") << QStringLiteral("qqq");
}

void tst_TrackNames::languageNames()
{
    QFETCH(QString, code);
    QFETCH(QString, expected);
    QCOMPARE(languageDisplayName(code), expected);
}

// Not the native name ("日本語") and not the desktop's language ("Japanisch").
void tst_TrackNames::englishWhateverTheLocale()
{
    const QLocale before;
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    const QString name = languageDisplayName(QStringLiteral("ja"));
    QLocale::setDefault(before);
    QCOMPARE(name, QStringLiteral("Japanese"));
}

// One answer for a track's tag and a sidecar's name part (Film.fre.srt and a track tagged "fra"
// are both "fr"); a name part that is no language is no sidecar language.
void tst_TrackNames::languageCodes_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("asTag");
    QTest::addColumn<QString>("asNamePart");
    const auto row = [](const char *name, const char *code, const char *asTag,
                        const char *asNamePart) {
        QTest::newRow(name) << QString::fromUtf8(code) << QString::fromUtf8(asTag)
                            << QString::fromUtf8(asNamePart);
    };
    row("639-1", "en", "en", "en");
    row("upper case", "JA", "ja", "ja");
    row("spaces", " en ", "en", "en");
    row("639-2/T jpn", "jpn", "ja", "ja");
    row("639-2/T deu", "deu", "de", "de");
    row("639-2/B ger", "ger", "de", "de");
    row("639-2/T fra", "fra", "fr", "fr");
    row("639-2/B fre", "fre", "fr", "fr");
    row("english name", "Japanese", "ja", "ja");
    row("region -", "pt-BR", "pt", "pt");
    row("region _", "pt_BR", "pt", "pt");
    row("no 639-1 code", "haw", "haw", "haw");
    row("undetermined", "und", "", "");
    row("undetermined, upper case", "UND", "", "");
    row("not a language", "Part2", "part2", "");
    row("unknown code with a region", "xx-unknown", "xx-unknown", "");
    row("empty", "", "", "");
}

void tst_TrackNames::languageCodes()
{
    QFETCH(QString, code);
    QFETCH(QString, asTag);
    QFETCH(QString, asNamePart);
    QCOMPARE(languageCode(code), asTag);
    QCOMPARE(languageCode(code, UnknownLanguage::Kept), asTag);
    QCOMPARE(languageCode(code, UnknownLanguage::Dropped), asNamePart);
}

QTEST_GUILESS_MAIN(tst_TrackNames)
#include "tst_tracknames.moc"
