// The real player as a person uses it: `playmark` on a private X display with a real
// playmark-server, driven with real key presses (xdotool through the X server), checked by its
// --events lines (where the real QMediaPlayer is, what the notice says) and by looking at its
// window (ffmpeg x11grab). Another device's place arrives the way it does in use: a PUT to the
// server, then the server's event stream.
#include "checkcall.h"
#include "playerposition.h"
#include "playerprocess.h"
#include "protocol/contentfingerprint.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_SAMPLE_VIDEO);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// How long the paused picture may take to show once `resumed` is printed (measured: well under a
// second, the reveal waits 200 ms).
constexpr int kLookMs = 10000;
// The window, placed by the option the demo uses.
const QRect kWindow(0, 0, 960, 600);
// The sample video's background, and how near a pixel must be to count as it.
constexpr int kBackground[3] = {29, 38, 51};
constexpr int kNear = 24;

bool near(int a, int b)
{
    return qAbs(a - b) <= kNear;
}

// What share of the picture is the sample's background, and what share is its white timecode.
struct PictureShares
{
    double background = 0;
    double bright = 0;
    bool showsTheSample() const { return background >= 0.3 && bright >= 0.01; }
};

PictureShares sharesOf(const QByteArray &rgb)
{
    PictureShares shares;
    const qsizetype pixels = rgb.size() / 3;
    if (pixels == 0)
        return shares;
    qsizetype background = 0;
    qsizetype bright = 0;
    for (qsizetype i = 0; i < pixels; ++i) {
        const int r = quint8(rgb.at(3 * i));
        const int g = quint8(rgb.at(3 * i + 1));
        const int b = quint8(rgb.at(3 * i + 2));
        if (near(r, kBackground[0]) && near(g, kBackground[1]) && near(b, kBackground[2]))
            ++background;
        if (r > 200 && g > 200 && b > 200)
            ++bright;
    }
    shares.background = double(background) / double(pixels);
    shares.bright = double(bright) / double(pixels);
    return shares;
}

qint64 field(const QJsonObject &event, const char *name)
{
    return event.value(QLatin1String(name)).toInteger(-1);
}

} // namespace

class tst_PlayerKeys : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void rightThenSpacePlaysFromHere();
    void continueFromThereSaysWhatHappened_data();
    void continueFromThereSaysWhatHappened();
    void pausedAtTheStartShowsTheFrame();
    void historyJumpGoesThere();
    void goToThisDevicesOwnPlace();

private:
    void startPhone(const QStringList &extra = {}, qint64 expectedMs = 0);
    void focusAndPress(const QStringList &keys);
    void putFromTv(qint64 positionMs);
    void waitForRemote(qint64 positionMs);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<VirtualDisplay> m_display;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<PlayerProcess> m_phone;
    QString m_token;
    QString m_window;
    QString m_contentId;
};

void tst_PlayerKeys::initTestCase()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
}

void tst_PlayerKeys::init()
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

void tst_PlayerKeys::cleanup()
{
    m_phone.reset();
    m_server.reset();
    m_display.reset();
    m_dir.reset();
    m_window.clear();
    m_contentId.clear();
}

// The demo's Phone: opened paused, nothing saved yet, so at 0:00.
void tst_PlayerKeys::startPhone(const QStringList &extra, qint64 expectedMs)
{
    m_phone = std::make_unique<PlayerProcess>(
        kPlayerBin,
        QStringList{u"--profile"_s, m_dir->filePath(u"Phone"_s), u"--device"_s, u"Phone"_s,
                    u"--server"_s, m_server->url(), u"--token"_s, m_token, u"--events"_s,
                    u"--paused"_s, u"--window-geometry"_s,
                    u"%1x%2+%3+%4"_s.arg(kWindow.width())
                        .arg(kWindow.height())
                        .arg(kWindow.x())
                        .arg(kWindow.y())}
            + extra + QStringList{kSample},
        m_display->environment());
    const QJsonObject resumed = m_phone->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), m_phone->err().constData());
    QCOMPARE(field(resumed, "position_ms"), expectedMs);
    QVERIFY2(playerAwayFromPoint(resumed).isEmpty(), qPrintable(playerAwayFromPoint(resumed)));
    m_contentId = resumed.value(u"content_id"_s).toString();
    m_window = m_phone->windowId(*m_display, kTimeoutMs);
    QVERIFY2(!m_window.isEmpty(), "no window of the player on the display");
}

// Keys go to whichever window has the focus, as on a desk: the Phone's gets it first.
// One command: the keys land together (about 12 ms apart), well within the 400 ms in which a
// seek is still settling.
void tst_PlayerKeys::focusAndPress(const QStringList &keys)
{
    const Run pressed = m_display->focusAndPress(m_window, keys, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
}

// The TV reports a place, as any device would: a PUT to the server, observed now.
void tst_PlayerKeys::putFromTv(qint64 positionMs)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(m_server->url() + u"/v1/progress/"_s + m_contentId));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    const QJsonObject body{
        {u"position_ms"_s, positionMs}, {u"duration_ms"_s, 150000},
        {u"state"_s, u"playing"_s},     {u"device_id"_s, u"tv-1"_s},
        {u"device_name"_s, u"TV"_s},    {u"observed_at_ms"_s, QDateTime::currentMSecsSinceEpoch()}};
    QNetworkReply *reply = network.put(request, QJsonDocument(body).toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(kTimeoutMs));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QVERIFY2(status == 200 || status == 201, reply->readAll().constData());
    reply->deleteLater();
}

void tst_PlayerKeys::waitForRemote(qint64 positionMs)
{
    const QJsonObject remote =
        m_phone->waitForEvent(u"remote"_s, kTimeoutMs, [positionMs](const QJsonObject &event) {
            return field(event, "position_ms") == positionMs;
        });
    QVERIFY2(!remote.isEmpty(), "the TV's place did not reach the Phone");
    const QString where = u"TV is at %1"_s.arg(positionMs == 20000 ? u"0:20"_s : u"0:24"_s);
    const QJsonObject notice =
        m_phone->waitForEvent(u"notice"_s, kTimeoutMs, [where](const QJsonObject &event) {
            return event.value(u"text"_s).toString() == where;
        });
    QVERIFY2(!notice.isEmpty(), qPrintable(where));
    QCOMPARE(notice.value(u"action"_s).toString(), u"Continue from there"_s);
}

// The review's case: the Phone holds "TV is at 0:20 · Continue from there"; the person presses
// Right (to 0:10) and Space at once. Playback goes on from 0:10, where they put it.
void tst_PlayerKeys::rightThenSpacePlaysFromHere()
{
    CHECK(startPhone());
    CHECK(putFromTv(20000));
    CHECK(waitForRemote(20000));

    CHECK(focusAndPress({u"Right"_s, u"space"_s}));

    const QJsonObject seeked = m_phone->waitForEvent(u"seeked"_s, kTimeoutMs);
    QVERIFY2(!seeked.isEmpty(), m_phone->err().constData());
    // 10 s on from 0:00 (the first frame is shown by a seek to 1 ms, so up to 10.001 s).
    QVERIFY2(qAbs(field(seeked, "position_ms") - 10000) <= 100,
             QJsonDocument(seeked).toJson().constData());
    QVERIFY2(playerAwayFromPoint(seeked).isEmpty(), qPrintable(playerAwayFromPoint(seeked)));
    // Playing from there: the report the settled seek makes says so.
    const QJsonObject reported = m_phone->waitForEvent(u"reported"_s, kTimeoutMs);
    QCOMPARE(reported.value(u"state"_s).toString(), u"playing"_s);
    QVERIFY(field(reported, "position_ms") >= 10000 - kPlayerEarlyMs);
    QVERIFY(field(reported, "position_ms") < 20000 - kPlayerEarlyMs);
}

void tst_PlayerKeys::continueFromThereSaysWhatHappened_data()
{
    QTest::addColumn<QString>("key");
    QTest::newRow("Enter") << u"Return"_s;
    QTest::newRow("Space") << u"space"_s;
}

// The offer taken, the notice says what happened instead of offering it still; and the real
// player is where the TV was.
void tst_PlayerKeys::continueFromThereSaysWhatHappened()
{
    QFETCH(QString, key);
    CHECK(startPhone());
    CHECK(putFromTv(24000));
    CHECK(waitForRemote(24000));

    CHECK(focusAndPress({key}));

    const QJsonObject done = m_phone->waitForEvent(
        u"notice"_s, kTimeoutMs, [](const auto &e) { return e.value(u"shown"_s).toBool(); });
    QVERIFY2(!done.isEmpty(), "no notice after continuing");
    QCOMPARE(done.value(u"text"_s).toString(), u"Continued from TV at 0:24"_s);
    QCOMPARE(done.value(u"action"_s).toString(), QString());

    const QJsonObject seeked = m_phone->waitForEvent(u"seeked"_s, kTimeoutMs);
    QVERIFY2(!seeked.isEmpty(), m_phone->err().constData());
    QCOMPARE(field(seeked, "position_ms"), qint64(24000));
    QVERIFY2(playerAwayFromPoint(seeked).isEmpty(), qPrintable(playerAwayFromPoint(seeked)));
}

// The Phone opened paused at 0:00 shows the first frame, not black, before anything is pressed;
// and its title names the app once.
void tst_PlayerKeys::pausedAtTheStartShowsTheFrame()
{
    CHECK(startPhone());

    const Run name = m_display->xdotool({u"getwindowname"_s, m_window}, kTimeoutMs);
    QCOMPARE(QString::fromUtf8(name.out).trimmed(), u"sample.mp4 — Playmark (Phone)"_s);

    // The middle of the video area, away from the menu, the notice and the controls.
    const QRect area(kWindow.x() + kWindow.width() * 3 / 10, kWindow.y() + kWindow.height() / 4,
                     kWindow.width() * 2 / 5, kWindow.height() / 4);
    // The frame is shown a moment after `resumed`: look until it is there. A deadline of its
    // own, not QTRY's: QTRY counts only its waits, and each look runs ffmpeg.
    PictureShares shares;
    const QDeadlineTimer deadline(kLookMs);
    while (!(shares = sharesOf(m_display->grab(area, kTimeoutMs))).showsTheSample()
           && !deadline.hasExpired())
        QTest::qWait(100);
    QVERIFY2(
        shares.showsTheSample(),
        qPrintable(u"not the sample's picture: background %1, timecode %2"_s.arg(shares.background)
                       .arg(shares.bright)));
}

// Playback > Jump to Where Another Device Was, by keys: the real player goes to the TV's place.
void tst_PlayerKeys::historyJumpGoesThere()
{
    // The TV's place is there before the Phone opens, so no notice offers it meanwhile (Enter
    // would take the offer instead of the menu entry).
    QString error;
    m_contentId = ContentFingerprint::ofFile(kSample, &error);
    QVERIFY2(!m_contentId.isEmpty(), qPrintable(error));
    CHECK(putFromTv(30000));
    CHECK(startPhone({u"--from-start"_s}));

    // Alt+P opens Playback, J the history, which asks the server as it opens: its entries come a
    // moment later. Until then Down and Enter find nothing to take, and the menu stays open.
    CHECK(focusAndPress({u"alt+p"_s, u"j"_s}));
    QJsonObject seeked;
    for (int attempt = 0; attempt < 20 && seeked.isEmpty(); ++attempt) {
        const Run press = m_display->xdotool({u"key"_s, u"Down"_s, u"Return"_s}, kTimeoutMs);
        QVERIFY2(press.exitedNormally() && press.exitCode == 0, press.err.constData());
        seeked = m_phone->waitForEvent(u"seeked"_s, 1000);
    }
    QVERIFY2(!seeked.isEmpty(), "no jump from the history menu");
    QCOMPARE(field(seeked, "position_ms"), qint64(30000));
    QVERIFY2(playerAwayFromPoint(seeked).isEmpty(), qPrintable(playerAwayFromPoint(seeked)));
}

// The Phone was at 2:10; the TV went back to 0:05 since. Opened again, the Phone resumes at the
// newest place and its notice offers its own: Enter goes there.
void tst_PlayerKeys::goToThisDevicesOwnPlace()
{
    CHECK(startPhone());
    CHECK(focusAndPress(QStringList(13, u"Right"_s))); // one seek, settled once: 2:10
    const QJsonObject reported = m_phone->waitForEvent(u"reported"_s, kTimeoutMs);
    QVERIFY2(!reported.isEmpty(), m_phone->err().constData());
    QCOMPARE(field(reported, "position_ms") / 1000, qint64(130));
    QVERIFY(reported.value(u"delivered"_s).toBool());
    m_phone.reset(); // closed as a person closes it
    CHECK(putFromTv(5000));

    CHECK(startPhone({}, 5000));
    const QJsonObject offer =
        m_phone->waitForEvent(u"notice"_s, kTimeoutMs, [](const QJsonObject &event) {
            return event.value(u"shown"_s).toBool();
        });
    QVERIFY2(!offer.isEmpty(), m_phone->err().constData());
    QCOMPARE(offer.value(u"text"_s).toString(), u"Resumed at 0:05 from TV"_s);
    // Seconds ago: today (yesterday only when midnight fell in between).
    const QString action = offer.value(u"action"_s).toString();
    QVERIFY2(action == u"Go to 2:10 (this device, today)"_s
                 || action == u"Go to 2:10 (this device, yesterday)"_s,
             qPrintable(action));

    CHECK(focusAndPress({u"Return"_s}));
    const QJsonObject seeked = m_phone->waitForEvent(u"seeked"_s, kTimeoutMs);
    QVERIFY2(!seeked.isEmpty(), m_phone->err().constData());
    QCOMPARE(field(seeked, "position_ms"), field(reported, "position_ms"));
    QVERIFY2(playerAwayFromPoint(seeked).isEmpty(), qPrintable(playerAwayFromPoint(seeked)));
}

QTEST_GUILESS_MAIN(tst_PlayerKeys)
#include "tst_playerkeys.moc"
