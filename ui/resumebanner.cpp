#include "resumebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

ResumeBanner::ResumeBanner(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("resumeBanner"));
    setAutoFillBackground(true);
    setStyleSheet(
        QStringLiteral("#resumeBanner { background: rgba(20, 24, 32, 220); border-radius: 6px; }"
                       "#resumeBanner QLabel { color: white; font-size: 15px; }"));
    m_label = new QLabel(this);
    m_startOver = new QPushButton(tr("Start over"), this);
    m_startOver->setObjectName(QStringLiteral("startOverButton"));
    m_startOver->setFocusPolicy(Qt::NoFocus);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(14, 8, 10, 8);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_startOver);

    m_hide.setSingleShot(true);
    connect(&m_hide, &QTimer::timeout, this, &QWidget::hide);
    connect(m_startOver, &QPushButton::clicked, this, [this] {
        hide();
        Q_EMIT startOverClicked();
    });
    hide();
}

void ResumeBanner::showMessage(const QString &text, int durationMs)
{
    m_label->setText(text);
    show();
    m_hide.start(durationMs);
}

QString ResumeBanner::text() const
{
    return m_label->text();
}
