#include "settingsdialog.h"

#include "devicespage.h"

#include "media/tracknames.h"
#include "serverlist/serverlist.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

SettingsDialog::SettingsDialog(Mode mode, const SettingsValues &values, QWidget *parent)
    : QDialog(parent), m_mode(mode)
{
    setWindowTitle(mode == Mode::FirstRun ? tr("Connect Playmark to your server")
                                          : tr("Settings — Playmark"));

    m_server = new QLineEdit(values.serverUrl, this);
    m_server->setObjectName(QStringLiteral("serverUrl"));
    m_server->setPlaceholderText(QStringLiteral("http://192.168.1.20:8787"));
    m_server->setToolTip(tr("Several servers separated by commas: the first that answers is used, "
                            "and the next when it fails."));
    m_token = new QLineEdit(values.token, this);
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_token->setPlaceholderText(
        tr("none with a code; else from 'playmark-server user token NAME'"));
    m_device = new QLineEdit(values.deviceName, this);
    m_device->setObjectName(QStringLiteral("deviceName"));
    m_device->setMaxLength(64);
    m_interval = new QSpinBox(this);
    m_interval->setObjectName(QStringLiteral("reportInterval"));
    m_interval->setRange(1, 60);
    m_interval->setSuffix(tr(" s"));
    m_interval->setValue(values.reportIntervalSeconds);
    m_resume = new QComboBox(this);
    m_resume->setObjectName(QStringLiteral("resumeMode"));
    m_resume->addItems({tr("Resume automatically"), tr("Ask first")});
    m_resume->setCurrentIndex(values.askBeforeResuming ? 1 : 0);
    m_rewind = new QCheckBox(tr("Rewind a little after a break"), this);
    m_rewind->setObjectName(QStringLiteral("rewind"));
    m_rewind->setToolTip(tr("Start 5 s earlier after an hour away, up to 30 s after a week. "
                            "Off: resume at the exact second."));
    m_rewind->setChecked(values.rewindAfterBreak);
    m_watchedPercent = new QSpinBox(this);
    m_watchedPercent->setObjectName(QStringLiteral("watchedPercent"));
    m_watchedPercent->setRange(kMinWatchedPercent, kMaxWatchedPercent);
    m_watchedPercent->setSuffix(tr(" %"));
    m_watchedPercent->setValue(values.watchedPercent);
    m_watchedPercent->setToolTip(tr("A video played past this share of it counts as watched: it "
                                    "leaves Continue Watching and opens from the start. 100: only "
                                    "at its end."));
    m_audioLanguages = new QLineEdit(values.audioLanguages, this);
    m_audioLanguages->setObjectName(QStringLiteral("audioLanguages"));
    m_audioLanguages->setPlaceholderText(tr("the file's own, e.g. ja, en"));
    m_audioLanguages->setToolTip(tr("Languages in order of preference, as ISO codes (ja) or names "
                                    "(Japanese), separated by commas. Used when a video has no "
                                    "choice of its own."));
    m_subtitleLanguages = new QLineEdit(values.subtitleLanguages, this);
    m_subtitleLanguages->setObjectName(QStringLiteral("subtitleLanguages"));
    m_subtitleLanguages->setPlaceholderText(tr("e.g. en, fr"));
    m_subtitleLanguages->setToolTip(m_audioLanguages->toolTip());
    m_subtitleMode = new QComboBox(this);
    m_subtitleMode->setObjectName(QStringLiteral("subtitleMode"));
    // In the order of TrackDefaults::SubtitleMode.
    m_subtitleMode->addItems(
        {tr("Never"), tr("When the audio is not in a preferred language"), tr("Always")});
    m_subtitleMode->setCurrentIndex(int(values.subtitleMode));

    m_connectWithCode = new QPushButton(tr("&Connect with a Code…"), this);
    m_connectWithCode->setObjectName(QStringLiteral("connectWithCodeButton"));
    m_connectWithCode->setAutoDefault(false);
    m_connectWithCode->setToolTip(tr("Get a code for this device, and approve it on a connected "
                                     "player or on the server: no token to copy."));
    connect(m_connectWithCode, &QPushButton::clicked, this,
            &SettingsDialog::connectWithCodeRequested);
    auto *serverRow = new QHBoxLayout;
    serverRow->addWidget(m_server, 1);
    serverRow->addWidget(m_connectWithCode);

    auto *form = new QFormLayout;
    form->addRow(tr("Server:"), serverRow);
    form->addRow(tr("Token:"), m_token);
    form->addRow(tr("This device's name:"), m_device);
    if (mode == Mode::Settings) {
        form->addRow(tr("Report the position every:"), m_interval);
        form->addRow(tr("When opening a video:"), m_resume);
        form->addRow(QString(), m_rewind);
        form->addRow(tr("Watched after:"), m_watchedPercent);
        form->addRow(tr("Audio languages:"), m_audioLanguages);
        form->addRow(tr("Subtitle languages:"), m_subtitleLanguages);
        form->addRow(tr("Show subtitles:"), m_subtitleMode);
    } else {
        for (QWidget *widget : std::initializer_list<QWidget *>{
                 m_interval, m_resume, m_rewind, m_watchedPercent, m_audioLanguages,
                 m_subtitleLanguages, m_subtitleMode})
            widget->hide();
    }

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b03030;"));
    m_problem->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(this);
    m_ok = buttons->addButton(mode == Mode::FirstRun ? tr("Connect") : tr("Save"),
                              QDialogButtonBox::AcceptRole);
    m_ok->setObjectName(QStringLiteral("okButton"));
    if (mode == Mode::FirstRun) {
        QPushButton *offline = buttons->addButton(tr("Work offline"), QDialogButtonBox::RejectRole);
        offline->setObjectName(QStringLiteral("offlineButton"));
        connect(offline, &QPushButton::clicked, this, &SettingsDialog::offlineChosen);
    } else {
        buttons->addButton(QDialogButtonBox::Cancel);
    }
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    if (mode == Mode::FirstRun) {
        auto *intro =
            new QLabel(tr("Playmark keeps your place in every video and shares it with your "
                          "other devices through your own playmark-server. Enter its address "
                          "and connect this device with a code, or work offline: positions are "
                          "then kept on this "
                          "device only, and you can connect later in Settings."),
                       this);
        intro->setWordWrap(true);
        layout->addWidget(intro);
    }
    if (mode == Mode::Settings) {
        auto *general = new QWidget(this);
        auto *generalLayout = new QVBoxLayout(general);
        generalLayout->addLayout(form);
        generalLayout->addWidget(m_problem);
        generalLayout->addStretch(1);
        m_devices = new DevicesPage(this);
        m_devices->setObjectName(QStringLiteral("devicesPage"));
        connect(m_devices, &DevicesPage::connectWithCodeRequested, this,
                &SettingsDialog::connectWithCodeRequested);
        m_tabs = new QTabWidget(this);
        m_tabs->setObjectName(QStringLiteral("settingsTabs"));
        m_tabs->addTab(general, tr("&General"));
        m_tabs->addTab(m_devices, tr("&Devices"));
        layout->addWidget(m_tabs);
    } else {
        layout->addLayout(form);
        layout->addWidget(m_problem);
    }
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_server, m_token, m_device, m_audioLanguages, m_subtitleLanguages})
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    validate();
}

void SettingsDialog::setToken(const QString &token)
{
    m_token->setText(token);
}

void SettingsDialog::showDevices()
{
    if (m_tabs)
        m_tabs->setCurrentWidget(m_devices);
}

SettingsValues SettingsDialog::values() const
{
    SettingsValues values;
    values.serverUrl = m_server->text().trimmed();
    values.token = m_token->text().trimmed();
    values.deviceName = m_device->text().trimmed();
    values.reportIntervalSeconds = m_interval->value();
    values.askBeforeResuming = m_resume->currentIndex() == 1;
    values.rewindAfterBreak = m_rewind->isChecked();
    values.watchedPercent = m_watchedPercent->value();
    values.audioLanguages = m_audioLanguages->text().trimmed();
    values.subtitleLanguages = m_subtitleLanguages->text().trimmed();
    values.subtitleMode = TrackDefaults::SubtitleMode(m_subtitleMode->currentIndex());
    return values;
}

QString SettingsDialog::problemWith(const SettingsValues &values)
{
    QString error;
    const auto servers = ServerList::parse(values.serverUrl, &error);
    if (!servers)
        return tr("The server is an address such as http://192.168.1.20:8787, or several "
                  "separated by commas: %1.")
            .arg(error);
    if (!servers->isEmpty() && values.token.isEmpty())
        return tr("A server needs this device connected: “Connect with a Code…”, or a token from "
                  "'playmark-server user token NAME' on it.");
    if (values.deviceName.isEmpty())
        return tr("Give this device a name, such as “Living-room TV”.");
    if (values.watchedPercent < kMinWatchedPercent || values.watchedPercent > kMaxWatchedPercent)
        return tr("Watched after: a share from %1 % to %2 %.")
            .arg(kMinWatchedPercent)
            .arg(kMaxWatchedPercent);
    if (!parseLanguages(values.audioLanguages, &error))
        return tr("Audio languages: %1").arg(error);
    if (!parseLanguages(values.subtitleLanguages, &error))
        return tr("Subtitle languages: %1").arg(error);
    return {};
}

std::optional<QStringList> SettingsDialog::parseLanguages(const QString &text, QString *error)
{
    QStringList codes;
    const QStringList parts = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &raw : parts) {
        const QString part = raw.trimmed();
        if (part.isEmpty())
            continue;
        // The same code the tracks' tags and the sidecars' names are read into, so they match.
        const QString code = languageCode(part, UnknownLanguage::Dropped);
        if (code.isEmpty()) {
            *error = tr("“%1” is not a language: write ISO codes such as “ja” or names such as "
                        "“Japanese”, separated by commas.")
                         .arg(part);
            return std::nullopt;
        }
        if (!codes.contains(code))
            codes << code;
    }
    return codes;
}

void SettingsDialog::validate()
{
    SettingsValues current = values();
    QString error;
    const auto servers = ServerList::parse(current.serverUrl, &error);
    m_connectWithCode->setEnabled(servers && !servers->isEmpty());
    QString problem = problemWith(current);
    if (problem.isEmpty() && m_mode == Mode::FirstRun && current.serverUrl.isEmpty())
        problem = tr("Enter the server's address, or choose to work offline.");
    m_problem->setText(problem);
    m_ok->setEnabled(problem.isEmpty());
}
