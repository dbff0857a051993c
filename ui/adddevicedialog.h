#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

// Settings > Devices > Add a Device: the 6-digit code shown on the new device, Approve, and the
// server's answer under it ("Phone is connected", "That code is not valid or has expired"). After
// an approval the field is empty again for another device. Passive: it emits the code typed and
// shows the answer it is given.
class AddDeviceDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AddDeviceDialog)
public:
    static constexpr int kCodeDigits = 6;

    explicit AddDeviceDialog(QWidget *parent = nullptr);

    // The digits typed ("123 456" and "123456" both give "123456").
    QString code() const;
    // The code is on its way: Approve waits.
    void showWaiting(const QString &text);
    // The answer: `approved` shows it as good news and empties the field for another code; else
    // the code stays selected, to be typed again.
    void showAnswer(const QString &text, bool approved);
    QString answerText() const;

Q_SIGNALS:
    void approveRequested(const QString &code);

private:
    void updateApprove();

    QLineEdit *m_code = nullptr;
    QLabel *m_answer = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_close = nullptr;
    bool m_waiting = false;
};
