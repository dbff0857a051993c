#include "continuewatchingview.h"

#include "timeformat.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace {

enum Role {
    ContentIdRole = Qt::UserRole + 1,
    DetailRole,
    ProgressRole,
    LeftRole,
    ThumbnailRole,
    KindRole,
};

using Kind = ContinueWatchingView::Entry::Kind;

constexpr int kThumbWidth = 160;
constexpr int kThumbHeight = 90;
constexpr int kRowHeight = kThumbHeight + 16;

// Paints an entry: the picture on the left, then title, "TV · 3 min ago", a progress bar and
// "12 min left".
class EntryDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        return {option.rect.width(), kRowHeight};
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        painter->save();
        if (option.state & QStyle::State_Selected)
            painter->fillRect(option.rect, option.palette.highlight());
        const QRect thumb(option.rect.left() + 8, option.rect.top() + 8, kThumbWidth, kThumbHeight);
        const QImage image = index.data(ThumbnailRole).value<QImage>();
        painter->fillRect(thumb, QColor(0x1d, 0x27, 0x33));
        if (!image.isNull()) {
            const QImage scaled =
                image.scaled(thumb.size(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
            painter->drawImage(thumb.left() + (thumb.width() - scaled.width()) / 2,
                               thumb.top() + (thumb.height() - scaled.height()) / 2, scaled);
        }

        const QColor text = option.state & QStyle::State_Selected
            ? option.palette.highlightedText().color()
            : option.palette.text().color();
        const int x = thumb.right() + 14;
        const int width = option.rect.right() - x - 12;
        QFont titleFont = option.font;
        titleFont.setBold(true);
        titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
        painter->setFont(titleFont);
        painter->setPen(text);
        const QFontMetrics titleMetrics(titleFont);
        painter->drawText(
            QRect(x, thumb.top(), width, titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
            titleMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, width));

        painter->setFont(option.font);
        const QFontMetrics metrics(option.font);
        const int detailTop = thumb.top() + titleMetrics.height() + 4;
        painter->drawText(QRect(x, detailTop, width, metrics.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, index.data(DetailRole).toString());

        const int barTop = detailTop + metrics.height() + 8;
        const QRect bar(x, barTop, qMin(width, 360), 6);
        // No bar for an entry not started (Next Up, Locate…): nothing of it was watched yet.
        const double progress = index.data(ProgressRole).toDouble();
        if (progress >= 0) {
            painter->setPen(Qt::NoPen);
            painter->setBrush(QColor(0x55, 0x5f, 0x6b));
            painter->drawRoundedRect(bar, 3, 3);
            painter->setBrush(QColor(0x4f, 0xa3, 0xe0));
            painter->drawRoundedRect(
                QRect(bar.topLeft(), QSize(int(bar.width() * progress), bar.height())), 3, 3);
        }
        painter->setPen(text);
        painter->drawText(
            QRect(x, bar.bottom() + 6, width, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
            metrics.elidedText(index.data(LeftRole).toString(), Qt::ElideRight, width));
        painter->restore();
    }
};

// The window binds the arrows to seeking and volume; while the list has the keyboard they move
// through it instead (a focused widget claims a key through ShortcutOverride).
class ListKeys final : public QObject
{
public:
    using QObject::QObject;

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::ShortcutOverride) {
            auto *key = static_cast<QKeyEvent *>(event);
            const bool navigation = key->key() == Qt::Key_Up || key->key() == Qt::Key_Down
                || key->key() == Qt::Key_PageUp || key->key() == Qt::Key_PageDown
                || key->key() == Qt::Key_Home || key->key() == Qt::Key_End;
            if (navigation && (key->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier) {
                event->accept();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

ContinueWatchingView::ContinueWatchingView(QWidget *parent) : QWidget(parent)
{
    m_heading = new QLabel(tr("Continue Watching"), this);
    QFont headingFont = m_heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.5);
    headingFont.setBold(true);
    m_heading->setFont(headingFont);

    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("continueEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);

    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("continueList"));
    m_list->setItemDelegate(new EntryDelegate(m_list));
    m_list->installEventFilter(new ListKeys(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);

    m_open = new QPushButton(tr("Open"), this);
    m_hide = new QPushButton(tr("Hide"), this);
    m_hide->setToolTip(tr("Remove from this list on this device; the position is kept (Delete)"));
    m_forget = new QPushButton(tr("Forget…"), this);
    m_forget->setToolTip(tr("Delete the position on every device (Shift+Delete)"));

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_open);
    buttons->addWidget(m_hide);
    buttons->addWidget(m_forget);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->addWidget(m_heading);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_empty, 1);
    layout->addLayout(buttons);

    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        Q_EMIT openRequested(item->data(ContentIdRole).toString());
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (!currentContentId().isEmpty())
            Q_EMIT openRequested(currentContentId());
    });
    connect(m_hide, &QPushButton::clicked, this, [this] {
        if (!currentContentId().isEmpty())
            Q_EMIT hideRequested(currentContentId());
    });
    connect(m_forget, &QPushButton::clicked, this, &ContinueWatchingView::askToForget);
    connect(m_list, &QListWidget::customContextMenuRequested, this,
            &ContinueWatchingView::showEntryMenu);
    connect(m_list, &QListWidget::currentItemChanged, this, &ContinueWatchingView::updateButtons);
    setEntries({}, 0, true);
}

void ContinueWatchingView::setEntries(const QList<Entry> &entries, qint64 nowMs, bool fromServer)
{
    m_list->clear();
    for (const Entry &entry : entries) {
        auto *item =
            new QListWidgetItem(entry.title.isEmpty() ? entry.contentId : entry.title, m_list);
        item->setData(ContentIdRole, entry.contentId);
        item->setData(KindRole, int(entry.kind));
        item->setData(ThumbnailRole, entry.thumbnail);
        item->setToolTip(entry.title);
        const QString when = TimeFormat::ago(entry.observedAtMs, nowMs);
        QString detail;
        QString left;
        switch (entry.kind) {
        case Kind::Resume:
            detail = QStringLiteral("%1 · %2 · %3")
                         .arg(entry.deviceName, TimeFormat::clock(entry.positionMs), when);
            left = TimeFormat::left(entry.positionMs, entry.durationMs);
            if (entry.playCount > 0)
                left += QStringLiteral(" · ")
                    + TimeFormat::plays(entry.playCount, entry.lastFinishedMs, nowMs);
            item->setData(ProgressRole,
                          entry.durationMs > 0 ? double(entry.positionMs) / double(entry.durationMs)
                                               : 0.0);
            break;
        case Kind::NextUp:
            detail = tr("Next: %1").arg(entry.episodeLabel);
            left = tr("From the start · %1 · %2").arg(entry.deviceName, when);
            item->setData(ProgressRole, -1.0);
            break;
        case Kind::Locate:
            detail = tr("Next episode: Locate… the folder of its episodes on this device");
            left = tr("%1 · %2").arg(entry.deviceName, when);
            item->setData(ProgressRole, -1.0);
            break;
        }
        item->setData(DetailRole, detail);
        item->setData(LeftRole, left);
        // What a screen reader (and a test) reads of the painted row.
        item->setData(Qt::AccessibleTextRole,
                      QString(item->text() + QStringLiteral(", ") + detail));
        item->setData(Qt::AccessibleDescriptionRole, left);
    }
    const bool empty = entries.isEmpty();
    m_list->setVisible(!empty);
    m_empty->setVisible(empty);
    m_empty->setText(tr("Nothing to continue yet.\nOpen a video with Ctrl+O, or drop a file here: "
                        "Playmark resumes it where you left it, on any device."));
    m_heading->setText(fromServer ? tr("Continue Watching")
                                  : tr("Continue Watching (offline: this device only)"));
    m_fromServer = fromServer;
    if (!empty) {
        m_list->setCurrentRow(0);
        // Entries arrive after the window is shown, when the list was hidden and nothing took
        // the keyboard: give it to the list so the arrows and Enter work without the mouse.
        const QWidget *focus = window()->focusWidget();
        if (m_list->isVisible() && (!focus || !focus->isVisible() || !focus->isEnabled()))
            m_list->setFocus();
    }
    updateButtons();
}

void ContinueWatchingView::updateButtons()
{
    const QListWidgetItem *item = m_list->currentItem();
    const bool current = item != nullptr;
    for (QPushButton *button : {m_open, m_hide})
        button->setEnabled(current);
    // Forget deletes one video's place on every device: a Next Up or Locate… entry stands for a
    // show (its finished episode would be forgotten, and Next Up go back); Hide takes it off here.
    m_forget->setEnabled(current && m_fromServer && currentKind() == Kind::Resume);
    m_open->setText(current && currentKind() == Kind::Locate ? tr("Locate…") : tr("Open"));
}

ContinueWatchingView::Entry::Kind ContinueWatchingView::currentKind() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? Kind(item->data(KindRole).toInt()) : Kind::Resume;
}

void ContinueWatchingView::showEntryMenu(const QPoint &at)
{
    QListWidgetItem *item = m_list->itemAt(at);
    if (!item)
        item = m_list->currentItem();
    if (!item)
        return;
    m_list->setCurrentItem(item);
    const QString contentId = item->data(ContentIdRole).toString();
    const Kind kind = currentKind();
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(kind == Kind::Locate ? tr("Locate…") : tr("Open"), this,
                    [this, contentId] { Q_EMIT openRequested(contentId); });
    menu->addSeparator();
    // A Next Up entry's episode is not started: marking it watched skips it; a Locate… entry has
    // no file yet.
    QAction *watched = menu->addAction(tr("Mark as Watched"), this, [this, contentId] {
        Q_EMIT markWatchedRequested(contentId, true);
    });
    watched->setEnabled(kind != Kind::Locate);
    QAction *unwatched = menu->addAction(tr("Mark as Unwatched"), this, [this, contentId] {
        Q_EMIT markWatchedRequested(contentId, false);
    });
    unwatched->setEnabled(kind == Kind::Resume);
    menu->addSeparator();
    menu->addAction(m_hide->text(), this, [this, contentId] { Q_EMIT hideRequested(contentId); });
    QAction *forget = menu->addAction(m_forget->text(), this, &ContinueWatchingView::askToForget);
    forget->setEnabled(m_forget->isEnabled());
    const QRect row = m_list->visualItemRect(item);
    menu->popup(m_list->viewport()->mapToGlobal(m_list->itemAt(at) ? at : row.center()));
}

void ContinueWatchingView::setThumbnail(const QString &contentId, const QImage &image)
{
    for (int row = 0; row < m_list->count(); ++row) {
        QListWidgetItem *item = m_list->item(row);
        if (item->data(ContentIdRole).toString() == contentId)
            item->setData(ThumbnailRole, image);
    }
}

int ContinueWatchingView::entryCount() const
{
    return m_list->count();
}

QString ContinueWatchingView::currentContentId() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(ContentIdRole).toString() : QString();
}

void ContinueWatchingView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Delete && !currentContentId().isEmpty()) {
        if (event->modifiers() & Qt::ShiftModifier)
            askToForget();
        else
            Q_EMIT hideRequested(currentContentId());
        return;
    }
    QWidget::keyPressEvent(event);
}

void ContinueWatchingView::askToForget()
{
    const QString contentId = currentContentId();
    if (contentId.isEmpty() || !m_forget->isEnabled())
        return;
    auto *box =
        new QMessageBox(QMessageBox::Question, tr("Forget this video?"),
                        tr("Forget where you are in “%1” on every device? This cannot be undone.")
                            .arg(m_list->currentItem()->text()),
                        QMessageBox::Cancel, this);
    QPushButton *forget = box->addButton(tr("Forget"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this,
            [this, forget, contentId](QAbstractButton *button) {
                if (button == forget)
                    Q_EMIT forgetRequested(contentId);
            });
    box->open();
}
