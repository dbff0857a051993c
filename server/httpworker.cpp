#include "httpworker.h"

#include "epolleventdispatcher.h"
#include "eventhub.h"
#include "progressapi.h"
#include "protocol/crossthread.h"
#include "storageservice.h"
#include "tcplistener.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

struct HttpWorker::Parts
{
    // In order of deletion, last first: the frontend (and with it the listener and the
    // connections) goes before what the connections use.
    std::unique_ptr<ConnectionGuard> guard;
    std::unique_ptr<EventHub> events;
    std::unique_ptr<ProgressApi> api;
    HttpFrontend *frontend = nullptr; // owns the listener once bound
    TcpListener *listener = nullptr;

    ~Parts()
    {
        if (frontend)
            delete frontend;
        else
            delete listener;
    }
};

HttpWorker::HttpWorker(const HttpFrontend::Shared &shared, ConnectionGuard::Shared &guards)
    : m_shared(shared), m_guards(guards), m_home(new QObject)
{
    m_thread.setObjectName(QStringLiteral("playmark-http"));
    // epoll: a pass of the loop costs what is ready, not every open stream (EpollEventDispatcher).
    QString error;
    if (EpollEventDispatcher *dispatcher = EpollEventDispatcher::create(&error))
        m_thread.setEventDispatcher(dispatcher);
    else if (!error.isEmpty())
        qCWarning(lcHttp).noquote() << "Qt's own event loop instead of epoll:" << error;
    m_home->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_home, &QObject::deleteLater);
    m_thread.start();
    // Answers of the storage threads (and the devices' thread) come back here.
    m_shared.storage->homes().add(m_home);
}

HttpWorker::~HttpWorker()
{
    finish();
    m_shared.storage->homes().remove(m_home);
    m_thread.quit();
    m_thread.wait();
}

bool HttpWorker::start(const Settings &settings, QString *error)
{
    bool ok = false;
    runAndWait(m_home, [&] {
        auto parts = std::make_unique<Parts>();
        parts->guard = std::make_unique<ConnectionGuard>(m_guards);
        parts->guard->setLimits(settings.limits);
        parts->events = std::make_unique<EventHub>(m_shared.router);
        parts->events->setKeepAliveInterval(settings.keepAliveMs);
        parts->api =
            std::make_unique<ProgressApi>(*m_shared.storage, *m_shared.cache, *m_shared.router,
                                          *m_shared.metrics, *m_shared.activity);
        parts->api->setOrigin(settings.origin);
        parts->listener = new TcpListener(*parts->guard);
        if (settings.tls)
            parts->listener->setTlsConfiguration(*settings.tls);
        QString listenError;
        const auto use =
            settings.thread == 0 ? TcpListener::PortUse::First : TcpListener::PortUse::Joining;
        if (!parts->listener->listenSharingPort(settings.address, settings.port, use,
                                                &listenError)) {
            if (error)
                *error = QStringLiteral("cannot listen on %1:%2: %3")
                             .arg(settings.address.toString())
                             .arg(settings.port)
                             .arg(listenError);
            return; // parts, and the listener with them, deleted here on this thread
        }
        m_address = parts->listener->serverAddress();
        m_port = parts->listener->serverPort();
        parts->frontend = new HttpFrontend(m_shared, *parts->api, *parts->events, *parts->listener,
                                           settings.thread);
        parts->frontend->setMaxBodyBytes(settings.limits.maxBodyBytes);
        parts->frontend->setClientAddress(settings.clientAddress);
        // A connection waiting for its answer, or carrying an event stream, is quiet for a
        // reason.
        parts->guard->setBusyCheck(
            [frontend = parts->frontend, events = parts->events.get()](QTcpSocket *socket) {
                return frontend->owesAnswer(socket) || events->isStreaming(socket);
            });
        // bind() makes the frontend the listener's parent: deleting the frontend deletes both.
        parts->frontend->bind(parts->listener);
        qCDebug(lcHttp).noquote() << "HTTP thread" << settings.thread + 1 << "of"
                                  << settings.threads << "listening on port" << m_port;
        m_parts = std::move(parts);
        ok = true;
    });
    m_listening = ok;
    return ok;
}

void HttpWorker::stopAccepting()
{
    if (!m_parts)
        return;
    runAndWait(m_home, [this] {
        m_parts->events->closeAll();
        m_parts->listener->close();
        m_parts->frontend->stopTakingRequests();
    });
    m_listening = false;
}

qsizetype HttpWorker::pendingAnswers()
{
    qsizetype pending = 0;
    if (m_parts)
        runAndWait(m_home, [this, &pending] { pending = m_parts->frontend->pendingAnswers(); });
    return pending;
}

void HttpWorker::finish()
{
    if (!m_parts)
        return;
    // SyncServer::stop() has usually stopped it already: no second round trip to the thread.
    if (m_listening)
        stopAccepting();
    // Queued after the answers already posted to this thread, so those are written first.
    runAndWait(m_home, [this] {
        for (QTcpSocket *socket : m_parts->listener->findChildren<QTcpSocket *>())
            socket->flush(); // what the answers left in the buffer, before the socket goes
        m_parts.reset();
    });
}
