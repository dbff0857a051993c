// The tracks of the video open (TrackController), without a window or a QMediaPlayer, on the
// repository's tracks sample: its real tracks (GStreamer's discoverer), its real sidecar files and
// its real embedded cues. Checked by what it asks the player for, the subtitle text it gives at
// each position, the names the menus show, the messages and the choices it reports.
#include "checkcall.h"
#include "issuechoices.h"
#include "trackcontroller.h"

#include <QCoreApplication>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using namespace Qt::StringLiterals;

namespace {

const QString kSample = QStringLiteral(PLAYMARK_TRACKS_SAMPLE);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// A press of G or H (the window's step).
constexpr qint64 kDelayStepMs = 100;

const QString kJapanese = u"Japanese"_s;
const QString kCommentary = u"English — Commentary"_s;
const QString kEmbedded = u"English"_s;
const QString kEnglishSrt = u"English — sample-tracks.en.srt"_s;
const QString kFrenchVtt = u"French — sample-tracks.fr.vtt"_s;

TrackDefaults defaults(const QStringList &audio, const QStringList &subtitles,
                       TrackDefaults::SubtitleMode mode)
{
    TrackDefaults result;
    result.audioLanguages = audio;
    result.subtitleLanguages = subtitles;
    result.subtitleMode = mode;
    return result;
}

// Waits until every read the controller started off the GUI thread (QtConcurrent, on the global
// pool) has answered and the answer was handed to it: a finished read has already queued its
// continuation when the pool counts it done, and sendPostedEvents() delivers it. A fixed wait
// would let a late answer come after the check, which then passes by luck.
void waitForTheReads()
{
    QVERIFY(QThreadPool::globalInstance()->waitForDone(kTimeoutMs));
    QCoreApplication::sendPostedEvents();
}

// The TV's choices of the issue: Japanese audio, the English sidecar, +300 ms, 1.25×.
PlaybackChoices tvChoices()
{
    return issueChoices(u"sample-tracks.en.srt"_s);
}

// A SubRip file of one cue, `text` from 0:03 to 0:04, in `dir`; "" when it cannot be written.
QString writeSubRip(const QTemporaryDir &dir, const QString &name, const QByteArray &text)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("1\n00:00:03,000 --> 00:00:04,000\n" + text + "\n");
    return path;
}

} // namespace

class tst_TrackController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void defaultsOnceTheTracksAreKnown();
    void ownChoicesWinOverTheFolders_data();
    void ownChoicesWinOverTheFolders();
    void vCyclesSubtitlesLikeVlc();
    void bCyclesAudio();
    void delayKeys();
    void speedKeys();
    void sidecarTextFollowsThePosition();
    void embeddedTextFromTheResumePoint();
    void loadedFileIsListedAndShown();
    void loadedFileNamedAsSidecarsAre();
    void unreadableFileSaysSo();
    void answersAboutAnEarlierVideoAreDropped();
    void nothingChangesBeforeTheTracksAreKnown();

private:
    // Opens the sample with these wanted choices and waits until they are applied.
    void openApplied(const std::optional<PlaybackChoices> &own = std::nullopt,
                     const std::optional<PlaybackChoices> &folder = std::nullopt,
                     qint64 startMs = 0, const QString &path = kSample);
    void waitForText(const QString &text);

    std::unique_ptr<TrackController> m_tracks;
    std::unique_ptr<QSignalSpy> m_audio;
    std::unique_ptr<QSignalSpy> m_rate;
    std::unique_ptr<QSignalSpy> m_text;
    std::unique_ptr<QSignalSpy> m_messages;
    std::unique_ptr<QSignalSpy> m_choices;
};

void tst_TrackController::initTestCase()
{
    QVERIFY2(QFile::exists(kSample), qPrintable(kSample));
}

void tst_TrackController::init()
{
    m_tracks = std::make_unique<TrackController>();
    // Prefers English: the sample's Commentary track, so no subtitles by default.
    m_tracks->setDefaults(
        defaults({u"en"_s}, {u"en"_s}, TrackDefaults::SubtitleMode::WhenAudioForeign));
    m_audio = std::make_unique<QSignalSpy>(m_tracks.get(), &TrackController::audioTrackRequested);
    m_rate = std::make_unique<QSignalSpy>(m_tracks.get(), &TrackController::playbackRateRequested);
    m_text = std::make_unique<QSignalSpy>(m_tracks.get(), &TrackController::subtitleTextChanged);
    m_messages = std::make_unique<QSignalSpy>(m_tracks.get(), &TrackController::messageShown);
    m_choices = std::make_unique<QSignalSpy>(m_tracks.get(), &TrackController::choicesChanged);
}

void tst_TrackController::cleanup()
{
    m_choices.reset();
    m_messages.reset();
    m_text.reset();
    m_rate.reset();
    m_audio.reset();
    m_tracks.reset();
}

void tst_TrackController::openApplied(const std::optional<PlaybackChoices> &own,
                                      const std::optional<PlaybackChoices> &folder, qint64 startMs,
                                      const QString &path)
{
    m_tracks->open(path);
    m_tracks->setWanted(own, folder, startMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_tracks->isApplied(), kTimeoutMs);
    QCOMPARE(m_choices->count(), 1);
}

void tst_TrackController::waitForText(const QString &text)
{
    QTRY_COMPARE_WITH_TIMEOUT(m_tracks->subtitleText(), text, kTimeoutMs);
    QCOMPARE(m_text->constLast().at(0).toString(), text);
}

// Nothing is decided before both the tracks and the wanted choices are known; then once.
void tst_TrackController::defaultsOnceTheTracksAreKnown()
{
    m_tracks->open(kSample);
    CHECK(waitForTheReads());
    QVERIFY(!m_tracks->isApplied());
    m_tracks->setWanted(std::nullopt, std::nullopt, 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_tracks->isApplied(), kTimeoutMs);

    QCOMPARE(m_tracks->audioNames(), (QStringList{kJapanese, kCommentary}));
    QCOMPARE(m_tracks->subtitleNames(), (QStringList{kEmbedded, kEnglishSrt, kFrenchVtt}));
    QCOMPARE(m_tracks->currentAudio(), 1);
    QCOMPARE(m_tracks->audioName(), std::optional(kCommentary));
    QCOMPARE(m_tracks->currentSubtitles(), -1);
    QCOMPARE(m_tracks->subtitleName(), QString());
    QCOMPARE(m_audio->count(), 1);
    QCOMPARE(m_audio->constFirst().at(0).toInt(), 1);
    QCOMPARE(m_rate->count(), 1);
    QCOMPARE(m_rate->constFirst().at(0).toDouble(), 1.0);
    QCOMPARE(m_choices->count(), 1);
    QCOMPARE(m_choices->constFirst().at(1).value<TrackController::Cause>(),
             TrackController::Cause::Defaults);
    // Applied on open is no change the person made: nothing to say.
    QCOMPARE(m_messages->count(), 0);
}

void tst_TrackController::ownChoicesWinOverTheFolders_data()
{
    QTest::addColumn<bool>("own");
    QTest::addColumn<bool>("folder");
    QTest::addColumn<int>("audio");
    QTest::addColumn<QString>("subtitles");
    QTest::addColumn<qint64>("delay");
    QTest::addColumn<double>("speed");
    QTest::addColumn<int>("cause");

    QTest::newRow("the video's own") << true << false << 0 << kEnglishSrt << qint64(300) << 1.25
                                     << int(TrackController::Cause::Wanted);
    QTest::newRow("the folder's, for a video without")
        << false << true << 0 << kEnglishSrt << qint64(300) << 1.25
        << int(TrackController::Cause::Wanted);
    QTest::newRow("neither: the defaults") << false << false << 1 << QString() << qint64(0) << 1.0
                                           << int(TrackController::Cause::Defaults);
}

// The TV's choices, from the record or from the folder's last file; a video's own win.
void tst_TrackController::ownChoicesWinOverTheFolders()
{
    QFETCH(bool, own);
    QFETCH(bool, folder);
    QFETCH(int, audio);
    QFETCH(QString, subtitles);
    QFETCH(qint64, delay);
    QFETCH(double, speed);
    QFETCH(int, cause);

    // With the video's own, the folder's differ (nothing chosen): the video's must win.
    const std::optional<PlaybackChoices> folderChoices = own
        ? std::optional(PlaybackChoices())
        : (folder ? std::optional(tvChoices()) : std::nullopt);
    openApplied(own ? std::optional(tvChoices()) : std::nullopt, folderChoices);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_tracks->currentAudio(), audio);
    QCOMPARE(m_tracks->subtitleName(), subtitles);
    QCOMPARE(m_tracks->selection().subtitleDelayMs, delay);
    QCOMPARE(m_tracks->selection().speed, speed);
    QCOMPARE(m_rate->constLast().at(0).toDouble(), speed);
    QCOMPARE(int(m_choices->constFirst().at(1).value<TrackController::Cause>()), cause);
    if (own || folder)
        QCOMPARE(m_tracks->choices(), tvChoices());
}

// V: Off, each embedded track, each file, Off again; each change said and reported.
void tst_TrackController::vCyclesSubtitlesLikeVlc()
{
    openApplied();
    const QStringList expected{kEmbedded, kEnglishSrt, kFrenchVtt, QString()};
    for (const QString &name : expected) {
        m_tracks->cycleSubtitles();
        QCOMPARE(m_tracks->subtitleName(), name);
        QCOMPARE(m_messages->constLast().at(0).toString(),
                 u"Subtitles: "_s + (name.isEmpty() ? u"Off"_s : name));
        QCOMPARE(m_choices->constLast().at(1).value<TrackController::Cause>(),
                 TrackController::Cause::Person);
    }
    QCOMPARE(m_choices->count(), 1 + expected.size());
    // The reported choice names the file, never its index.
    m_tracks->cycleSubtitles();
    m_tracks->cycleSubtitles();
    const std::optional<SubtitleChoice> chosen = m_tracks->choices().subtitles;
    QVERIFY(chosen);
    QCOMPARE(chosen->source, SubtitleChoice::Source::Sidecar);
    QCOMPARE(chosen->fileName, u"sample-tracks.en.srt"_s);
}

void tst_TrackController::bCyclesAudio()
{
    openApplied();
    QCOMPARE(m_tracks->currentAudio(), 1);
    m_tracks->cycleAudio();
    QCOMPARE(m_audio->constLast().at(0).toInt(), 0);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Audio: Japanese"_s);
    QCOMPARE(m_tracks->choices().audio->language, u"ja"_s);
    m_tracks->cycleAudio();
    QCOMPARE(m_audio->constLast().at(0).toInt(), 1);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Audio: English — Commentary"_s);
    QCOMPARE(m_tracks->choices().audio->title, u"Commentary"_s);
}

void tst_TrackController::delayKeys()
{
    openApplied();
    for (int i = 0; i < 3; ++i)
        m_tracks->shiftSubtitleDelay(kDelayStepMs);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Subtitle delay: +300 ms"_s);
    QCOMPARE(m_tracks->choices().subtitleDelayMs, qint64(300));
    for (int i = 0; i < 5; ++i)
        m_tracks->shiftSubtitleDelay(-kDelayStepMs);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Subtitle delay: -200 ms"_s);
    QCOMPARE(m_tracks->choices().subtitleDelayMs, qint64(-200));
}

// [ and ] step through 0.5 .. 2 and stop at the ends; = is normal; the player is asked each time.
void tst_TrackController::speedKeys()
{
    openApplied();
    m_tracks->stepSpeed(1);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Speed: 1.25×"_s);
    QCOMPARE(m_rate->constLast().at(0).toDouble(), 1.25);
    QCOMPARE(m_tracks->choices().speed, 1.25);
    for (int i = 0; i < 10; ++i)
        m_tracks->stepSpeed(1);
    QCOMPARE(m_tracks->selection().speed, 2.0);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Speed: 2×"_s);
    for (int i = 0; i < 10; ++i)
        m_tracks->stepSpeed(-1);
    QCOMPARE(m_tracks->selection().speed, 0.5);
    m_tracks->stepSpeed(1);
    QCOMPARE(m_tracks->selection().speed, 0.75);
    m_tracks->setSpeed(1.0);
    QCOMPARE(m_messages->constLast().at(0).toString(), u"Speed: 1×"_s);
    QCOMPARE(m_rate->constLast().at(0).toDouble(), 1.0);

    // Another device's speed between two steps: the next step is its neighbour.
    PlaybackChoices odd;
    odd.speed = 1.1;
    init();
    openApplied(odd);
    m_tracks->stepSpeed(1);
    QCOMPARE(m_tracks->selection().speed, 1.25);
}

// The text at each position, also without playing (a seek while paused moves the position), and
// with the delay.
void tst_TrackController::sidecarTextFollowsThePosition()
{
    openApplied();
    m_tracks->chooseSubtitles(1); // the English sidecar
    QCOMPARE(m_tracks->subtitleName(), kEnglishSrt);
    m_tracks->setPosition(8500);
    waitForText(u"Sidecar cue from 0:08.000"_s);
    m_tracks->setPosition(10000);
    waitForText(QString());
    // 1 s later: the 0:08 cue shows from 0:09 to 0:10.5.
    for (int i = 0; i < 10; ++i)
        m_tracks->shiftSubtitleDelay(kDelayStepMs);
    waitForText(u"Sidecar cue from 0:08.000"_s);
    m_tracks->chooseSubtitles(-1);
    waitForText(QString());
}

// Embedded cues, read from where playback starts, exactly the cue's text (Qt's own path adds
// markup and garbage bytes).
void tst_TrackController::embeddedTextFromTheResumePoint()
{
    PlaybackChoices embedded;
    SubtitleChoice subtitles;
    subtitles.source = SubtitleChoice::Source::Embedded;
    subtitles.track = TrackIdentity{u"en"_s, QString(), QString()};
    embedded.subtitles = subtitles;
    openApplied(embedded, std::nullopt, 30000);
    QVERIFY2(m_tracks->subtitleName() == kEmbedded,
             qPrintable(m_tracks->subtitleNames().join(u", "_s) + u" / "_s
                        + m_tracks->audioNames().join(u", "_s)));
    m_tracks->setPosition(30500);
    waitForText(u"Embedded cue from 0:30.000"_s);
    // And before the resume point too, once the rest of the file is read.
    m_tracks->setPosition(6500);
    waitForText(u"Embedded cue from 0:06.000"_s);
}

// Load Subtitle File…: listed after the sidecars, by language and name, chosen and shown.
void tst_TrackController::loadedFileIsListedAndShown()
{
    openApplied();
    QTemporaryDir dir;
    const QString path = writeSubRip(dir, u"Film.de.srt"_s, "Deutscher Untertitel");
    QVERIFY(!path.isEmpty());
    QSignalSpy listed(m_tracks.get(), &TrackController::tracksChanged);

    m_tracks->loadSubtitleFile(path);
    // Listed once it was read (off the GUI thread): a file that cannot be read is never listed.
    QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, kTimeoutMs);
    QCOMPARE(m_tracks->subtitleNames().constLast(), u"German — Film.de.srt"_s);
    QCOMPARE(m_tracks->subtitleName(), u"German — Film.de.srt"_s);
    QCOMPARE(m_tracks->choices().subtitles->source, SubtitleChoice::Source::File);
    QCOMPARE(m_tracks->choices().subtitles->fileName, u"Film.de.srt"_s);
    m_tracks->setPosition(3500);
    waitForText(u"Deutscher Untertitel"_s);
}

// A file loaded by hand is named by the language its name states, read as a sidecar's name is
// (tags such as "forced" are no language): the menu says what the choices carry.
void tst_TrackController::loadedFileNamedAsSidecarsAre()
{
    openApplied();
    QTemporaryDir dir;
    const QString path = writeSubRip(dir, u"Other.en.forced.srt"_s, "Forced English");
    QVERIFY(!path.isEmpty());

    m_tracks->loadSubtitleFile(path);
    QTRY_COMPARE_WITH_TIMEOUT(m_tracks->subtitleName(), u"English — Other.en.forced.srt"_s,
                              kTimeoutMs);
    QCOMPARE(m_tracks->choices().subtitles->track.language, u"en"_s);
}

void tst_TrackController::unreadableFileSaysSo()
{
    openApplied();
    const QStringList names = m_tracks->subtitleNames();
    const int current = m_tracks->currentSubtitles();
    QTemporaryDir dir;
    m_tracks->loadSubtitleFile(dir.filePath(u"gone.srt"_s));
    // The last word in the status bar is why, and nothing changed: not listed, not chosen.
    QTRY_VERIFY_WITH_TIMEOUT(
        !m_messages->isEmpty()
            && m_messages->constLast().at(0).toString().startsWith(u"Cannot read gone.srt: "_s),
        kTimeoutMs);
    QCOMPARE(m_tracks->subtitleNames(), names);
    QCOMPARE(m_tracks->currentSubtitles(), current);
    QCOMPARE(m_tracks->subtitleText(), QString());
}

// Another video opened before the first one's tracks were read: only the second one's count.
void tst_TrackController::answersAboutAnEarlierVideoAreDropped()
{
    QTemporaryDir dir;
    const QString other = dir.filePath(u"Other.mkv"_s);
    QVERIFY(QFile::copy(kSample, other));
    m_tracks->open(kSample);
    openApplied(std::nullopt, std::nullopt, 0, other);
    // No sidecars next to the copy: only the embedded track.
    QCOMPARE(m_tracks->subtitleNames(), QStringList{kEmbedded});
    // The first video's answers have come (and were dropped).
    CHECK(waitForTheReads());
    QCOMPARE(m_choices->count(), 1);
    QCOMPARE(m_tracks->subtitleNames(), QStringList{kEmbedded});
}

// Keys pressed while the tracks are being read do nothing (there is nothing to cycle yet).
void tst_TrackController::nothingChangesBeforeTheTracksAreKnown()
{
    m_tracks->open(kSample);
    m_tracks->cycleSubtitles();
    m_tracks->cycleAudio();
    m_tracks->stepSpeed(1);
    m_tracks->shiftSubtitleDelay(100);
    QCOMPARE(m_choices->count(), 0);
    QCOMPARE(m_messages->count(), 0);
    m_tracks->setWanted(std::nullopt, std::nullopt, 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_tracks->isApplied(), kTimeoutMs);
    QCOMPARE(m_tracks->selection().speed, 1.0);
    QCOMPARE(m_tracks->selection().subtitleDelayMs, qint64(0));
}

QTEST_GUILESS_MAIN(tst_TrackController)
#include "tst_trackcontroller.moc"
