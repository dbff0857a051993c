#include "pairingdialog.h"

#include <QDialogButtonBox>
#include <QFontMetrics>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

PairingDialog::PairingDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Connect with a code — Playmark"));
    m_code = new QLabel(this);
    m_code->setObjectName(QStringLiteral("code"));
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_code->font();
    big.setPointSizeF(big.pointSizeF() * 3.2);
    big.setBold(true);
    big.setLetterSpacing(QFont::PercentageSpacing, 110);
    m_code->setFont(big);
    // As tall before the code comes as after: the dialog neither jumps nor clips it.
    m_code->setMinimumHeight(QFontMetrics(big).height() + 12);
    m_remaining = new QLabel(this);
    m_remaining->setObjectName(QStringLiteral("remaining"));
    m_remaining->setAlignment(Qt::AlignCenter);
    m_instructions = new QLabel(this);
    m_instructions->setObjectName(QStringLiteral("instructions"));
    m_instructions->setWordWrap(true);
    m_instructions->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_newCode = buttons->addButton(tr("&New Code"), QDialogButtonBox::ActionRole);
    m_newCode->setObjectName(QStringLiteral("newCode"));
    m_newCode->hide();
    connect(m_newCode, &QPushButton::clicked, this, &PairingDialog::newCodeRequested);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_code);
    layout->addWidget(m_remaining);
    layout->addWidget(m_instructions);
    layout->addWidget(buttons);
    setMinimumWidth(460);
}

void PairingDialog::showWaiting(const QString &text)
{
    m_code->clear();
    m_remaining->setText(text);
    m_instructions->clear();
    m_newCode->hide();
}

void PairingDialog::showCode(const QString &code, const QString &instructions)
{
    m_code->setEnabled(true);
    m_code->setText(code);
    m_instructions->setText(instructions);
    m_newCode->hide();
}

void PairingDialog::setRemaining(const QString &text)
{
    m_remaining->setText(text);
}

void PairingDialog::showEnded(const QString &text)
{
    m_code->setEnabled(false); // greyed: it no longer works
    m_remaining->setText(text);
    m_newCode->show();
    m_newCode->setDefault(true);
    m_newCode->setFocus();
}

QString PairingDialog::codeText() const
{
    return m_code->text();
}

QString PairingDialog::remainingText() const
{
    return m_remaining->text();
}

QString PairingDialog::instructionsText() const
{
    return m_instructions->text();
}

bool PairingDialog::isNewCodeOffered() const
{
    return !m_newCode->isHidden();
}
