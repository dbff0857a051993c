// The real player on files it cannot play, as a person meets them: scripted (offscreen), exit 3
// and "playmark: Cannot play NAME: REASON" on stderr; in a window (Xvfb), the same words in the
// window, read off the screen (tesseract), and on stderr. REASON names what the file is and the
// Debian package to install, here on a GStreamer without gstreamer1.0-plugins-bad
// (tests/gstreamerwithout.h), or that nothing here decodes it.
#include "ffmpegclip.h"
#include "gstreamerwithout.h"
#include "playerprocess.h"
#include "screentext.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;
constexpr int kExitUnplayable = 3;
const QString kBad = u"gstreamer1.0-plugins-bad"_s;
const QString kAv1Line = u"playmark: Cannot play av1.mkv: This file's video is AV1; install "
                         u"gstreamer1.0-plugins-bad"_s;

// The line on stderr that starts with "playmark: Cannot play", or "".
QString failureLine(const QByteArray &err)
{
    for (const QByteArray &line : err.split('\n')) {
        if (line.startsWith("playmark: Cannot play"))
            return QString::fromUtf8(line);
    }
    return {};
}

} // namespace

class tst_PlayerFailure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void scripted_data();
    void scripted();
    void window();

private:
    QString pathOf(const QString &name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
    std::unique_ptr<GStreamerWithout> m_withoutBad;
};

void tst_PlayerFailure::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QStringList av1{u"-c:v"_s, u"libaom-av1"_s, u"-cpu-used"_s, u"8"_s,
                          u"-b:v"_s, u"100k"_s,       u"-c:a"_s,      u"libopus"_s};
    QString error = makeClip(clipInputs(2, true) + av1, pathOf(u"av1.mkv"_s));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error =
        makeClip(clipInputs(2, true) + QStringList{u"-c:v"_s, u"mpeg2video"_s, u"-c:a"_s, u"mp2"_s},
                 pathOf(u"mpeg2.ts"_s));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = makeClip(clipInputs(2, true)
                         + QStringList{u"-c:v"_s, u"dnxhd"_s, u"-profile:v"_s, u"dnxhr_lb"_s,
                                       u"-pix_fmt"_s, u"yuv422p"_s, u"-c:a"_s, u"pcm_s16le"_s},
                     pathOf(u"dnxhr.mov"_s));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_withoutBad = std::make_unique<GStreamerWithout>(kBad);
    QVERIFY2(m_withoutBad->error().isEmpty(), qPrintable(m_withoutBad->error()));
}

void tst_PlayerFailure::scripted_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("withoutBad");
    QTest::addColumn<QString>("line");

    QTest::newRow("AV1 without plugins-bad") << u"av1.mkv"_s << true << kAv1Line;
    QTest::newRow("MPEG-TS without plugins-bad")
        << u"mpeg2.ts"_s << true
        << u"playmark: Cannot play mpeg2.ts: This file is an MPEG transport stream (.ts, .m2ts); "
           u"install gstreamer1.0-plugins-bad"_s;
    // Nothing in Debian 12 decodes DNxHR in MOV (qtdemux does not know its fourcc, AVdh).
    QTest::newRow("DNxHR with every package")
        << u"dnxhr.mov"_s << false
        << u"playmark: Cannot play dnxhr.mov: This file's video is DNxHR, which this system "
           u"cannot decode"_s;
}

void tst_PlayerFailure::scripted()
{
    QFETCH(QString, name);
    QFETCH(bool, withoutBad);
    QFETCH(QString, line);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    if (withoutBad)
        environment = m_withoutBad->environment(environment);
    const QTemporaryDir profile;
    const Run run = runProcess(kPlayerBin,
                               {u"--profile"_s, profile.path(), u"--device"_s, u"Test"_s,
                                u"--events"_s, u"--quit-after"_s, u"3"_s, pathOf(name)},
                               environment, kTimeoutMs);
    QVERIFY2(run.exitedNormally(), run.err.constData());
    QVERIFY2(run.exitCode == kExitUnplayable, run.err.constData());
    QCOMPARE(failureLine(run.err), line);
}

// Started by a person (no --events, no --quit-after): the window says it, in a message box.
void tst_PlayerFailure::window()
{
    VirtualDisplay display;
    QString error;
    QVERIFY2(display.start(QSize(1280, 800), kTimeoutMs, &error), qPrintable(error));
    const QTemporaryDir profile;
    PlayerProcess player(kPlayerBin,
                         {u"--profile"_s, profile.path(), u"--device"_s, u"Test"_s,
                          u"--window-geometry"_s, u"960x600+0+0"_s, pathOf(u"av1.mkv"_s)},
                         m_withoutBad->environment(display.environment()));
    QTRY_VERIFY2_WITH_TIMEOUT(!failureLine(player.err()).isEmpty()
                                  || player.process().state() == QProcess::NotRunning,
                              player.err().constData(), kTimeoutMs);
    QCOMPARE(failureLine(player.err()), kAv1Line);
    QCOMPARE(player.process().state(), QProcess::Running); // a person closes the window

    const Run found = display.xdotool(
        {u"search"_s, u"--sync"_s, u"--onlyvisible"_s, u"--name"_s, u"Cannot play this file"_s},
        kTimeoutMs);
    const QString box = QString::fromUtf8(found.out).split(u'\n', Qt::SkipEmptyParts).value(0);
    QVERIFY2(!box.isEmpty(), found.err.constData());
    const Run geometry = display.xdotool({u"getwindowgeometry"_s, u"--shell"_s, box}, kTimeoutMs);
    QRect area;
    for (const QByteArray &line : geometry.out.split('\n')) {
        const QList<QByteArray> pair = line.split('=');
        const int value = pair.value(1).toInt();
        if (pair.value(0) == "X")
            area.moveLeft(value);
        else if (pair.value(0) == "Y")
            area.moveTop(value);
        else if (pair.value(0) == "WIDTH")
            area.setWidth(value);
        else if (pair.value(0) == "HEIGHT")
            area.setHeight(value);
    }
    QVERIFY2(area.isValid(), geometry.out.constData());

    // What OCR reads, spaces and line breaks aside (the box wraps its text where it likes). Both
    // parts, not the whole: tesseract reads the "1" of "1.0" as "!" or "l" (seen here).
    const auto squeezed = [](QString text) -> QString {
        return text.remove(u' ').remove(u'\n');
    };
    const auto shows = [&](const QString &read) {
        return squeezed(read).contains(u"Thisfile'svideoisAV1;installgstreamer"_s)
            && squeezed(read).contains(u".0-plugins-bad"_s);
    };
    const QString keep = m_dir.filePath(u"box.png"_s);
    QString read;
    if (lookUntilShown([&] { return display.grab(area, kTimeoutMs); }, area.size(), shows,
                       kTimeoutMs, keep, &read))
        return;
    m_dir.setAutoRemove(false);
    QFAIL(qPrintable(u"the window shows “%1” (picture kept in %2)"_s.arg(read, keep)));
}

QTEST_MAIN(tst_PlayerFailure)
#include "tst_playerfailure.moc"
