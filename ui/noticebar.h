#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QPushButton;

// A one-line notice under the video with one action, shown for a few seconds:
// "Resumed at 18:42 · from TV · 3 min ago  [Start over]",
// "TV is at 18:42  [Continue from there]". A newer notice replaces the one shown.
class NoticeBar final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NoticeBar)
public:
    static constexpr int kShownMs = 8000;

    explicit NoticeBar(QWidget *parent = nullptr);

    // An empty `actionText` shows no button.
    void showNotice(const QString &text, const QString &actionText, int durationMs = kShownMs);
    QString text() const;
    QString actionText() const;
    bool hasAction() const;

    // Runs the shown action (Enter does this while a notice with an action is up).
    void trigger();

Q_SIGNALS:
    void actionTriggered();
    // Whether a notice with an action is on screen (Enter then means "do it").
    void actionAvailableChanged(bool available);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    QLabel *m_label = nullptr;
    QPushButton *m_action = nullptr;
    QTimer m_hide;
};
