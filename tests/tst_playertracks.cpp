// Subtitles, audio tracks and speed in the real player, as a person sees and uses them: `playmark`
// on a private X display (Xvfb) with a real playmark-server, driven with real keys (xdotool),
// checked by its --events lines and by reading the screen (ffmpeg x11grab, then tesseract's OCR):
// the cue's text is on the video, paused, after a seek and after a resize, without Qt's garbage
// bytes. Then the TV's choices reach the Phone with the place.
#include "checkcall.h"
#include "playerprocess.h"
#include "protocol/contentfingerprint.h"
#include "screentext.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_TRACKS_SAMPLE);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// How long a cue may take to be readable once the player said what it plays.
constexpr int kLookMs = 15000;
const QRect kWindow(0, 0, 960, 600);
const QString kSidecar = u"English — sample-tracks.en.srt"_s;

qint64 field(const QJsonObject &event, const char *name)
{
    return event.value(QLatin1String(name)).toInteger(-1);
}

// The bottom of the video, where subtitles are drawn: below the timecode, above the controls and
// the status bar (about 50 pixels, measured).
QRect subtitleArea(const QRect &window)
{
    const int top = window.height() * 3 / 5;
    return QRect(window.x(), window.y() + top, window.width(), window.height() - 52 - top);
}

// The row under the video: the controls (time, speed) and the status bar, right half.
QRect controlsArea(const QRect &window)
{
    return QRect(window.x() + window.width() / 2, window.y() + window.height() - 80,
                 window.width() / 2, 80);
}

// The rows of `rgb` (width `width`) with white text: the height of the drawn subtitle.
int textHeight(const QByteArray &rgb, int width)
{
    int first = -1;
    int last = -1;
    const int rows = int(rgb.size() / (qsizetype(width) * 3));
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < width; ++x) {
            const char *pixel = rgb.constData() + (qsizetype(y) * width + x) * 3;
            if (quint8(pixel[0]) > 220 && quint8(pixel[1]) > 220 && quint8(pixel[2]) > 220) {
                if (first < 0)
                    first = y;
                last = y;
                break;
            }
        }
    }
    return first < 0 ? 0 : last - first + 1;
}

} // namespace

class tst_PlayerTracks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void cueOnTheVideoPausedAfterASeekAndAResize();
    void tvChoicesReachThePhone();
    void choicesCarryToTheNextEpisode();

private:
    std::unique_ptr<PlayerProcess> startPlayer(const QString &device, const QStringList &extra,
                                               const QString &file = kSample);
    void press(const QStringList &keys);
    void putFromTv(qint64 positionMs);
    // Reads the subtitle area until it shows `text` (and nothing else), or the time is up.
    void expectOnScreen(const QString &text, const QRect &window);
    // Reads `area` until it shows `text` (all of it when `whole`, else among other text).
    // `factor`: the picture enlarged that many times first, for small text.
    void lookFor(const QRect &area, const QString &text, bool whole, int factor = 1);
    QJsonObject nextTracks(PlayerProcess &player);
    // The tracks line printed as the video opened: it may come before or after `resumed`.
    QJsonObject openingTracks(PlayerProcess &player);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<VirtualDisplay> m_display;
    std::unique_ptr<ServerProcess> m_server;
    QString m_token;
    QString m_contentId;
    QString m_window;
};

void tst_PlayerTracks::initTestCase()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
    QString error;
    m_contentId = ContentFingerprint::ofFile(kSample, &error);
    QVERIFY2(!m_contentId.isEmpty(), qPrintable(error));
}

void tst_PlayerTracks::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_display = std::make_unique<VirtualDisplay>();
    QString error;
    QVERIFY2(m_display->start(QSize(1280, 800), kTimeoutMs, &error), qPrintable(error));
    ServedUser served = serveNewUser(kServerBin, m_dir->filePath(u"server.sqlite"_s), kTimeoutMs);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    m_token = served.token;
    m_server = std::move(served.server);
}

void tst_PlayerTracks::cleanup()
{
    m_server.reset();
    m_display.reset();
    if (QTest::currentTestFailed())
        m_dir->setAutoRemove(false); // the pictures read, to look at
    m_dir.reset();
    m_window.clear();
}

std::unique_ptr<PlayerProcess>
tst_PlayerTracks::startPlayer(const QString &device, const QStringList &extra, const QString &file)
{
    auto player = std::make_unique<PlayerProcess>(
        kPlayerBin,
        QStringList{u"--profile"_s, m_dir->filePath(device), u"--device"_s, device, u"--server"_s,
                    m_server->url(), u"--token"_s, m_token, u"--events"_s, u"--window-geometry"_s,
                    u"%1x%2+%3+%4"_s.arg(kWindow.width())
                        .arg(kWindow.height())
                        .arg(kWindow.x())
                        .arg(kWindow.y())}
            + extra + QStringList{file},
        m_display->environment());
    const QJsonObject resumed = player->waitForEvent(u"resumed"_s, kTimeoutMs);
    if (resumed.isEmpty()) {
        qWarning().noquote() << "no resumed line:" << player->err();
        return nullptr;
    }
    m_window = player->windowId(*m_display, kTimeoutMs);
    return player;
}

// To the window of the player started last.
void tst_PlayerTracks::press(const QStringList &keys)
{
    const Run pressed = m_display->focusAndPress(m_window, keys, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
}

void tst_PlayerTracks::putFromTv(qint64 positionMs)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(m_server->url() + u"/v1/progress/"_s + m_contentId));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    const QJsonObject body{
        {u"position_ms"_s, positionMs}, {u"duration_ms"_s, 60000},
        {u"state"_s, u"paused"_s},      {u"device_id"_s, u"tv-1"_s},
        {u"device_name"_s, u"TV"_s},    {u"observed_at_ms"_s, QDateTime::currentMSecsSinceEpoch()}};
    QNetworkReply *reply = network.put(request, QJsonDocument(body).toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(kTimeoutMs));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QVERIFY2(status == 200 || status == 201, reply->readAll().constData());
    reply->deleteLater();
}

void tst_PlayerTracks::expectOnScreen(const QString &text, const QRect &window)
{
    CHECK(lookFor(subtitleArea(window), text, true));
}

void tst_PlayerTracks::lookFor(const QRect &area, const QString &text, bool whole, int factor)
{
    const QString keep = m_dir->filePath(u"%1.png"_s).arg(QString(text).remove(u' '));
    QString read;
    const auto shows = [&](const QString &seen) {
        return whole ? seen == text : seen.contains(text);
    };
    const auto grab = [&] {
        const QByteArray rgb = m_display->grab(area, kTimeoutMs);
        return factor > 1 ? enlarged(rgb, area.size(), factor) : rgb;
    };
    if (lookUntilShown(grab, area.size() * factor, shows, kLookMs, keep, &read))
        return;
    QFAIL(qPrintable(
        u"the screen shows “%1”, not “%2” (picture kept in %3)"_s.arg(read, text, keep)));
}

QJsonObject tst_PlayerTracks::nextTracks(PlayerProcess &player)
{
    return player.waitForEvent(u"tracks"_s, kTimeoutMs);
}

QJsonObject tst_PlayerTracks::openingTracks(PlayerProcess &player)
{
    for (const QJsonObject &event : player.events()) {
        if (event.value(u"event"_s).toString() == u"resumed"_s)
            break;
        if (event.value(u"event"_s).toString() == u"tracks"_s)
            return event;
    }
    return nextTracks(player);
}

// Paused at 0:08.5: V shows the embedded cue (exactly its text: Qt's own adds "<i>" and garbage
// bytes), a seek while paused shows the cue there, V again the sidecar's; a bigger window draws
// it bigger.
void tst_PlayerTracks::cueOnTheVideoPausedAfterASeekAndAResize()
{
    CHECK(putFromTv(8500));
    // Subtitles off until asked for, whatever the machine's language.
    QVERIFY(QDir().mkpath(m_dir->filePath(u"Phone"_s)));
    QSettings settings(m_dir->filePath(u"Phone/settings.ini"_s), QSettings::IniFormat);
    settings.setValue(u"tracks/show_subtitles"_s, u"never"_s);
    settings.sync();
    std::unique_ptr<PlayerProcess> phone = startPlayer(u"Phone"_s, {u"--paused"_s});
    QVERIFY(phone);
    QVERIFY(!m_window.isEmpty());
    QJsonObject tracks = openingTracks(*phone);
    QVERIFY2(!tracks.isEmpty(), phone->err().constData());
    QCOMPARE(tracks.value(u"subtitles"_s).toString(), u"off"_s);

    CHECK(press({u"v"_s}));
    tracks = nextTracks(*phone);
    QCOMPARE(tracks.value(u"subtitles"_s).toString(), u"English"_s);
    CHECK(expectOnScreen(u"Embedded cue from 0:06.000"_s, kWindow));

    // Right: 10 s on, still paused.
    CHECK(press({u"Right"_s}));
    const QJsonObject seeked = phone->waitForEvent(u"seeked"_s, kTimeoutMs);
    // (Each paused refresh moves a millisecond on.)
    QVERIFY2(qAbs(field(seeked, "position_ms") - 18500) <= 100,
             QJsonDocument(seeked).toJson().constData());
    CHECK(expectOnScreen(u"Embedded cue from 0:18.000"_s, kWindow));

    CHECK(press({u"Left"_s, u"v"_s}));
    tracks = nextTracks(*phone);
    QCOMPARE(tracks.value(u"subtitles"_s).toString(), kSidecar);
    CHECK(expectOnScreen(u"Sidecar cue from 0:08.000"_s, kWindow));
    const QRect area = subtitleArea(kWindow);
    const int smaller = textHeight(m_display->grab(area, kTimeoutMs), area.width());

    // Scaled with the video: a window a quarter larger draws the text larger.
    const QRect larger(0, 0, 1200, 750);
    const Run resize =
        m_display->xdotool({u"windowsize"_s, m_window, QString::number(larger.width()),
                            QString::number(larger.height())},
                           kTimeoutMs);
    QVERIFY2(resize.exitedNormally() && resize.exitCode == 0, resize.err.constData());
    CHECK(expectOnScreen(u"Sidecar cue from 0:08.000"_s, larger));
    const QRect largerArea = subtitleArea(larger);
    const int bigger = textHeight(m_display->grab(largerArea, kTimeoutMs), largerArea.width());
    QVERIFY2(bigger > smaller * 11 / 10,
             qPrintable(u"text %1 px high, %2 px in the larger window"_s.arg(smaller).arg(bigger)));
}

// The case: the TV picks the other audio track (B), the sidecar (V until it), +300 ms
// (H three times) and 1.25× (]), and closes. The Phone opens the same file and plays it the same
// way without a key pressed: the same tracks line.
void tst_PlayerTracks::tvChoicesReachThePhone()
{
    QJsonObject last;
    {
        std::unique_ptr<PlayerProcess> tv = startPlayer(u"TV"_s, {});
        QVERIFY(tv);
        const QJsonObject opened = openingTracks(*tv);
        QVERIFY2(!opened.isEmpty(), tv->err().constData());

        CHECK(press({u"b"_s}));
        last = nextTracks(*tv);
        QVERIFY(!last.isEmpty());
        QVERIFY2(last.value(u"audio"_s) != opened.value(u"audio"_s),
                 QJsonDocument(last).toJson().constData());
        for (int i = 0; i < 4 && last.value(u"subtitles"_s).toString() != kSidecar; ++i) {
            CHECK(press({u"v"_s}));
            last = nextTracks(*tv);
        }
        QCOMPARE(last.value(u"subtitles"_s).toString(), kSidecar);
        CHECK(press({u"h"_s, u"h"_s, u"h"_s}));
        for (int i = 0; i < 3; ++i)
            last = nextTracks(*tv);
        QCOMPARE(field(last, "subtitle_delay_ms"), qint64(300));
        CHECK(press({u"bracketright"_s}));
        last = nextTracks(*tv);
        QCOMPARE(last.value(u"speed"_s).toDouble(), 1.25);

        // Closed as a person would (SIGTERM closes the window); its last report delivered.
        tv->process().terminate();
        const QJsonObject quit = tv->waitForEvent(u"quit"_s, kTimeoutMs);
        QVERIFY2(!quit.isEmpty(), tv->err().constData());
        QCOMPARE(field(quit, "pending"), qint64(0));
    }

    std::unique_ptr<PlayerProcess> phone = startPlayer(u"Phone"_s, {u"--paused"_s});
    QVERIFY(phone);
    const QJsonObject tracks = openingTracks(*phone);
    for (const QJsonObject &event : phone->events()) {
        if (event.value(u"event"_s).toString() == u"resumed"_s)
            QCOMPARE(event.value(u"device_name"_s).toString(), u"TV"_s);
    }
    QVERIFY2(!tracks.isEmpty(), phone->err().constData());
    QCOMPARE(QJsonDocument(tracks).toJson(QJsonDocument::Compact),
             QJsonDocument(last).toJson(QJsonDocument::Compact));
    // What the person sees of it: the controls show the speed (hidden at 1×).
    // Enlarged: at its own size tesseract sometimes drops the label's decimal point ("15x" for
    // a clear "1.5×", seen on a loaded machine).
    CHECK(lookFor(controlsArea(kWindow), u"1.25"_s, false, 3));
}

// Episode 1 watched with the other audio track, its English subtitle file and 1.5×; Episode 2 of
// the same folder, which has no record of its own, opens the same way (its own subtitle file,
// found by language). A video elsewhere keeps the defaults.
void tst_PlayerTracks::choicesCarryToTheNextEpisode()
{
    const QString show = m_dir->filePath(u"Show"_s);
    QVERIFY(QDir().mkpath(show));
    const QString srt = QFileInfo(kSample).absolutePath() + u"/sample-tracks.en.srt"_s;
    for (const QString &episode : {u"Episode 1"_s, u"Episode 2"_s}) {
        // Different bytes, so each is a video of its own (the fingerprint reads the file).
        QVERIFY(QFile::copy(kSample, show + u"/"_s + episode + u".mkv"_s));
        QFile file(show + u"/"_s + episode + u".mkv"_s);
        QVERIFY(file.open(QIODevice::Append));
        file.write(episode.toUtf8());
        file.close();
        QVERIFY(QFile::copy(srt, show + u"/"_s + episode + u".en.srt"_s));
    }
    QJsonObject chosen;
    QJsonObject opened;
    {
        std::unique_ptr<PlayerProcess> tv = startPlayer(u"TV"_s, {}, show + u"/Episode 1.mkv"_s);
        QVERIFY(tv);
        opened = openingTracks(*tv);
        QVERIFY2(!opened.isEmpty(), tv->err().constData());
        CHECK(press({u"b"_s}));
        chosen = nextTracks(*tv);
        for (int i = 0;
             i < 4 && chosen.value(u"subtitles"_s).toString() != u"English — Episode 1.en.srt"_s;
             ++i) {
            CHECK(press({u"v"_s}));
            chosen = nextTracks(*tv);
        }
        CHECK(press({u"bracketright"_s, u"bracketright"_s}));
        nextTracks(*tv);
        chosen = nextTracks(*tv);
        QCOMPARE(chosen.value(u"speed"_s).toDouble(), 1.5);
        tv->process().terminate();
        QVERIFY(!tv->waitForEvent(u"quit"_s, kTimeoutMs).isEmpty());
    }

    std::unique_ptr<PlayerProcess> next = startPlayer(u"TV"_s, {}, show + u"/Episode 2.mkv"_s);
    QVERIFY(next);
    const QJsonObject carried = openingTracks(*next);
    QCOMPARE(carried.value(u"audio"_s), chosen.value(u"audio"_s));
    QCOMPARE(carried.value(u"subtitles"_s).toString(), u"English — Episode 2.en.srt"_s);
    QCOMPARE(carried.value(u"speed"_s).toDouble(), 1.5);
    CHECK(lookFor(controlsArea(kWindow), u"1.5"_s, false, 3));
    next->process().terminate();
    QVERIFY(!next->waitForEvent(u"quit"_s, kTimeoutMs).isEmpty());
    next.reset();

    // Another folder: the defaults, as before anything was chosen.
    std::unique_ptr<PlayerProcess> elsewhere = startPlayer(u"TV"_s, {}, kSample);
    QVERIFY(elsewhere);
    const QJsonObject fresh = openingTracks(*elsewhere);
    QCOMPARE(fresh.value(u"audio"_s), opened.value(u"audio"_s));
    QCOMPARE(fresh.value(u"speed"_s).toDouble(), 1.0);
}

QTEST_GUILESS_MAIN(tst_PlayerTracks)
#include "tst_playertracks.moc"
