#pragma once

#include <QWidget>

class QLabel;
class QSlider;
class QToolButton;

// The transport bar. Passive: it shows the state it is given and emits what the person wants.
class PlayerControls final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlayerControls)
public:
    explicit PlayerControls(QWidget *parent = nullptr);

    void setPlaying(bool playing);
    void setPosition(qint64 positionMs);
    void setDuration(qint64 durationMs);
    void setVolume(int percent);
    void setMuted(bool muted);
    void setAudioAvailable(bool available);
    void setMediaLoaded(bool loaded);
    // "1.25×" next to the time while not 1×.
    void setSpeed(double speed);

    bool isDraggingSlider() const;
    QSlider *seekSlider() const { return m_seek; }

Q_SIGNALS:
    void playPauseClicked();
    void seekRequested(qint64 positionMs); // when the person lets go of the slider or clicks it
    void seekByRequested(qint64 deltaMs);
    void volumeChangeRequested(int percent);
    void muteToggleRequested();
    void fullScreenToggleRequested();

private:
    void updateTimeLabel(qint64 positionMs);

    QToolButton *m_playPause = nullptr;
    QToolButton *m_back = nullptr;
    QToolButton *m_forward = nullptr;
    QSlider *m_seek = nullptr;
    QLabel *m_time = nullptr;
    QLabel *m_speed = nullptr;
    QToolButton *m_mute = nullptr;
    QSlider *m_volume = nullptr;
    QToolButton *m_fullScreen = nullptr;
    qint64 m_durationMs = 0;
};
