#include "noticebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

NoticeBar::NoticeBar(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("noticeBar"));
    setStyleSheet(QStringLiteral("#noticeBar { background: #1f3a52; }"
                                 "#noticeBar QLabel { color: white; font-size: 15px; }"));
    m_label = new QLabel(this);
    m_label->setObjectName(QStringLiteral("noticeText"));
    m_action = new QPushButton(this);
    m_action->setObjectName(QStringLiteral("noticeAction"));
    m_action->setFocusPolicy(Qt::NoFocus);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(14, 6, 10, 6);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_action);

    m_hide.setSingleShot(true);
    connect(&m_hide, &QTimer::timeout, this, &QWidget::hide);
    connect(m_action, &QPushButton::clicked, this, &NoticeBar::trigger);
    hide();
}

void NoticeBar::showNotice(const QString &text, const QString &actionText, int durationMs)
{
    m_label->setText(text);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty());
    show();
    Q_EMIT actionAvailableChanged(hasAction()); // also when it was already shown
    m_hide.start(durationMs);
}

void NoticeBar::showEvent(QShowEvent *event)
{
    QFrame::showEvent(event);
    Q_EMIT actionAvailableChanged(hasAction());
}

void NoticeBar::hideEvent(QHideEvent *event)
{
    QFrame::hideEvent(event);
    Q_EMIT actionAvailableChanged(false);
}

QString NoticeBar::text() const
{
    return m_label->text();
}

QString NoticeBar::actionText() const
{
    return m_action->text();
}

bool NoticeBar::hasAction() const
{
    return isVisible() && !m_action->text().isEmpty();
}

void NoticeBar::trigger()
{
    if (!hasAction())
        return;
    hide();
    Q_EMIT actionTriggered();
}
