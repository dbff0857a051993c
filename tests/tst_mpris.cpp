// MprisService on a private session bus (its own dbus-daemon): what a desktop's media controls
// or playerctl read and call, through a second connection as another process would.
#include "mprisservice.h"
#include "sessionbus.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusInterface>
#include <QDBusMessage>
#include <QDBusPendingCall>
#include <QDBusReply>
#include <QDBusVariant>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;
const QString kRoot = u"org.mpris.MediaPlayer2"_s;
const QString kPlayer = u"org.mpris.MediaPlayer2.Player"_s;
const QString kProperties = u"org.freedesktop.DBus.Properties"_s;

} // namespace

class TestMpris : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    // PropertiesChanged as the client connection receives it.
    void propertiesChanged(const QString &interface, const QVariantMap &changed,
                           const QStringList &)
    {
        if (interface == kPlayer)
            m_changes.append(changed);
    }
    void seeked(qlonglong positionUs) { m_seeked.append(positionUs); }

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void registersAsAnInstanceOfPlaymark();
    void noBusIsReportedNotWaitedFor();
    void metadataOfTheOpenVideo();
    void noTrackWhenNothingIsOpen();
    void positionIsReadLive();
    void statusChangesAreAnnounced();
    void transportCalls_data();
    void transportCalls();
    void seekByOffset();
    void seekedSignal();
    void setPosition_data();
    void setPosition();
    void openUri();
    void rate();
    void raiseAndQuit();

private:
    QDBusMessage call(const QString &interface, const QString &method,
                      const QVariantList &arguments = {});
    QVariant property(const QString &interface, const QString &name);
    void openVideo(bool seekable);

    SessionBus m_bus;
    std::unique_ptr<QDBusConnection> m_serviceConnection;
    std::unique_ptr<QDBusConnection> m_clientConnection;
    std::unique_ptr<MprisService> m_service;
    QList<QVariantMap> m_changes;
    QList<qlonglong> m_seeked;
};

void TestMpris::initTestCase()
{
    QString error;
    QVERIFY2(m_bus.start(kTimeoutMs, &error), qPrintable(error));
    m_serviceConnection = std::make_unique<QDBusConnection>(
        QDBusConnection::connectToBus(m_bus.address(), u"tst_mpris-service"_s));
    m_clientConnection = std::make_unique<QDBusConnection>(
        QDBusConnection::connectToBus(m_bus.address(), u"tst_mpris-client"_s));
    QVERIFY(m_serviceConnection->isConnected());
    QVERIFY(m_clientConnection->isConnected());
    QVERIFY(m_clientConnection->connect(
        QString(), MprisService::objectPath(), kProperties, u"PropertiesChanged"_s, this,
        SLOT(propertiesChanged(QString, QVariantMap, QStringList))));
    QVERIFY(m_clientConnection->connect(QString(), MprisService::objectPath(), kPlayer, u"Seeked"_s,
                                        this, SLOT(seeked(qlonglong))));
}

void TestMpris::init()
{
    m_service = std::make_unique<MprisService>();
    QString error;
    QVERIFY2(m_service->registerOn(*m_serviceConnection, &error), qPrintable(error));
    m_changes.clear();
    m_seeked.clear();
}

void TestMpris::cleanup()
{
    m_service.reset();
}

void TestMpris::cleanupTestCase()
{
    m_serviceConnection.reset();
    m_clientConnection.reset();
    QDBusConnection::disconnectFromBus(u"tst_mpris-service"_s);
    QDBusConnection::disconnectFromBus(u"tst_mpris-client"_s);
}

// A call through the bus, answered while the event loop runs (the service is in this thread).
QDBusMessage TestMpris::call(const QString &interface, const QString &method,
                             const QVariantList &arguments)
{
    QDBusMessage message = QDBusMessage::createMethodCall(
        MprisService::serviceName(), MprisService::objectPath(), interface, method);
    message.setArguments(arguments);
    QDBusPendingCall pending = m_clientConnection->asyncCall(message, kTimeoutMs);
    if (!QTest::qWaitFor([&] { return pending.isFinished(); }, kTimeoutMs))
        return {};
    return pending.reply();
}

QVariant TestMpris::property(const QString &interface, const QString &name)
{
    const QDBusMessage reply = call(kProperties, u"Get"_s, {interface, name});
    if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().isEmpty()) {
        qWarning() << "Get" << interface << name << reply.errorMessage();
        return {};
    }
    return reply.arguments().constFirst().value<QDBusVariant>().variant();
}

void TestMpris::openVideo(bool seekable)
{
    m_service->setTrack(u"/videos/Film (2024).mkv"_s, u"Film (2024)"_s);
    m_service->setDurationMs(150000);
    m_service->setSeekable(seekable);
    m_service->setStatus(MprisService::Status::Playing);
}

void TestMpris::registersAsAnInstanceOfPlaymark()
{
    const QString name = MprisService::serviceName();
    QCOMPARE(
        name,
        u"org.mpris.MediaPlayer2.playmark.instance%1"_s.arg(QCoreApplication::applicationPid()));
    QVERIFY(m_clientConnection->interface()->isServiceRegistered(name).value());
    QCOMPARE(property(kRoot, u"Identity"_s).toString(), u"Playmark"_s);
    QCOMPARE(property(kRoot, u"DesktopEntry"_s).toString(), u"playmark"_s);
    QCOMPARE(property(kRoot, u"CanQuit"_s).toBool(), true);
    QCOMPARE(property(kRoot, u"CanRaise"_s).toBool(), true);
    QCOMPARE(property(kRoot, u"HasTrackList"_s).toBool(), false);
    QCOMPARE(property(kRoot, u"SupportedUriSchemes"_s).toStringList(), QStringList{u"file"_s});
    QCOMPARE(property(kPlayer, u"CanControl"_s).toBool(), true);
    QCOMPARE(property(kPlayer, u"CanGoNext"_s).toBool(), false);
    QCOMPARE(property(kPlayer, u"CanGoPrevious"_s).toBool(), false);

    // The same types as the desktop file offers to open.
    QFile desktop(QStringLiteral(PLAYMARK_SOURCE_DIR "/resources/playmark.desktop"));
    QVERIFY(desktop.open(QIODevice::ReadOnly));
    QStringList types;
    for (const QByteArray &line : desktop.readAll().split('\n')) {
        if (line.startsWith("MimeType="))
            types = QString::fromUtf8(line.mid(9)).split(u';', Qt::SkipEmptyParts);
    }
    QCOMPARE(property(kRoot, u"SupportedMimeTypes"_s).toStringList(), types);

    // Gone from the bus with the object.
    m_service.reset();
    QVERIFY(!m_clientConnection->interface()->isServiceRegistered(name).value());
}

void TestMpris::noBusIsReportedNotWaitedFor()
{
    MprisService service;
    QString error;
    // What sessionBus() is with no DBUS_SESSION_BUS_ADDRESS and no bus to find.
    const QDBusConnection none =
        QDBusConnection::connectToBus(u"unix:path=/nonexistent/playmark-no-bus"_s, u"none"_s);
    QVERIFY(!service.registerOn(none, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!service.isRegistered());
    QDBusConnection::disconnectFromBus(u"none"_s);
}

void TestMpris::metadataOfTheOpenVideo()
{
    openVideo(true);
    const QVariantMap metadata = qdbus_cast<QVariantMap>(property(kPlayer, u"Metadata"_s));
    QCOMPARE(metadata.value(u"xesam:title"_s).toString(), u"Film (2024)"_s);
    QCOMPARE(metadata.value(u"xesam:url"_s).toString(), u"file:///videos/Film%20(2024).mkv"_s);
    QCOMPARE(metadata.value(u"mpris:length"_s).toLongLong(), 150000000LL);
    const QString trackId = qdbus_cast<QDBusObjectPath>(metadata.value(u"mpris:trackid"_s)).path();
    QCOMPARE(trackId, m_service->trackId().path());
    QVERIFY(!trackId.startsWith(u"/org/mpris/"_s));
    QCOMPARE(property(kPlayer, u"CanPlay"_s).toBool(), true);
    QCOMPARE(property(kPlayer, u"CanPause"_s).toBool(), true);
    QCOMPARE(property(kPlayer, u"CanSeek"_s).toBool(), true);

    // Announced: the new metadata, with the length once it is known.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(m_changes.cbegin(), m_changes.cend(),
                                         [](const QVariantMap &changed) {
                                             return qdbus_cast<QVariantMap>(
                                                        changed.value(u"Metadata"_s))
                                                        .value(u"mpris:length"_s)
                                                        .toLongLong()
                                                 == 150000000LL;
                                         }),
                             kTimeoutMs);

    // Another video is another track.
    m_service->setTrack(u"/videos/Next.mp4"_s, u"Next"_s);
    const QVariantMap next = qdbus_cast<QVariantMap>(property(kPlayer, u"Metadata"_s));
    QVERIFY(qdbus_cast<QDBusObjectPath>(next.value(u"mpris:trackid"_s)).path() != trackId);
    QVERIFY(!next.contains(u"mpris:length"_s)); // not known yet
    QCOMPARE(property(kPlayer, u"CanSeek"_s).toBool(), false);
}

void TestMpris::noTrackWhenNothingIsOpen()
{
    const QVariantMap metadata = qdbus_cast<QVariantMap>(property(kPlayer, u"Metadata"_s));
    QCOMPARE(qdbus_cast<QDBusObjectPath>(metadata.value(u"mpris:trackid"_s)).path(),
             u"/org/mpris/MediaPlayer2/TrackList/NoTrack"_s);
    QCOMPARE(property(kPlayer, u"PlaybackStatus"_s).toString(), u"Stopped"_s);
    QCOMPARE(property(kPlayer, u"CanPlay"_s).toBool(), false);
    QSignalSpy toggles(m_service.get(), &MprisService::playPauseRequested);
    call(kPlayer, u"PlayPause"_s);
    call(kPlayer, u"Play"_s);
    QCOMPARE(toggles.count(), 0);
}

void TestMpris::positionIsReadLive()
{
    openVideo(true);
    m_service->setPositionMs(12345);
    QCOMPARE(property(kPlayer, u"Position"_s).toLongLong(), 12345000LL);
    m_service->setPositionMs(12445);
    QCOMPARE(property(kPlayer, u"Position"_s).toLongLong(), 12445000LL);
    // The spec: Position changes are never announced (clients read it).
    for (const QVariantMap &changed : std::as_const(m_changes))
        QVERIFY(!changed.contains(u"Position"_s));
}

void TestMpris::statusChangesAreAnnounced()
{
    openVideo(true);
    m_service->setStatus(MprisService::Status::Paused);
    QCOMPARE(property(kPlayer, u"PlaybackStatus"_s).toString(), u"Paused"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!m_changes.isEmpty()
                                 && m_changes.constLast().value(u"PlaybackStatus"_s).toString()
                                     == u"Paused"_s,
                             kTimeoutMs);
    m_service->setStatus(MprisService::Status::Playing);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_changes.constLast().value(u"PlaybackStatus"_s).toString() == u"Playing"_s, kTimeoutMs);
}

void TestMpris::transportCalls_data()
{
    QTest::addColumn<MprisService::Status>("status");
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("toggles");
    QTest::addColumn<int>("stops");

    using S = MprisService::Status;
    // Play and Pause toggle (as Space does) only when that changes something.
    QTest::newRow("Play while paused") << S::Paused << u"Play"_s << 1 << 0;
    QTest::newRow("Play while playing") << S::Playing << u"Play"_s << 0 << 0;
    QTest::newRow("Pause while playing") << S::Playing << u"Pause"_s << 1 << 0;
    QTest::newRow("Pause while paused") << S::Paused << u"Pause"_s << 0 << 0;
    QTest::newRow("PlayPause while playing") << S::Playing << u"PlayPause"_s << 1 << 0;
    QTest::newRow("PlayPause while paused") << S::Paused << u"PlayPause"_s << 1 << 0;
    QTest::newRow("Stop") << S::Playing << u"Stop"_s << 0 << 1;
    QTest::newRow("Next does nothing") << S::Playing << u"Next"_s << 0 << 0;
    QTest::newRow("Previous does nothing") << S::Playing << u"Previous"_s << 0 << 0;
}

void TestMpris::transportCalls()
{
    QFETCH(MprisService::Status, status);
    QFETCH(QString, method);
    QFETCH(int, toggles);
    QFETCH(int, stops);
    openVideo(true);
    m_service->setStatus(status);
    QSignalSpy toggled(m_service.get(), &MprisService::playPauseRequested);
    QSignalSpy stopped(m_service.get(), &MprisService::stopRequested);
    const QDBusMessage reply = call(kPlayer, method);
    QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
    QCOMPARE(toggled.count(), toggles);
    QCOMPARE(stopped.count(), stops);
}

void TestMpris::seekByOffset()
{
    m_service->setTrack(u"/videos/a.mp4"_s, u"a"_s);
    QSignalSpy seeks(m_service.get(), &MprisService::seekByRequested);
    // Not seekable yet (the video is still loading): the spec says no effect.
    call(kPlayer, u"Seek"_s, {qlonglong(5000000)});
    QCOMPARE(seeks.count(), 0);
    m_service->setSeekable(true);
    call(kPlayer, u"Seek"_s, {qlonglong(5000000)});
    call(kPlayer, u"Seek"_s, {qlonglong(-10000000)});
    QCOMPARE(seeks.count(), 2);
    QCOMPARE(seeks.at(0).at(0).toLongLong(), 5000);
    QCOMPARE(seeks.at(1).at(0).toLongLong(), -10000);
}

void TestMpris::seekedSignal()
{
    openVideo(true);
    m_service->notifySeeked(30000);
    QTRY_COMPARE_WITH_TIMEOUT(m_seeked, QList<qlonglong>{30000000LL}, kTimeoutMs);
    QCOMPARE(property(kPlayer, u"Position"_s).toLongLong(), 30000000LL);
}

void TestMpris::setPosition_data()
{
    QTest::addColumn<bool>("currentTrack");
    QTest::addColumn<qlonglong>("positionUs");
    QTest::addColumn<qlonglong>("expectedMs"); // -1: ignored

    QTest::newRow("current track") << true << qlonglong(30000000) << qlonglong(30000);
    QTest::newRow("the very end") << true << qlonglong(150000000) << qlonglong(150000);
    QTest::newRow("stale track id") << false << qlonglong(30000000) << qlonglong(-1);
    QTest::newRow("negative") << true << qlonglong(-1) << qlonglong(-1);
    QTest::newRow("past the end") << true << qlonglong(150000001) << qlonglong(-1);
}

void TestMpris::setPosition()
{
    QFETCH(bool, currentTrack);
    QFETCH(qlonglong, positionUs);
    QFETCH(qlonglong, expectedMs);
    openVideo(true);
    const QDBusObjectPath stale = m_service->trackId();
    openVideo(true);
    QSignalSpy seeks(m_service.get(), &MprisService::seekRequested);
    const QDBusObjectPath track = currentTrack ? m_service->trackId() : stale;
    const QDBusMessage reply =
        call(kPlayer, u"SetPosition"_s, {QVariant::fromValue(track), positionUs});
    QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
    if (expectedMs < 0) {
        QCOMPARE(seeks.count(), 0);
        return;
    }
    QCOMPARE(seeks.count(), 1);
    QCOMPARE(seeks.at(0).at(0).toLongLong(), expectedMs);
}

void TestMpris::openUri()
{
    QSignalSpy opens(m_service.get(), &MprisService::openRequested);
    QDBusMessage reply = call(kPlayer, u"OpenUri"_s, {u"file:///videos/Film%20(2024).mkv"_s});
    QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
    QCOMPARE(opens.count(), 1);
    QCOMPARE(opens.at(0).at(0).toString(), u"/videos/Film (2024).mkv"_s);

    // Only local files: anything else is an error, and nothing opens.
    reply = call(kPlayer, u"OpenUri"_s, {u"https://example.org/film.mkv"_s});
    QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
    QCOMPARE(reply.errorName(), u"org.freedesktop.DBus.Error.InvalidArgs"_s);
    QCOMPARE(opens.count(), 1);
}

void TestMpris::rate()
{
    openVideo(true);
    QCOMPARE(property(kPlayer, u"Rate"_s).toDouble(), 1.0);
    QCOMPARE(property(kPlayer, u"MinimumRate"_s).toDouble(), MprisService::kMinimumRate);
    QCOMPARE(property(kPlayer, u"MaximumRate"_s).toDouble(), MprisService::kMaximumRate);
    m_service->setRate(1.25);
    QCOMPARE(property(kPlayer, u"Rate"_s).toDouble(), 1.25);
    QTRY_VERIFY_WITH_TIMEOUT(!m_changes.isEmpty()
                                 && m_changes.constLast().value(u"Rate"_s).toDouble() == 1.25,
                             kTimeoutMs);

    // Set by a client: asked for within the range, ignored outside it; 0 is a pause.
    QSignalSpy rates(m_service.get(), &MprisService::rateChangeRequested);
    QSignalSpy toggles(m_service.get(), &MprisService::playPauseRequested);
    const auto set = [this](double rate) {
        return call(kProperties, u"Set"_s,
                    {kPlayer, u"Rate"_s, QVariant::fromValue(QDBusVariant(rate))});
    };
    QCOMPARE(set(1.5).type(), QDBusMessage::ReplyMessage);
    QCOMPARE(set(3.0).type(), QDBusMessage::ReplyMessage);
    QCOMPARE(rates.count(), 1);
    QCOMPARE(rates.at(0).at(0).toDouble(), 1.5);
    QCOMPARE(toggles.count(), 0);
    set(0.0);
    QCOMPARE(toggles.count(), 1);
    QCOMPARE(rates.count(), 1);
}

void TestMpris::raiseAndQuit()
{
    QSignalSpy raised(m_service.get(), &MprisService::raiseRequested);
    QSignalSpy quit(m_service.get(), &MprisService::quitRequested);
    QCOMPARE(call(kRoot, u"Raise"_s).type(), QDBusMessage::ReplyMessage);
    QCOMPARE(raised.count(), 1);
    QCOMPARE(quit.count(), 0);
    QCOMPARE(call(kRoot, u"Quit"_s).type(), QDBusMessage::ReplyMessage);
    QCOMPARE(quit.count(), 1);
}

QTEST_GUILESS_MAIN(TestMpris)
#include "tst_mpris.moc"
