#pragma once

#include <QDialog>

class QLabel;
class QPushButton;

// "Connect with a code": the code this device asked the server for, large ("123 456"), how long
// it stays valid ("Valid for 9:41"), and where to type it. Expired or failed: why, and "New Code".
// Passive: PairingPresenter decides every text; the owner closes it once paired, and Cancel
// (rejected) means stop asking.
class PairingDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PairingDialog)
public:
    explicit PairingDialog(QWidget *parent = nullptr);

    // Before a code is there: "Asking http://… for a code…".
    void showWaiting(const QString &text);
    void showCode(const QString &code, const QString &instructions);
    void setRemaining(const QString &text);
    // The code is no use any more (expired, or the server said no): `text` says why; New Code.
    void showEnded(const QString &text);

    QString codeText() const;
    QString remainingText() const;
    QString instructionsText() const;
    bool isNewCodeOffered() const;

Q_SIGNALS:
    void newCodeRequested();

private:
    QLabel *m_code = nullptr;
    QLabel *m_remaining = nullptr;
    QLabel *m_instructions = nullptr;
    QPushButton *m_newCode = nullptr;
};
