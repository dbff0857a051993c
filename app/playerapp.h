#pragma once

#include "appoptions.h"
#include "client/clientprofile.h"
#include "client/eventstream.h"
#include "client/localcopy.h"
#include "client/pairingclient.h"
#include "client/serverpool.h"
#include "client/syncclient.h"
#include "client/tokenvault.h"
#include "continuewatchingmodel.h"
#include "devicesui.h"
#include "eventprinter.h"
#include "historyentries.h"
#include "mprisservice.h"
#include "noticepresenter.h"
#include "playbacksession.h"
#include "playersettings.h"
#include "settingsdialog.h"
#include "thumbnailcache.h"
#include "trackcontroller.h"
#include "upnext.h"
#include "videoframeforwarder.h"

#include <QMediaPlayer>
#include <QObject>

#include <memory>

class PlayerWindow;
class QAudioOutput;

// The player put together: profile and its settings, local copy, sync client, playback session,
// Continue Watching, notices, history, QMediaPlayer and the window, and every connection between
// them. Decides nothing itself: each decision is in one of those objects, tested without it.
class PlayerApp final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlayerApp)
public:
    static constexpr int kExitUnplayable = 3;

    explicit PlayerApp(AppOptions options, QObject *parent = nullptr);
    ~PlayerApp() override;

    void start();
    void closeWindow();
    // Another start of this profile (ProfileInstance): open `file` the normal way, when given,
    // and come to the front.
    void activate(const QString &file);

Q_SIGNALS:
    void exitRequested(int code);
    void closing(); // the window is closing: the final position is being saved

private:
    void applyOptionsToProfile();
    // Once the token is read (TokenVault, asynchronous): the servers are configured, the
    // file opens, or --pair starts.
    void tokenLoaded();
    // Delivery and the event stream start once both the local copy and the token are ready.
    void startSyncing();
    // --pair: a code, printed with --events; once approved the token is kept and it goes on.
    void startPairing();
    void openStartFile();
    QList<QSslCertificate> trustedCertificates();
    void connectPlayer();
    void connectWindow();
    void connectSession();
    void connectDesktop();
    void raiseWindow();
    void connectTracks();
    void connectDevices();
    void showTracks();
    void applyAudioTrack();
    void handleFailure(const QString &reason);
    void updateSyncStatus();
    void configureFromProfile();
    SettingsValues currentSettings();
    void saveSettings(const SettingsValues &values);
    void openSettings(SettingsDialog::Mode mode);
    void showContinueWatching();
    void showContinueWatchingEntries();
    void locateAndOpen(const ProgressRecord &record, const QString &lastPath);
    // "Locate…": asks for the folder of a show never opened here (remembered per show).
    void locateShow(const QString &showId, const QString &showTitle);
    bool isScripted() const { return m_options.events || m_options.quitAfterSeconds > 0; }

    AppOptions m_options;
    ClientProfile m_profile;
    TokenVault m_vault; // the token: the keyring, or the profile
    PlayerSettings m_settings;
    LocalCopy m_local;
    ServerPool m_servers; // one server in use at a time, for the sync client and the stream alike
    SyncClient m_sync;
    EventStream m_stream;
    PairingClient m_pairing; // --pair
    PlaybackSession m_session;
    QMediaPlayer m_player;
    QAudioOutput *m_audio; // attached even without a sound device (see the constructor)
    bool m_soundDevice; // what m_audio plays to can be heard
    std::unique_ptr<PlayerWindow> m_window;
    VideoFrameForwarder m_videoFrames; // the player's frames to the window, made safe first
    EventPrinter m_printer;
    ThumbnailCache m_thumbnails;
    UpNext m_upNext;
    NoticePresenter m_notice;
    HistoryEntries m_history;
    ContinueWatchingModel m_continueWatching;
    MprisService m_mpris;
    TrackController m_tracks;
    DevicesUi m_devicesUi; // Settings > Devices, Add a Device, Connect with a code
    bool m_quitScheduled = false;
    bool m_localOpened = false;
    bool m_tokenLoaded = false; // and usable: under --pair, once paired
    // --pair until paired: a token kept before (a removed device's, another account's) is not
    // this device's any more, and nothing goes to the server with it.
    bool m_awaitingPairing = false;
    bool m_failing = false; // a scripted run's failure is being explained; it then exits 3
    quint64 m_loads = 0; // files asked to load so far: a failure's late explanation is for the last
    QString m_printedNotice; // --events: the notice last printed, so each change prints once
};
