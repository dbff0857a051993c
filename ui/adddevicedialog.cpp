#include "adddevicedialog.h"

#include <QDialogButtonBox>
#include <QFont>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QVBoxLayout>

AddDeviceDialog::AddDeviceDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Add a Device — Playmark"));
    auto *intro = new QLabel(tr("On the new device choose “Connect with a code…”, then type here "
                                "the code it shows:"),
                             this);
    intro->setWordWrap(true);
    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("pairingCode"));
    m_code->setPlaceholderText(QStringLiteral("123 456"));
    // Digits, and the space the code is shown with.
    m_code->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[0-9 ]{0,%1}").arg(kCodeDigits + 2)), m_code));
    m_code->setInputMethodHints(Qt::ImhDigitsOnly);
    QFont big = m_code->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    m_code->setFont(big);
    m_answer = new QLabel(this);
    m_answer->setObjectName(QStringLiteral("approveAnswer"));
    m_answer->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(this);
    m_approve = buttons->addButton(tr("Approve"), QDialogButtonBox::AcceptRole);
    m_approve->setObjectName(QStringLiteral("approveButton"));
    m_approve->setDefault(true);
    m_close = buttons->addButton(QDialogButtonBox::Cancel);
    // Approve does not close: the answer shows here.
    connect(m_approve, &QPushButton::clicked, this, [this] {
        if (code().size() == kCodeDigits && !m_waiting)
            Q_EMIT approveRequested(code());
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_code, &QLineEdit::textChanged, this, [this] {
        m_answer->clear();
        updateApprove();
    });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_code);
    layout->addWidget(m_answer);
    layout->addWidget(buttons);
    setMinimumWidth(380);
    updateApprove();
}

QString AddDeviceDialog::code() const
{
    QString digits = m_code->text();
    digits.remove(QLatin1Char(' '));
    return digits;
}

void AddDeviceDialog::showWaiting(const QString &text)
{
    m_waiting = true;
    m_answer->setStyleSheet(QString());
    m_answer->setText(text);
    updateApprove();
}

void AddDeviceDialog::showAnswer(const QString &text, bool approved)
{
    m_waiting = false;
    if (approved) {
        const QSignalBlocker keep(m_code); // the answer stays while the field empties
        m_code->clear();
        m_close->setText(tr("Close"));
    }
    m_answer->setStyleSheet(approved ? QStringLiteral("color: #2a7a2a;")
                                     : QStringLiteral("color: #b03030;"));
    m_answer->setText(text);
    m_code->setFocus();
    m_code->selectAll();
    updateApprove();
}

QString AddDeviceDialog::answerText() const
{
    return m_answer->text();
}

void AddDeviceDialog::updateApprove()
{
    m_approve->setEnabled(!m_waiting && code().size() == kCodeDigits);
}
