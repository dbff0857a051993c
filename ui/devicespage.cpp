#include "devicespage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QVBoxLayout>

DevicesPage::DevicesPage(QWidget *parent) : QWidget(parent)
{
    m_pages = new QStackedWidget(this);

    auto *notConnectedPage = new QWidget(m_pages);
    m_notConnected = new QLabel(notConnectedPage);
    m_notConnected->setObjectName(QStringLiteral("notConnected"));
    m_notConnected->setWordWrap(true);
    auto *connectButton = new QPushButton(tr("&Connect with a Code…"), notConnectedPage);
    connectButton->setObjectName(QStringLiteral("connectWithCode"));
    connect(connectButton, &QPushButton::clicked, this, &DevicesPage::connectWithCodeRequested);
    auto *notConnectedLayout = new QVBoxLayout(notConnectedPage);
    notConnectedLayout->addWidget(m_notConnected);
    notConnectedLayout->addWidget(connectButton, 0, Qt::AlignLeft);
    notConnectedLayout->addStretch(1);

    auto *listPage = new QWidget(m_pages);
    m_list = new QListWidget(listPage);
    m_list->setObjectName(QStringLiteral("devices"));
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    // Delete on a row asks to remove it, as its button does: the list works with keys alone.
    auto *deleteKey = new QShortcut(QKeySequence::Delete, m_list);
    deleteKey->setContext(Qt::WidgetShortcut);
    connect(deleteKey, &QShortcut::activated, this, [this] {
        if (m_list->currentRow() >= 0)
            confirmRemoval(m_list->currentRow());
    });
    // Alt+Y reaches the list from anywhere in the dialog: then arrows and Delete.
    auto *title = new QLabel(tr("&Your devices:"), listPage);
    title->setBuddy(m_list);
    // The selected row's words in the selection's own text colour, as the list's own text would
    // be, not dark on the highlight.
    connect(m_list, &QListWidget::currentItemChanged, this,
            [this](QListWidgetItem *current, QListWidgetItem *previous) {
                for (QListWidgetItem *item : {previous, current}) {
                    QWidget *widget = item ? m_list->itemWidget(item) : nullptr;
                    if (!widget)
                        continue;
                    const auto role =
                        item == current ? QPalette::HighlightedText : QPalette::WindowText;
                    for (QLabel *label : widget->findChildren<QLabel *>())
                        label->setForegroundRole(role);
                }
            });
    m_status = new QLabel(listPage);
    m_status->setObjectName(QStringLiteral("devicesStatus"));
    m_status->setWordWrap(true);
    auto *add = new QPushButton(tr("&Add a Device…"), listPage);
    add->setObjectName(QStringLiteral("addDevice"));
    add->setAutoDefault(false);
    connect(add, &QPushButton::clicked, this, &DevicesPage::addDeviceRequested);
    auto *refresh = new QPushButton(tr("Re&fresh"), listPage);
    refresh->setObjectName(QStringLiteral("refreshDevices"));
    refresh->setAutoDefault(false);
    connect(refresh, &QPushButton::clicked, this, &DevicesPage::refreshRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addStretch(1);
    buttons->addWidget(refresh);
    auto *listLayout = new QVBoxLayout(listPage);
    listLayout->addWidget(title);
    listLayout->addWidget(m_list, 1);
    listLayout->addWidget(m_status);
    listLayout->addLayout(buttons);

    m_pages->addWidget(notConnectedPage);
    m_pages->addWidget(listPage);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    m_pages->setCurrentIndex(1);
}

void DevicesPage::showNotConnected(const QString &text)
{
    m_notConnected->setText(text);
    m_pages->setCurrentIndex(0);
}

void DevicesPage::setRows(const QList<Row> &rows)
{
    if (rows == m_rows && m_list->count() == rows.size()) {
        m_status->clear();
        m_pages->setCurrentIndex(1);
        return;
    }
    m_rows = rows;
    m_list->clear();
    for (int i = 0; i < rows.size(); ++i) {
        const Row &row = rows.at(i);
        auto *item = new QListWidgetItem(m_list);
        // For a screen reader: no display text, which the delegate would paint under the widget.
        item->setData(Qt::AccessibleTextRole, row.name);
        item->setData(Qt::AccessibleDescriptionRole, row.detail);
        auto *widget = new QWidget(m_list);
        auto *name = new QLabel(row.name, widget);
        name->setObjectName(QStringLiteral("deviceRowName"));
        QFont bold = name->font();
        bold.setBold(true);
        name->setFont(bold);
        auto *detail = new QLabel(row.detail, widget);
        detail->setObjectName(QStringLiteral("deviceRowDetail"));
        auto *remove = new QPushButton(tr("Remove"), widget);
        remove->setObjectName(QStringLiteral("removeDevice"));
        remove->setAutoDefault(false);
        remove->setToolTip(tr("Remove %1 from your devices").arg(row.name));
        connect(remove, &QPushButton::clicked, this, [this, i] { confirmRemoval(i); });
        auto *texts = new QVBoxLayout;
        texts->setSpacing(2);
        texts->addWidget(name);
        texts->addWidget(detail);
        auto *rowLayout = new QHBoxLayout(widget);
        rowLayout->setContentsMargins(8, 6, 8, 6);
        rowLayout->addLayout(texts, 1);
        rowLayout->addWidget(remove);
        item->setSizeHint(widget->sizeHint());
        m_list->setItemWidget(item, widget);
    }
    // Nothing selected until the person goes into the list (Alt+Y, a click): no row looks
    // chosen, and the highlight hides nothing.
    m_status->clear();
    m_pages->setCurrentIndex(1);
}

void DevicesPage::setStatus(const QString &text)
{
    m_status->setText(text);
    m_pages->setCurrentIndex(1);
}

bool DevicesPage::isConnectedShown() const
{
    return m_pages->currentIndex() == 1;
}

QString DevicesPage::statusText() const
{
    return m_status->text();
}

QString DevicesPage::notConnectedText() const
{
    return m_notConnected->text();
}

QString DevicesPage::confirmationText(const QString &name)
{
    return tr("Remove %1? It will have to be connected again with a code.").arg(name);
}

void DevicesPage::confirmRemoval(int row)
{
    if (row < 0 || row >= m_rows.size())
        return;
    const QString id = m_rows.at(row).id;
    auto *box = new QMessageBox(QMessageBox::Question, tr("Remove a device"),
                                confirmationText(m_rows.at(row).name), QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("removeConfirmation"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *remove = box->addButton(tr("&Remove"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmRemove"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this, [this, remove, id](QAbstractButton *clicked) {
        if (clicked == remove)
            Q_EMIT removeRequested(id);
    });
    box->open();
}
