#pragma once

#include "appoptions.h"
#include "clientprofile.h"
#include "eventprinter.h"
#include "localcopy.h"
#include "playbacksession.h"
#include "syncclient.h"

#include <QMediaPlayer>
#include <QObject>

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

Q_SIGNALS:
    void exitRequested(int code);

private:
    void applyOptionsToProfile();
    void connectPlayer();
    void connectWindow();
    void connectSession();
    void showResumeBanner(const ResumePoint &point);
    void handleFailure(const QString &reason);
    bool isScripted() const { return m_options.events || m_options.quitAfterSeconds > 0; }

    AppOptions m_options;
    ClientProfile m_profile;
    LocalCopy m_local;
    SyncClient m_sync;
    PlaybackSession m_session;
    QMediaPlayer m_player;
    QAudioOutput *m_audio = nullptr; // none when the machine has no audio output
    std::unique_ptr<PlayerWindow> m_window;
    EventPrinter m_printer;
    bool m_quitScheduled = false;
};
