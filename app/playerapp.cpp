#include "playerapp.h"

#include "client/tlstrust.h"
#include "continuewatchingview.h"
#include "noticebar.h"
#include "playercontrols.h"
#include "playerwindow.h"
#include "settingsdialog.h"
#include "syncstatus.h"
#include "timeformat.h"

#include <QAudioDevice>
#include <QAudioOutput>
#include <QFileDialog>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMediaDevices>
#include <QMessageBox>
#include <QTimer>
#include <QVideoWidget>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdio>

Q_LOGGING_CATEGORY(lcApp, "playmark.app")

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kRecentKey = QStringLiteral("recent/files");
constexpr int kMaxRecent = 10;
const QString kIntervalKey = QStringLiteral("playback/report_interval_s");
const QString kAskKey = QStringLiteral("playback/ask_before_resuming");
const QString kRewindKey = QStringLiteral("playback/rewind_after_break");
const QString kFirstRunKey = QStringLiteral("first_run/done");
} // namespace

PlayerApp::PlayerApp(AppOptions options, QObject *parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_profile(m_options.profileDir),
      m_sync(m_local, m_servers),
      m_stream(m_servers),
      m_session(m_sync, m_local),
      m_window(std::make_unique<PlayerWindow>()),
      m_thumbnails(m_profile.folder() + QStringLiteral("/thumbnails"))
{
    // Without an audio device an attached output stalls the GStreamer pipeline: attach none.
    if (!QMediaDevices::audioOutputs().isEmpty()) {
        m_audio = new QAudioOutput(this);
        m_audio->setVolume(
            float(m_profile.settings().value(QStringLiteral("audio/volume"), 0.8).toDouble()));
        m_player.setAudioOutput(m_audio);
    }
    m_player.setVideoOutput(m_window->videoWidget());
}

PlayerApp::~PlayerApp() = default;

void PlayerApp::applyOptionsToProfile()
{
    if (m_options.servers)
        m_profile.setServers(*m_options.servers);
    if (m_options.token)
        m_profile.setToken(*m_options.token);
    if (m_options.caCertificate)
        m_profile.setCaCertificatePath(*m_options.caCertificate);
    if (m_options.deviceName)
        m_profile.setDeviceName(*m_options.deviceName);
    m_profile.settings().sync();
}

void PlayerApp::start()
{
    applyOptionsToProfile();
    configureFromProfile();
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

    connectPlayer();
    connectWindow();
    connectSession();

    m_window->restoreGeometry(m_profile.settings().value(kGeometryKey).toByteArray());
    m_window->setRecentFiles(m_profile.settings().value(kRecentKey).toStringList());
    updateSyncStatus();
    m_window->controls()->setAudioAvailable(m_audio != nullptr);
    if (m_audio)
        m_window->controls()->setVolume(qRound(m_audio->volume() * 100));
    m_window->show();

    m_local.open(m_profile.localDatabasePath(), this, [this](const StoreResult<void> &opened) {
        if (!opened.ok()) {
            qCWarning(lcApp).noquote() << "the local copy cannot be used:" << opened.error();
            std::fprintf(stderr, "playmark: the local copy cannot be used: %s\n",
                         qPrintable(opened.error()));
        }
        // Updates left from a previous run go out first.
        m_sync.deliver();
        m_stream.start();
    });
    if (!m_options.file.isEmpty())
        m_session.open(m_options.file);
    else
        showContinueWatching();

    // First run with nowhere to sync to: offer to connect, without blocking anything.
    if (!m_sync.hasServer() && !isScripted() && !m_profile.settings().value(kFirstRunKey).toBool())
        openSettings(SettingsDialog::Mode::FirstRun);
}

void PlayerApp::configureFromProfile()
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
    m_stream.stop();
    m_servers.setServers(m_profile.servers(), m_profile.token());
    m_servers.setTrustedCertificates(trusted);
    m_sync.setDevice(m_profile.deviceId(), m_profile.deviceName());
    QSettings &settings = m_profile.settings();
    const int interval = m_options.reportIntervalSet ? m_options.reportIntervalSeconds
                                                     : settings.value(kIntervalKey, 5).toInt();
    m_session.setReportIntervalMs(qBound(1, interval, 3600) * 1000);
    m_session.setAskBeforeResuming(settings.value(kAskKey, false).toBool());
    m_session.setRewindAfterBreak(settings.value(kRewindKey, false).toBool());
    m_window->setDeviceName(m_profile.deviceName());
    updateSyncStatus();
}

SettingsValues PlayerApp::currentSettings()
{
    SettingsValues values;
    values.serverUrl = m_profile.servers().toText();
    values.token = m_profile.token();
    values.deviceName = m_profile.deviceName();
    values.reportIntervalSeconds = m_profile.settings().value(kIntervalKey, 5).toInt();
    values.askBeforeResuming = m_profile.settings().value(kAskKey, false).toBool();
    values.rewindAfterBreak = m_profile.settings().value(kRewindKey, false).toBool();
    return values;
}

void PlayerApp::saveSettings(const SettingsValues &values)
{
    // The dialog accepts only a list that parses.
    QString error;
    m_profile.setServers(ServerList::parse(values.serverUrl, &error).value_or(ServerList()));
    m_profile.setToken(values.token);
    m_profile.setDeviceName(values.deviceName);
    m_profile.settings().setValue(kIntervalKey, values.reportIntervalSeconds);
    m_profile.settings().setValue(kAskKey, values.askBeforeResuming);
    m_profile.settings().setValue(kRewindKey, values.rewindAfterBreak);
    m_profile.settings().setValue(kFirstRunKey, true);
    m_profile.settings().sync();
    configureFromProfile();
    m_stream.start();
    m_sync.deliver();
    if (m_window->isHomeShown())
        showContinueWatching();
}

void PlayerApp::openSettings(SettingsDialog::Mode mode)
{
    auto *dialog = new SettingsDialog(mode, currentSettings(), m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { saveSettings(dialog->values()); });
    connect(dialog, &SettingsDialog::offlineChosen, this, [this] {
        m_profile.settings().setValue(kFirstRunKey, true);
        m_profile.settings().sync();
    });
    dialog->open();
}

void PlayerApp::rememberRecent(const QString &path)
{
    QStringList recent = m_profile.settings().value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    m_profile.settings().setValue(kRecentKey, recent);
    m_window->setRecentFiles(recent);
}

void PlayerApp::fillHistoryMenu()
{
    const QString contentId = m_session.contentId();
    if (contentId.isEmpty()) {
        m_window->setHistoryEntries({});
        return;
    }
    m_sync.fetchHistory(
        contentId, 50, PlaybackSession::kDefaultServerWaitMs, this,
        [this, contentId](bool ok, const QList<ProgressRecord> &items) {
            QList<QPair<QString, qint64>> entries;
            const qint64 now = m_sync.clock().serverNowMs();
            for (const ProgressRecord &item : items) {
                if (item.deviceId == m_sync.deviceId() || entries.size() >= 12)
                    continue;
                entries.append({QStringLiteral("%1 · %2 · %3")
                                    .arg(item.deviceName, TimeFormat::clock(item.positionMs),
                                         TimeFormat::ago(item.observedAtMs, now)),
                                item.positionMs});
            }
            if (!ok)
                qCInfo(lcApp) << "history of" << contentId << "unavailable: server unreachable";
            m_window->setHistoryEntries(entries);
        });
}

void PlayerApp::closeWindow()
{
    m_window->close();
}

void PlayerApp::showContinueWatching()
{
    m_window->showHome();
    if (!m_sync.hasServer()) {
        m_local.recent(20, this,
                       [this](const auto &records) { showEntries(records.valueOr({}), false); });
        return;
    }
    m_sync.fetchList(20, PlaybackSession::kDefaultServerWaitMs, this,
                     [this](bool ok, const QList<ProgressRecord> &records) {
                         if (!ok) {
                             m_local.recent(20, this, [this](const auto &local) {
                                 showEntries(local.valueOr({}), false);
                             });
                             return;
                         }
                         // Kept here too, for the list when the server is away.
                         for (const ProgressRecord &record : records)
                             m_local.save(record, false, 0);
                         m_local.withoutHidden(records, this, [this, records](const auto &visible) {
                             showEntries(visible.valueOr(records), true);
                         });
                     });
}

void PlayerApp::showEntries(const QList<ProgressRecord> &records, bool fromServer)
{
    m_entries.clear();
    QList<ContinueEntry> entries;
    for (const ProgressRecord &record : records) {
        m_entries.insert(record.contentId, record);
        entries.append({record.contentId, record.title, record.deviceName, record.positionMs,
                        record.durationMs, record.observedAtMs, QImage()});
        m_local.location(record.contentId, this, [this, record](const auto &location) {
            const QString path = location.valueOr({});
            m_locations.insert(record.contentId, path);
            m_thumbnails.request(record.contentId, path, record.positionMs);
        });
    }
    m_window->home()->setEntries(entries, m_sync.clock().serverNowMs(), fromServer);
}

void PlayerApp::openEntry(const QString &contentId)
{
    const ProgressRecord record = m_entries.value(contentId);
    const QString path = m_locations.value(contentId);
    if (!path.isEmpty() && QFileInfo::exists(path)) {
        m_session.open(path);
        return;
    }
    locateAndOpen(record, path);
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
            [this, record](const QString &contentId) {
                if (contentId != record.contentId)
                    m_window->notice()->showNotice(
                        tr("This is not the same video as “%1”: it plays from its own place.")
                            .arg(record.title),
                        QString());
            },
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
    connect(window, &PlayerWindow::closeRequested, &m_session, &PlaybackSession::close);
    connect(window, &PlayerWindow::historyRequested, this, &PlayerApp::fillHistoryMenu);
    connect(window, &PlayerWindow::settingsRequested, this,
            [this] { openSettings(SettingsDialog::Mode::Settings); });
    connect(window, &PlayerWindow::jumpRequested, &m_session, &PlaybackSession::requestSeek);
    connect(window, &PlayerWindow::homeRequested, this, [this] {
        m_session.requestStop();
        m_player.stop();
        showContinueWatching();
    });
    connect(window->home(), &ContinueWatchingView::openRequested, this, &PlayerApp::openEntry);
    connect(window->home(), &ContinueWatchingView::hideRequested, this,
            [this](const QString &contentId) {
                m_local.hide(contentId, m_entries.value(contentId).observedAtMs);
                showContinueWatching();
            });
    connect(window->home(), &ContinueWatchingView::forgetRequested, this,
            [this](const QString &contentId) {
                m_local.hide(contentId, m_entries.value(contentId).observedAtMs);
                m_sync.forget(contentId, this, [this](bool) { showContinueWatching(); });
            });
    connect(&m_thumbnails, &ThumbnailCache::thumbnailReady, m_window->home(),
            &ContinueWatchingView::setThumbnail);
    connect(window->notice(), &NoticeBar::actionTriggered, this, [this] {
        if (m_noticeAction)
            m_noticeAction();
    });
    connect(window, &PlayerWindow::volumeStepRequested, this, [this](int delta) {
        if (!m_audio)
            return;
        const float volume = qBound(0.0F, m_audio->volume() + float(delta) / 100.0F, 1.0F);
        m_audio->setVolume(volume);
        m_window->controls()->setVolume(qRound(volume * 100));
    });
    connect(window->controls(), &PlayerControls::volumeChangeRequested, this, [this](int percent) {
        if (m_audio)
            m_audio->setVolume(float(percent) / 100.0F);
    });
    connect(window, &PlayerWindow::muteToggleRequested, this, [this] {
        if (!m_audio)
            return;
        m_audio->setMuted(!m_audio->isMuted());
        m_window->controls()->setMuted(m_audio->isMuted());
    });
}

void PlayerApp::connectSession()
{
    connect(&m_session, &PlaybackSession::loadRequested, this, [this](const QString &path) {
        rememberRecent(QFileInfo(path).absoluteFilePath());
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
    connect(&m_session, &PlaybackSession::remoteUpdateArrived, this, &PlayerApp::showRemoteNotice);
    connect(&m_session, &PlaybackSession::resumeOffered, this, [this](const ResumePoint &point) {
        m_noticeAction = [this, position = point.positionMs] {
            m_session.requestSeek(position);
        };
        const QString from = point.record ? point.record->deviceName : QString();
        m_window->notice()->showNotice(
            tr("Resume at %1 (from %2)?").arg(TimeFormat::clock(point.positionMs), from),
            tr("Resume"), 15000);
    });
    connect(&m_session, &PlaybackSession::ended, this, [this] {
        if (isScripted())
            return;
        // Listing the folder may be slow (a network share): not on the GUI thread.
        const QString path = m_session.path();
        QtConcurrent::run([path] {
            return UpNext::nextAfter(path);
        }).then(this, [this, path](const QString &next) {
            if (!next.isEmpty() && m_session.path() == path)
                m_upNext.offer(next);
        });
    });
    connect(&m_session, &PlaybackSession::loadRequested, &m_upNext, &UpNext::cancel);
    connect(&m_upNext, &UpNext::countdownChanged, this,
            [this](const QString &next, int secondsLeft) {
                m_noticeAction = [this] {
                    m_upNext.cancel();
                };
                m_window->notice()->showNotice(tr("Up next: %1 · in %2 s")
                                                   .arg(QFileInfo(next).completeBaseName())
                                                   .arg(secondsLeft),
                                               tr("Cancel"), 1500);
            });
    connect(&m_upNext, &UpNext::cancelled, m_window->notice(), &QWidget::hide);
    connect(&m_upNext, &UpNext::playNextRequested, &m_session, &PlaybackSession::open);
    connect(&m_session, &PlaybackSession::resumed, this, [this](const ResumePoint &point) {
        if (m_options.events)
            m_printer.resumed(m_session.contentId(), point);
        showResumeNotice(point);
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
        if (m_audio)
            m_profile.settings().setValue(QStringLiteral("audio/volume"),
                                          double(m_audio->volume()));
        m_profile.settings().setValue(kGeometryKey, m_window->saveGeometry());
        m_profile.settings().sync();
        m_stream.stop();
        m_player.stop();
        m_window->allowClose();
        Q_EMIT exitRequested(0);
    });
}

void PlayerApp::showResumeNotice(const ResumePoint &point)
{
    if (point.positionMs <= 0 || !point.record)
        return;
    const QString from = point.record->deviceId == m_sync.deviceId()
        ? tr("on this device")
        : tr("from %1").arg(point.record->deviceName);
    m_noticeAction = [this] {
        m_session.startOver();
    };
    m_window->notice()->showNotice(
        tr("Resumed at %1 · %2 · %3")
            .arg(TimeFormat::clock(point.positionMs), from,
                 TimeFormat::ago(point.record->observedAtMs, m_sync.clock().serverNowMs())),
        tr("Start over"));
}

void PlayerApp::showRemoteNotice(const ProgressRecord &record, bool playingHere)
{
    m_noticeAction = [this, record] {
        m_session.continueFrom(record);
    };
    const QString where =
        tr("%1 is at %2").arg(record.deviceName, TimeFormat::clock(record.positionMs));
    // While this device plays, nothing jumps: the notice only offers it.
    m_window->notice()->showNotice(where,
                                   playingHere ? tr("Jump there") : tr("Continue from there"));
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
    m_window->setSyncStatus(status.text(), status.toolTip());
}

void PlayerApp::handleFailure(const QString &reason)
{
    const QString message =
        tr("Cannot play %1: %2").arg(QFileInfo(m_session.path()).fileName(), reason);
    if (isScripted()) {
        std::fprintf(stderr, "playmark: %s\n", qPrintable(message));
        m_player.stop();
        Q_EMIT exitRequested(kExitUnplayable);
        return;
    }
    qCWarning(lcApp).noquote() << message;
    m_player.stop();
    m_window->showHome(message);
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot play this file"), message,
                                QMessageBox::Ok, m_window.get());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
