// Setting up a second device with a code, and removing it, as people do it: a real
// playmark-server and two real players on one private X display (Xvfb). The TV is connected (it
// played the sample); the Phone starts with `--pair --events` and prints its code; the person
// types that code on the TV in Settings > Devices > Add a Device with real keys. The Phone says
// `paired` and resumes the sample where the TV left it, from the server; the TV's Devices page
// lists the Phone (read off the screen by OCR, tests/screentext.h). Then the person removes the
// Phone from the TV's page (Remove confirmed, keys alone); at its next request the Phone's status
// bar says it was removed (OCR), and a click on it shows a new code, which approved on the TV
// brings it back online. The same pairing also through the Phone's Settings (Connect with a
// Code…), the code read off its screen.
#include "checkcall.h"
#include "playerprocess.h"
#include "protocol/contentfingerprint.h"
#include "screentest.h"
#include "screentext.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace ScreenTest;

namespace {

const QString kTvGeometry = u"800x560+0+0"_s;
const QString kPhoneGeometry = u"780x560+810+0"_s;
const QRect kPhoneWindow(810, 0, 780, 560);
// The right two thirds of the Phone's status bar, where the sync status is.
const QRect kPhoneStatus(kPhoneWindow.x() + kPhoneWindow.width() / 3, kPhoneWindow.bottom() - 30,
                         kPhoneWindow.width() * 2 / 3, 30);

} // namespace

class tst_DevicePairing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void pairWithACodeThenRemove();
    void connectWithACodeInSettings();

private:
    std::unique_ptr<PlayerProcess> startTv(const QStringList &extra);
    // On the TV: Settings (Ctrl+,; unless `settings` names it open), the Devices tab (Alt+D), Add
    // a Device (Alt+A), `code`, Enter. The Settings and Add a Device windows are left open.
    void approveOnTv(PlayerProcess &tv, const QString &tvWindow, const QString &code,
                     QString *settings, QString *add);
    // Presses `keys` in `window` (the focus given to it first).
    void press(const QString &window, const QStringList &keys);
    // The code `player`'s Connect with a code window shows, read off the screen ("" when not).
    QString readCode(PlayerProcess &player, const QString &name);
    // The Phone's status bar reads `text` (its picture kept as `keepAs`.png).
    void phoneStatusSays(const QString &text, const QString &keepAs);
    // The TV's Settings window `settings` lists the Phone beside this device.
    void tvListsPhone(const QString &settings);
    // Reads `window`'s picture (enlarged for OCR) until `shows` is true.
    // Large text (a code) reads best as it is: `factor` 1.
    bool looksLike(const QRect &area, const std::function<bool(const QString &)> &shows,
                   const QString &keepAs, QString *read, int factor = 2);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<VirtualDisplay> m_display;
    std::unique_ptr<ServerProcess> m_server;
    QString m_token;
};

void tst_DevicePairing::initTestCase()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
}

void tst_DevicePairing::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_display = std::make_unique<VirtualDisplay>();
    QString error;
    QVERIFY2(m_display->start(QSize(1600, 900), kTimeoutMs, &error), qPrintable(error));
    ServedUser served = serveNewUser(kServerBin, m_dir->filePath(u"server.sqlite"_s), kTimeoutMs);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    m_token = served.token;
    m_server = std::move(served.server);
}

void tst_DevicePairing::cleanup()
{
    // The pictures read stay for a person to look at.
    if (QTest::currentTestFailed()) {
        m_dir->setAutoRemove(false);
        qInfo().noquote() << "pictures and profiles kept in" << m_dir->path();
    }
    m_server.reset();
    m_display.reset();
    m_dir.reset();
}

std::unique_ptr<PlayerProcess> tst_DevicePairing::startTv(const QStringList &extra)
{
    return std::make_unique<PlayerProcess>(
        kPlayerBin,
        QStringList{u"--profile"_s, m_dir->filePath(u"TV"_s), u"--device"_s, u"TV"_s, u"--server"_s,
                    m_server->url(), u"--token"_s, m_token, u"--events"_s, u"--window-geometry"_s,
                    kTvGeometry}
            + extra,
        m_display->environment());
}

void tst_DevicePairing::press(const QString &window, const QStringList &keys)
{
    const Run pressed = m_display->focusAndPress(window, keys, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
}

void tst_DevicePairing::approveOnTv(PlayerProcess &tv, const QString &tvWindow, const QString &code,
                                    QString *settings, QString *add)
{
    if (settings->isEmpty()) {
        press(tvWindow, {u"ctrl+comma"_s});
        *settings = tv.windowId(*m_display, kTimeoutMs, u"^Settings"_s);
        QVERIFY2(!settings->isEmpty(), "no Settings window on the TV");
    }
    press(*settings, {u"alt+d"_s});
    press(*settings, {u"alt+a"_s});
    *add = tv.windowId(*m_display, kTimeoutMs, u"^Add a Device"_s);
    QVERIFY2(!add->isEmpty(), "no Add a Device window on the TV");
    QStringList keys;
    for (const QChar digit : code)
        keys << QString(digit);
    press(*add, keys + QStringList{u"Return"_s});
}

QString tst_DevicePairing::readCode(PlayerProcess &player, const QString &name)
{
    const QString codeWindow = player.windowId(*m_display, kTimeoutMs, u"^Connect with a code"_s);
    if (codeWindow.isEmpty()) {
        qWarning("no Connect with a code window");
        return {};
    }
    const QRect codeArea = m_display->windowGeometry(codeWindow, kTimeoutMs);
    QString read;
    // "Valid for 9:59" and where to type it, under the code...
    if (!looksLike(
            codeArea,
            [&](const QString &text) {
                return text.contains(u"Valid for"_s) && text.contains(u"Add a Device"_s);
            },
            m_dir->filePath(name + u"-code.png"_s), &read)) {
        qWarning().noquote() << "the code window shows" << read;
        return {};
    }
    // ... and the code itself, large ("123 456"): read alone, as it is (tesseract takes big
    // digits over a page of small text for nothing).
    const QRect codeLine(codeArea.topLeft(), QSize(codeArea.width(), codeArea.height() * 2 / 5));
    const QRegularExpression shownCode(u"^([0-9]{3}) ?([0-9]{3})$"_s,
                                       QRegularExpression::MultilineOption);
    if (!looksLike(
            codeLine, [&](const QString &text) { return shownCode.match(text).hasMatch(); },
            m_dir->filePath(name + u"-code-line.png"_s), &read, 1)) {
        qWarning().noquote() << "the code reads" << read;
        return {};
    }
    const QRegularExpressionMatch match = shownCode.match(read);
    return match.captured(1) + match.captured(2);
}

bool tst_DevicePairing::looksLike(const QRect &area,
                                  const std::function<bool(const QString &)> &shows,
                                  const QString &keepAs, QString *read, int factor)
{
    return lookUntilShown(
        [&] { return enlarged(m_display->grab(area, kTimeoutMs), area.size(), factor); },
        area.size() * factor, shows, kLookMs, keepAs, read);
}

void tst_DevicePairing::phoneStatusSays(const QString &text, const QString &keepAs)
{
    QString read;
    QVERIFY2(looksLike(
                 kPhoneStatus, [&text](const QString &shown) { return shown.contains(text); },
                 m_dir->filePath(keepAs + u".png"_s), &read),
             qPrintable(u"the Phone's status bar shows “%1”"_s.arg(read)));
}

void tst_DevicePairing::tvListsPhone(const QString &settings)
{
    const QRect settingsArea = m_display->windowGeometry(settings, kTimeoutMs);
    QVERIFY(!settingsArea.isEmpty());
    QString read;
    QVERIFY2(looksLike(
                 settingsArea,
                 [](const QString &text) {
                     return text.contains(u"Phone"_s) && text.contains(u"This device"_s);
                 },
                 m_dir->filePath(u"devices.png"_s), &read),
             qPrintable(u"the TV's Devices page shows “%1”"_s.arg(read)));
    qInfo().noquote() << "the TV's Devices page:" << read;
}

void tst_DevicePairing::pairWithACodeThenRemove()
{
    QString error;
    const QString contentId = ContentFingerprint::ofFile(kSample, &error);
    QVERIFY2(!contentId.isEmpty(), qPrintable(error));

    // The TV plays the sample a few seconds and closes: the server has its place.
    qint64 tvPosition = 0;
    {
        std::unique_ptr<PlayerProcess> tv = startTv({u"--quit-after"_s, u"3"_s, kSample});
        const QJsonObject quit = tv->waitForEvent(u"quit"_s, kTimeoutMs);
        QVERIFY2(!quit.isEmpty(), tv->err().constData());
        QCOMPARE(quit.value(u"pending"_s).toInt(-1), 0);
        tvPosition = quit.value(u"position_ms"_s).toInteger();
        QVERIFY(tvPosition > 1000);
    }

    // The TV again, on Continue Watching; the Phone, never connected, asks for a code.
    std::unique_ptr<PlayerProcess> tv = startTv({});
    const QString tvWindow = tv->windowId(*m_display, kTimeoutMs);
    QVERIFY2(!tvWindow.isEmpty(), tv->err().constData());
    PlayerProcess phone(kPlayerBin,
                        {u"--profile"_s, m_dir->filePath(u"Phone"_s), u"--device"_s, u"Phone"_s,
                         u"--server"_s, m_server->url(), u"--pair"_s, u"--events"_s, u"--paused"_s,
                         u"--window-geometry"_s, kPhoneGeometry, kSample},
                        m_display->environment());
    const QJsonObject pairing = phone.waitForEvent(u"pairing"_s, kTimeoutMs);
    QVERIFY2(!pairing.isEmpty(), phone.err().constData());
    const QString code = pairing.value(u"code"_s).toString();
    QVERIFY2(QRegularExpression(u"^[0-9]{6}$"_s).match(code).hasMatch(), qPrintable(code));
    QVERIFY(pairing.value(u"expires_at_ms"_s).toInteger() > 0);

    QString settings;
    QString add;
    CHECK(approveOnTv(*tv, tvWindow, code, &settings, &add));

    // The Phone is connected: it says so, and resumes where the TV was, from the server.
    QVERIFY2(!phone.waitForEvent(u"paired"_s, kTimeoutMs).isEmpty(), phone.err().constData());
    const QJsonObject resumed = phone.waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), phone.err().constData());
    QCOMPARE(resumed.value(u"content_id"_s).toString(), contentId);
    QCOMPARE(resumed.value(u"source"_s).toString(), u"server"_s);
    QCOMPARE(resumed.value(u"device_name"_s).toString(), u"TV"_s);
    QVERIFY2(qAbs(resumed.value(u"position_ms"_s).toInteger() - tvPosition) < 1000,
             qPrintable(u"resumed at %1 ms, the TV was at %2 ms"_s
                            .arg(resumed.value(u"position_ms"_s).toInteger())
                            .arg(tvPosition)));

    // The Add a Device dialog said so, and the TV's Devices page lists the Phone now.
    const QRect addArea = m_display->windowGeometry(add, kTimeoutMs);
    QVERIFY(!addArea.isEmpty());
    QString read;
    QVERIFY2(looksLike(
                 addArea,
                 [](const QString &text) { return text.contains(u"Phone is connected"_s); },
                 m_dir->filePath(u"add-a-device.png"_s), &read),
             qPrintable(u"Add a Device shows “%1”"_s.arg(read)));
    press(add, {u"Escape"_s});
    CHECK(tvListsPhone(settings));

    // Removing the Phone from the TV: the list (Alt+Y), the Phone's row under this device's,
    // Delete, and Remove in the confirmation.
    press(settings, {u"alt+y"_s, u"Down"_s, u"Delete"_s});
    const QString confirmation = tv->windowId(*m_display, kTimeoutMs, u"^Remove a device"_s);
    QVERIFY2(!confirmation.isEmpty(), "no confirmation on the TV");
    const QRect confirmationArea = m_display->windowGeometry(confirmation, kTimeoutMs);
    QVERIFY2(looksLike(
                 confirmationArea,
                 [](const QString &text) { return text.contains(u"Remove Phone?"_s); },
                 m_dir->filePath(u"confirmation.png"_s), &read),
             qPrintable(u"the confirmation says “%1”"_s.arg(read)));
    press(confirmation, {u"alt+r"_s});
    // The page lists the TV alone.
    QVERIFY2(looksLike(
                 m_display->windowGeometry(settings, kTimeoutMs),
                 [](const QString &text) {
                     return text.contains(u"This device"_s) && !text.contains(u"Phone"_s);
                 },
                 m_dir->filePath(u"devices-after.png"_s), &read),
             qPrintable(u"after removing, the TV's Devices page shows “%1”"_s.arg(read)));

    // The Phone notices at its next request (here: Space, playing on, reports) and says so.
    const QString phoneWindow = phone.windowId(*m_display, kTimeoutMs);
    QVERIFY2(!phoneWindow.isEmpty(), phone.err().constData());
    press(phoneWindow, {u"space"_s});
    CHECK(phoneStatusSays(u"This device was removed: connect again"_s, u"phone-status"_s));

    // A click on it offers a new code; approved on the TV, the Phone is online again.
    const Run clicked =
        m_display->xdotool({u"mousemove"_s, QString::number(kPhoneWindow.right() - 100),
                            QString::number(kPhoneWindow.bottom() - 10), u"click"_s, u"1"_s},
                           kTimeoutMs);
    QVERIFY2(clicked.exitedNormally() && clicked.exitCode == 0, clicked.err.constData());
    const QString code2 = readCode(phone, u"phone-again"_s);
    QVERIFY(!code2.isEmpty());
    QVERIFY(code2 != code);
    CHECK(approveOnTv(*tv, tvWindow, code2, &settings, &add));
    CHECK(phoneStatusSays(u"Online"_s, u"phone-status-again"_s));
}

// The same without --pair, as a person does it: the Phone's Settings, "Connect with a Code…"
// (Alt+C) beside the server; its code read off the Phone's screen (OCR) and typed on the TV. The
// Phone's dialogs close by themselves and its status bar says it is online.
void tst_DevicePairing::connectWithACodeInSettings()
{
    std::unique_ptr<PlayerProcess> tv = startTv({});
    const QString tvWindow = tv->windowId(*m_display, kTimeoutMs);
    QVERIFY2(!tvWindow.isEmpty(), tv->err().constData());
    PlayerProcess phone(kPlayerBin,
                        {u"--profile"_s, m_dir->filePath(u"Phone"_s), u"--device"_s, u"Phone"_s,
                         u"--server"_s, m_server->url(), u"--events"_s, u"--window-geometry"_s,
                         kPhoneGeometry},
                        m_display->environment());
    const QString phoneWindow = phone.windowId(*m_display, kTimeoutMs);
    QVERIFY2(!phoneWindow.isEmpty(), phone.err().constData());
    CHECK(phoneStatusSays(u"Offline: no server set"_s, u"phone-status-before"_s));

    press(phoneWindow, {u"ctrl+comma"_s});
    const QString phoneSettings = phone.windowId(*m_display, kTimeoutMs, u"^Settings"_s);
    QVERIFY2(!phoneSettings.isEmpty(), "no Settings window on the Phone");
    press(phoneSettings, {u"alt+c"_s});
    const QString codeWindow = phone.windowId(*m_display, kTimeoutMs, u"^Connect with a code"_s);
    QVERIFY2(!codeWindow.isEmpty(), "no Connect with a code window on the Phone");
    const QString code = readCode(phone, u"phone"_s);
    QVERIFY(!code.isEmpty());
    qInfo().noquote() << "the Phone shows the code" << code;

    QString settings;
    QString add;
    CHECK(approveOnTv(*tv, tvWindow, code, &settings, &add));

    // The Phone's code window and its Settings close, and it is online with its own token.
    CHECK(phoneStatusSays(u"Online"_s, u"phone-status-after"_s));
    QTRY_VERIFY_WITH_TIMEOUT(m_display->windowGeometry(codeWindow, kTimeoutMs).isEmpty()
                                 && m_display->windowGeometry(phoneSettings, kTimeoutMs).isEmpty(),
                             kTimeoutMs);
    press(add, {u"Escape"_s});
    CHECK(tvListsPhone(settings));
}

QTEST_GUILESS_MAIN(tst_DevicePairing)
#include "tst_devicepairing.moc"
