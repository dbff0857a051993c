// The tracks of real files through GStreamer's discoverer (media/mediastreams.h), in the order
// Qt's own player lists them.
#include "ffmpegclip.h"
#include "media/mediastreams.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMediaFormat>
#include <QMediaMetaData>
#include <QMediaPlayer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVideoSink>

#include <thread>

char *toString(const TrackIdentity &track)
{
    return qstrdup(QStringLiteral("{language \"%1\", title \"%2\", codec \"%3\"}")
                       .arg(track.language, track.title, track.codec)
                       .toUtf8()
                       .constData());
}

namespace {

const QString kTracksSample = QStringLiteral(PLAYMARK_RESOURCES "/sample-tracks.mkv");
const QString kSample = QStringLiteral(PLAYMARK_RESOURCES "/sample.mp4");

// The error, for a failure message (QVERIFY2 builds its message even when it passes).
QString errorOf(const std::variant<MediaStreams, QString> &result)
{
    const QString *error = std::get_if<QString>(&result);
    return error ? *error : QString();
}

MediaStreams probeOrFail(const QString &path)
{
    const auto result = probeMediaStreams(path);
    if (const QString *error = std::get_if<QString>(&result)) {
        qWarning().noquote() << *error;
        return {};
    }
    return std::get<MediaStreams>(result);
}

} // namespace

class tst_MediaStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tracksSample();
    void oneAudioNoText();
    void unreadable_data();
    void unreadable();
    void fromSeveralThreadsAtOnce();
    void textLanguageEveryTime();
    void sameOrderAsQMediaPlayer();
    void undecodableVideoIsNamed_data();
    void undecodableVideoIsNamed();
};

void tst_MediaStreams::tracksSample()
{
    QElapsedTimer timer;
    timer.start();
    const auto result = probeMediaStreams(kTracksSample);
    // Measured: the first probe (GStreamer's registry loaded) and a later one.
    const qint64 firstMs = timer.restart();
    const auto again = probeMediaStreams(kTracksSample);
    qInfo("probe of sample-tracks.mkv: %lld ms first, %lld ms again", firstMs, timer.elapsed());

    QVERIFY2(std::holds_alternative<MediaStreams>(result), qPrintable(errorOf(result)));
    const MediaStreams streams = std::get<MediaStreams>(result);
    QCOMPARE(streams.audio.size(), 2);
    // Audio 0 has no title of its own: the container's ("Playmark tracks sample") is not its.
    QCOMPARE(streams.audio.at(0),
             (TrackIdentity{QStringLiteral("ja"), QString(), QStringLiteral("Opus")}));
    QCOMPARE(streams.audio.at(1),
             (TrackIdentity{QStringLiteral("en"), QStringLiteral("Commentary"),
                            QStringLiteral("Opus")}));
    QCOMPARE(streams.subtitles.size(), 1);
    QCOMPARE(streams.subtitles.at(0).language, QStringLiteral("en"));
    QCOMPARE(streams.subtitles.at(0).title, QString());
    QVERIFY(!streams.subtitles.at(0).codec.isEmpty());
    qInfo().noquote() << "subtitle codec:" << streams.subtitles.at(0).codec;

    QVERIFY(std::holds_alternative<MediaStreams>(again));
    QCOMPARE(std::get<MediaStreams>(again).audio, streams.audio);
}

void tst_MediaStreams::oneAudioNoText()
{
    const auto result = probeMediaStreams(kSample);
    QVERIFY2(std::holds_alternative<MediaStreams>(result), qPrintable(errorOf(result)));
    const MediaStreams streams = std::get<MediaStreams>(result);
    QCOMPARE(streams.audio.size(), 1);
    QVERIFY(!streams.audio.at(0).codec.isEmpty());
    QCOMPARE(streams.subtitles.size(), 0);
}

void tst_MediaStreams::unreadable_data()
{
    QTest::addColumn<QByteArray>("content"); // empty: no file at all
    QTest::addColumn<bool>("folder");
    QTest::addColumn<QString>("words");
    QTest::newRow("no such file") << QByteArray() << false << QStringLiteral("no such file");
    QTest::newRow("a folder") << QByteArray() << true << QStringLiteral("not a file");
    QTest::newRow("text named .mkv")
        << QByteArray("not a video at all\n").repeated(100) << false << QString();
    QTest::newRow("a cut Matroska header")
        << QByteArray("\x1a\x45\xdf\xa3\x01\x00\x00", 7) << false << QString();
}

void tst_MediaStreams::unreadable()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, folder);
    QFETCH(QString, words);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("broken.mkv"));
    if (folder) {
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("broken.mkv")));
    } else if (!content.isEmpty()) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }

    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("cannot read the tracks of ")));
    const auto result = probeMediaStreams(path);
    QVERIFY(std::holds_alternative<QString>(result));
    const QString error = std::get<QString>(result);
    QVERIFY2(error.startsWith(QStringLiteral("cannot read the tracks of ") + path + u':'),
             qPrintable(error));
    QVERIFY2(error.contains(words), qPrintable(error));
    QVERIFY2(error.size() > path.size() + 30, qPrintable(error));
}

// Each player opens files on a worker thread (QtConcurrent): the first probes may race to start
// GStreamer.
void tst_MediaStreams::fromSeveralThreadsAtOnce()
{
    constexpr int kThreads = 4;
    QList<MediaStreams> results(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back(
            [&results, i] { results[i] = probeOrFail(i % 2 ? kSample : kTracksSample); });
    for (std::thread &thread : threads)
        thread.join();
    for (int i = 0; i < kThreads; ++i)
        QCOMPARE(results.at(i).audio.size(), i % 2 ? 1 : 2);
}

// The discoverer counts a text stream done before its tags have reached the bus: about 1 probe
// in 6 gave the text stream no language. Many probes, one after another and four at once.
void tst_MediaStreams::textLanguageEveryTime()
{
    const auto wrongOnes = [](int probes) {
        QStringList wrong;
        for (int i = 0; i < probes; ++i) {
            const MediaStreams streams = probeOrFail(kTracksSample);
            QStringList languages;
            for (const TrackIdentity &track : streams.audio + streams.subtitles)
                languages.append(track.language);
            if (languages
                != QStringList{QStringLiteral("ja"), QStringLiteral("en"), QStringLiteral("en")})
                wrong.append(languages.join(u','));
        }
        return wrong;
    };
    QStringList wrong = wrongOnes(50);
    constexpr int kThreads = 4;
    QList<QStringList> wrongInThreads(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] { wrongInThreads[i] = wrongOnes(15); });
    for (std::thread &thread : threads)
        thread.join();
    for (const QStringList &more : std::as_const(wrongInThreads))
        wrong += more;
    QVERIFY2(wrong.isEmpty(),
             qPrintable(QStringLiteral("%1 of 110 probes gave the languages (ja,en,en) as: %2")
                            .arg(wrong.size())
                            .arg(wrong.join(u" | "))));
}

// The discoverer's order is the one QMediaPlayer's indexes mean (setActiveAudioTrack): checked
// on the real player with the GStreamer backend, by what Qt does tell (the title of the one
// track that has its own, the codec, the counts).
void tst_MediaStreams::sameOrderAsQMediaPlayer()
{
    const MediaStreams streams = probeOrFail(kTracksSample);
    QCOMPARE(streams.audio.size(), 2);

    QMediaPlayer player;
    QVideoSink sink;
    player.setVideoSink(&sink);
    QSignalSpy tracks(&player, &QMediaPlayer::tracksChanged);
    player.setSource(QUrl::fromLocalFile(kTracksSample));
    QTRY_COMPARE_WITH_TIMEOUT(player.mediaStatus(), QMediaPlayer::LoadedMedia, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(player.audioTracks().size(), streams.audio.size(), 20000);
    QCOMPARE(player.subtitleTracks().size(), streams.subtitles.size());

    const QList<QMediaMetaData> audio = player.audioTracks();
    for (qsizetype i = 0; i < audio.size(); ++i) {
        const QString qtTitle = audio.at(i).value(QMediaMetaData::Title).toString();
        // Qt gives a track without its own title the container's.
        QCOMPARE(qtTitle == QLatin1String("Commentary"),
                 streams.audio.at(i).title == QLatin1String("Commentary"));
        const auto codec =
            audio.at(i).value(QMediaMetaData::AudioCodec).value<QMediaFormat::AudioCodec>();
        QCOMPARE(QMediaFormat::audioCodecName(codec), streams.audio.at(i).codec);
    }
    QCOMPARE(audio.at(1).value(QMediaMetaData::Title).toString(), QStringLiteral("Commentary"));
}

// Read with the tracks, from the same discovery: the player fails a file whose picture nothing
// decodes instead of playing its sound alone (with an audio output attached, checked: DNxHR in
// MOV played sound only and exited 0). Files ffmpeg makes at test time.
void tst_MediaStreams::undecodableVideoIsNamed_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("encode");
    QTest::addColumn<QString>("expected");
    QTest::newRow("DNxHR in MOV")
        << QStringLiteral("dnxhr.mov")
        << QStringList{QStringLiteral("-c:v"),       QStringLiteral("dnxhd"),
                       QStringLiteral("-profile:v"), QStringLiteral("dnxhr_lb"),
                       QStringLiteral("-pix_fmt"),   QStringLiteral("yuv422p"),
                       QStringLiteral("-c:a"),       QStringLiteral("pcm_s16le")}
        << QStringLiteral("This file's video is DNxHR, which this system cannot decode");
    QTest::newRow("H.264 in MP4") << QStringLiteral("h264.mp4")
                                  << QStringList{QStringLiteral("-c:v"), QStringLiteral("libx264"),
                                                 QStringLiteral("-c:a"), QStringLiteral("aac")}
                                  << QString();
}

void tst_MediaStreams::undecodableVideoIsNamed()
{
    QFETCH(QString, name);
    QFETCH(QStringList, encode);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    QString error;
    QVERIFY2(makeFfmpegClip(
                 QStringList{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                             QStringLiteral("testsrc2=size=320x240:rate=25:duration=2"),
                             QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                             QStringLiteral("sine=frequency=440:duration=2")}
                     + encode,
                 path, &error),
             qPrintable(error));
    const std::variant<MediaStreams, QString> probed = probeMediaStreams(path);
    QVERIFY2(std::holds_alternative<MediaStreams>(probed), qPrintable(errorOf(probed)));
    QCOMPARE(std::get<MediaStreams>(probed).undecodableVideo, expected);
    QCOMPARE(std::get<MediaStreams>(probed).audio.size(), 1);
}

QTEST_GUILESS_MAIN(tst_MediaStreams)
#include "tst_mediastreams.moc"
