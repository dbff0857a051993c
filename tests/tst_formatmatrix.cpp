// The format matrix (issue 13): files in the containers, codecs, pixel formats and audio people
// keep on their disks, made by ffmpeg at test time (small: 320x240, 5 s of testsrc2 and a sine),
// each opened by the real `playmark` with a real server, offscreen and on a private X display
// (Xvfb). For each: the TV plays it and reports, is closed once past 1 s; the Phone (a
// second profile) resumes it at the place the TV reported last, and the real player is there;
// then the Phone's Continue Watching makes its picture through ThumbnailCache, which must be a
// picture, not one flat colour. Audio-only files have no picture: Continue Watching says so in
// its log ("no picture for"), saves none and stays up.
// A file no Debian package decodes (DNxHR in MOV) ends with exit 3 and the reason in words,
// naming the codec. (Files that a missing package would play, AV1 and MPEG-TS without
// gstreamer1.0-plugins-bad, are tst_playerfailure's.)
//
// PLAYMARK_MATRIX_PART=K/N runs every N-th file from the K-th (CTest runs the parts side by side);
// without it, all of them.
#include "checkcall.h"
#include "playerposition.h"
#include "playerprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
// Generous: the machine is shared and several parts run at once (a start takes about 2 s idle).
// Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// How far the TV plays: a place well away from 0, farther than the tolerance below.
constexpr qint64 kPlayedMs = 1000;
// The "same second".
constexpr qint64 kResumeToleranceMs = 250;

enum class Streams { VideoAndAudio, VideoOnly, AudioOnly };

// One file of the matrix: how ffmpeg makes it.
struct Sample
{
    QString name; // the row's name, and the file's without the extension
    QString extension; // the container's
    Streams streams; // which of testsrc2 and the sine go in
    QString encode; // ffmpeg's arguments after the inputs, as on a command line
    bool piped = false; // written to a pipe: the container cannot state the duration
    // Empty: it plays here. Else why not, in the player's words (Debian 12 decodes it with no
    // package; the words are helper-decoders' explainUnplayable()).
    QString whyNot = {};
};

const QList<Sample> &samples()
{
    constexpr auto both = Streams::VideoAndAudio;
    static const QList<Sample> list = {
        // TV and DVB recordings.
        {u"mpeg2-ts"_s, u"ts"_s, both, u"-c:v mpeg2video -c:a mp2"_s},
        {u"av1-mkv"_s, u"mkv"_s, both, u"-c:v libaom-av1 -cpu-used 8 -b:v 100k -c:a libopus"_s},
        {u"h264-422-mp4"_s, u"mp4"_s, both, u"-c:v libx264 -pix_fmt yuv422p -c:a aac"_s},
        {u"prores422-mov"_s, u"mov"_s, both, u"-c:v prores_ks -profile:v 2 -c:a pcm_s16le"_s},
        {u"vp8-webm"_s, u"webm"_s, both,
         u"-c:v libvpx -b:v 200k -deadline realtime -c:a libvorbis"_s},
        {u"vp9-webm"_s, u"webm"_s, both,
         u"-c:v libvpx-vp9 -b:v 200k -deadline realtime -c:a libopus"_s},
        {u"hevc10-mkv"_s, u"mkv"_s, both,
         u"-c:v libx265 -x265-params log-level=error -pix_fmt yuv420p10le -c:a libopus"_s},
        {u"mpeg4-avi"_s, u"avi"_s, both, u"-c:v mpeg4 -c:a libmp3lame"_s},
        {u"theora-ogv"_s, u"ogv"_s, both, u"-c:v libtheora -c:a libvorbis"_s},
        // An audiobook, a podcast, music.
        {u"audio-mp3"_s, u"mp3"_s, Streams::AudioOnly, u"-c:a libmp3lame"_s},
        {u"audio-flac"_s, u"flac"_s, Streams::AudioOnly, u"-c:a flac"_s},
        {u"noaudio-mp4"_s, u"mp4"_s, Streams::VideoOnly, u"-c:v libx264"_s},
        // Written to a pipe, so nothing states the duration: DVB-T2's H.264 in a transport
        // stream, and a live stream saved as it came.
        {u"h264-ts"_s, u"ts"_s, both, u"-c:v libx264 -c:a aac -f mpegts"_s, true},
        {u"live-webm"_s, u"webm"_s, both,
         u"-c:v libvpx -deadline realtime -c:a libvorbis -f webm -live 1"_s, true},
        {u"h264-flv"_s, u"flv"_s, both, u"-c:v libx264 -c:a aac"_s},
        // GStreamer 1.22's qtdemux gives DNxHR's fourcc (AVdh) no caps a decoder takes
        // (avdec_dnxhd wants video/x-dnxhd): measured, no Debian package plays it.
        {u"dnxhr-mov"_s, u"mov"_s, both,
         u"-c:v dnxhd -profile:v dnxhr_lb -pix_fmt yuv422p -c:a pcm_s16le"_s, false,
         u"This file's video is DNxHR, which this system cannot decode"_s},
    };
    return list;
}

const QStringList kPlatforms = {u"offscreen"_s, u"xvfb"_s};

// Whether sample `index` belongs to this run's part (PLAYMARK_MATRIX_PART=K/N).
bool inThisPart(int index)
{
    const QString part = qEnvironmentVariable("PLAYMARK_MATRIX_PART");
    const QStringList kn = part.split(u'/');
    bool okK = false;
    bool okN = false;
    const int k = kn.value(0).toInt(&okK);
    const int n = kn.value(1).toInt(&okN);
    if (part.isEmpty() || !okK || !okN || n < 1 || k < 1 || k > n)
        return true;
    return index % n == k - 1;
}

// Why `image` is not a picture of testsrc2 (colour bars, a gradient, moving shapes), or empty: a
// decoder that gave up, or a conversion that went wrong, leaves a frame of one flat colour
// (black, green) or very few.
QString notAPicture(const QImage &image)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    QHash<QRgb, int> counts;
    for (int y = 0; y < rgb.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(rgb.constScanLine(y));
        for (int x = 0; x < rgb.width(); ++x) {
            // 16 levels a channel: JPEG's noise in a flat area stays one colour.
            ++counts[qRgb(qRed(line[x]) & 0xf0, qGreen(line[x]) & 0xf0, qBlue(line[x]) & 0xf0)];
        }
    }
    int largest = 0;
    QRgb commonest = 0;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() > largest) {
            largest = it.value();
            commonest = it.key();
        }
    }
    const double share = rgb.isNull() ? 1.0 : double(largest) / (rgb.width() * rgb.height());
    if (counts.size() >= 16 && share <= 0.5)
        return {};
    return u"%1x%2, %3 colours, %4% of it rgb(%5,%6,%7)"_s.arg(rgb.width())
        .arg(rgb.height())
        .arg(counts.size())
        .arg(qRound(share * 100))
        .arg(qRed(commonest))
        .arg(qGreen(commonest))
        .arg(qBlue(commonest));
}

// A player's stderr for a failure message, which QtTest cuts at about 1000 characters: its own
// "playmark: ..." lines first, then the last few others, each cut short.
QString tail(const QByteArray &text)
{
    QStringList own;
    QStringList others;
    for (const QString &line : QString::fromUtf8(text).split(u'\n', Qt::SkipEmptyParts))
        (line.startsWith(u"playmark: "_s) ? own : others) << line.left(160);
    return (own + others.mid(qMax(0, int(others.size()) - 4))).join(u'\n');
}

// How a player process ended, for a failure message.
QString ending(const QString &who, PlayerProcess &player)
{
    const QProcess &process = player.process();
    QString how = u"exit %1"_s.arg(process.exitCode());
    if (process.state() != QProcess::NotRunning)
        how = u"still running"_s;
    else if (process.exitStatus() == QProcess::CrashExit)
        how = u"crashed"_s;
    return u"%1: %2; stderr ends:\n%3"_s.arg(who, how, tail(player.err()));
}

QList<QJsonObject> eventsNamed(const PlayerProcess &player, const QString &name)
{
    QList<QJsonObject> found;
    for (const QJsonObject &event : player.events()) {
        if (event.value(u"event"_s).toString() == name)
            found << event;
    }
    return found;
}

qint64 field(const QJsonObject &event, const char *name)
{
    return event.value(QLatin1String(name)).toInteger(-1);
}

} // namespace

class tst_FormatMatrix : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void playsResumesAndShows_data();
    void playsResumesAndShows();

private:
    void prepare(const Sample &sample, const QString &platform, QString *path,
                 QProcessEnvironment *environment);
    QString made(const Sample &sample);
    QProcessEnvironment environment(const QString &platform);
    QStringList deviceArguments(const QString &profile, const QString &device,
                                const QString &platform) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<VirtualDisplay> m_display;
    // One user a platform: the same file opened offscreen and on X is one video to the server.
    QHash<QString, QString> m_tokens;
    QHash<QString, QString> m_files;
};

void tst_FormatMatrix::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const QString db = m_dir->filePath(u"server.sqlite"_s);
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &platform : kPlatforms) {
        const Run add = runProcess(kServerBin, {u"user"_s, u"add"_s, platform, u"--db"_s, db},
                                   environment, kTimeoutMs);
        QVERIFY2(add.exitedNormally() && add.exitCode == 0, add.err.constData());
        m_tokens.insert(platform, QString::fromUtf8(add.out.trimmed()));
    }
    m_server = std::make_unique<ServerProcess>(
        kServerBin, QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db},
        environment, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(m_server->port() != 0, m_server->err().constData(), kTimeoutMs);
}

void tst_FormatMatrix::cleanupTestCase()
{
    m_server.reset();
    m_display.reset();
    m_dir.reset();
}

// A row's file and the player's environment on its platform; the test failed when either could
// not be had.
void tst_FormatMatrix::prepare(const Sample &sample, const QString &platform, QString *path,
                               QProcessEnvironment *environment)
{
    CHECK(*path = made(sample));
    *environment = this->environment(platform);
}

// The file for `sample`, made by ffmpeg the first time it is asked for; empty (and the test
// failed) when ffmpeg could not make it.
QString tst_FormatMatrix::made(const Sample &sample)
{
    if (const QString path = m_files.value(sample.name); !path.isEmpty())
        return path;
    const QString path = m_dir->filePath(sample.name + u'.' + sample.extension);
    const QString seconds = u"duration=5"_s;
    QStringList arguments{u"-v"_s, u"error"_s, u"-y"_s};
    if (sample.streams != Streams::AudioOnly)
        arguments << u"-f"_s << u"lavfi"_s << u"-i"_s
                  << u"testsrc2=size=320x240:rate=25:"_s + seconds;
    if (sample.streams != Streams::VideoOnly)
        arguments << u"-f"_s << u"lavfi"_s << u"-i"_s << u"sine=frequency=440:"_s + seconds;
    arguments << sample.encode.split(u' ') << (sample.piped ? u"-"_s : path);
    const Run run =
        runProcess(u"ffmpeg"_s, arguments, QProcessEnvironment::systemEnvironment(), kTimeoutMs);
    if (!run.exitedNormally() || run.exitCode != 0) {
        QTest::qFail(
            qPrintable(u"ffmpeg %1: %2"_s.arg(arguments.join(u' '), QString::fromUtf8(run.err))),
            __FILE__, __LINE__);
        return {};
    }
    if (sample.piped) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(run.out) != run.out.size()) {
            QTest::qFail(qPrintable(u"cannot write %1"_s.arg(path)), __FILE__, __LINE__);
            return {};
        }
    }
    m_files.insert(sample.name, path);
    return path;
}

// The player's environment on `platform`; the private X display is started the first time it is
// needed. Empty (and the test failed) when Xvfb did not start.
QProcessEnvironment tst_FormatMatrix::environment(const QString &platform)
{
    if (platform == u"offscreen"_s) {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        return environment;
    }
    if (!m_display) {
        auto display = std::make_unique<VirtualDisplay>();
        QString error;
        if (!display->start(QSize(1280, 800), kTimeoutMs, &error)) {
            QTest::qFail(qPrintable(error), __FILE__, __LINE__);
            return {};
        }
        m_display = std::move(display);
    }
    return m_display->environment();
}

QStringList tst_FormatMatrix::deviceArguments(const QString &profile, const QString &device,
                                              const QString &platform) const
{
    return {u"--profile"_s, m_dir->filePath(profile), u"--device"_s, device,
            u"--server"_s,  m_server->url(),          u"--token"_s,  m_tokens.value(platform),
            u"--events"_s};
}

void tst_FormatMatrix::playsResumesAndShows_data()
{
    QTest::addColumn<int>("sample");
    QTest::addColumn<QString>("platform");
    for (int i = 0; i < samples().size(); ++i) {
        if (!inThisPart(i))
            continue;
        for (const QString &platform : kPlatforms)
            QTest::addRow("%s %s", qPrintable(samples().at(i).name), qPrintable(platform))
                << i << platform;
    }
}

void tst_FormatMatrix::playsResumesAndShows()
{
    QFETCH(int, sample);
    QFETCH(QString, platform);
    const Sample &clip = samples().at(sample);
    QString path;
    QProcessEnvironment environment;
    CHECK(prepare(clip, platform, &path, &environment));
    const QString tv = clip.name + u'-' + platform + u"-TV"_s;
    const QString phone = clip.name + u'-' + platform + u"-Phone"_s;
    // Where the time goes, for whoever keeps the matrix within its few minutes.
    QElapsedTimer stage;
    stage.start();
    QStringList took;

    // The TV plays it from the start and reports every second; once it has reported a place
    // past kPlayedMs while playing, it is closed as a person closes it (SIGTERM closes the
    // window), which reports the place it stopped at. A place, not a time: under load the first
    // second of a --quit-after may go to starting (212 ms reported after 2 s, seen once).
    PlayerProcess tvPlayer(kPlayerBin,
                           deviceArguments(tv, u"TV"_s, platform)
                               + QStringList{u"--report-interval"_s, u"1"_s, path},
                           environment);
    if (!clip.whyNot.isEmpty()) {
        // Says why, and goes.
        QVERIFY2(tvPlayer.process().waitForFinished(kTimeoutMs),
                 qPrintable(ending(u"the TV"_s, tvPlayer)));
        QVERIFY2(tvPlayer.process().exitStatus() == QProcess::NormalExit
                     && tvPlayer.process().exitCode() == 3,
                 qPrintable(ending(u"the TV"_s, tvPlayer)));
        const QString line =
            u"playmark: Cannot play %1: %2"_s.arg(QFileInfo(path).fileName(), clip.whyNot);
        QVERIFY2(
            QString::fromUtf8(tvPlayer.err()).split(u'\n').contains(line),
            qPrintable(u"wanted the line \"%1\"; %2"_s.arg(line, ending(u"the TV"_s, tvPlayer))));
        return;
    }
    const QJsonObject tvResumed = tvPlayer.waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!tvResumed.isEmpty(), qPrintable(ending(u"the TV never started"_s, tvPlayer)));
    QCOMPARE(tvResumed.value(u"source"_s).toString(), u"none"_s);
    const QString contentId = tvResumed.value(u"content_id"_s).toString();
    const QJsonObject playing =
        tvPlayer.waitForEvent(u"reported"_s, kTimeoutMs, [](const QJsonObject &report) {
            return report.value(u"state"_s).toString() == u"playing"_s
                && field(report, "position_ms") >= kPlayedMs;
        });
    QVERIFY2(!playing.isEmpty(),
             qPrintable(ending(
                 u"the TV reported no place past %1 ms while playing"_s.arg(kPlayedMs), tvPlayer)));
    stopProcess(tvPlayer.process(), kTimeoutMs);
    QVERIFY2(tvPlayer.process().exitStatus() == QProcess::NormalExit
                 && tvPlayer.process().exitCode() == 0,
             qPrintable(ending(u"the TV"_s, tvPlayer)));
    const QJsonObject tvQuit = eventsNamed(tvPlayer, u"quit"_s).value(0);
    QVERIFY2(!tvQuit.isEmpty(), "the TV printed no quit");
    const QList<QJsonObject> reported = eventsNamed(tvPlayer, u"reported"_s);
    for (const QJsonObject &report : reported) {
        QCOMPARE(report.value(u"content_id"_s).toString(), contentId);
        QVERIFY2(report.value(u"delivered"_s).toBool(),
                 qPrintable(QString::fromUtf8(QJsonDocument(report).toJson())));
    }
    // The place it closed at is the last one reported, and no earlier than the one above.
    const qint64 tvLast = field(reported.last(), "position_ms");
    QCOMPARE(field(tvQuit, "position_ms"), tvLast);
    QCOMPARE(tvQuit.value(u"pending"_s).toInt(-1), 0);
    QVERIFY2(tvLast >= field(playing, "position_ms"),
             qPrintable(
                 u"the TV reported %1 ms, then closed at %2 ms"_s.arg(field(playing, "position_ms"))
                     .arg(tvLast)));

    took << u"TV %1 ms"_s.arg(stage.restart());

    // The Phone opens the same file: where the TV reported last, the picture there.
    PlayerProcess phonePlayer(kPlayerBin, deviceArguments(phone, u"Phone"_s, platform) << path,
                              environment);
    const QJsonObject resumed = phonePlayer.waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), qPrintable(ending(u"the Phone never started"_s, phonePlayer)));
    QCOMPARE(resumed.value(u"content_id"_s).toString(), contentId);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(resumed.value(u"device_name"_s).toString(), u"TV"_s);
    const qint64 phoneAt = field(resumed, "position_ms");
    QVERIFY2(qAbs(phoneAt - tvLast) <= kResumeToleranceMs,
             qPrintable(u"the TV reported %1 ms last, the Phone resumed at %2 ms"_s.arg(tvLast).arg(
                 phoneAt)));
    QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    // Closed as a person closes it: the place is saved, the window goes.
    stopProcess(phonePlayer.process(), kTimeoutMs);
    QVERIFY2(phonePlayer.process().exitStatus() == QProcess::NormalExit
                 && phonePlayer.process().exitCode() == 0,
             qPrintable(ending(u"the Phone"_s, phonePlayer)));
    QVERIFY2(!eventsNamed(phonePlayer, u"quit"_s).isEmpty(), "the Phone printed no quit");

    took << u"Phone %1 ms"_s.arg(stage.restart());

    // The Phone without a file opens on Continue Watching, which asks ThumbnailCache for the
    // video's picture: a JPEG in the profile's thumbnails folder.
    QProcessEnvironment logging = environment;
    logging.insert(u"QT_LOGGING_RULES"_s, u"playmark.app.thumbnails.info=true"_s);
    PlayerProcess home(kPlayerBin, deviceArguments(phone, u"Phone"_s, platform), logging);
    const QDir thumbnails(m_dir->filePath(phone + u"/thumbnails"_s));
    const auto picture = [&thumbnails, &contentId] {
        const QStringList names = thumbnails.entryList({contentId + u"-*.jpg"_s}, QDir::Files);
        return names.isEmpty() ? QImage() : QImage(thumbnails.filePath(names.first()));
    };
    if (clip.streams == Streams::AudioOnly) {
        // Nothing to show: the cache gives up (its log says so), saves nothing, and the
        // window stays up.
        QTRY_VERIFY2_WITH_TIMEOUT(home.err().contains("no picture for"),
                                  qPrintable(ending(u"Continue Watching"_s, home)), kTimeoutMs);
        QVERIFY2(thumbnails.entryList(QDir::Files).isEmpty(),
                 qPrintable(thumbnails.entryList(QDir::Files).join(u", "_s)));
    } else {
        // Looked at until it is a picture: a JPEG read while it is written loads with its
        // missing rows grey.
        QImage image;
        QTRY_VERIFY2_WITH_TIMEOUT(!(image = picture()).isNull() && notAPicture(image).isEmpty(),
                                  qPrintable(image.isNull()
                                                 ? ending(u"no picture; Continue Watching"_s, home)
                                                 : notAPicture(image)),
                                  kTimeoutMs);
    }
    stopProcess(home.process(), kTimeoutMs);
    QVERIFY2(home.process().exitStatus() == QProcess::NormalExit && home.process().exitCode() == 0,
             qPrintable(ending(u"Continue Watching"_s, home)));
    took << u"picture %1 ms"_s.arg(stage.restart());
    qInfo().noquote() << took.join(u", "_s);
}

QTEST_MAIN(tst_FormatMatrix)
#include "tst_formatmatrix.moc"
