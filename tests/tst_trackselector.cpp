// Which tracks a video opens with (media/trackselector.h): the wanted choices where this device
// has a match, by every matching rule in turn, else the defaults of every mode; never a track by
// its index alone. And the choices a selection stands for.
#include "media/trackselector.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using Source = SubtitleChoice::Source;
using Mode = TrackDefaults::SubtitleMode;
using Wanted = std::optional<PlaybackChoices>;

// A column of its own type: media/sidecarsubtitles.h may declare SidecarSubtitle's metatype, and
// with it QList<SidecarSubtitle>'s.
struct Sidecars
{
    QList<SidecarSubtitle> files;
};
Q_DECLARE_METATYPE(Sidecars)
Q_DECLARE_METATYPE(Wanted)
Q_DECLARE_METATYPE(TrackDefaults)

char *toString(const TrackSelection &s)
{
    return qstrdup(QStringLiteral("audio %1, subtitles %2 embedded %3 path \"%4\", delay %5, "
                                  "speed %6")
                       .arg(s.audioIndex)
                       .arg(int(s.subtitleSource))
                       .arg(s.embeddedIndex)
                       .arg(s.subtitlePath)
                       .arg(s.subtitleDelayMs)
                       .arg(s.speed)
                       .toUtf8()
                       .constData());
}

char *toString(const PlaybackChoices &choices)
{
    return qstrdup(ChoicesCodec::toCompactJson(choices).constData());
}

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

TrackIdentity track(const char *language, const char *title, const char *codec)
{
    return {str(language), str(title), str(codec)};
}

// A file with more than one track of a language, so each rule picks something the next would
// not: English three times (Commentary/Opus, AC-3, Opus), a track of unknown language with a
// title.
MediaStreams richFile()
{
    return {{track("ja", "", "Opus"), track("en", "Commentary", "Opus"), track("en", "", "AC-3"),
             track("en", "", "Opus"), track("de", "Director", "AAC"),
             track("", "Narration", "Opus")},
            {track("en", "", "SubRip"), track("fr", "", "SubRip"), track("en", "Signs", "SubRip")}};
}

// resources/sample-tracks.mkv as probeMediaStreams reads it.
MediaStreams sampleFile()
{
    return {{track("ja", "", "Opus"), track("en", "Commentary", "Opus")},
            {track("en", "", "Timed Text")}};
}

const QString kFolder = QStringLiteral("/videos");

SidecarSubtitle sidecar(const char *fileName, const char *language)
{
    return {kFolder + u'/' + str(fileName), str(fileName), str(language)};
}

// As findSidecarSubtitles lists them: by language name (none first).
QList<SidecarSubtitle> sidecars()
{
    return {sidecar("Film.srt", ""), sidecar("Film.en.srt", "en"), sidecar("Film.fr.vtt", "fr")};
}

Wanted wantAudio(const TrackIdentity &audio)
{
    PlaybackChoices choices;
    choices.audio = audio;
    return choices;
}

Wanted wantSubtitles(Source source, const TrackIdentity &track, const char *fileName = "")
{
    PlaybackChoices choices;
    choices.subtitles = SubtitleChoice{source, track, str(fileName)};
    return choices;
}

TrackDefaults defaults(QStringList audio, QStringList subtitles, Mode mode)
{
    return {std::move(audio), std::move(subtitles), mode};
}

// Audio by the defaults alone, no subtitles.
const TrackDefaults kNoSubtitles = defaults({}, {}, Mode::Never);

TrackSelection selection(int audio, Source source = Source::Off, int embedded = -1,
                         const QString &path = QString())
{
    TrackSelection s;
    s.audioIndex = audio;
    s.subtitleSource = source;
    s.embeddedIndex = embedded;
    s.subtitlePath = path;
    return s;
}

TrackSelection withSidecar(int audio, const char *fileName)
{
    return selection(audio, Source::Sidecar, -1, kFolder + u'/' + str(fileName));
}

} // namespace

class tst_TrackSelector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void select_data();
    void select();
    void choicesStandForTheSelection_data();
    void choicesStandForTheSelection();
    void choicesChooseTheSameAgain_data();
    void choicesChooseTheSameAgain();

private:
    QTemporaryDir m_dir;
};

void tst_TrackSelector::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QFile loaded(m_dir.filePath(QStringLiteral("Loaded by hand.srt")));
    QVERIFY(loaded.open(QIODevice::WriteOnly));
    QVERIFY(QDir(m_dir.path()).mkdir(QStringLiteral("a folder.srt")));
}

void tst_TrackSelector::select_data()
{
    QTest::addColumn<MediaStreams>("streams");
    QTest::addColumn<Sidecars>("sidecars");
    QTest::addColumn<Wanted>("wanted");
    QTest::addColumn<TrackDefaults>("trackDefaults");
    QTest::addColumn<QString>("folder");
    QTest::addColumn<TrackSelection>("expected");

    const MediaStreams rich = richFile();
    const QList<SidecarSubtitle> none;
    const auto audioRow = [&](const char *name, const Wanted &wanted, const TrackDefaults &d,
                              int expected) {
        QTest::newRow(name) << rich << Sidecars{none} << wanted << d << QString()
                            << selection(expected);
    };

    // Audio: each rule in turn.
    audioRow("audio: language+title+codec over an earlier language+title",
             wantAudio(track("en", "", "Opus")), kNoSubtitles, 3);
    audioRow("audio: language+title when the codec differs", wantAudio(track("en", "", "FLAC")),
             kNoSubtitles, 2);
    audioRow("audio: language+title (a title)", wantAudio(track("en", "Commentary", "AAC")),
             kNoSubtitles, 1);
    audioRow("audio: language alone, first in file order",
             wantAudio(track("en", "Director's cut", "Opus")), kNoSubtitles, 1);
    audioRow("audio: language alone, the only one", wantAudio(track("de", "", "Opus")),
             kNoSubtitles, 4);
    audioRow("audio: no match, defaults' first preferred language",
             wantAudio(track("it", "", "Opus")),
             defaults({str("it"), str("de"), str("ja")}, {}, Mode::Never), 4);
    audioRow("audio: no match, no preference: the file's default",
             wantAudio(track("it", "Commentary", "Opus")), kNoSubtitles, -1);
    audioRow("audio: a title alone matches by language+title",
             wantAudio(track("", "Narration", "FLAC")), kNoSubtitles, 5);
    audioRow("audio: unknown language and no title is no match, whatever the codec",
             wantAudio(track("", "", "Opus")), kNoSubtitles, -1);
    // Index 0 of the wanted device was Japanese; here it is not used just because it is first.
    audioRow("audio: never the index alone", wantAudio(track("ko", "", "Opus")),
             defaults({str("en")}, {}, Mode::Never), 1);
    audioRow("audio: no choices, preferred languages in order", std::nullopt,
             defaults({str("fr"), str("ja"), str("en")}, {}, Mode::Never), 0);
    audioRow("audio: choices without audio use the defaults", Wanted(PlaybackChoices{}),
             defaults({str("en")}, {}, Mode::Never), 1);
    audioRow("audio: no choices, no preference", std::nullopt, kNoSubtitles, -1);
    QTest::newRow("audio: a file without audio")
        << MediaStreams{} << Sidecars{none} << wantAudio(track("ja", "", "Opus"))
        << defaults({str("ja")}, {}, Mode::Never) << QString() << selection(-1);

    // Subtitles wanted.
    const auto subtitleRow = [&](const char *name, const QList<SidecarSubtitle> &files,
                                 const Wanted &wanted, const TrackDefaults &d,
                                 const TrackSelection &expected, const QString &folder = {}) {
        QTest::newRow(name) << rich << Sidecars{files} << wanted << d << folder << expected;
    };
    const TrackDefaults always = defaults({}, {str("en")}, Mode::Always);
    subtitleRow("subtitles: off stays off, whatever the defaults", sidecars(),
                wantSubtitles(Source::Off, {}), always, selection(-1));
    subtitleRow("embedded: language+title+codec", none,
                wantSubtitles(Source::Embedded, track("en", "Signs", "SubRip")), kNoSubtitles,
                selection(-1, Source::Embedded, 2));
    subtitleRow("embedded: language+title", none,
                wantSubtitles(Source::Embedded, track("en", "Signs", "ASS")), kNoSubtitles,
                selection(-1, Source::Embedded, 2));
    subtitleRow("embedded: language alone", none,
                wantSubtitles(Source::Embedded, track("fr", "Forced", "ASS")), kNoSubtitles,
                selection(-1, Source::Embedded, 1));
    subtitleRow("embedded: no match falls back to the defaults (never)", none,
                wantSubtitles(Source::Embedded, track("it", "", "SubRip")), kNoSubtitles,
                selection(-1));
    subtitleRow("embedded: no match falls back to the defaults (always)", none,
                wantSubtitles(Source::Embedded, track("it", "", "SubRip")),
                defaults({}, {str("fr")}, Mode::Always), selection(-1, Source::Embedded, 1));
    subtitleRow("embedded: unknown language and no title is no match", none,
                wantSubtitles(Source::Embedded, track("", "", "SubRip")), kNoSubtitles,
                selection(-1));
    subtitleRow("sidecar: by name", sidecars(),
                wantSubtitles(Source::Sidecar, track("fr", "", ""), "Film.fr.vtt"), kNoSubtitles,
                withSidecar(-1, "Film.fr.vtt"));
    subtitleRow("sidecar: by name, over the language", sidecars(),
                wantSubtitles(Source::Sidecar, track("en", "", ""), "Film.srt"), kNoSubtitles,
                withSidecar(-1, "Film.srt"));
    subtitleRow("sidecar: another name, the same language (another device's file name)", sidecars(),
                wantSubtitles(Source::Sidecar, track("en", "", ""), "Film.1080p.en.srt"),
                kNoSubtitles, withSidecar(-1, "Film.en.srt"));
    subtitleRow("sidecar: no name, no language: the defaults", sidecars(),
                wantSubtitles(Source::Sidecar, track("", "", ""), "Other.srt"),
                defaults({}, {str("fr")}, Mode::Always), withSidecar(-1, "Film.fr.vtt"));
    subtitleRow("sidecar: no such language: the defaults", sidecars(),
                wantSubtitles(Source::Sidecar, track("it", "", ""), "Film.it.srt"), kNoSubtitles,
                selection(-1));
    subtitleRow("sidecar: not an embedded track of the language", none,
                wantSubtitles(Source::Sidecar, track("fr", "", ""), "Film.fr.srt"), kNoSubtitles,
                selection(-1));
    subtitleRow("file: a sidecar of that name", sidecars(),
                wantSubtitles(Source::File, track("", "", ""), "Film.en.srt"), kNoSubtitles,
                withSidecar(-1, "Film.en.srt"));
    subtitleRow("file: of that name in the video's folder", sidecars(),
                wantSubtitles(Source::File, track("", "", ""), "Loaded by hand.srt"), kNoSubtitles,
                selection(-1, Source::File, -1, m_dir.filePath(str("Loaded by hand.srt"))),
                m_dir.path());
    subtitleRow("file: not there, a sidecar of its language", sidecars(),
                wantSubtitles(Source::File, track("fr", "", ""), "Elsewhere.srt"), kNoSubtitles,
                withSidecar(-1, "Film.fr.vtt"), m_dir.path());
    subtitleRow("file: a folder of that name is not a file", none,
                wantSubtitles(Source::File, track("", "", ""), "a folder.srt"), kNoSubtitles,
                selection(-1), m_dir.path());
    subtitleRow("file: '..' leads nowhere", none,
                wantSubtitles(Source::File, track("", "", ""), ".."), kNoSubtitles, selection(-1),
                m_dir.path() + QStringLiteral("/a folder.srt"));
    subtitleRow("file: no folder given, not a sidecar: the defaults", none,
                wantSubtitles(Source::File, track("", "", ""), "Loaded by hand.srt"), kNoSubtitles,
                selection(-1));

    // Subtitles by the defaults.
    subtitleRow("never", sidecars(), std::nullopt, defaults({}, {str("en")}, Mode::Never),
                selection(-1));
    subtitleRow("always: a sidecar before an embedded track of the language", sidecars(),
                std::nullopt, defaults({}, {str("fr")}, Mode::Always),
                withSidecar(-1, "Film.fr.vtt"));
    subtitleRow("always: embedded when no sidecar has the language", sidecars(), std::nullopt,
                defaults({}, {str("it"), str("en")}, Mode::Always), withSidecar(-1, "Film.en.srt"));
    subtitleRow("always: preferred languages in order", none, std::nullopt,
                defaults({}, {str("it"), str("fr"), str("en")}, Mode::Always),
                selection(-1, Source::Embedded, 1));
    subtitleRow("always: none preferred there: the first sidecar", sidecars(), std::nullopt,
                defaults({}, {str("it")}, Mode::Always), withSidecar(-1, "Film.srt"));
    subtitleRow("always: none preferred there, no sidecar: the first embedded", none, std::nullopt,
                defaults({}, {str("it")}, Mode::Always), selection(-1, Source::Embedded, 0));
    QTest::newRow("always: nothing to show") << MediaStreams{rich.audio, {}} << Sidecars{none}
                                             << Wanted() << always << QString() << selection(-1);
    subtitleRow("foreign: the default audio (Japanese) is not preferred", sidecars(), std::nullopt,
                defaults({str("ko")}, {str("en")}, Mode::WhenAudioForeign),
                withSidecar(-1, "Film.en.srt"));
    subtitleRow("foreign: the preferred audio is chosen, so none", sidecars(), std::nullopt,
                defaults({str("en")}, {str("en")}, Mode::WhenAudioForeign), selection(1));
    subtitleRow("foreign: the file's default audio (the first, Japanese), no preference",
                sidecars(), std::nullopt, defaults({}, {str("en")}, Mode::WhenAudioForeign),
                withSidecar(-1, "Film.en.srt"));
    subtitleRow("foreign: audio in a preferred language: none", sidecars(),
                wantAudio(track("ja", "", "Opus")),
                defaults({str("en"), str("ja")}, {str("en")}, Mode::WhenAudioForeign),
                selection(0));
    subtitleRow("foreign: audio in the subtitles' language: none", sidecars(),
                wantAudio(track("en", "Commentary", "Opus")),
                defaults({str("de")}, {str("en")}, Mode::WhenAudioForeign), selection(1));
    subtitleRow("foreign: audio of unknown language: none", sidecars(),
                wantAudio(track("", "Narration", "Opus")),
                defaults({str("en")}, {str("en")}, Mode::WhenAudioForeign), selection(5));
    subtitleRow("foreign: German audio, French subtitles", none, wantAudio(track("de", "", "")),
                defaults({str("fr")}, {str("fr")}, Mode::WhenAudioForeign),
                selection(4, Source::Embedded, 1));
    subtitleRow("foreign: wanted subtitles are kept even for audio in a preferred language", none,
                Wanted(PlaybackChoices{
                    track("en", "", "Opus"),
                    SubtitleChoice{Source::Embedded, track("en", "", "SubRip"), {}}, 0, 1.0}),
                defaults({str("en")}, {str("en")}, Mode::WhenAudioForeign),
                selection(3, Source::Embedded, 0));

    // Delay and speed come with the choices.
    PlaybackChoices timed;
    timed.subtitleDelayMs = -300;
    timed.speed = 1.25;
    TrackSelection timedSelection = selection(-1);
    timedSelection.subtitleDelayMs = -300;
    timedSelection.speed = 1.25;
    QTest::newRow("delay and speed from the choices")
        << rich << Sidecars{none} << Wanted(timed) << kNoSubtitles << QString() << timedSelection;

    // The case: the TV's choices on the sample, opened on the Phone.
    PlaybackChoices tv;
    tv.audio = track("ja", "", "Opus");
    tv.subtitles =
        SubtitleChoice{Source::Sidecar, track("en", "", ""), str("sample-tracks.en.srt")};
    tv.subtitleDelayMs = 300;
    tv.speed = 1.25;
    TrackSelection phone =
        selection(0, Source::Sidecar, -1, kFolder + str("/sample-tracks.en.srt"));
    phone.subtitleDelayMs = 300;
    phone.speed = 1.25;
    QTest::newRow("the sample: Japanese, the English sidecar, +300 ms, 1.25x")
        << sampleFile()
        << Sidecars{{sidecar("sample-tracks.en.srt", "en"), sidecar("sample-tracks.fr.vtt", "fr")}}
        << Wanted(tv) << defaults({str("en")}, {str("fr")}, Mode::Always) << QString() << phone;
}

void tst_TrackSelector::select()
{
    QFETCH(MediaStreams, streams);
    QFETCH(Sidecars, sidecars);
    QFETCH(Wanted, wanted);
    QFETCH(TrackDefaults, trackDefaults);
    QFETCH(QString, folder);
    QFETCH(TrackSelection, expected);

    QCOMPARE(selectTracks(streams, sidecars.files, wanted, trackDefaults, folder), expected);
}

void tst_TrackSelector::choicesStandForTheSelection_data()
{
    QTest::addColumn<TrackSelection>("chosen");
    QTest::addColumn<PlaybackChoices>("expected");

    const auto choices = [](std::optional<TrackIdentity> audio,
                            std::optional<SubtitleChoice> subtitles) {
        return PlaybackChoices{std::move(audio), std::move(subtitles), 0, 1.0};
    };
    QTest::newRow("the file's default audio: none named, subtitles off")
        << selection(-1) << choices(std::nullopt, SubtitleChoice{});
    QTest::newRow("audio by its identity")
        << selection(1) << choices(track("en", "Commentary", "Opus"), SubtitleChoice{});
    QTest::newRow("embedded by its identity")
        << selection(0, Source::Embedded, 2)
        << choices(track("ja", "", "Opus"),
                   SubtitleChoice{Source::Embedded, track("en", "Signs", "SubRip"), {}});
    QTest::newRow("sidecar: its language and name")
        << withSidecar(-1, "Film.fr.vtt")
        << choices(std::nullopt,
                   SubtitleChoice{Source::Sidecar, track("fr", "", ""), str("Film.fr.vtt")});
    QTest::newRow("file: its name alone, no folder")
        << selection(-1, Source::File, -1, str("/home/me/Downloads/Other.srt"))
        << choices(std::nullopt, SubtitleChoice{Source::File, {}, str("Other.srt")});
    QTest::newRow("file: the language its name states, as a sidecar's")
        << selection(-1, Source::File, -1, str("/home/me/Downloads/Other.fre.forced.srt"))
        << choices(std::nullopt,
                   SubtitleChoice{Source::File, track("fr", "", ""), str("Other.fre.forced.srt")});
    QTest::newRow("file: a name part that is no language")
        << selection(-1, Source::File, -1, str("/home/me/Downloads/Other.Part2.srt"))
        << choices(std::nullopt, SubtitleChoice{Source::File, {}, str("Other.Part2.srt")});
    QTest::newRow("an index this file does not have names nothing")
        << selection(9, Source::Embedded, 7) << choices(std::nullopt, std::nullopt);
    TrackSelection timed = selection(-1);
    timed.subtitleDelayMs = 1200;
    timed.speed = 0.5;
    QTest::newRow("delay and speed")
        << timed << PlaybackChoices{std::nullopt, SubtitleChoice{}, 1200, 0.5};
}

void tst_TrackSelector::choicesStandForTheSelection()
{
    QFETCH(TrackSelection, chosen);
    QFETCH(PlaybackChoices, expected);
    QCOMPARE(choicesFor(chosen, richFile(), sidecars()), expected);
}

// What a device reports, opened on a device with the same file, opens the same way: whatever the
// defaults there.
void tst_TrackSelector::choicesChooseTheSameAgain_data()
{
    QTest::addColumn<TrackSelection>("chosen");
    const MediaStreams rich = richFile();
    for (int audio = 0; audio < rich.audio.size(); ++audio) {
        QTest::addRow("audio %d", audio) << selection(audio);
    }
    for (int embedded = 0; embedded < rich.subtitles.size(); ++embedded)
        QTest::addRow("embedded %d", embedded) << selection(0, Source::Embedded, embedded);
    for (const SidecarSubtitle &file : sidecars())
        QTest::addRow("sidecar %s", qPrintable(file.fileName))
            << selection(2, Source::Sidecar, -1, file.path);
}

void tst_TrackSelector::choicesChooseTheSameAgain()
{
    QFETCH(TrackSelection, chosen);
    const PlaybackChoices reported = choicesFor(chosen, richFile(), sidecars());
    for (const Mode mode : {Mode::Never, Mode::WhenAudioForeign, Mode::Always}) {
        const TrackDefaults elsewhere = defaults({str("de")}, {str("fr")}, mode);
        QCOMPARE(selectTracks(richFile(), sidecars(), reported, elsewhere), chosen);
    }
}

QTEST_GUILESS_MAIN(tst_TrackSelector)
#include "tst_trackselector.moc"
