// Why a file cannot play (media/playability.h), on files ffmpeg makes at test time: with every
// GStreamer package scripts/setup installs, and, in a child process (playability_explain), as on
// a machine without one of them (tests/gstreamerwithout.h).
#include "ffmpegclip.h"
#include "gstreamerwithout.h"
#include "media/playability.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {

// Every file a row can name: ffmpeg's arguments after the inputs, and whether it has sound.
struct Clip
{
    QString name;
    QStringList arguments;
    bool withSound = false;
};

const QList<Clip> &clips()
{
    static const QList<Clip> list{
        {QStringLiteral("h264.mp4"),
         {QStringLiteral("-c:v"), QStringLiteral("libx264"), QStringLiteral("-c:a"),
          QStringLiteral("aac")},
         true},
        {QStringLiteral("av1.mkv"),
         {QStringLiteral("-c:v"), QStringLiteral("libaom-av1"), QStringLiteral("-cpu-used"),
          QStringLiteral("8"), QStringLiteral("-b:v"), QStringLiteral("100k"),
          QStringLiteral("-c:a"), QStringLiteral("libopus")},
         true},
        {QStringLiteral("mpeg2.ts"),
         {QStringLiteral("-c:v"), QStringLiteral("mpeg2video"), QStringLiteral("-c:a"),
          QStringLiteral("mp2")},
         true},
        {QStringLiteral("mpeg1.mpg"),
         {QStringLiteral("-c:v"), QStringLiteral("mpeg1video"), QStringLiteral("-c:a"),
          QStringLiteral("mp2")},
         true},
        {QStringLiteral("h264.flv"), {QStringLiteral("-c:v"), QStringLiteral("libx264")}, false},
        {QStringLiteral("wmv.asf"),
         {QStringLiteral("-c:v"), QStringLiteral("wmv2"), QStringLiteral("-c:a"),
          QStringLiteral("wmav2")},
         true},
        {QStringLiteral("mpeg4.avi"),
         {QStringLiteral("-c:v"), QStringLiteral("mpeg4"), QStringLiteral("-c:a"),
          QStringLiteral("libmp3lame")},
         true},
        // No Debian package decodes these.
        {QStringLiteral("dnxhr.mov"),
         {QStringLiteral("-c:v"), QStringLiteral("dnxhd"), QStringLiteral("-profile:v"),
          QStringLiteral("dnxhr_lb"), QStringLiteral("-pix_fmt"), QStringLiteral("yuv422p")},
         false},
        {QStringLiteral("dnxhr.mkv"),
         {QStringLiteral("-c:v"), QStringLiteral("dnxhd"), QStringLiteral("-profile:v"),
          QStringLiteral("dnxhr_lb"), QStringLiteral("-pix_fmt"), QStringLiteral("yuv422p")},
         false},
        {QStringLiteral("utvideo.avi"), {QStringLiteral("-c:v"), QStringLiteral("utvideo")}, false},
    };
    return list;
}

const QString kBad = QStringLiteral("gstreamer1.0-plugins-bad");
const QString kUgly = QStringLiteral("gstreamer1.0-plugins-ugly");
const QString kLibav = QStringLiteral("gstreamer1.0-libav");

} // namespace

class tst_Playability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void withEveryPackage_data();
    void withEveryPackage();
    void withoutPackage_data();
    void withoutPackage();

private:
    QString pathOf(const QString &name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
};

void tst_Playability::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const Clip &clip : clips()) {
        const QString error =
            makeClip(clipInputs(1, clip.withSound) + clip.arguments, pathOf(clip.name));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    QFile text(pathOf(QStringLiteral("notes.mp4")));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("These are my notes, not a video.\n");
}

void tst_Playability::withEveryPackage_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("explanation");

    // What plays says nothing: the player then keeps the backend's own words.
    QTest::newRow("H.264 MP4") << "h264.mp4" << QString();
    QTest::newRow("AV1 MKV") << "av1.mkv" << QString();
    QTest::newRow("MPEG-TS") << "mpeg2.ts" << QString();
    QTest::newRow("H.264 FLV") << "h264.flv" << QString();
    QTest::newRow("WMV") << "wmv.asf" << QString();
    // Not a missing plugin: not this function's to explain.
    QTest::newRow("text named .mp4") << "notes.mp4" << QString();
    QTest::newRow("no such file") << "missing.mkv" << QString();
    // Nothing in Debian decodes these; the codec is named all the same.
    QTest::newRow("DNxHR MOV") << "dnxhr.mov"
                               << "This file's video is DNxHR, which this system cannot decode";
    QTest::newRow("Ut Video AVI") << "utvideo.avi"
                                  << "This file's video is Ut Video, which this system cannot "
                                     "decode";
    QTest::newRow("DNxHR MKV") << "dnxhr.mkv"
                               << "This file's video is an unknown codec (V_QUICKTIME), which "
                                  "this system cannot decode";
}

void tst_Playability::withEveryPackage()
{
    QFETCH(QString, name);
    QFETCH(QString, explanation);
    QCOMPARE(explainUnplayable(pathOf(name)), explanation);
}

void tst_Playability::withoutPackage_data()
{
    QTest::addColumn<QString>("package");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("explanation");

    const auto install = [](const char *subject, const QString &package) -> QString {
        return QString::fromUtf8(subject) + QStringLiteral("; install ") + package;
    };
    QTest::newRow("AV1 without bad")
        << kBad << "av1.mkv" << install("This file's video is AV1", kBad);
    QTest::newRow("MPEG-TS without bad")
        << kBad << "mpeg2.ts"
        << install("This file is an MPEG transport stream (.ts, .m2ts)", kBad);
    QTest::newRow("MPEG-PS without bad")
        << kBad << "mpeg1.mpg" << install("This file is an MPEG program stream (.mpg, .vob)", kBad);
    // gst-libav's decoder takes H.264 parsed; FLV's needs h264parse, from plugins-bad.
    QTest::newRow("H.264 FLV without bad")
        << kBad << "h264.flv" << install("This file's video is H.264", kBad);
    QTest::newRow("H.264 MP4 without bad") << kBad << "h264.mp4" << QString();
    QTest::newRow("ASF without ugly")
        << kUgly << "wmv.asf"
        << install("This file is a Windows Media file (.wmv, .wma, .asf)", kUgly);
    QTest::newRow("AV1 without ugly") << kUgly << "av1.mkv" << QString();
    QTest::newRow("MPEG-4 AVI without libav")
        << kLibav << "mpeg4.avi"
        << install("This file's video is MPEG-4 Video (Simple Profile)", kLibav);
    QTest::newRow("WMV without libav")
        << kLibav << "wmv.asf"
        << install("This file's video is Windows Media Video 8 and its audio is Windows Media "
                   "Audio 8",
                   kLibav);
    // What no package brings stays so.
    QTest::newRow("DNxHR without bad")
        << kBad << "dnxhr.mov"
        << "This file's video is DNxHR, which this system cannot decode";
}

void tst_Playability::withoutPackage()
{
    QFETCH(QString, package);
    QFETCH(QString, name);
    QFETCH(QString, explanation);

    const GStreamerWithout gstreamer(package);
    QVERIFY2(gstreamer.error().isEmpty(), qPrintable(gstreamer.error()));
    const Run run =
        runProcess(QStringLiteral(PLAYMARK_PLAYABILITY_EXPLAIN), {pathOf(name)},
                   gstreamer.environment(QProcessEnvironment::systemEnvironment()), 120000);
    QVERIFY2(run.exitedNormally() && run.exitCode == 0, run.err.constData());
    const QString line = QString::fromUtf8(run.out).trimmed();
    const QString prefix = pathOf(name) + QStringLiteral(":");
    QVERIFY2(line.startsWith(prefix), qPrintable(line));
    QCOMPARE(line.mid(prefix.size()).trimmed(), explanation);
}

QTEST_GUILESS_MAIN(tst_Playability)
#include "tst_playability.moc"
