// Subtitle files next to a video (findSidecarSubtitles), in a temporary folder of real files:
// NAME.srt / NAME.LANG.srt / NAME.vtt / NAME.LANG.vtt, the language codes and names (each code
// read as languageCode reads it: tst_tracknames), forced and SDH files, and that the folder's other
// videos' subtitles are left out.
#include "media/sidecarsubtitles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_SidecarSubtitles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void find();
    void noneAndMissingFolder();

private:
    static void touch(const QDir &dir, const QString &name)
    {
        QFile file(dir.filePath(name));
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(name));
        file.write("1\n00:00:01,000 --> 00:00:02,000\nx\n");
    }
};

void tst_SidecarSubtitles::find()
{
    QTemporaryDir temporary;
    QVERIFY(temporary.isValid());
    const QDir dir(temporary.path());
    for (const QString &name :
         {u"Film.mkv"_s, u"Film.srt"_s, u"Film.en.srt"_s, u"Film.fre.VTT"_s, u"Film.German.srt"_s,
          u"Film.ja.forced.srt"_s, u"Film.en.sdh.srt"_s, u"Film.pt-BR.srt"_s, u"Film.hi.srt"_s,
          u"Film.es.hi.srt"_s, u"Film.it.webvtt"_s,
          // Not Film.mkv's:
          u"Film2.mkv"_s, u"Film2.en.srt"_s, u"Film2.srt"_s, u"Film.Part2.srt"_s, u"Film.en.txt"_s,
          u"Film.en.srt.bak"_s, u"film.en.srt"_s, u"Film.en.fr.srt"_s, u"Film.und.srt"_s,
          u"Film.Director.mkv"_s, u"Film.Director.srt"_s,
          // Another video whose name ends like a language: its subtitles are its own.
          u"Film.ko.mkv"_s, u"Film.ko.srt"_s}) {
        touch(dir, name);
    }
    QVERIFY(dir.mkdir(u"Film.it.srt"_s)); // a folder, not a file

    const QList<SidecarSubtitle> found = findSidecarSubtitles(dir.filePath(u"Film.mkv"_s));
    QStringList names;
    QStringList languages;
    for (const SidecarSubtitle &sidecar : found) {
        names << sidecar.fileName;
        languages << sidecar.language;
        QCOMPARE(sidecar.path, dir.absoluteFilePath(sidecar.fileName));
        QCOMPARE(sidecar.format,
                 sidecar.fileName.endsWith(u"VTT"_s, Qt::CaseInsensitive) ? SubtitleFormat::WebVtt
                                                                          : SubtitleFormat::SubRip);
    }
    // By language name (none first, then English, French, German, Hindi, Italian, Japanese,
    // Portuguese, Spanish), then file name.
    QCOMPARE(names,
             (QStringList{u"Film.srt"_s, u"Film.en.sdh.srt"_s, u"Film.en.srt"_s, u"Film.fre.VTT"_s,
                          u"Film.German.srt"_s, u"Film.hi.srt"_s, u"Film.it.webvtt"_s,
                          u"Film.ja.forced.srt"_s, u"Film.pt-BR.srt"_s, u"Film.es.hi.srt"_s}));
    QCOMPARE(languages,
             (QStringList{QString(), u"en"_s, u"en"_s, u"fr"_s, u"de"_s, u"hi"_s, u"it"_s, u"ja"_s,
                          u"pt"_s, u"es"_s}));

    // Film2's own are found for Film2.
    QStringList film2;
    for (const SidecarSubtitle &sidecar : findSidecarSubtitles(dir.filePath(u"Film2.mkv"_s)))
        film2 << sidecar.fileName;
    QCOMPARE(film2, (QStringList{u"Film2.srt"_s, u"Film2.en.srt"_s}));
}

void tst_SidecarSubtitles::noneAndMissingFolder()
{
    QTemporaryDir temporary;
    QVERIFY(temporary.isValid());
    const QDir dir(temporary.path());
    touch(dir, u"Film.mkv"_s);
    QVERIFY(findSidecarSubtitles(dir.filePath(u"Film.mkv"_s)).isEmpty());
    QVERIFY(findSidecarSubtitles(dir.filePath(u"missing/Film.mkv"_s)).isEmpty());
}

QTEST_GUILESS_MAIN(tst_SidecarSubtitles)
#include "tst_sidecarsubtitles.moc"
