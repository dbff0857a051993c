#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QPushButton;

// "Resumed at 18:42 · from TV · 3 min ago   [Start over]", shown for a few seconds over the video.
class ResumeBanner final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResumeBanner)
public:
    static constexpr int kShownMs = 6000;

    explicit ResumeBanner(QWidget *parent = nullptr);

    void showMessage(const QString &text, int durationMs = kShownMs);
    QString text() const;

Q_SIGNALS:
    void startOverClicked();

private:
    QLabel *m_label = nullptr;
    QPushButton *m_startOver = nullptr;
    QTimer m_hide;
};
