#pragma once

#include "apiresponse.h"
#include "apiroute.h"
#include "clientaddress.h"
#include "metrics.h"
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

class DevicesApi;
class EventHub;
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
class HttpFrontend final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpFrontend)
public:
    HttpFrontend(StorageService &storage, ProgressApi &api, DevicesApi &devices, EventHub &events,
                 Metrics &metrics, const RecordCache &cache, const TcpListener &listener,
                 QObject *parent = nullptr);

    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    // Requests a second per token (0: no limit), and the burst allowed above it.
    void setRateLimit(double perSecond, double burst) { m_limiter.setRate(perSecond, burst); }
    // Whose X-Forwarded-For / X-Real-IP name the client (see ClientAddress).
    void setClientAddress(const ClientAddress &clientAddress) { m_clientAddress = clientAddress; }
    const RateLimiter &rateLimiter() const { return m_limiter; }
    void forgetAuthFailures() { m_limiter.forgetAuthFailures(); } // for tests
    // Fills in what other parts know for /metrics (limits, refusals by the connection guard).
    void setGaugeSource(std::function<void(Metrics::Gauges &)> source)
    {
        m_gaugeSource = std::move(source);
    }
    // Answers not yet written, on all connections (for /metrics and tests).
    qsizetype pendingAnswers() const;
    bool owesAnswer(QTcpSocket *socket) const;
    // A device was removed (deviceKey empty: every device of the user): its tokens get 401
    // from now on, even those whose lookup is under way.
    void forgetDevice(qint64 userId, const QString &deviceKey);

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

    StorageService &m_storage;
    ProgressApi &m_api;
    DevicesApi &m_devices;
    EventHub &m_events;
    Metrics &m_metrics;
    const RecordCache &m_cache;
    const TcpListener &m_listener;
    TokenCache m_tokens;
    RateLimiter m_limiter;
    ClientAddress m_clientAddress;
    std::function<void(Metrics::Gauges &)> m_gaugeSource;
    quint64 m_rateLimited = 0;
    quint64 m_authDelayed = 0;
    QHash<QTcpSocket *, std::deque<SlotPtr>> m_slots;
    qint64 m_maxBodyBytes = ServerDefaults::kMaxBodyBytes;
};
