#pragma once

#include "clientaddress.h"
#include "connectionguard.h"
#include "httpfrontend.h"

#include <QHostAddress>
#include <QSslConfiguration>
#include <QThread>

#include <memory>
#include <optional>

// One HTTP thread of a server: its own listening socket (bound to the same address and port as
// the other threads', SO_REUSEPORT), connection guard, HTTP frontend, ProgressApi and event
// streams, all made, used and deleted on its own thread. What the threads share comes in
// HttpFrontend::Shared and ConnectionGuard::Shared. The public methods are called from the thread
// that made the worker (the server's) and wait for the worker's thread.
class HttpWorker final
{
    Q_DISABLE_COPY_MOVE(HttpWorker)
public:
    struct Settings
    {
        int thread = 0; // which of `threads`
        int threads = 1;
        QHostAddress address;
        quint16 port = 0; // 0: a free one (the first thread's; the others then bind that)
        std::optional<QSslConfiguration> tls;
        ClientAddress clientAddress;
        ConnectionGuard::Limits limits;
        int keepAliveMs = 0;
        QString origin; // ProgressApi::setOrigin
    };

    HttpWorker(const HttpFrontend::Shared &shared, ConnectionGuard::Shared &guards);
    // Finishes, if not done yet, and ends the thread.
    ~HttpWorker();

    // Listens; false (and `error` says why) when it cannot.
    bool start(const Settings &settings, QString *error);
    // No new connection and no new request from now on; the event streams end. Requests under
    // way are still answered, then their connections close.
    void stopAccepting();
    // Answers this thread still owes.
    qsizetype pendingAnswers();
    // Writes the answers already given to this thread, then closes every connection and deletes
    // what lives on the thread.
    void finish();

    bool isListening() const { return m_listening; }
    QHostAddress address() const { return m_address; }
    quint16 port() const { return m_port; }

private:
    struct Parts;

    HttpFrontend::Shared m_shared;
    ConnectionGuard::Shared &m_guards;
    QThread m_thread;
    QObject *m_home; // on m_thread: what runs there is posted to it
    std::unique_ptr<Parts> m_parts; // made, used and deleted on m_thread
    bool m_listening = false;
    QHostAddress m_address;
    quint16 m_port = 0;
};
