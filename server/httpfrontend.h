#pragma once

#include "apiresponse.h"
#include "apiroute.h"
#include "clientaddress.h"
#include "metrics.h"
#include "progressapi.h"
#include "ratelimiter.h"
#include "serverdefaults.h"
#include "tokencache.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHash>
#include <QHttpServerResponder>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class DeviceActivity;
class DevicesApi;
class EventHub;
class EventRouter;
class Metrics;
class ProgressApi;
class StorageService;
class RecordCache;
class TcpListener;

// The HTTP side: matches the route, answers 404/405/413/401 itself, and hands the rest to
// ProgressApi and DevicesApi, one line a route. Answers may come later (after a commit, after a
// read on the storage thread); they are written through the responder, never a QFuture
// (QHttpServer 6.4 crashes on those when a client leaves first), and in request order on each
// connection, since 6.4 parses a pipelined request as soon as the previous handler returns. No SQL
// runs here.
// One per HTTP thread, with that thread's ProgressApi and EventHub; what the threads share comes
// in Shared.
class HttpFrontend final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpFrontend)
public:
    // What every HTTP thread of a server uses: each is safe to use from any thread, but for
    // `devices`, which lives on its own thread (the main one) and is asked there.
    struct Shared
    {
        StorageService *storage = nullptr;
        RecordCache *cache = nullptr;
        Metrics *metrics = nullptr;
        TokenCache *tokens = nullptr;
        RateLimiter *limiter = nullptr;
        EventRouter *router = nullptr;
        DevicesApi *devices = nullptr;
        DeviceActivity *activity = nullptr;
        // Fills in what other parts know for /metrics (limits, refusals by the connection
        // guards); called on any HTTP thread.
        std::function<void(Metrics::Gauges &)> gauges;
    };

    // `thread`: which HTTP thread (0-based) this one serves on, for /metrics.
    HttpFrontend(const Shared &shared, ProgressApi &api, EventHub &events,
                 const TcpListener &listener, int thread = 0, QObject *parent = nullptr);

    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    // Whose X-Forwarded-For / X-Real-IP name the client (see ClientAddress).
    void setClientAddress(const ClientAddress &clientAddress) { m_clientAddress = clientAddress; }
    // The server is stopping: requests not yet begun are not read, and a connection closes once
    // what it is owed is written (an HTTP client sends them again on a new connection).
    void stopTakingRequests();
    // Answers not yet written, on all connections (for /metrics and tests).
    qsizetype pendingAnswers() const;
    bool owesAnswer(QTcpSocket *socket) const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    // What a handler needs of a request once handleRequest has returned (the request is gone).
    struct Call
    {
        ApiRoute route;
        QHttpServerRequest::Method method = QHttpServerRequest::Method::Unknown;
        QUrlQuery query;
        QByteArray body;
        QByteArray authorization;
        QString address; // the client's, as the per-address limits count it (ClientAddress)
    };
    // One answer owed on a connection, in arrival order.
    struct Slot
    {
        QPointer<QTcpSocket> socket;
        std::optional<QHttpServerResponder> responder;
        std::optional<ApiResponse> answer;
        qint64 streamUserId = -1; // >= 0: the answer starts an event stream for this user
        QString streamDeviceKey; // and this device of theirs
        QString label;
        QByteArray method;
        bool closeAfter = false; // the client asked for "Connection: close"
        QElapsedTimer timer;
        // Set while the request waits for an earlier change on its connection to be answered.
        std::function<void()> held;
    };
    using SlotPtr = std::shared_ptr<Slot>;

    SlotPtr openSlot(const QHttpServerRequest &request, QTcpSocket *socket, const QString &label);
    void answer(const SlotPtr &slot, const ApiResponse &response);
    // Authenticates, rate-limits and dispatches a request.
    void start(const Call &call, const SlotPtr &slot);
    void startHeld(QTcpSocket *socket);
    void flush(QTcpSocket *socket);
    void write(Slot &slot);
    // done(who is asking, or no one; the failure; the token's hash)
    void authenticate(const QByteArray &authorization,
                      std::function<void(const DeviceIdentity &, ApiResponse, QString)> done);
    void dispatch(const Call &call, const DeviceIdentity &identity, const SlotPtr &slot);
    // The identity of a token from the database (ok false: storage failed), stored in the cache
    // unless a device was removed meanwhile, in which case it is looked up again.
    void lookUp(const QString &tokenHash, std::function<void(bool, const DeviceIdentity &)> done);
    // Runs `call(devices, reply)` on the DevicesApi's thread; the reply is answered on this one.
    void askDevices(const SlotPtr &slot,
                    std::function<void(DevicesApi &, const ProgressApi::Reply &)> call);

    Shared m_shared;
    StorageService &m_storage;
    ProgressApi &m_api;
    EventHub &m_events;
    Metrics &m_metrics;
    const TcpListener &m_listener;
    TokenCache &m_tokens;
    RateLimiter &m_limiter;
    const int m_thread;
    ClientAddress m_clientAddress;
    QHash<QTcpSocket *, std::deque<SlotPtr>> m_slots;
    // Token lookups under way, by token hash: what waits for each, in arrival order.
    using Found = std::function<void(bool ok, const DeviceIdentity &)>;
    QHash<QString, std::vector<Found>> m_lookups;
    qint64 m_maxBodyBytes = ServerDefaults::kMaxBodyBytes;
    bool m_stopping = false;
};
