#pragma once

#include <QImage>
#include <QList>
#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;

// One entry of Continue Watching, as the view shows it.
struct ContinueEntry
{
    QString contentId;
    QString title;
    QString deviceName;
    qint64 positionMs = 0;
    qint64 durationMs = 0;
    qint64 observedAtMs = 0;
    QImage thumbnail;
};

// The list shown when no video is open: picture, title, device, progress, time left, when.
// Passive: Enter or double-click asks to open; "Hide" and "Forget…" ask to remove (Forget after
// the person confirms).
class ContinueWatchingView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ContinueWatchingView)
public:
    explicit ContinueWatchingView(QWidget *parent = nullptr);

    void setEntries(const QList<ContinueEntry> &entries, qint64 nowMs, bool fromServer);
    void setThumbnail(const QString &contentId, const QImage &image);
    int entryCount() const;
    QString currentContentId() const;
    QListWidget *list() const { return m_list; }

Q_SIGNALS:
    void openRequested(const QString &contentId);
    void hideRequested(const QString &contentId);
    void forgetRequested(const QString &contentId);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void askToForget();

    QLabel *m_heading = nullptr;
    QLabel *m_empty = nullptr;
    QListWidget *m_list = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_hide = nullptr;
    QPushButton *m_forget = nullptr;
};
