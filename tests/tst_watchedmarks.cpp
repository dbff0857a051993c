// Mark as Watched / Unwatched from two devices, in both orders, as people do it: two real
// `playmark` processes (TV and Phone, each with its own profile) on one private X display with a
// real playmark-server, both open on the sample and paused; the person presses W (Kodi's key) in
// one window, then in the other. The newer mark wins on both devices: each player's `watched`
// lines say so (the other device's mark arrives through the server's event stream), and so does
// the server's record.
#include "checkcall.h"
#include "metricsample.h"
#include "playerprocess.h"
#include "protocol/contentfingerprint.h"

#include <QDateTime>
#include <QFileInfo>
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

struct Device
{
    QString name;
    std::unique_ptr<PlayerProcess> player;
    QString window;
};

} // namespace

class tst_WatchedMarks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void newerMarkWinsOnBothDevices_data();
    void newerMarkWinsOnBothDevices();
    void pausedPlayerSendsNothing();

private:
    void start(Device &device, const QStringList &extra = {});
    // The person presses W in `device`'s window: it says it is now `watched`, and the report of
    // the mark is delivered.
    void mark(Device &device, bool watched);
    // `device` heard of the other's mark and says it stands there too.
    void hears(Device &device, bool watched);
    void putWatchedFromLaptop();
    void putFromLaptop(QJsonObject body);
    QJsonObject serverRecord();
    // The server's open event streams (/metrics), NaN without an answer.
    double streamsOpen();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<VirtualDisplay> m_display;
    std::unique_ptr<ServerProcess> m_server;
    QString m_token;
    QString m_contentId;
    Device m_tv{u"TV"_s, nullptr, {}};
    Device m_phone{u"Phone"_s, nullptr, {}};
};

void tst_WatchedMarks::initTestCase()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
}

void tst_WatchedMarks::init()
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
    QString fingerprintError;
    m_contentId = ContentFingerprint::ofFile(kSample, &fingerprintError);
    QVERIFY2(!m_contentId.isEmpty(), qPrintable(fingerprintError));
}

void tst_WatchedMarks::cleanup()
{
    m_tv.player.reset();
    m_phone.player.reset();
    m_server.reset();
    m_display.reset();
    m_dir.reset();
}

// Opened paused at the start (a watched video opens at 0 too), listening to the server.
void tst_WatchedMarks::start(Device &device, const QStringList &extra)
{
    device.player = std::make_unique<PlayerProcess>(
        kPlayerBin,
        QStringList{u"--profile"_s, m_dir->filePath(device.name), u"--device"_s, device.name,
                    u"--server"_s, m_server->url(), u"--token"_s, m_token, u"--events"_s,
                    u"--paused"_s, u"--window-geometry"_s, u"960x600+0+0"_s}
            + extra + QStringList{kSample},
        m_display->environment());
    const QJsonObject identified = device.player->waitForEvent(u"identified"_s, kTimeoutMs);
    QVERIFY2(!identified.isEmpty(), device.player->err().constData());
    QCOMPARE(identified.value(u"content_id"_s).toString(), m_contentId);
    // The sample's name is no episode of a show.
    QVERIFY(identified.value(u"show_id"_s).isNull());
    QVERIFY(identified.value(u"episode_id"_s).isNull());
    const QJsonObject resumed = device.player->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), device.player->err().constData());
    QCOMPARE(resumed.value(u"position_ms"_s).toInteger(), 0);
    device.window = device.player->windowId(*m_display, kTimeoutMs);
    QVERIFY2(!device.window.isEmpty(), "no window of the player on the display");
}

void tst_WatchedMarks::mark(Device &device, bool watched)
{
    const Run pressed = m_display->focusAndPress(device.window, {u"w"_s}, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
    const QJsonObject said = device.player->waitForEvent(u"watched"_s, kTimeoutMs);
    QVERIFY2(!said.isEmpty(), device.player->err().constData());
    QCOMPARE(said.value(u"content_id"_s).toString(), m_contentId);
    QCOMPARE(said.value(u"watched"_s).toBool(!watched), watched);
    // Unwatched goes back to 0 and says `stopped`; watched keeps the place (paused at the start:
    // the first frame is shown by a seek 1 ms on).
    const QJsonObject reported = device.player->waitForEvent(u"reported"_s, kTimeoutMs);
    QVERIFY2(!reported.isEmpty(), device.player->err().constData());
    QCOMPARE(reported.value(u"state"_s).toString(), watched ? u"paused"_s : u"stopped"_s);
    if (watched)
        QVERIFY(reported.value(u"position_ms"_s).toInteger() < 1000);
    else
        QCOMPARE(reported.value(u"position_ms"_s).toInteger(), 0);
    QVERIFY2(reported.value(u"delivered"_s).toBool(), "the mark did not reach the server");
}

void tst_WatchedMarks::hears(Device &device, bool watched)
{
    const QJsonObject remote = device.player->waitForEvent(u"remote"_s, kTimeoutMs);
    QVERIFY2(!remote.isEmpty(), qPrintable(device.name + u" did not hear of the mark"_s));
    const QJsonObject said = device.player->waitForEvent(u"watched"_s, kTimeoutMs);
    QVERIFY2(!said.isEmpty(), device.player->err().constData());
    QCOMPARE(said.value(u"watched"_s).toBool(!watched), watched);
}

// A third device finished the video before the TV and the Phone opened it.
void tst_WatchedMarks::putWatchedFromLaptop()
{
    CHECK(putFromLaptop(QJsonObject{{u"position_ms"_s, 150000},
                                    {u"duration_ms"_s, 150000},
                                    {u"state"_s, u"ended"_s},
                                    {u"watched"_s, true}}));
}

// An update from a third device, observed now (its finish too, when watched).
void tst_WatchedMarks::putFromLaptop(QJsonObject body)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(m_server->url() + u"/v1/progress/"_s + m_contentId));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (body.value(u"watched"_s).toBool())
        body.insert(u"finished_at_ms"_s, now);
    body.insert(u"device_id"_s, u"laptop"_s);
    body.insert(u"device_name"_s, u"Laptop"_s);
    body.insert(u"observed_at_ms"_s, now);
    std::unique_ptr<QNetworkReply> reply(network.put(request, QJsonDocument(body).toJson()));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(kTimeoutMs));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
}

QJsonObject tst_WatchedMarks::serverRecord()
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(m_server->url() + u"/v1/progress/"_s + m_contentId));
    request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    std::unique_ptr<QNetworkReply> reply(network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return {};
    return QJsonDocument::fromJson(reply->readAll()).object().value(u"record"_s).toObject();
}

double tst_WatchedMarks::streamsOpen()
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    std::unique_ptr<QNetworkReply> reply(
        network.get(QNetworkRequest(QUrl(m_server->url() + u"/metrics"_s))));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return std::numeric_limits<double>::quiet_NaN();
    return metricSample(reply->readAll(), "playmark_event_subscribers");
}

void tst_WatchedMarks::newerMarkWinsOnBothDevices_data()
{
    QTest::addColumn<bool>("tvFirst");
    QTest::addColumn<bool>("firstMark"); // watched or unwatched; the second is the other

    QTest::newRow("TV marks watched, then Phone unwatched") << true << true;
    QTest::newRow("Phone marks watched, then TV unwatched") << false << true;
    QTest::newRow("TV marks unwatched, then Phone watched") << true << false;
    QTest::newRow("Phone marks unwatched, then TV watched") << false << false;
}

void tst_WatchedMarks::newerMarkWinsOnBothDevices()
{
    QFETCH(bool, tvFirst);
    QFETCH(bool, firstMark);

    // To mark it unwatched first, it must be watched when both open it.
    if (!firstMark)
        CHECK(putWatchedFromLaptop());
    CHECK(start(m_tv));
    CHECK(start(m_phone));
    // Both online: each hears the other's updates live from here on. (A stream still opening
    // would miss a mark made meanwhile until the video is opened again.)
    QTRY_COMPARE_WITH_TIMEOUT(streamsOpen(), 2.0, kTimeoutMs);
    Device &first = tvFirst ? m_tv : m_phone;
    Device &second = tvFirst ? m_phone : m_tv;

    CHECK(mark(first, firstMark));
    CHECK(hears(second, firstMark));
    CHECK(mark(second, !firstMark));
    CHECK(hears(first, !firstMark));

    const QJsonObject stored = serverRecord();
    QCOMPARE(stored.value(u"device_name"_s).toString(), second.name);
    QCOMPARE(stored.value(u"watched"_s).toBool(firstMark), !firstMark);
    QCOMPARE(stored.value(u"state"_s).toString(), firstMark ? u"stopped"_s : u"paused"_s);
}

// A device left paused reports nothing while it sits there, at any report interval and whatever
// other devices do meanwhile; closed, it says nothing either: its old place never comes out as a
// newer observation over another device's progress.
void tst_WatchedMarks::pausedPlayerSendsNothing()
{
    CHECK(start(m_phone, {u"--report-interval"_s, u"1"_s}));
    QTRY_COMPARE_WITH_TIMEOUT(streamsOpen(), 1.0, kTimeoutMs);
    CHECK(putFromLaptop(QJsonObject{
        {u"position_ms"_s, 42000}, {u"duration_ms"_s, 150000}, {u"state"_s, u"playing"_s}}));
    const QJsonObject remote = m_phone.player->waitForEvent(u"remote"_s, kTimeoutMs);
    QVERIFY2(!remote.isEmpty(), "the Laptop's place did not reach the Phone");
    // Waits three report intervals for the report that must not come.
    const QJsonObject reported = m_phone.player->waitForEvent(u"reported"_s, 3000);
    QVERIFY2(reported.isEmpty(), QJsonDocument(reported).toJson().constData());
    m_phone.player->process().terminate(); // closing the window, as a person does
    const QJsonObject quit = m_phone.player->waitForEvent(u"quit"_s, kTimeoutMs);
    QVERIFY2(!quit.isEmpty(), m_phone.player->err().constData());
    QCOMPARE(quit.value(u"pending"_s).toInteger(), 0);
    for (const QJsonObject &event : m_phone.player->events())
        QVERIFY2(event.value(u"event"_s).toString() != u"reported"_s,
                 QJsonDocument(event).toJson().constData());
    const QJsonObject stored = serverRecord();
    QCOMPARE(stored.value(u"device_name"_s).toString(), u"Laptop"_s);
    QCOMPARE(stored.value(u"position_ms"_s).toInteger(), 42000);
}

QTEST_MAIN(tst_WatchedMarks)
#include "tst_watchedmarks.moc"
