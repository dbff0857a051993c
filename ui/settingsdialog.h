#pragma once

#include "media/trackselector.h"

#include <QDialog>
#include <QString>
#include <QStringList>

#include <optional>

class DevicesPage;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

// What a person can set per profile.
struct SettingsValues
{
    QString serverUrl; // one URL, or several separated by commas
    QString token;
    QString deviceName;
    int reportIntervalSeconds = 5;
    bool askBeforeResuming = false; // default: resume automatically
    bool rewindAfterBreak = false; // default off: the promise is the exact second
    // Past this share of a video it counts as watched (kMinWatchedPercent .. 100).
    int watchedPercent = 90;
    // Preferred languages as typed: ISO codes or names separated by commas ("ja, English").
    QString audioLanguages;
    QString subtitleLanguages;
    TrackDefaults::SubtitleMode subtitleMode = TrackDefaults::SubtitleMode::WhenAudioForeign;
};

// The settings of this device in two tabs, "General" and "Devices" (DevicesPage), and, on first
// run, the "connect to your server" dialog (the same form with the sync fields only, and a "Work
// offline" choice). Both offer "Connect with a code…" beside the server once it is an address.
// Passive: it shows the values it is given and hands back what the person chose.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    enum class Mode { Settings, FirstRun };
    // As WatchedRule bounds it: below half a video is not "the credits".
    static constexpr int kMinWatchedPercent = 50;
    static constexpr int kMaxWatchedPercent = 100;

    SettingsDialog(Mode mode, const SettingsValues &values, QWidget *parent = nullptr);

    SettingsValues values() const;
    // The token a pairing gave: shown in the form, as if typed.
    void setToken(const QString &token);
    // Settings mode only (nullptr on first run).
    DevicesPage *devicesPage() const { return m_devices; }
    // Settings mode: shows the Devices tab.
    void showDevices();
    // Why the values cannot be saved yet ("" when they can): shown under the form.
    static QString problemWith(const SettingsValues &values);
    // "ja, English, fre" -> {"ja", "en", "fr"} (ISO 639-1 where one exists); nullopt with the
    // reason in `error` when a part is no language.
    static std::optional<QStringList> parseLanguages(const QString &text, QString *error);

Q_SIGNALS:
    void offlineChosen();
    // "Connect with a code…" (beside the server, or on the Devices tab): with the server typed.
    void connectWithCodeRequested();

private:
    void validate();

    Mode m_mode;
    QLineEdit *m_server = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_device = nullptr;
    QSpinBox *m_interval = nullptr;
    QComboBox *m_resume = nullptr;
    QCheckBox *m_rewind = nullptr;
    QSpinBox *m_watchedPercent = nullptr;
    QLineEdit *m_audioLanguages = nullptr;
    QLineEdit *m_subtitleLanguages = nullptr;
    QComboBox *m_subtitleMode = nullptr;
    QLabel *m_problem = nullptr;
    QPushButton *m_ok = nullptr;
    QPushButton *m_connectWithCode = nullptr;
    QTabWidget *m_tabs = nullptr;
    DevicesPage *m_devices = nullptr;
};
