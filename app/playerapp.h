#pragma once

#include "appoptions.h"
#include "client/clientprofile.h"
#include "client/eventstream.h"
#include "client/localcopy.h"
#include "client/serverpool.h"
#include "client/syncclient.h"
#include "eventprinter.h"
#include "playbacksession.h"
#include "settingsdialog.h"
#include "thumbnailcache.h"
#include "upnext.h"

#include <QHash>
#include <QMediaPlayer>
#include <QObject>

#include <functional>
#include <memory>

class PlayerWindow;
class QAudioOutput;

// The player put together: profile, local copy, sync client, playback session, QMediaPlayer and
// the window, and every connection between them. Decides nothing itself.
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

Q_SIGNALS:
    void exitRequested(int code);

private:
    void applyOptionsToProfile();
    void connectPlayer();
    void connectWindow();
    void connectSession();
    void showResumeNotice(const ResumePoint &point);
    void showRemoteNotice(const ProgressRecord &record, bool playingHere);
    void handleFailure(const QString &reason);
    void updateSyncStatus();
    void rememberRecent(const QString &path);
    void configureFromProfile();
    SettingsValues currentSettings();
    void saveSettings(const SettingsValues &values);
    void openSettings(SettingsDialog::Mode mode);
    void fillHistoryMenu();
    void showContinueWatching();
    void showEntries(const QList<ProgressRecord> &records, bool fromServer);
    void openEntry(const QString &contentId);
    void locateAndOpen(const ProgressRecord &record, const QString &lastPath);
    bool isScripted() const { return m_options.events || m_options.quitAfterSeconds > 0; }

    AppOptions m_options;
    ClientProfile m_profile;
    LocalCopy m_local;
    ServerPool m_servers; // one server in use at a time, for the sync client and the stream alike
    SyncClient m_sync;
    EventStream m_stream;
    PlaybackSession m_session;
    QMediaPlayer m_player;
    QAudioOutput *m_audio = nullptr; // none when the machine has no audio output
    std::unique_ptr<PlayerWindow> m_window;
    EventPrinter m_printer;
    ThumbnailCache m_thumbnails;
    UpNext m_upNext;
    QHash<QString, ProgressRecord> m_entries; // Continue Watching, by content id
    QHash<QString, QString> m_locations; // where each entry's file was last seen here
    bool m_quitScheduled = false;
    std::function<void()> m_noticeAction; // what the notice's button (or Enter) does
};
