#pragma once

#include <QImage>
#include <QList>
#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;

// The list shown when no video is open: picture, title, device, progress, time left, when; a
// show's next episode as "Next: S01E03"; a show never opened here as "Locate…". Passive: Enter or
// double-click asks to open; "Hide" and "Forget…" ask to remove (Forget after the person
// confirms); the entry's menu (right click) offers those and Mark as Watched /
// Unwatched.
class ContinueWatchingView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ContinueWatchingView)
public:
    // One entry, as the view shows it.
    struct Entry
    {
        enum class Kind { Resume, NextUp, Locate };
        Kind kind = Kind::Resume;
        QString contentId; // what the requests carry: the entry's key
        QString title;
        QString deviceName;
        qint64 positionMs = 0;
        qint64 durationMs = 0;
        qint64 observedAtMs = 0;
        QString episodeLabel; // NextUp: "S01E03"
        int playCount = 0; // how often it was finished, and the last time
        qint64 lastFinishedMs = 0;
        QImage thumbnail;
    };

    explicit ContinueWatchingView(QWidget *parent = nullptr);

    void setEntries(const QList<Entry> &entries, qint64 nowMs, bool fromServer);
    void setThumbnail(const QString &contentId, const QImage &image);
    int entryCount() const;
    QString currentContentId() const;
    QListWidget *list() const { return m_list; }

Q_SIGNALS:
    void openRequested(const QString &contentId);
    void hideRequested(const QString &contentId);
    void forgetRequested(const QString &contentId);
    void markWatchedRequested(const QString &contentId, bool watched);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void askToForget();
    // The entry's menu at `at` (the list's viewport), for the entry there or the current one.
    void showEntryMenu(const QPoint &at);
    void updateButtons();
    Entry::Kind currentKind() const;

    QLabel *m_heading = nullptr;
    QLabel *m_empty = nullptr;
    QListWidget *m_list = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_hide = nullptr;
    QPushButton *m_forget = nullptr;
    bool m_fromServer = true;
};
