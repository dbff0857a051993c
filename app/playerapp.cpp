#include "playerapp.h"

#include "client/tlstrust.h"
#include "continuewatchingview.h"
#include "media/accurateseeks.h"
#include "media/playability.h"
#include "noticebar.h"
#include "playercontrols.h"
#include "playerwindow.h"
#include "settingsdialog.h"
#include "syncstatus.h"

#include <QAudioDevice>
#include <QAudioOutput>
#include <QDBusConnection>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMediaDevices>
#include <QMediaMetaData>
#include <QMessageBox>
#include <QTimer>
#include <QVideoSink>
#include <QVideoWidget>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdio>

Q_LOGGING_CATEGORY(lcApp, "playmark.app")

PlayerApp::PlayerApp(AppOptions options, QObject *parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_profile(m_options.profileDir),
      m_vault(m_profile),
      m_settings(m_profile.settings()),
      m_sync(m_local, m_servers),
      m_stream(m_servers),
      m_session(m_sync, m_local),
      m_audio(new QAudioOutput(this)),
      m_soundDevice(!QMediaDevices::audioOutputs().isEmpty()),
      m_window(std::make_unique<PlayerWindow>()),
      m_thumbnails(m_profile.folder() + QStringLiteral("/thumbnails")),
      m_history(m_sync),
      m_continueWatching(m_sync, m_local, m_settings),
      m_devicesUi(m_sync, m_servers, m_local)
{
    // Always attached, also on a machine without a sound device: without an output an audio-only
    // file cannot play at all (its decoded stream is not linked: "Internal data stream error"),
    // and GStreamer's automatic sink falls back to a silent sink that keeps time (measured:
    // MP3, FLAC, OGG, Opus, M4A and WAV then play, resume and end as with a device).
    m_audio->setVolume(float(m_settings.volume()));
    m_player.setAudioOutput(m_audio);
    m_videoFrames.setTarget(m_window->videoWidget()->videoSink());
    m_player.setVideoOutput(m_videoFrames.sink());
}

PlayerApp::~PlayerApp() = default;

void PlayerApp::applyOptionsToProfile()
{
    if (m_options.servers)
        m_profile.setServers(*m_options.servers);
    if (m_options.caCertificate)
        m_profile.setCaCertificatePath(*m_options.caCertificate);
    if (m_options.deviceName)
        m_profile.setDeviceName(*m_options.deviceName);
    m_profile.settings().sync();
}

void PlayerApp::start()
{
    // Before any file is opened: a resume into a transport stream lands where it was asked.
    if (const QString error = installAccurateSeeks(); !error.isEmpty())
        qCWarning(lcApp).noquote() << "seeks in MPEG transport streams may land early:" << error;
    applyOptionsToProfile();
    m_sync.setClockOffset(m_profile.clockOffsetMs());
    connect(&m_sync, &SyncClient::clockOffsetChanged, this,
            [this](qint64 offset) { m_profile.setClockOffsetMs(offset); });
    if (m_options.events)
        connect(&m_sync, &SyncClient::reportSettled, this,
                [this](const ProgressRecord &record, bool delivered) {
                    m_printer.reported(record, delivered);
                });

    connect(&m_stream, &EventStream::progressReceived, this, [this](const ProgressRecord &record) {
        if (record.deviceId == m_sync.deviceId())
            return;
        if (m_options.events)
            m_printer.remote(record);
        m_session.handleRemote(record);
    });
    connect(&m_sync, &SyncClient::statusChanged, this, &PlayerApp::updateSyncStatus);
    connect(&m_local, &LocalCopy::failureChanged, this, &PlayerApp::updateSyncStatus);
    // The stream coming back means the server is back: deliver what waited.
    connect(&m_stream, &EventStream::connectedChanged, this, [this](bool connected) {
        if (connected)
            m_sync.deliver();
    });

    m_session.setFromStart(m_options.fromStart);
    m_session.setStartPaused(m_options.paused);

    connect(&m_settings, &PlayerSettings::recentFilesChanged, m_window.get(),
            &PlayerWindow::setRecentFiles);
    connectPlayer();
    connectWindow();
    connectSession();
    connectDesktop();
    connectTracks();
    connectDevices();

    m_window->restoreGeometry(m_settings.windowGeometry());
    if (m_options.windowGeometry)
        m_window->setGeometry(*m_options.windowGeometry);
    m_window->setRecentFiles(m_settings.recentFiles());
    updateSyncStatus();
    // Without a sound device the output plays to a silent sink: nothing to turn up or mute.
    m_window->controls()->setAudioAvailable(m_soundDevice);
    // Whoever changes the volume (the keys, the slider, the desktop's media controls), the
    // slider shows it.
    const auto showVolume = [this](float volume) {
        m_window->controls()->setVolume(qRound(volume * 100));
    };
    showVolume(m_audio->volume());
    connect(m_audio, &QAudioOutput::volumeChanged, m_window->controls(), showVolume);
    m_window->show();

    m_local.open(m_profile.localDatabasePath(), this, [this](const StoreResult<void> &opened) {
        if (!opened.ok()) {
            qCWarning(lcApp).noquote() << "the local copy cannot be used:" << opened.error();
            std::fprintf(stderr, "playmark: the local copy cannot be used: %s\n",
                         qPrintable(opened.error()));
        }
        m_localOpened = true;
        startSyncing();
    });

    // A removed device keeps its local copy and outbox; nothing waits on the server.
    connect(&m_sync, &SyncClient::deviceRemoved, this, &PlayerApp::updateSyncStatus);
    // A copied profile: the device id the server gave to another device is this one's no more.
    connect(&m_sync, &SyncClient::deviceIdRenewed, this,
            [this](const QString &deviceId) { m_profile.setDeviceId(deviceId); });

    // The token first: a file's resume point comes from the server when there is one. The
    // keyring answers at once or counts as none after TokenVault::kKeyringTimeoutMs.
    const auto load = [this] {
        m_vault.load(this, [this](const QString &) { tokenLoaded(); });
    };
    if (m_options.token)
        m_vault.save(*m_options.token, this, load);
    else
        load();
}

void PlayerApp::tokenLoaded()
{
    m_awaitingPairing = m_options.pair;
    m_tokenLoaded = !m_awaitingPairing;
    configureFromProfile();
    if (m_options.pair) {
        startPairing();
        return;
    }
    startSyncing();
    openStartFile();
    // First run with nowhere to sync to: offer to connect, without blocking anything.
    if (!isScripted() && m_settings.offersFirstRun(m_sync.hasServer()))
        openSettings(SettingsDialog::Mode::FirstRun);
}

void PlayerApp::startSyncing()
{
    if (!m_localOpened || !m_tokenLoaded)
        return;
    // Updates left from a previous run go out first.
    m_sync.deliver();
    m_stream.start();
}

void PlayerApp::openStartFile()
{
    if (!m_options.file.isEmpty())
        m_session.open(m_options.file);
    else
        showContinueWatching();
}

void PlayerApp::startPairing()
{
    connect(&m_pairing, &PairingClient::codeReady, this,
            [this](const QString &code, qint64 expiresAtMs, qint64 serverExpiresAtMs) {
                if (m_options.events)
                    m_printer.pairing(code, serverExpiresAtMs);
                else
                    std::printf("playmark: approve this device with the code %s (valid for %lld "
                                "minutes)\n",
                                qPrintable(code),
                                static_cast<long long>(
                                    (expiresAtMs - QDateTime::currentMSecsSinceEpoch()) / 60000));
                std::fflush(stdout);
            });
    connect(&m_pairing, &PairingClient::paired, this,
            [this](const QString &token, const QString &user) {
                qCInfo(lcApp).noquote() << "paired as" << user;
                m_vault.save(token, this, [this] {
                    m_awaitingPairing = false;
                    m_tokenLoaded = true;
                    configureFromProfile();
                    if (m_options.events)
                        m_printer.paired();
                    startSyncing();
                    openStartFile();
                });
            });
    connect(&m_pairing, &PairingClient::failed, this, [this](const QString &reason, bool expired) {
        if (expired) {
            // Nobody approved it in time: a new code, printed as the first was.
            m_pairing.start(m_profile.servers(), trustedCertificates(), m_profile.deviceId(),
                            m_profile.deviceName());
            return;
        }
        std::fprintf(stderr, "playmark: pairing failed: %s\n", qPrintable(reason));
        Q_EMIT exitRequested(1);
    });
    m_pairing.start(m_profile.servers(), trustedCertificates(), m_profile.deviceId(),
                    m_profile.deviceName());
}

QList<QSslCertificate> PlayerApp::trustedCertificates()
{
    QList<QSslCertificate> trusted;
    if (const QString path = m_profile.caCertificatePath(); !path.isEmpty()) {
        QString error;
        // Without it the server's certificate is checked against the system's alone, and an
        // untrusted one shows as an unreachable server: verification is never skipped.
        if (!TlsTrust::loadCertificates(path, &trusted, &error)) {
            qCWarning(lcApp).noquote() << "the saved --ca-cert cannot be used:" << error;
            std::fprintf(stderr, "playmark: the saved --ca-cert cannot be used: %s\n",
                         qPrintable(error));
        }
    }
    return trusted;
}

void PlayerApp::configureFromProfile()
{
    m_stream.stop();
    // Without a token the pool sends nothing at all.
    m_servers.setServers(m_profile.servers(), m_awaitingPairing ? QString() : m_vault.token());
    m_servers.setTrustedCertificates(trustedCertificates());
    m_sync.setDevice(m_profile.deviceId(), m_profile.deviceName());
    m_session.setReportIntervalMs(PlayerSettings::reportIntervalMs(
        m_options.reportIntervalSet ? m_options.reportIntervalSeconds
                                    : m_settings.reportIntervalSeconds()));
    m_session.setAskBeforeResuming(m_settings.askBeforeResuming());
    m_session.setRewindAfterBreak(m_settings.rewindAfterBreak());
    m_session.setWatchedPercent(m_settings.watchedPercent());
    m_tracks.setDefaults(m_settings.trackDefaults());
    m_window->setDeviceName(m_profile.deviceName());
    updateSyncStatus();
}

SettingsValues PlayerApp::currentSettings()
{
    SettingsValues values;
    values.serverUrl = m_profile.servers().toText();
    values.token = m_vault.token();
    values.deviceName = m_profile.deviceName();
    values.reportIntervalSeconds = m_settings.reportIntervalSeconds();
    values.askBeforeResuming = m_settings.askBeforeResuming();
    values.rewindAfterBreak = m_settings.rewindAfterBreak();
    values.watchedPercent = m_settings.watchedPercent();
    const TrackDefaults defaults = m_settings.trackDefaults();
    values.audioLanguages = defaults.audioLanguages.join(QStringLiteral(", "));
    values.subtitleLanguages = defaults.subtitleLanguages.join(QStringLiteral(", "));
    values.subtitleMode = defaults.subtitleMode;
    return values;
}

void PlayerApp::saveSettings(const SettingsValues &values)
{
    // The dialog accepts only a list that parses.
    QString error;
    m_profile.setServers(ServerList::parse(values.serverUrl, &error).value_or(ServerList()));
    m_profile.setDeviceName(values.deviceName);
    m_settings.setReportIntervalSeconds(values.reportIntervalSeconds);
    m_settings.setAskBeforeResuming(values.askBeforeResuming);
    m_settings.setRewindAfterBreak(values.rewindAfterBreak);
    m_settings.setWatchedPercent(values.watchedPercent);
    // The dialog accepts only languages that parse (the first-run form keeps them as given).
    TrackDefaults defaults;
    defaults.audioLanguages =
        SettingsDialog::parseLanguages(values.audioLanguages, &error).value_or(QStringList());
    defaults.subtitleLanguages =
        SettingsDialog::parseLanguages(values.subtitleLanguages, &error).value_or(QStringList());
    defaults.subtitleMode = values.subtitleMode;
    m_settings.setTrackDefaults(defaults);
    m_settings.setFirstRunDone(true);
    m_settings.sync();
    m_vault.save(values.token, this, [this] {
        m_awaitingPairing = false; // the token the person chose
        configureFromProfile();
        m_stream.start();
        m_sync.deliver();
        if (m_window->isHomeShown())
            showContinueWatching();
    });
}

void PlayerApp::openSettings(SettingsDialog::Mode mode)
{
    auto *dialog = new SettingsDialog(mode, currentSettings(), m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { saveSettings(dialog->values()); });
    connect(dialog, &SettingsDialog::offlineChosen, this, [this] {
        m_settings.setFirstRunDone(true);
        m_settings.sync();
    });
    m_devicesUi.attach(dialog, trustedCertificates(), m_profile.deviceId());
    dialog->open();
}

void PlayerApp::closeWindow()
{
    m_window->close();
}

void PlayerApp::activate(const QString &file)
{
    if (!file.isEmpty())
        Q_EMIT m_window->openFileRequested(file);
    raiseWindow();
}

void PlayerApp::raiseWindow()
{
    m_window->setWindowState((m_window->windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void PlayerApp::showContinueWatching()
{
    m_window->showHome();
    m_continueWatching.refresh();
}

void PlayerApp::showContinueWatchingEntries()
{
    using Kind = ContinueWatchingView::Entry::Kind;
    QList<ContinueWatchingView::Entry> entries;
    for (const ContinueWatchingItem &item : m_continueWatching.items()) {
        const ProgressRecord &record = item.record;
        ContinueWatchingView::Entry entry;
        entry.contentId = item.key;
        entry.title = item.title;
        entry.deviceName = record.deviceName;
        entry.observedAtMs = record.observedAtMs;
        switch (item.kind) {
        case ContinueWatchingItem::Kind::Resume:
            entry.kind = Kind::Resume;
            entry.positionMs = record.positionMs;
            entry.durationMs = record.durationMs;
            entry.playCount = record.playCount;
            entry.lastFinishedMs = record.lastFinishedMs;
            break;
        case ContinueWatchingItem::Kind::NextUp:
            entry.kind = Kind::NextUp;
            entry.episodeLabel = item.episodeLabel;
            break;
        case ContinueWatchingItem::Kind::Locate:
            entry.kind = Kind::Locate;
            break;
        }
        entries.append(entry);
    }
    m_window->home()->setEntries(entries, m_sync.clock().serverNowMs(),
                                 m_continueWatching.isFromServer());
}

void PlayerApp::locateShow(const QString &showId, const QString &showTitle)
{
    auto *dialog = new QFileDialog(
        m_window.get(), tr("Where are the episodes of “%1” on this device?").arg(showTitle));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, this, [this, showId](const QString &folder) {
        m_continueWatching.setShowFolder(showId, folder);
    });
    dialog->open();
}

void PlayerApp::locateAndOpen(const ProgressRecord &record, const QString &lastPath)
{
    const QString title = record.title.isEmpty() ? record.contentId : record.title;
    const QString where = lastPath.isEmpty() ? tr("It has not been opened on this device yet.")
                                             : tr("It was at %1.").arg(lastPath);
    auto *dialog =
        new QFileDialog(m_window.get(), tr("Where is “%1”? %2").arg(title, where),
                        lastPath.isEmpty() ? QString() : QFileInfo(lastPath).absolutePath());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this, record](const QString &chosen) {
        // The session checks the fingerprint; a different file simply has its own place.
        connect(
            &m_session, &PlaybackSession::contentIdentified, this,
            [this, record](const QString &contentId) { m_notice.showLocated(record, contentId); },
            Qt::SingleShotConnection);
        m_session.open(chosen);
    });
    dialog->open();
}

void PlayerApp::connectPlayer()
{
    using State = PlaybackSession::PlayerState;
    connect(&m_player, &QMediaPlayer::playbackStateChanged, this,
            [this](QMediaPlayer::PlaybackState state) {
                m_session.setPlayerState(state == QMediaPlayer::PlayingState      ? State::Playing
                                             : state == QMediaPlayer::PausedState ? State::Paused
                                                                                  : State::Stopped);
                m_window->controls()->setPlaying(state == QMediaPlayer::PlayingState);
            });
    connect(&m_player, &QMediaPlayer::positionChanged, this, [this](qint64 position) {
        m_session.setPosition(position);
        m_window->controls()->setPosition(position);
    });
    connect(&m_player, &QMediaPlayer::durationChanged, this, [this](qint64 duration) {
        m_session.setDuration(duration);
        m_window->controls()->setDuration(duration);
    });
    connect(&m_player, &QMediaPlayer::seekableChanged, &m_session, &PlaybackSession::setSeekable);
    // Both are known once the file prerolled, before the start shows what plays.
    const auto showAudioOnly = [this] {
        m_window->setAudioOnly(m_player.hasAudio() && !m_player.hasVideo());
    };
    connect(&m_player, &QMediaPlayer::hasVideoChanged, this, showAudioOnly);
    connect(&m_player, &QMediaPlayer::hasAudioChanged, this, showAudioOnly);
    connect(&m_player, &QMediaPlayer::mediaStatusChanged, this,
            [this](QMediaPlayer::MediaStatus status) {
                if (status == QMediaPlayer::EndOfMedia)
                    m_session.handleEnd();
                else if (status == QMediaPlayer::InvalidMedia)
                    m_session.handleMediaError(tr("not a playable video"));
            });
    connect(&m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error, const QString &message) {
                m_session.handleMediaError(message.isEmpty() ? tr("the video cannot be played")
                                                             : message);
            });
}

void PlayerApp::connectWindow()
{
    PlayerWindow *window = m_window.get();
    connect(window, &PlayerWindow::openFileRequested, &m_session, &PlaybackSession::open);
    connect(window, &PlayerWindow::playPauseRequested, &m_session,
            &PlaybackSession::togglePlayPause);
    connect(window, &PlayerWindow::seekRequested, &m_session, &PlaybackSession::requestSeek);
    connect(window, &PlayerWindow::seekByRequested, &m_session, &PlaybackSession::requestSeekBy);
    connect(window, &PlayerWindow::startOverRequested, &m_session, &PlaybackSession::startOver);
    connect(window, &PlayerWindow::markWatchedRequested, &m_session, &PlaybackSession::markWatched);
    connect(window, &PlayerWindow::closeRequested, &m_session, &PlaybackSession::close);
    connect(window, &PlayerWindow::historyRequested, this,
            [this] { m_history.request(m_session.contentId()); });
    connect(&m_history, &HistoryEntries::entriesReady, window, &PlayerWindow::setHistoryEntries);
    connect(window, &PlayerWindow::settingsRequested, this,
            [this] { openSettings(SettingsDialog::Mode::Settings); });
    connect(window, &PlayerWindow::jumpRequested, &m_session, &PlaybackSession::requestSeek);
    connect(window, &PlayerWindow::homeRequested, this, [this] {
        m_session.requestStop();
        m_player.stop();
        showContinueWatching();
    });
    connect(window->home(), &ContinueWatchingView::openRequested, &m_continueWatching,
            &ContinueWatchingModel::open);
    connect(window->home(), &ContinueWatchingView::hideRequested, &m_continueWatching,
            &ContinueWatchingModel::hide);
    connect(window->home(), &ContinueWatchingView::forgetRequested, &m_continueWatching,
            &ContinueWatchingModel::forget);
    connect(window->home(), &ContinueWatchingView::markWatchedRequested, &m_continueWatching,
            &ContinueWatchingModel::markWatched);
    connect(&m_continueWatching, &ContinueWatchingModel::showFolderRequested, this,
            &PlayerApp::locateShow);
    connect(&m_continueWatching, &QAbstractItemModel::modelReset, this,
            &PlayerApp::showContinueWatchingEntries);
    connect(&m_continueWatching, &ContinueWatchingModel::openRequested, &m_session,
            &PlaybackSession::open);
    connect(&m_continueWatching, &ContinueWatchingModel::locateRequested, this,
            &PlayerApp::locateAndOpen);
    connect(&m_continueWatching, &ContinueWatchingModel::thumbnailRequested, &m_thumbnails,
            &ThumbnailCache::request);
    connect(&m_thumbnails, &ThumbnailCache::thumbnailReady, m_window->home(),
            &ContinueWatchingView::setThumbnail);
    connect(window->notice(), &NoticeBar::actionTriggered, &m_notice,
            &NoticePresenter::triggerAction);
    connect(&m_notice, &NoticePresenter::noticeChanged, this, [this] {
        if (m_notice.kind() == NoticePresenter::Kind::None)
            m_window->notice()->hide();
        else
            m_window->notice()->showNotice(m_notice.text(), m_notice.actionText(),
                                           m_notice.durationMs());
    });
    connect(window, &PlayerWindow::volumeStepRequested, this, [this](int delta) {
        m_audio->setVolume(qBound(0.0F, m_audio->volume() + float(delta) / 100.0F, 1.0F));
    });
    connect(window->controls(), &PlayerControls::volumeChangeRequested, this,
            [this](int percent) { m_audio->setVolume(float(percent) / 100.0F); });
    connect(window, &PlayerWindow::muteToggleRequested, this, [this] {
        m_audio->setMuted(!m_audio->isMuted());
        m_window->controls()->setMuted(m_audio->isMuted());
    });
}

void PlayerApp::connectSession()
{
    connect(&m_session, &PlaybackSession::loadRequested, this, [this](const QString &path) {
        ++m_loads;
        m_settings.addRecentFile(QFileInfo(path).absoluteFilePath());
        m_window->setMediaTitle(QFileInfo(path).fileName());
        m_window->showLoading();
        m_player.setSource(QUrl::fromLocalFile(path));
        // Paused: the pipeline prerolls and becomes seekable without playing from 0.
        m_player.pause();
    });
    connect(&m_session, &PlaybackSession::playRequested, &m_player, &QMediaPlayer::play);
    connect(&m_session, &PlaybackSession::pauseRequested, &m_player, &QMediaPlayer::pause);
    connect(&m_session, &PlaybackSession::stopRequested, &m_player, &QMediaPlayer::stop);
    connect(&m_session, &PlaybackSession::seekRequested, &m_player, &QMediaPlayer::setPosition);
    connect(&m_session, &PlaybackSession::videoVisibleChanged, m_window.get(),
            &PlayerWindow::setVideoVisible);
    connect(&m_session, &PlaybackSession::failed, this, &PlayerApp::handleFailure);
    connect(&m_session, &PlaybackSession::remoteUpdateArrived, &m_notice,
            &NoticePresenter::showRemotePlace);
    connect(&m_session, &PlaybackSession::resumeOffered, &m_notice,
            &NoticePresenter::showResumeOffer);
    connect(&m_notice, &NoticePresenter::startOverRequested, &m_session,
            &PlaybackSession::startOver);
    connect(&m_notice, &NoticePresenter::continueFromRequested, &m_session,
            &PlaybackSession::continueFrom);
    connect(&m_notice, &NoticePresenter::resumeRequested, &m_session,
            &PlaybackSession::requestSeek);
    connect(&m_notice, &NoticePresenter::upNextCancelRequested, &m_upNext, &UpNext::cancel);
    // Space on a paused player goes to the other device's place too: the notice says so.
    connect(&m_session, &PlaybackSession::continuedFrom, &m_notice,
            &NoticePresenter::showContinued);
    if (m_options.events) {
        connect(&m_session, &PlaybackSession::seekSettled, this, [this](qint64 positionMs) {
            m_printer.seeked(m_session.contentId(), positionMs, m_player.position());
        });
        // Shown and hidden, each change once (the bar tells on every show).
        connect(m_window->notice(), &NoticeBar::actionAvailableChanged, this, [this] {
            const NoticeBar *notice = m_window->notice();
            const QString printed = notice->isVisible()
                ? notice->text() + QLatin1Char('\n') + notice->actionText()
                : QString();
            if (printed == m_printedNotice)
                return;
            m_printedNotice = printed;
            m_printer.notice(notice->isVisible(), notice->text(), notice->actionText());
        });
    }
    connect(&m_session, &PlaybackSession::ended, this, [this] {
        if (!isScripted())
            m_upNext.offerAfter(m_session.path());
    });
    connect(&m_session, &PlaybackSession::loadRequested, &m_upNext, &UpNext::cancel);
    connect(&m_upNext, &UpNext::countdownChanged, &m_notice, &NoticePresenter::showUpNext);
    connect(&m_upNext, &UpNext::cancelled, &m_notice, &NoticePresenter::clear);
    connect(&m_upNext, &UpNext::playNextRequested, &m_session, &PlaybackSession::open);
    // Mark as Watched / Unwatched works on a video once it plays (the session's reports need its
    // place), and says which one it would do.
    connect(&m_session, &PlaybackSession::loadRequested, this,
            [this] { m_window->setWatched(std::nullopt); });
    connect(&m_session, &PlaybackSession::failed, this,
            [this] { m_window->setWatched(std::nullopt); });
    connect(m_window.get(), &PlayerWindow::homeRequested, this,
            [this] { m_window->setWatched(std::nullopt); });
    connect(&m_session, &PlaybackSession::watchedChanged, this, [this](bool watched) {
        m_window->setWatched(watched);
        if (m_options.events)
            m_printer.watched(m_session.contentId(), watched);
    });
    if (m_options.events)
        connect(&m_session, &PlaybackSession::contentIdentified, this,
                [this](const QString &contentId) {
                    m_printer.identified(contentId, m_session.showId(), m_session.episodeId());
                });
    connect(&m_session, &PlaybackSession::resumed, this, [this](const ResumePoint &point) {
        m_window->setWatched(m_session.isWatched());
        if (m_options.events)
            m_printer.resumed(m_session.contentId(), point, m_player.position());
        m_notice.showResumed(point, m_sync.deviceId(), m_sync.clock().serverNowMs());
        if (m_options.quitAfterSeconds > 0 && !m_quitScheduled) {
            m_quitScheduled = true;
            QTimer::singleShot(m_options.quitAfterSeconds * 1000, m_window.get(), &QWidget::close);
        }
    });
    connect(&m_session, &PlaybackSession::closed, this, [this](int pending) {
        if (m_options.events) {
            const qint64 position = m_session.lastReport() ? m_session.lastReport()->positionMs
                                                           : m_session.positionMs();
            m_printer.quit(m_session.contentId(), position, pending);
        }
        m_settings.setVolume(double(m_audio->volume()));
        m_settings.setWindowGeometry(m_window->saveGeometry());
        m_settings.sync();
        m_stream.stop();
        m_player.stop();
        m_window->allowClose();
        // A failure being explained ends the process itself, with its exit code and reason.
        if (!m_failing)
            Q_EMIT exitRequested(0);
    });
}

// MPRIS: the desktop's media controls, media keys and playerctl. Told what the player does; what
// they ask for goes through the window's own requests, as the keys' do (play/pause as Space,
// seeks as the arrow keys and the slider, Stop as Home, Quit as closing the window).
void PlayerApp::connectDesktop()
{
    PlayerWindow *window = m_window.get();
    connect(window, &PlayerWindow::closeRequested, this, &PlayerApp::closing);
    QString error;
    if (!m_mpris.registerOn(QDBusConnection::sessionBus(), &error)) {
        // Tests and headless runs usually have no session bus: nothing to do, nothing waits.
        qCInfo(lcApp).noquote() << "no desktop media controls (MPRIS): no session bus:" << error;
        return;
    }
    connect(&m_player, &QMediaPlayer::playbackStateChanged, &m_mpris,
            [this](QMediaPlayer::PlaybackState state) {
                m_mpris.setStatus(
                    state == QMediaPlayer::PlayingState      ? MprisService::Status::Playing
                        : state == QMediaPlayer::PausedState ? MprisService::Status::Paused
                                                             : MprisService::Status::Stopped);
            });
    connect(&m_player, &QMediaPlayer::positionChanged, &m_mpris, &MprisService::setPositionMs);
    connect(&m_player, &QMediaPlayer::durationChanged, &m_mpris, &MprisService::setDurationMs);
    connect(&m_player, &QMediaPlayer::seekableChanged, &m_mpris, &MprisService::setSeekable);
    connect(&m_player, &QMediaPlayer::playbackRateChanged, &m_mpris, &MprisService::setRate);
    m_mpris.setVolume(double(m_audio->volume()));
    connect(m_audio, &QAudioOutput::volumeChanged, &m_mpris,
            [this](float volume) { m_mpris.setVolume(double(volume)); });
    connect(&m_session, &PlaybackSession::loadRequested, &m_mpris,
            [this](const QString &path) { m_mpris.setTrack(path, m_session.title()); });
    // After the player's own setPosition (connected earlier): Seeked carries the new place.
    connect(&m_session, &PlaybackSession::seekRequested, &m_mpris, &MprisService::notifySeeked);
    const auto noTrack = [this] {
        m_mpris.setTrack(QString(), QString());
    };
    connect(window, &PlayerWindow::homeRequested, &m_mpris, noTrack);
    connect(&m_session, &PlaybackSession::failed, &m_mpris, noTrack);

    connect(&m_mpris, &MprisService::playPauseRequested, window, &PlayerWindow::playPauseRequested);
    connect(&m_mpris, &MprisService::seekByRequested, window, &PlayerWindow::seekByRequested);
    connect(&m_mpris, &MprisService::seekRequested, window, &PlayerWindow::seekRequested);
    connect(&m_mpris, &MprisService::stopRequested, window, &PlayerWindow::homeRequested);
    connect(&m_mpris, &MprisService::openRequested, window, &PlayerWindow::openFileRequested);
    // Through the track controller, as `[` and `]` do: remembered and reported with the place.
    connect(&m_mpris, &MprisService::rateChangeRequested, &m_tracks, &TrackController::setSpeed);
    connect(&m_mpris, &MprisService::volumeChangeRequested, this,
            [this](double volume) { m_audio->setVolume(float(volume)); });
    connect(&m_mpris, &MprisService::raiseRequested, this, &PlayerApp::raiseWindow);
    connect(&m_mpris, &MprisService::quitRequested, this, &PlayerApp::closeWindow);
}

void PlayerApp::updateSyncStatus()
{
    SyncStatus status;
    status.hasServer = m_sync.hasServer();
    status.online = m_sync.isOnline();
    status.pending = m_sync.pendingCount();
    status.server = m_servers.current();
    for (const QUrl &server : m_servers.servers().urls()) {
        if (server != status.server)
            status.otherServers.append(server);
    }
    status.lastExchangeMs = m_sync.lastExchangeMs();
    status.localFailure = m_local.failure();
    // A refused token leaves no usable server, but the server is still this device's.
    status.deviceRemoved = m_servers.isTokenRefused();
    status.hasServer = status.hasServer || status.deviceRemoved;
    m_window->setSyncStatus(status.text(), status.toolTip(), status.offersPairing());
}

// A device removed elsewhere says so in the status bar, and a click on it (or Settings) offers a
// code; a code approved gives this device its own token, kept in the profile.
void PlayerApp::connectDevices()
{
    connect(m_window.get(), &PlayerWindow::syncStatusClicked, this, [this] {
        if (m_servers.isTokenRefused())
            m_devicesUi.startPairing(m_profile.servers(), trustedCertificates(),
                                     m_profile.deviceId(), m_profile.deviceName(), m_window.get());
    });
    connect(&m_devicesUi, &DevicesUi::paired, this,
            [this](const ServerList &servers, const QString &token) {
                m_profile.setServers(servers);
                m_profile.settings().sync();
                m_vault.save(token, this, [this] {
                    m_awaitingPairing = false;
                    configureFromProfile();
                    m_stream.start();
                    m_sync.deliver();
                });
            });
    connect(&m_devicesUi, &DevicesUi::connected, m_window.get(), &PlayerWindow::showMessage);
}

void PlayerApp::handleFailure(const QString &reason)
{
    m_player.stop();
    // The backend's words ("Your GStreamer installation is missing a plug-in") tell a person
    // neither what the file is nor what to install: the discoverer does (explainUnplayable),
    // reading the file again, so off the GUI thread.
    const QString path = m_session.path();
    const quint64 load = m_loads;
    if (isScripted())
        m_failing = true;
    QtConcurrent::run([path] {
        return explainUnplayable(path);
    }).then(this, [this, reason, path, load](const QString &explanation) {
        if (load != m_loads && !m_failing) // another file opened meanwhile
            return;
        const QString message =
            tr("Cannot play %1: %2")
                .arg(QFileInfo(path).fileName(), explanation.isEmpty() ? reason : explanation);
        std::fprintf(stderr, "playmark: %s\n", qPrintable(message));
        if (isScripted()) {
            Q_EMIT exitRequested(kExitUnplayable);
            return;
        }
        m_window->showHome(message);
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot play this file"), message,
                                    QMessageBox::Ok, m_window.get());
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
}

void PlayerApp::connectTracks()
{
    m_window->setSpeeds(TrackController::speeds(), 1.0);
    connect(&m_session, &PlaybackSession::loadRequested, this, [this](const QString &path) {
        m_tracks.open(path);
        m_session.awaitTracks();
    });
    connect(&m_session, &PlaybackSession::choicesWanted, this,
            [this](const std::optional<PlaybackChoices> &own, qint64 positionMs) {
                const QString folder = QFileInfo(m_session.path()).absolutePath();
                m_tracks.setWanted(own, m_settings.folderChoices(folder), positionMs);
            });
    connect(&m_player, &QMediaPlayer::positionChanged, &m_tracks, &TrackController::setPosition);

    // The player may list its tracks before or after the controller chose one: both apply it.
    connect(&m_tracks, &TrackController::audioTrackRequested, this, &PlayerApp::applyAudioTrack);
    connect(&m_player, &QMediaPlayer::tracksChanged, this, [this] {
        // Qt 6.4's own subtitles come at the wrong time after any seek (measured): never on.
        if (m_player.activeSubtitleTrack() != -1)
            m_player.setActiveSubtitleTrack(-1);
        applyAudioTrack();
    });
    connect(&m_tracks, &TrackController::playbackRateRequested, this, [this](double rate) {
        if (!qFuzzyCompare(m_player.playbackRate(), rate))
            m_player.setPlaybackRate(rate);
    });
    connect(&m_tracks, &TrackController::subtitleTextChanged, this, [this](const QString &text) {
        m_window->videoWidget()->videoSink()->setSubtitleText(text);
        m_session.refreshPausedFrame();
    });
    connect(&m_tracks, &TrackController::messageShown, m_window.get(), &PlayerWindow::showMessage);
    // The backend would play the sound alone (with an audio output attached): the file fails as
    // one that cannot play, with the reason (handleFailure finds the same words).
    connect(&m_tracks, &TrackController::videoUndecodable, &m_session,
            &PlaybackSession::handleMediaError);
    connect(&m_tracks, &TrackController::tracksChanged, this, &PlayerApp::showTracks);
    connect(&m_tracks, &TrackController::choicesChanged, this,
            [this](const PlaybackChoices &choices, TrackController::Cause cause) {
                showTracks();
                m_session.setChoices(choices, cause == TrackController::Cause::Person);
                m_session.tracksApplied();
                // What was chosen (here or on another device) goes on to the next file of the
                // folder; this device's defaults need no remembering.
                if (cause != TrackController::Cause::Defaults) {
                    m_settings.setFolderChoices(QFileInfo(m_tracks.path()).absolutePath(), choices);
                }
                if (m_options.events)
                    m_printer.tracks(m_tracks.audioName(), m_tracks.subtitleName(),
                                     choices.subtitleDelayMs, choices.speed);
            });

    PlayerWindow *window = m_window.get();
    connect(window, &PlayerWindow::subtitleCycleRequested, &m_tracks,
            &TrackController::cycleSubtitles);
    connect(window, &PlayerWindow::subtitleTrackChosen, &m_tracks,
            &TrackController::chooseSubtitles);
    connect(window, &PlayerWindow::subtitleFileChosen, &m_tracks,
            &TrackController::loadSubtitleFile);
    connect(window, &PlayerWindow::subtitleDelayStepRequested, &m_tracks,
            &TrackController::shiftSubtitleDelay);
    connect(window, &PlayerWindow::audioCycleRequested, &m_tracks, &TrackController::cycleAudio);
    connect(window, &PlayerWindow::audioTrackChosen, &m_tracks, &TrackController::chooseAudio);
    connect(window, &PlayerWindow::speedStepRequested, &m_tracks, &TrackController::stepSpeed);
    connect(window, &PlayerWindow::speedChosen, &m_tracks, &TrackController::setSpeed);
    connect(window, &PlayerWindow::normalSpeedRequested, &m_tracks,
            [this] { m_tracks.setSpeed(1.0); });
    connect(window, &PlayerWindow::homeRequested, &m_tracks, &TrackController::close);
}

void PlayerApp::applyAudioTrack()
{
    // None chosen until the new video's tracks are known: not the previous video's. Asked for
    // only when it changes: each switch flushes the pipeline (a seek).
    const int index = m_tracks.isApplied() ? m_tracks.currentAudio() : -1;
    // Without a sound device nothing is heard whichever track plays (the choice is still kept
    // and reported), and a switch re-links the silent sink, which GStreamer finds again by
    // trying every sound system, then flushes the pipeline: measured, that stalled the start of
    // a RealMedia file 6 runs in 8 and of a paused resume on another track 2 runs in 3.
    if (!m_soundDevice)
        return;
    if (index >= 0 && index < m_player.audioTracks().size() && m_player.activeAudioTrack() != index)
        m_player.setActiveAudioTrack(index);
}

void PlayerApp::showTracks()
{
    m_window->setAudioTracks(m_tracks.audioNames(), m_tracks.currentAudio());
    m_window->setSubtitleTracks(m_tracks.subtitleNames(), m_tracks.currentSubtitles());
    m_window->setSpeeds(TrackController::speeds(), m_tracks.selection().speed);
}
