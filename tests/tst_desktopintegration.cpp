// The real `playmark` on the desktop (offscreen, on a private session bus): what playerctl and
// dbus-send see and do through MPRIS, and one window per profile (a second start hands its file
// to the window already open, also after that window's predecessor was killed).
#include "playerprocess.h"
#include "profileinstance.h"
#include "sessionbus.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 60000;
const QString kPlayer = QString::fromUtf8(PLAYMARK_PLAYER_BIN);
const QString kSample = QString::fromUtf8(PLAYMARK_SAMPLE_VIDEO);
const QString kOther = QString::fromUtf8(PLAYMARK_OTHER_VIDEO);

bool isPlaying(const QJsonObject &event)
{
    return event.value(u"state"_s).toString() == u"playing"_s;
}

} // namespace

class TestDesktopIntegration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void playerctlSeesAndControlsThePlayer();
    void secondStartHandsItsFileOver();
    void secondStartWithoutAFileRaisesTheWindow();
    void crashedWindowIsTakenOver();
    void twoStartsAtOnceMakeOneWindow();

private:
    QStringList args(const QString &file) const;
    std::unique_ptr<PlayerProcess> startPlayer(const QString &file);
    Run playerctl(qint64 pid, const QStringList &arguments);
    double playerctlPosition(qint64 pid);

    SessionBus m_bus;
    QProcessEnvironment m_environment;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestDesktopIntegration::initTestCase()
{
    QString error;
    QVERIFY2(m_bus.start(kTimeoutMs, &error), qPrintable(error));
    m_environment = m_bus.environment(QProcessEnvironment::systemEnvironment());
    m_environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
}

void TestDesktopIntegration::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestDesktopIntegration::cleanup()
{
    m_dir.reset();
}

QStringList TestDesktopIntegration::args(const QString &file) const
{
    QStringList arguments{u"--profile"_s, m_dir->filePath(u"profile"_s), u"--device"_s, u"TV"_s,
                          u"--events"_s};
    if (!file.isEmpty())
        arguments << file;
    return arguments;
}

std::unique_ptr<PlayerProcess> TestDesktopIntegration::startPlayer(const QString &file)
{
    return std::make_unique<PlayerProcess>(kPlayer, args(file), m_environment);
}

// playerctl on this player alone (its instance name), on the private bus.
Run TestDesktopIntegration::playerctl(qint64 pid, const QStringList &arguments)
{
    return runProcess(u"playerctl"_s,
                      QStringList{u"-p"_s, u"playmark.instance%1"_s.arg(pid)} + arguments,
                      m_environment, kTimeoutMs);
}

double TestDesktopIntegration::playerctlPosition(qint64 pid)
{
    bool ok = false;
    const double seconds = playerctl(pid, {u"position"_s}).out.trimmed().toDouble(&ok);
    return ok ? seconds : -1;
}

void TestDesktopIntegration::playerctlSeesAndControlsThePlayer()
{
    auto player = startPlayer(kSample);
    const QJsonObject resumed = player->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), player->err().constData());
    const QString contentId = resumed.value(u"content_id"_s).toString();
    const qint64 pid = player->process().processId();

    // On the bus under its instance name, with the title and the video's length.
    QTRY_VERIFY_WITH_TIMEOUT(
        runProcess(u"playerctl"_s, {u"--list-all"_s}, m_environment, kTimeoutMs)
            .out.contains(u"playmark.instance%1"_s.arg(pid).toUtf8()),
        kTimeoutMs);
    QCOMPARE(playerctl(pid, {u"metadata"_s, u"xesam:title"_s}).out.trimmed(), "sample");
    QCOMPARE(playerctl(pid, {u"metadata"_s, u"mpris:length"_s}).out.trimmed(), "150000000");
    QCOMPARE(playerctl(pid, {u"status"_s}).out.trimmed(), "Playing");

    // The position it reads moves while the video plays: once the player has reported a place
    // past the first one read (its periodic report while playing), playerctl reads at least that.
    // Waiting for the report, not polling playerctl, keeps this true on a machine so loaded that
    // playback crawls.
    const double first = playerctlPosition(pid);
    QVERIFY(first >= 0);
    const QJsonObject later =
        player->waitForEvent(u"reported"_s, kTimeoutMs, [first](const QJsonObject &event) {
            return isPlaying(event) && event.value(u"position_ms"_s).toInteger() > first * 1000;
        });
    QVERIFY2(!later.isEmpty(), player->err().constData());
    const double now = playerctlPosition(pid);
    QVERIFY2(now > first && now * 1000 >= later.value(u"position_ms"_s).toInteger() - 250,
             qPrintable(
                 u"playerctl read %1 s after the player reported %2 ms (first read %3 s)"_s.arg(now)
                     .arg(later.value(u"position_ms"_s).toInteger())
                     .arg(first)));

    // Pause as from a media key: the player reports itself paused, as after Space.
    QVERIFY(playerctl(pid, {u"pause"_s}).exitedNormally());
    const QJsonObject paused =
        player->waitForEvent(u"reported"_s, kTimeoutMs, [](const QJsonObject &event) {
            return event.value(u"state"_s).toString() == u"paused"_s;
        });
    QVERIFY2(!paused.isEmpty(), player->err().constData());
    QCOMPARE(paused.value(u"content_id"_s).toString(), contentId);
    QTRY_COMPARE_WITH_TIMEOUT(playerctl(pid, {u"status"_s}).out.trimmed(), "Paused", kTimeoutMs);

    // A seek to 30 s: the player goes there and reports it like any other seek.
    QVERIFY(playerctl(pid, {u"position"_s, u"30"_s}).exitedNormally());
    const QJsonObject seeked = player->waitForEvent(u"seeked"_s, kTimeoutMs);
    QVERIFY2(!seeked.isEmpty(), player->err().constData());
    QCOMPARE(seeked.value(u"position_ms"_s).toInteger(), 30000);
    QVERIFY(qAbs(seeked.value(u"player_position_ms"_s).toInteger() - 30000) < 1000);
    QTRY_VERIFY_WITH_TIMEOUT(qAbs(playerctlPosition(pid) - 30.0) < 1.0, kTimeoutMs);
    // And back by an offset, as the Left key does.
    QVERIFY(playerctl(pid, {u"position"_s, u"10-"_s}).exitedNormally());
    const QJsonObject back = player->waitForEvent(u"seeked"_s, kTimeoutMs);
    QVERIFY2(!back.isEmpty(), player->err().constData());
    QVERIFY(qAbs(back.value(u"position_ms"_s).toInteger() - 20000) < 1000);

    // Quit closes it as a person closing the window: the final place is reported, exit 0.
    QSignalSpy finished(&player->process(), &QProcess::finished);
    const Run quit = runProcess(u"dbus-send"_s,
                                {u"--session"_s, u"--print-reply"_s,
                                 u"--dest=org.mpris.MediaPlayer2.playmark.instance%1"_s.arg(pid),
                                 u"/org/mpris/MediaPlayer2"_s, u"org.mpris.MediaPlayer2.Quit"_s},
                                m_environment, kTimeoutMs);
    QVERIFY2(quit.exitedNormally() && quit.exitCode == 0, quit.err.constData());
    QVERIFY(finished.count() > 0 || finished.wait(kTimeoutMs));
    QCOMPARE(player->process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(player->process().exitCode(), 0);
    const QJsonObject last = player->waitForEvent(u"quit"_s, kTimeoutMs);
    QVERIFY2(!last.isEmpty(), player->err().constData());
    QVERIFY(qAbs(last.value(u"position_ms"_s).toInteger() - 20000) < 1000);
}

void TestDesktopIntegration::secondStartHandsItsFileOver()
{
    auto first = startPlayer(kSample);
    const QJsonObject resumed = first->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), first->err().constData());
    const QString sampleId = resumed.value(u"content_id"_s).toString();
    QVERIFY2(!first->waitForEvent(u"reported"_s, kTimeoutMs, isPlaying).isEmpty(),
             first->err().constData());

    // The same profile again, with another file: it goes to the open window, and this start
    // ends at once, saying so.
    const Run second = runProcess(kPlayer, args(kOther), m_environment, kTimeoutMs);
    QVERIFY2(second.exitedNormally(), second.err.constData());
    QCOMPARE(second.exitCode, 0);
    QVERIFY2(second.err.contains("is open in another window"), second.err.constData());
    QVERIFY2(second.err.contains(kOther.toUtf8()), second.err.constData());
    QVERIFY(second.out.isEmpty()); // its --events: nothing, it played nothing

    // The window closed the sample the normal way (its place saved) and opened the other file.
    const QJsonObject left =
        first->waitForEvent(u"reported"_s, kTimeoutMs, [&](const QJsonObject &event) {
            return event.value(u"state"_s).toString() == u"stopped"_s;
        });
    QVERIFY2(!left.isEmpty(), first->err().constData());
    QCOMPARE(left.value(u"content_id"_s).toString(), sampleId);
    const QJsonObject opened = first->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!opened.isEmpty(), first->err().constData());
    QVERIFY(opened.value(u"content_id"_s).toString().startsWith(u"pm1-"_s));
    QVERIFY(opened.value(u"content_id"_s).toString() != sampleId);
    QCOMPARE(first->process().state(), QProcess::Running);
}

void TestDesktopIntegration::secondStartWithoutAFileRaisesTheWindow()
{
    auto first = startPlayer(kSample);
    QVERIFY2(!first->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), first->err().constData());
    const Run second = runProcess(kPlayer, args(QString()), m_environment, kTimeoutMs);
    QVERIFY2(second.exitedNormally(), second.err.constData());
    QCOMPARE(second.exitCode, 0);
    QVERIFY2(second.err.contains("brought it to the front"), second.err.constData());
    // The window goes on with what it had.
    QVERIFY2(!first->waitForEvent(u"reported"_s, kTimeoutMs, isPlaying).isEmpty(),
             first->err().constData());
    QVERIFY(first->waitForEvent(u"resumed"_s, 0).isEmpty());
}

void TestDesktopIntegration::crashedWindowIsTakenOver()
{
    const QString socket = ProfileInstance::socketPath(m_dir->filePath(u"profile"_s));
    {
        auto crashed = startPlayer(kSample);
        QVERIFY2(!crashed->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(),
                 crashed->err().constData());
        QVERIFY(QFile::exists(socket));
        QSignalSpy died(&crashed->process(), &QProcess::finished);
        crashed->process().kill();
        QVERIFY(died.count() > 0 || died.wait(kTimeoutMs));
    }
    // What kill -9 leaves: the lock naming a process that is gone, and the socket.
    QVERIFY(QFile::exists(m_dir->filePath(u"profile/instance.lock"_s)));
    QVERIFY(QFile::exists(socket));

    // The next start takes the profile over instead of handing its file to nobody...
    auto next = startPlayer(kSample);
    QVERIFY2(!next->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), next->err().constData());
    // ...and listens on a fresh socket: a later start reaches it.
    const Run later = runProcess(kPlayer, args(kOther), m_environment, kTimeoutMs);
    QVERIFY2(later.exitedNormally() && later.exitCode == 0, later.err.constData());
    QVERIFY2(later.err.contains(u"(process %1)"_s.arg(next->process().processId()).toUtf8()),
             later.err.constData());
    QVERIFY2(!next->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), next->err().constData());

    // Closed as a person would: lock and socket are gone.
    QSignalSpy finished(&next->process(), &QProcess::finished);
    next->process().terminate();
    QVERIFY(finished.count() > 0 || finished.wait(kTimeoutMs));
    QCOMPARE(next->process().exitCode(), 0);
    QVERIFY(!QFile::exists(socket));
    QVERIFY(!QFile::exists(m_dir->filePath(u"profile/instance.lock"_s)));
}

void TestDesktopIntegration::twoStartsAtOnceMakeOneWindow()
{
    auto a = startPlayer(kSample);
    auto b = startPlayer(kSample);
    // One of them hands over and exits 0; the other plays.
    QTRY_VERIFY_WITH_TIMEOUT(a->process().state() == QProcess::NotRunning
                                 || b->process().state() == QProcess::NotRunning,
                             kTimeoutMs);
    PlayerProcess *gone = a->process().state() == QProcess::NotRunning ? a.get() : b.get();
    PlayerProcess *window = gone == a.get() ? b.get() : a.get();
    QCOMPARE(gone->process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(gone->process().exitCode(), 0);
    QVERIFY2(gone->err().contains("is open in another window"), gone->err().constData());
    QVERIFY2(!window->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), window->err().constData());
    QCOMPARE(window->process().state(), QProcess::Running);
}

QTEST_GUILESS_MAIN(TestDesktopIntegration)
#include "tst_desktopintegration.moc"
