// The settings form and its first-run variant (SettingsDialog): it shows the values it is given,
// hands back what the person chose, says what is wrong, and in first-run mode connects only with
// a usable server or works offline. Typed into as a person would, offscreen.
#include "settingsdialog.h"

#include "devicespage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(SettingsValues)
Q_DECLARE_METATYPE(SettingsDialog::Mode)

namespace {

SettingsValues make(const QString &serverUrl, const QString &token, const QString &deviceName)
{
    SettingsValues values;
    values.serverUrl = serverUrl;
    values.token = token;
    values.deviceName = deviceName;
    return values;
}

} // namespace

class tst_SettingsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valuesRoundTrip_data();
    void valuesRoundTrip();
    void intervalKeptInRange();
    void problemWith_data();
    void problemWith();
    void settingsShowsEveryField();
    void settingsSavesWithoutServer();
    void settingsShowsTheProblem();
    void firstRunConnectsOnlyWhenUsable();
    void firstRunTrimsWhatIsTyped();
    void firstRunWorkOffline();
    void parseLanguages_data();
    void parseLanguages();
    void languagesThatAreNoneAreRefused();
    void settingsHasGeneralAndDevicesTabs();
    void connectWithCodeNeedsAServer_data();
    void connectWithCodeNeedsAServer();
    void devicesPageOffersACodeToo();
    void pairingFillsTheToken();

private:
    template<typename T>
    static T *child(const SettingsDialog &dialog, const char *name)
    {
        T *widget = dialog.findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qFatal("the dialog has no child named %s", name);
        return widget;
    }
};

void tst_SettingsDialog::valuesRoundTrip_data()
{
    QTest::addColumn<SettingsDialog::Mode>("mode");
    QTest::addColumn<SettingsValues>("values");

    SettingsValues everything =
        make(u"http://192.168.1.20:8787"_s, u"tok_0123456789abcdef0123456789abcdef"_s,
             u"Living-room TV"_s);
    everything.reportIntervalSeconds = 17;
    everything.askBeforeResuming = true;
    everything.rewindAfterBreak = true;
    everything.watchedPercent = 95;
    everything.audioLanguages = u"ja, en"_s;
    everything.subtitleLanguages = u"en"_s;
    everything.subtitleMode = TrackDefaults::SubtitleMode::Always;
    const SettingsValues defaults = make(QString(), QString(), u"Laptop"_s);
    SettingsValues unicode =
        make(u"https://sync.example.org/playmark"_s, u"t"_s, u"Küche – 台所"_s);
    unicode.reportIntervalSeconds = 60;
    SettingsValues quickest = make(QString(), QString(), u"Phone"_s);
    quickest.reportIntervalSeconds = 1;
    quickest.rewindAfterBreak = true;
    quickest.watchedPercent = 100;

    for (const auto mode : {SettingsDialog::Mode::Settings, SettingsDialog::Mode::FirstRun}) {
        const char *name = mode == SettingsDialog::Mode::Settings ? "settings" : "first run";
        QTest::addRow("%s: everything set", name) << mode << everything;
        QTest::addRow("%s: defaults", name) << mode << defaults;
        QTest::addRow("%s: unicode name", name) << mode << unicode;
        QTest::addRow("%s: quickest reports", name) << mode << quickest;
        QTest::addRow("%s: empty", name) << mode << SettingsValues();
    }
}

// First run shows fewer fields, but hands back the others unchanged.
void tst_SettingsDialog::valuesRoundTrip()
{
    QFETCH(SettingsDialog::Mode, mode);
    QFETCH(SettingsValues, values);

    const SettingsDialog dialog(mode, values);
    const SettingsValues back = dialog.values();
    QCOMPARE(back.serverUrl, values.serverUrl);
    QCOMPARE(back.token, values.token);
    QCOMPARE(back.deviceName, values.deviceName);
    QCOMPARE(back.reportIntervalSeconds, values.reportIntervalSeconds);
    QCOMPARE(back.askBeforeResuming, values.askBeforeResuming);
    QCOMPARE(back.rewindAfterBreak, values.rewindAfterBreak);
    QCOMPARE(back.watchedPercent, values.watchedPercent);
    QCOMPARE(back.audioLanguages, values.audioLanguages);
    QCOMPARE(back.subtitleLanguages, values.subtitleLanguages);
    QCOMPARE(back.subtitleMode, values.subtitleMode);
}

void tst_SettingsDialog::intervalKeptInRange()
{
    SettingsValues values = make(QString(), QString(), u"Laptop"_s);
    values.reportIntervalSeconds = 0;
    QCOMPARE(SettingsDialog(SettingsDialog::Mode::Settings, values).values().reportIntervalSeconds,
             1);
    values.reportIntervalSeconds = 3600;
    QCOMPARE(SettingsDialog(SettingsDialog::Mode::Settings, values).values().reportIntervalSeconds,
             60);
    // The spin box keeps the watched share within 50 .. 100 too.
    values.watchedPercent = 20;
    QCOMPARE(SettingsDialog(SettingsDialog::Mode::Settings, values).values().watchedPercent, 50);
    values.watchedPercent = 150;
    QCOMPARE(SettingsDialog(SettingsDialog::Mode::Settings, values).values().watchedPercent, 100);
}

void tst_SettingsDialog::problemWith_data()
{
    QTest::addColumn<SettingsValues>("values");
    QTest::addColumn<QString>("problem"); // a word of the message; empty: none

    const QString token = u"tok_0123456789abcdef"_s;
    const QString name = u"Laptop"_s;

    QTest::newRow("all fine") << make(u"http://192.168.1.20:8787"_s, token, name) << QString();
    QTest::newRow("https, a host name and a path")
        << make(u"https://sync.example.org/playmark"_s, token, name) << QString();
    QTest::newRow("IPv6") << make(u"http://[::1]:8787"_s, token, name) << QString();
    QTest::newRow("two servers") << make(u"http://192.168.1.20:8787,http://192.168.1.21:8787"_s,
                                         token, name)
                                 << QString();
    QTest::newRow("three servers, spaces after the commas") << make(
        u"http://nas:8787, https://sync.example.org/playmark, http://[::1]:8787"_s, token, name)
                                                            << QString();
    QTest::newRow("no server at all (work offline)")
        << make(QString(), QString(), name) << QString();
    QTest::newRow("no server, a token left over") << make(QString(), token, name) << QString();

    QTest::newRow("ftp scheme") << make(u"ftp://192.168.1.20:8787"_s, token, name) << u"address"_s;
    QTest::newRow("ws scheme") << make(u"ws://192.168.1.20:8787"_s, token, name) << u"address"_s;
    QTest::newRow("no scheme") << make(u"192.168.1.20:8787"_s, token, name) << u"address"_s;
    QTest::newRow("host only") << make(u"nas.local"_s, token, name) << u"address"_s;
    QTest::newRow("missing host") << make(u"http://"_s, token, name) << u"address"_s;
    QTest::newRow("missing host, a path") << make(u"http:///v1"_s, token, name) << u"address"_s;
    QTest::newRow("port out of range")
        << make(u"http://192.168.1.20:99999"_s, token, name) << u"address"_s;
    QTest::newRow("space in the host")
        << make(u"http://my nas:8787"_s, token, name) << u"address"_s;
    // In a list, the message names the entry that is wrong.
    QTest::newRow("list, the second bad")
        << make(u"http://nas:8787, ftp://backup:8787"_s, token, name) << u"'ftp://backup:8787'"_s;
    QTest::newRow("list, the first bad")
        << make(u"nas:8787, http://backup:8787"_s, token, name) << u"'nas:8787'"_s;
    QTest::newRow("list, a comma too many")
        << make(u"http://nas:8787,,http://backup:8787"_s, token, name) << u"empty"_s;
    QTest::newRow("list, one twice")
        << make(u"http://nas:8787, http://nas:8787"_s, token, name) << u"twice"_s;
    QTest::newRow("list without token")
        << make(u"http://nas:8787, http://backup:8787"_s, QString(), name) << u"token"_s;

    QTest::newRow("server without token")
        << make(u"http://192.168.1.20:8787"_s, QString(), name) << u"token"_s;
    for (const int percent : {49, 101, 0}) {
        SettingsValues values = make(QString(), QString(), name);
        values.watchedPercent = percent;
        QTest::addRow("watched after %d %%", percent) << values << u"Watched after"_s;
    }
    for (const int percent : {50, 100}) {
        SettingsValues values = make(QString(), QString(), name);
        values.watchedPercent = percent;
        QTest::addRow("watched after %d %%, fine", percent) << values << QString();
    }
    QTest::newRow("bad server and no token: the server first")
        << make(u"ftp://x"_s, QString(), name) << u"address"_s;

    QTest::newRow("empty device name")
        << make(u"http://192.168.1.20:8787"_s, token, QString()) << u"name"_s;
    QTest::newRow("empty device name, no server")
        << make(QString(), QString(), QString()) << u"name"_s;
}

void tst_SettingsDialog::problemWith()
{
    QFETCH(SettingsValues, values);
    QFETCH(QString, problem);

    const QString message = SettingsDialog::problemWith(values);
    if (problem.isEmpty()) {
        QVERIFY2(message.isEmpty(), qPrintable(message));
    } else {
        QVERIFY2(message.contains(problem, Qt::CaseInsensitive), qPrintable(message));
        QVERIFY(message.endsWith(u'.'));
    }
}

void tst_SettingsDialog::settingsShowsEveryField()
{
    SettingsDialog settings(SettingsDialog::Mode::Settings, make(QString(), QString(), u"L"_s));
    settings.show();
    QVERIFY(QTest::qWaitForWindowExposed(&settings));
    for (const char *name : {"serverUrl", "token", "deviceName"})
        QVERIFY2(child<QLineEdit>(settings, name)->isVisible(), name);
    QVERIFY(child<QSpinBox>(settings, "reportInterval")->isVisible());
    QVERIFY(child<QComboBox>(settings, "resumeMode")->isVisible());
    QVERIFY(child<QCheckBox>(settings, "rewind")->isVisible());
    QVERIFY(child<QSpinBox>(settings, "watchedPercent")->isVisible());
    QVERIFY(child<QPushButton>(settings, "okButton")->isVisible());
    QVERIFY(!settings.findChild<QPushButton *>(u"offlineButton"_s));

    SettingsDialog firstRun(SettingsDialog::Mode::FirstRun, SettingsValues());
    firstRun.show();
    QVERIFY(QTest::qWaitForWindowExposed(&firstRun));
    for (const char *name : {"serverUrl", "token", "deviceName"})
        QVERIFY2(child<QLineEdit>(firstRun, name)->isVisible(), name);
    QVERIFY(!child<QSpinBox>(firstRun, "reportInterval")->isVisible());
    QVERIFY(!child<QComboBox>(firstRun, "resumeMode")->isVisible());
    QVERIFY(!child<QCheckBox>(firstRun, "rewind")->isVisible());
    QVERIFY(!child<QSpinBox>(firstRun, "watchedPercent")->isVisible());
    QVERIFY(child<QPushButton>(firstRun, "offlineButton")->isVisible());
    QVERIFY(settings.windowTitle() != firstRun.windowTitle());
}

// Choosing the other fields in Settings mode is what values() hands back.
void tst_SettingsDialog::settingsSavesWithoutServer()
{
    SettingsDialog dialog(SettingsDialog::Mode::Settings, make(QString(), QString(), u"Laptop"_s));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *ok = child<QPushButton>(dialog, "okButton");
    QVERIFY(ok->isEnabled()); // working offline is a valid setting
    QVERIFY(child<QLabel>(dialog, "problem")->text().isEmpty());

    child<QSpinBox>(dialog, "reportInterval")->setValue(12);
    child<QComboBox>(dialog, "resumeMode")->setCurrentIndex(1);
    child<QCheckBox>(dialog, "rewind")->setChecked(true);
    child<QSpinBox>(dialog, "watchedPercent")->setValue(85);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QTest::mouseClick(ok, Qt::LeftButton);
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    const SettingsValues values = dialog.values();
    QCOMPARE(values.reportIntervalSeconds, 12);
    QVERIFY(values.askBeforeResuming);
    QVERIFY(values.rewindAfterBreak);
    QCOMPARE(values.watchedPercent, 85);
    QVERIFY(values.serverUrl.isEmpty());
}

void tst_SettingsDialog::settingsShowsTheProblem()
{
    SettingsDialog dialog(SettingsDialog::Mode::Settings,
                          make(u"http://nas.local:8787"_s, u"tok"_s, u"Laptop"_s));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *ok = child<QPushButton>(dialog, "okButton");
    auto *problem = child<QLabel>(dialog, "problem");
    auto *token = child<QLineEdit>(dialog, "token");
    QVERIFY(ok->isEnabled());

    token->clear();
    QVERIFY(!ok->isEnabled());
    QCOMPARE(problem->text(), SettingsDialog::problemWith(dialog.values()));
    QVERIFY(problem->text().contains(u"token"_s));

    QTest::keyClicks(token, u"tok2"_s);
    QVERIFY(ok->isEnabled());
    QVERIFY(problem->text().isEmpty());
}

void tst_SettingsDialog::firstRunConnectsOnlyWhenUsable()
{
    SettingsDialog dialog(SettingsDialog::Mode::FirstRun, SettingsValues());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *server = child<QLineEdit>(dialog, "serverUrl");
    auto *token = child<QLineEdit>(dialog, "token");
    auto *device = child<QLineEdit>(dialog, "deviceName");
    auto *ok = child<QPushButton>(dialog, "okButton");
    auto *problem = child<QLabel>(dialog, "problem");
    QSignalSpy offline(&dialog, &SettingsDialog::offlineChosen);

    // Nothing typed yet; then a name alone is not connecting (the other button is for that).
    QVERIFY(!ok->isEnabled());
    QVERIFY(!problem->text().isEmpty());
    QTest::keyClicks(device, u"Laptop"_s);
    QVERIFY(!ok->isEnabled());
    QVERIFY(!problem->text().isEmpty());

    QTest::keyClicks(server, u"ftp://nas"_s);
    QVERIFY(!ok->isEnabled());
    server->clear();
    QTest::keyClicks(server, u"http://127.0.0.1:8787"_s);
    QVERIFY(!ok->isEnabled()); // no token yet
    QVERIFY(problem->text().contains(u"token"_s));
    QTest::keyClicks(token, u"   "_s);
    QVERIFY(!ok->isEnabled()); // spaces are no token
    QTest::keyClicks(token, u"tok_abc"_s);
    QVERIFY(ok->isEnabled());
    QVERIFY(problem->text().isEmpty());

    device->clear();
    QVERIFY(!ok->isEnabled());
    QTest::keyClicks(device, u"Laptop"_s);
    QVERIFY(ok->isEnabled());

    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QTest::mouseClick(ok, Qt::LeftButton);
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
    QVERIFY(offline.isEmpty());
    const SettingsValues values = dialog.values();
    QCOMPARE(values.serverUrl, u"http://127.0.0.1:8787"_s);
    QCOMPARE(values.token, u"tok_abc"_s);
    QCOMPARE(values.deviceName, u"Laptop"_s);
}

// What is handed back has no stray spaces from a paste.
void tst_SettingsDialog::firstRunTrimsWhatIsTyped()
{
    SettingsDialog dialog(SettingsDialog::Mode::FirstRun, SettingsValues());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::keyClicks(child<QLineEdit>(dialog, "serverUrl"), u"  http://nas.local:8787 "_s);
    QTest::keyClicks(child<QLineEdit>(dialog, "token"), u" tok_abc  "_s);
    QTest::keyClicks(child<QLineEdit>(dialog, "deviceName"), u" Living-room TV "_s);
    QVERIFY(child<QPushButton>(dialog, "okButton")->isEnabled());
    const SettingsValues values = dialog.values();
    QCOMPARE(values.serverUrl, u"http://nas.local:8787"_s);
    QCOMPARE(values.token, u"tok_abc"_s);
    QCOMPARE(values.deviceName, u"Living-room TV"_s);
}

void tst_SettingsDialog::firstRunWorkOffline()
{
    SettingsDialog dialog(SettingsDialog::Mode::FirstRun, SettingsValues());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy offline(&dialog, &SettingsDialog::offlineChosen);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QSignalSpy finished(&dialog, &QDialog::finished);
    auto *offlineButton = child<QPushButton>(dialog, "offlineButton");
    QVERIFY(offlineButton->isEnabled()); // with nothing typed

    QTest::mouseClick(offlineButton, Qt::LeftButton);
    QCOMPARE(offline.count(), 1);
    QCOMPARE(finished.count(), 1);
    QVERIFY(accepted.isEmpty());
    QVERIFY(!dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
}

void tst_SettingsDialog::parseLanguages_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("codes"); // empty with `valid` false: refused
    QTest::addColumn<bool>("valid");

    QTest::newRow("nothing: the file's own") << QString() << QStringList() << true;
    QTest::newRow("ISO 639-1 codes") << u"ja, en"_s << QStringList{u"ja"_s, u"en"_s} << true;
    QTest::newRow("ISO 639-2 codes, as files name them")
        << u"jpn,eng,fre"_s << QStringList{u"ja"_s, u"en"_s, u"fr"_s} << true;
    QTest::newRow("names, any case")
        << u"Japanese, english"_s << QStringList{u"ja"_s, u"en"_s} << true;
    QTest::newRow("upper-case code, spaces, an empty part")
        << u" EN , , de "_s << QStringList{u"en"_s, u"de"_s} << true;
    QTest::newRow("each once") << u"en, English, eng"_s << QStringList{u"en"_s} << true;
    QTest::newRow("a region is not part of the language, as in a track's tag")
        << u"pt-BR, en_GB"_s << QStringList{u"pt"_s, u"en"_s} << true;
    QTest::newRow("no such language") << u"ja, Klingonish"_s << QStringList() << false;
    QTest::newRow("no such code") << u"xq"_s << QStringList() << false;
}

void tst_SettingsDialog::parseLanguages()
{
    QFETCH(QString, text);
    QFETCH(QStringList, codes);
    QFETCH(bool, valid);
    QString error;
    const std::optional<QStringList> parsed = SettingsDialog::parseLanguages(text, &error);
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(*parsed, codes);
    else
        QVERIFY2(error.contains(u"is not a language"_s), qPrintable(error));
}

// A language that is none is named in the message under the form, and Save waits for a fix.
void tst_SettingsDialog::languagesThatAreNoneAreRefused()
{
    SettingsDialog dialog(SettingsDialog::Mode::Settings, make(QString(), QString(), u"TV"_s));
    auto *audio = child<QLineEdit>(dialog, "audioLanguages");
    auto *subtitles = child<QLineEdit>(dialog, "subtitleLanguages");
    auto *mode = child<QComboBox>(dialog, "subtitleMode");
    auto *ok = child<QPushButton>(dialog, "okButton");
    auto *problem = child<QLabel>(dialog, "problem");
    QCOMPARE(mode->count(), 3);
    QCOMPARE(mode->currentText(), u"When the audio is not in a preferred language"_s);
    QVERIFY(ok->isEnabled());

    QTest::keyClicks(subtitles, u"en, Elvish"_s);
    QVERIFY(!ok->isEnabled());
    QVERIFY2(problem->text().startsWith(u"Subtitle languages: “Elvish” is not a language"_s),
             qPrintable(problem->text()));
    subtitles->clear();
    QTest::keyClicks(subtitles, u"en, fr"_s);
    QTest::keyClicks(audio, u"Japanese"_s);
    QVERIFY(ok->isEnabled());
    QCOMPARE(problem->text(), QString());
    mode->setCurrentIndex(2);
    const SettingsValues values = dialog.values();
    QCOMPARE(values.audioLanguages, u"Japanese"_s);
    QCOMPARE(values.subtitleLanguages, u"en, fr"_s);
    QCOMPARE(values.subtitleMode, TrackDefaults::SubtitleMode::Always);
}

void tst_SettingsDialog::settingsHasGeneralAndDevicesTabs()
{
    SettingsDialog settings(SettingsDialog::Mode::Settings, make(QString(), QString(), u"L"_s));
    settings.show();
    QVERIFY(QTest::qWaitForWindowExposed(&settings));
    auto *tabs = child<QTabWidget>(settings, "settingsTabs");
    QCOMPARE(tabs->count(), 2);
    QCOMPARE(tabs->tabText(0), u"&General"_s);
    QCOMPARE(tabs->tabText(1), u"&Devices"_s);
    QCOMPARE(tabs->currentIndex(), 0);
    QVERIFY(settings.devicesPage());
    QVERIFY(!settings.devicesPage()->isVisible());
    settings.showDevices();
    QVERIFY(settings.devicesPage()->isVisible());
    QVERIFY(!child<QLineEdit>(settings, "serverUrl")->isVisible());

    // The first-run form has no tabs and no devices: nothing is connected yet.
    SettingsDialog firstRun(SettingsDialog::Mode::FirstRun, SettingsValues());
    QVERIFY(!firstRun.findChild<QTabWidget *>());
    QVERIFY(!firstRun.devicesPage());
}

void tst_SettingsDialog::connectWithCodeNeedsAServer_data()
{
    QTest::addColumn<SettingsDialog::Mode>("mode");
    QTest::addColumn<QString>("server");
    QTest::addColumn<bool>("offered");
    for (const auto mode : {SettingsDialog::Mode::Settings, SettingsDialog::Mode::FirstRun}) {
        const char *name = mode == SettingsDialog::Mode::Settings ? "settings" : "first run";
        QTest::addRow("%s: no server", name) << mode << QString() << false;
        QTest::addRow("%s: a server", name) << mode << u"http://192.168.1.20:8787"_s << true;
        QTest::addRow("%s: two", name) << mode << u"http://nas:8787, http://backup:8787"_s << true;
        QTest::addRow("%s: no address", name) << mode << u"nas:8787"_s << false;
    }
}

void tst_SettingsDialog::connectWithCodeNeedsAServer()
{
    QFETCH(SettingsDialog::Mode, mode);
    QFETCH(QString, server);
    QFETCH(bool, offered);
    SettingsDialog dialog(mode, make(QString(), QString(), u"Phone"_s));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *button = child<QPushButton>(dialog, "connectWithCodeButton");
    QVERIFY(button->isVisible());
    QCOMPARE(button->text(), u"&Connect with a Code…"_s);
    QVERIFY(!button->isEnabled());
    QSignalSpy requested(&dialog, &SettingsDialog::connectWithCodeRequested);
    QTest::keyClicks(child<QLineEdit>(dialog, "serverUrl"), server);
    QCOMPARE(button->isEnabled(), offered);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(requested.size(), offered ? 1 : 0);
    // With the server typed, the code is asked there.
    if (offered)
        QCOMPARE(dialog.values().serverUrl, server);
    // Without a token the form says how to get one, the code first.
    if (offered)
        QVERIFY2(child<QLabel>(dialog, "problem")->text().contains(u"Connect with a Code"_s),
                 qPrintable(child<QLabel>(dialog, "problem")->text()));
}

void tst_SettingsDialog::devicesPageOffersACodeToo()
{
    SettingsDialog dialog(SettingsDialog::Mode::Settings,
                          make(u"http://192.168.1.20:8787"_s, QString(), u"Phone"_s));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.showDevices();
    dialog.devicesPage()->showNotConnected(u"This device is not connected."_s);
    QSignalSpy requested(&dialog, &SettingsDialog::connectWithCodeRequested);
    auto *button = dialog.devicesPage()->findChild<QPushButton *>(u"connectWithCode"_s);
    QVERIFY(button && button->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(requested.size(), 1);
}

void tst_SettingsDialog::pairingFillsTheToken()
{
    SettingsDialog dialog(SettingsDialog::Mode::FirstRun,
                          make(u"http://192.168.1.20:8787"_s, QString(), u"Phone"_s));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!child<QPushButton>(dialog, "okButton")->isEnabled());
    dialog.setToken(u"pm_paired_token"_s);
    QCOMPARE(dialog.values().token, u"pm_paired_token"_s);
    QVERIFY(child<QPushButton>(dialog, "okButton")->isEnabled());
    QCOMPARE(child<QLabel>(dialog, "problem")->text(), QString());
}

QTEST_MAIN(tst_SettingsDialog)
#include "tst_settingsdialog.moc"
