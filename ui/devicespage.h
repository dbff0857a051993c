#pragma once

#include <QList>
#include <QString>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;

// Settings > Devices: the devices of this account, each with a Remove button (asked again before
// it goes), "Add a Device…" and "Refresh"; or, when this device is not connected, why and
// "Connect with a code…". Passive: it shows the rows it is given (their words decided by
// DevicesPresenter) and emits what the person wants.
class DevicesPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DevicesPage)
public:
    struct Row
    {
        QString id; // the server's id of the device
        QString name;
        QString detail; // "This device · Big Buck Bunny", "last seen 5 min ago"
        bool thisDevice = false;

        friend bool operator==(const Row &a, const Row &b)
        {
            return a.id == b.id && a.name == b.name && a.detail == b.detail
                && a.thisDevice == b.thisDevice;
        }
        friend bool operator!=(const Row &a, const Row &b) { return !(a == b); }
    };

    explicit DevicesPage(QWidget *parent = nullptr);

    // Not connected: `text` says why, under it "Connect with a code…".
    void showNotConnected(const QString &text);
    // The list (shown also while empty); the line under it says nothing. The same rows again
    // leave the list as it is, with the row the person is on.
    void setRows(const QList<Row> &rows);
    // A line under the list: "Asking the server…", or why the list or a removal failed. The list
    // shown stays.
    void setStatus(const QString &text);

    bool isConnectedShown() const;
    QList<Row> rows() const { return m_rows; }
    QString statusText() const;
    QString notConnectedText() const;
    // The confirmation asked before `removeRequested`: "Remove Phone? …".
    static QString confirmationText(const QString &name);

Q_SIGNALS:
    void removeRequested(const QString &id);
    void addDeviceRequested();
    void refreshRequested();
    void connectWithCodeRequested();

private:
    void confirmRemoval(int row);

    QStackedWidget *m_pages = nullptr;
    QLabel *m_notConnected = nullptr;
    QListWidget *m_list = nullptr;
    QLabel *m_status = nullptr;
    QList<Row> m_rows;
};
