#include "playercontrols.h"

#include "timeformat.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

PlayerControls::PlayerControls(QWidget *parent) : QWidget(parent)
{
    const auto button = [this](QStyle::StandardPixmap icon, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setFocusPolicy(Qt::NoFocus);
        return b;
    };
    m_playPause = button(QStyle::SP_MediaPlay, tr("Play (Space)"));
    m_back = button(QStyle::SP_MediaSeekBackward, tr("Back 10 seconds (Left)"));
    m_forward = button(QStyle::SP_MediaSeekForward, tr("Forward 10 seconds (Right)"));
    m_mute = button(QStyle::SP_MediaVolume, tr("Mute (M)"));
    m_fullScreen = button(QStyle::SP_TitleBarMaxButton, tr("Full screen (F)"));

    m_seek = new QSlider(Qt::Horizontal, this);
    m_seek->setObjectName(QStringLiteral("seekSlider"));
    m_seek->setFocusPolicy(Qt::NoFocus);
    m_seek->setToolTip(tr("Position"));
    m_time = new QLabel(this);
    m_time->setObjectName(QStringLiteral("timeLabel"));
    m_time->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("00:00:00 / 00:00:00")));
    m_time->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

    m_speed = new QLabel(this);
    m_speed->setObjectName(QStringLiteral("speedLabel"));
    m_speed->setToolTip(tr("Playback speed ([ slower, ] faster, = normal)"));
    m_speed->hide();

    m_volume = new QSlider(Qt::Horizontal, this);
    m_volume->setObjectName(QStringLiteral("volumeSlider"));
    m_volume->setRange(0, 100);
    m_volume->setMaximumWidth(100);
    m_volume->setFocusPolicy(Qt::NoFocus);
    m_volume->setToolTip(tr("Volume (Up/Down)"));

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    layout->addWidget(m_back);
    layout->addWidget(m_playPause);
    layout->addWidget(m_forward);
    layout->addWidget(m_seek, 1);
    layout->addWidget(m_time);
    layout->addWidget(m_speed);
    layout->addWidget(m_mute);
    layout->addWidget(m_volume);
    layout->addWidget(m_fullScreen);

    connect(m_playPause, &QToolButton::clicked, this, &PlayerControls::playPauseClicked);
    connect(m_back, &QToolButton::clicked, this, [this] { Q_EMIT seekByRequested(-10000); });
    connect(m_forward, &QToolButton::clicked, this, [this] { Q_EMIT seekByRequested(10000); });
    connect(m_mute, &QToolButton::clicked, this, &PlayerControls::muteToggleRequested);
    connect(m_fullScreen, &QToolButton::clicked, this, &PlayerControls::fullScreenToggleRequested);
    connect(m_volume, &QSlider::valueChanged, this, &PlayerControls::volumeChangeRequested);
    // While dragging only the label follows; the seek is asked for once, on release.
    connect(m_seek, &QSlider::sliderMoved, this, [this](int value) { updateTimeLabel(value); });
    connect(m_seek, &QSlider::sliderReleased, this,
            [this] { Q_EMIT seekRequested(m_seek->value()); });
    connect(m_seek, &QSlider::actionTriggered, this, [this](int action) {
        if (action != QAbstractSlider::SliderMove && !m_seek->isSliderDown())
            Q_EMIT seekRequested(m_seek->sliderPosition());
    });
    setMediaLoaded(false);
    updateTimeLabel(0);
}

void PlayerControls::setPlaying(bool playing)
{
    m_playPause->setIcon(
        style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_playPause->setToolTip(playing ? tr("Pause (Space)") : tr("Play (Space)"));
}

void PlayerControls::setPosition(qint64 positionMs)
{
    if (m_seek->isSliderDown())
        return;
    const QSignalBlocker blocker(m_seek);
    m_seek->setValue(int(positionMs));
    updateTimeLabel(positionMs);
}

void PlayerControls::setDuration(qint64 durationMs)
{
    m_durationMs = durationMs;
    m_seek->setRange(0, int(durationMs));
    m_seek->setPageStep(10000);
    m_seek->setSingleStep(1000);
    updateTimeLabel(m_seek->value());
}

void PlayerControls::setVolume(int percent)
{
    const QSignalBlocker blocker(m_volume);
    m_volume->setValue(percent);
}

void PlayerControls::setMuted(bool muted)
{
    m_mute->setIcon(
        style()->standardIcon(muted ? QStyle::SP_MediaVolumeMuted : QStyle::SP_MediaVolume));
    m_mute->setToolTip(muted ? tr("Unmute (M)") : tr("Mute (M)"));
}

void PlayerControls::setAudioAvailable(bool available)
{
    m_mute->setEnabled(available);
    m_volume->setEnabled(available);
    if (!available) {
        m_mute->setToolTip(tr("No audio output on this machine"));
        m_volume->setToolTip(tr("No audio output on this machine"));
    }
}

void PlayerControls::setMediaLoaded(bool loaded)
{
    for (QWidget *widget : {static_cast<QWidget *>(m_playPause), static_cast<QWidget *>(m_back),
                            static_cast<QWidget *>(m_forward), static_cast<QWidget *>(m_seek)})
        widget->setEnabled(loaded);
}

void PlayerControls::setSpeed(double speed)
{
    m_speed->setText(TimeFormat::speed(speed));
    m_speed->setVisible(!qFuzzyCompare(speed, 1.0));
}

bool PlayerControls::isDraggingSlider() const
{
    return m_seek->isSliderDown();
}

void PlayerControls::updateTimeLabel(qint64 positionMs)
{
    m_time->setText(TimeFormat::clock(positionMs) + QStringLiteral(" / ")
                    + TimeFormat::clock(m_durationMs));
}
