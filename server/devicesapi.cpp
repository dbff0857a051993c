#include "devicesapi.h"

#include "pairingstore.h"
#include "protocol/recordcodec.h"
#include "protocol/validationerror.h"
#include "storageservice.h"
#include "tokens.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSet>

Q_LOGGING_CATEGORY(lcDevices, "playmark.server.devices")

namespace {

constexpr qsizetype kMaxDeviceName = 64;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The reason goes to the log (storeCall), never into the answer: it may name tables.
ApiResponse unavailable()
{
    return ApiResponse::error(ApiError::Unavailable,
                              QStringLiteral("storage is unavailable; try again"));
}

// What a store call on a storage thread gave: whether it worked, and its result.
template<typename T>
using Outcome = std::pair<bool, T>;

// A store call for a storage thread, `call(storage, &result, &error)` returning the store's
// bool; a failure is logged as "cannot WHAT".
template<typename T, typename Call>
std::function<Outcome<T>(ServerStorage &)> storeCall(const char *what, Call call)
{
    return [what, call](ServerStorage &storage) {
        Outcome<T> outcome{false, T()};
        QString error;
        outcome.first = call(storage, &outcome.second, &error);
        if (!outcome.first)
            qCWarning(lcDevices).noquote() << "cannot" << what << "-" << error;
        return outcome;
    };
}

ApiResponse badRequest(const QString &message)
{
    return ApiResponse::error(ApiError::BadRequest, message);
}

// 429 with Retry-After in whole seconds, at least one.
ApiResponse rateLimited(const QString &message, qint64 retryAfterMs)
{
    ApiResponse response = ApiResponse::error(ApiError::RateLimited, message);
    response.headers.append(
        {"Retry-After", QByteArray::number(qMax<qint64>(1, (retryAfterMs + 999) / 1000))});
    return response;
}

// The body as a JSON object, or the 400 that says why not.
std::optional<QJsonObject> jsonObject(const QByteArray &body, ApiResponse *failure)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *failure = badRequest(QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

// How long to wait for a change: ?wait=SECONDS, at most kMaxWaitSeconds; absent: not at all.
bool readWait(const QUrlQuery &query, int *seconds, ApiResponse *failure)
{
    *seconds = 0;
    if (!query.hasQueryItem(QStringLiteral("wait")))
        return true;
    bool ok = false;
    const int value = query.queryItemValue(QStringLiteral("wait")).toInt(&ok);
    if (!ok || value < 0) {
        *failure = badRequest(QStringLiteral("wait must be a whole number of seconds from 0 to %1")
                                  .arg(DevicesApi::kMaxWaitSeconds));
        return false;
    }
    *seconds = qMin(value, DevicesApi::kMaxWaitSeconds);
    return true;
}

ApiResponse pending()
{
    return ApiResponse::ok({{QStringLiteral("status"), QStringLiteral("pending")}}, 202);
}

} // namespace

DevicesApi::DevicesApi(StorageService &storage, QObject *parent)
    : QObject(parent), m_storage(storage)
{
    m_recheckTimer.setInterval(kRecheckMs);
    connect(&m_recheckTimer, &QTimer::timeout, this, &DevicesApi::recheck);
}

DevicesApi::~DevicesApi() = default;

void DevicesApi::list(const DeviceIdentity &identity, Reply reply)
{
    using Devices = QList<DeviceSummary>;
    m_storage.read<Outcome<Devices>>(
        storeCall<Devices>(
            "list devices",
            [userId = identity.userId](ServerStorage &storage, Devices *devices, QString *error) {
                return storage.users().listDevices(userId, devices, error);
            }),
        this, [reply, deviceKey = identity.deviceKey](const Outcome<Devices> &read) {
            if (!read.first)
                return reply(unavailable());
            QJsonArray items;
            for (const DeviceSummary &device : read.second)
                items.append(QJsonObject{
                    {QStringLiteral("id"), device.id},
                    {QStringLiteral("device_name"), device.deviceName},
                    {QStringLiteral("device_id"), textOrNull(device.deviceId)},
                    {QStringLiteral("created_at_ms"), device.createdAtMs},
                    {QStringLiteral("last_seen_ms"), device.lastSeenMs},
                    {QStringLiteral("last_content_id"), textOrNull(device.lastContentId)},
                    {QStringLiteral("this_device"), device.id == deviceKey},
                });
            reply(ApiResponse::ok({{QStringLiteral("items"), items}}));
        });
}

void DevicesApi::remove(const DeviceIdentity &identity, const QString &deviceKey, Reply reply)
{
    const ApiResponse notFound = ApiResponse::error(
        ApiError::NotFound, QStringLiteral("you have no device %1").arg(deviceKey));
    if (!UserStore::isValidDeviceKey(deviceKey))
        return reply(
            ApiResponse::error(ApiError::NotFound, QStringLiteral("you have no such device")));
    const qint64 userId = identity.userId;
    m_storage.writeJob<Outcome<int>>(
        storeCall<int>("remove a device",
                       [userId, deviceKey](ServerStorage &storage, int *devices, QString *error) {
                           int tokens = 0;
                           qint64 seq = 0;
                           return storage.users().removeDevices(userId, deviceKey, devices, &tokens,
                                                                &seq, error);
                       }),
        this, [this, reply, notFound, userId, deviceKey](const Outcome<int> &removed) {
            if (!removed.first)
                return reply(unavailable());
            if (removed.second == 0)
                return reply(notFound);
            qCInfo(lcDevices).noquote() << "removed device" << deviceKey << "of user" << userId;
            Q_EMIT devicesRemoved(userId, deviceKey);
            reply(ApiResponse::noContent());
        });
}

void DevicesApi::createPairing(const QString &address, const QByteArray &body, Reply reply)
{
    ApiResponse failure;
    const std::optional<QJsonObject> object = jsonObject(body, &failure);
    if (!object)
        return reply(failure);
    const QJsonValue deviceId = object->value(QStringLiteral("device_id"));
    if (!deviceId.isString() || !RecordCodec::isValidDeviceId(deviceId.toString()))
        return reply(badRequest(QStringLiteral("device_id is required; it must match "
                                               "[A-Za-z0-9._-]{1,64}")));
    const std::optional<QString> deviceName =
        Validation::boundedText(object->value(QStringLiteral("device_name")), kMaxDeviceName);
    if (!deviceName || deviceName->trimmed().isEmpty())
        return reply(badRequest(QStringLiteral("device_name is required; it must be a string of "
                                               "1 to %1 characters, shown to people")
                                    .arg(kMaxDeviceName)));

    using Created = PairingStore::Created;
    m_storage.writeJob<Outcome<Created>>(
        storeCall<Created>(
            "create a pairing",
            [deviceId = deviceId.toString(), deviceName = *deviceName, address,
             ttl = m_pairingTtlMs](ServerStorage &storage, Created *created, QString *error) {
                return storage.pairings().create(deviceId, deviceName, address, nowMs(), ttl,
                                                 created, error);
            }),
        this, [reply](const Outcome<Created> &made) {
            if (!made.first)
                return reply(unavailable());
            const PairingStore::Created &created = made.second;
            using Outcome = PairingStore::Created::Outcome;
            switch (created.outcome) {
            case Outcome::TooManyFromAddress:
                return reply(rateLimited(
                    QStringLiteral("%1 pairings are already waiting from this address; approve "
                                   "or let them expire first")
                        .arg(PairingStore::kMaxPendingPerAddress),
                    created.retryAfterMs));
            case Outcome::TooManyPending:
                return reply(rateLimited(
                    QStringLiteral("%1 pairings are already waiting on this server; try again "
                                   "later")
                        .arg(PairingStore::kMaxPending),
                    created.retryAfterMs));
            case Outcome::Created:
                break;
            }
            qCDebug(lcDevices) << "pairing created, expires at" << created.expiresAtMs;
            reply(ApiResponse::ok({{QStringLiteral("code"), created.code},
                                   {QStringLiteral("secret"), created.secret},
                                   {QStringLiteral("expires_at_ms"), created.expiresAtMs}},
                                  201));
        });
}

void DevicesApi::pairingStatus(const QString &secret, const QUrlQuery &query,
                               QAbstractSocket *connection, Reply reply)
{
    int waitSeconds = 0;
    ApiResponse failure;
    if (!readWait(query, &waitSeconds, &failure))
        return reply(failure);
    auto waiter = std::make_shared<Waiter>();
    waiter->secretHash = Tokens::hash(secret);
    waiter->reply = std::move(reply);
    waiter->deadline = QDeadlineTimer(qint64(waitSeconds) * 1000);
    waiter->connection = connection;
    waiter->hasConnection = connection != nullptr;
    using State = PairingStore::State;
    m_storage.read<Outcome<State>>(
        storeCall<State>(
            "read a pairing",
            [hash = waiter->secretHash](ServerStorage &storage, State *state, QString *error) {
                return storage.pairings().state(hash, nowMs(), state, error);
            }),
        this, [this, waiter](const Outcome<State> &read) {
            settle(waiter, int(read.second), read.first);
        });
}

void DevicesApi::settle(const WaiterPtr &waiter, int state, bool ok)
{
    if (waiter->answered)
        return;
    if (!ok)
        return answer(waiter, unavailable());
    using State = PairingStore::State;
    switch (State(state)) {
    case State::Unknown:
        return answer(waiter,
                      ApiResponse::error(ApiError::NotFound,
                                         QStringLiteral("no such pairing: it is unknown or its "
                                                        "token was already given out")));
    case State::Expired:
        return answer(waiter,
                      ApiResponse::error(ApiError::Expired,
                                         QStringLiteral("the pairing expired before it was "
                                                        "approved; start a new one")));
    case State::Pending:
        if (waiter->deadline.hasExpired() || m_closing)
            return answer(waiter, pending());
        return wait(waiter);
    case State::Approved:
        break;
    }
    // Approved: the device and its token are made now, for the holder of the secret alone;
    // whatever the collection says is the answer. Not for a client that has left: the token
    // would be lost with it, and the pairing spent.
    if (!waiter->isHeard())
        return drop(waiter);
    forget(waiter);
    using Collected = PairingStore::Collected;
    m_storage.writeJob<Outcome<Collected>>(
        storeCall<Collected>("collect a pairing",
                             [hash = waiter->secretHash](ServerStorage &storage,
                                                         Collected *collected, QString *error) {
                                 return storage.pairings().collect(hash, nowMs(), collected, error);
                             }),
        this, [waiter](const Outcome<Collected> &collected) {
            if (!collected.first)
                return waiter->reply(unavailable());
            if (!collected.second.collected)
                return waiter->reply(ApiResponse::error(
                    ApiError::NotFound,
                    QStringLiteral("no such pairing: its token was already given out")));
            qCInfo(lcDevices).noquote() << "paired device" << collected.second.deviceKey << "for"
                                        << collected.second.userName;
            waiter->reply(ApiResponse::ok({{QStringLiteral("status"), QStringLiteral("approved")},
                                           {QStringLiteral("token"), collected.second.token},
                                           {QStringLiteral("user"), collected.second.userName}}));
        });
}

void DevicesApi::wait(const WaiterPtr &waiter)
{
    if (!waiter->isHeard())
        return drop(waiter);
    if (std::find(m_waiters.begin(), m_waiters.end(), waiter) == m_waiters.end()) {
        // One waiter per secret: the holder asks again when an answer was lost, so the newer GET
        // is the one heard; the older is told "pending".
        const auto older =
            std::find_if(m_waiters.begin(), m_waiters.end(), [&waiter](const WaiterPtr &other) {
                return other->secretHash == waiter->secretHash;
            });
        if (older != m_waiters.end())
            answer(*older, pending());
        if (qsizetype(m_waiters.size()) >= m_maxWaiters)
            return answer(waiter, pending());
        if (waiter->connection)
            waiter->dropWhenGone = connect(waiter->connection, &QAbstractSocket::disconnected, this,
                                           [this, weak = std::weak_ptr<Waiter>(waiter)] {
                                               if (const WaiterPtr gone = weak.lock())
                                                   drop(gone);
                                           });
        m_waiters.push_back(waiter);
    }
    if (!m_recheckTimer.isActive())
        m_recheckTimer.start();
    // Pending when the time is up, unless a check answers first.
    QTimer::singleShot(waiter->deadline.remainingTime(), this, [this, waiter] {
        if (!waiter->answered)
            answer(waiter, pending());
    });
}

void DevicesApi::recheck()
{
    if (m_waiters.empty()) {
        m_recheckTimer.stop();
        return;
    }
    if (m_checking) {
        m_checkAgain = true;
        return;
    }
    m_checking = true;
    // Clients that left are not asked about.
    const std::vector<WaiterPtr> all = m_waiters;
    for (const WaiterPtr &waiter : all) {
        if (!waiter->isHeard())
            drop(waiter);
    }
    QStringList hashes;
    for (const WaiterPtr &waiter : m_waiters)
        hashes << waiter->secretHash;
    using States = QHash<QString, PairingStore::State>;
    m_storage.read<Outcome<States>>(
        storeCall<States>("read pairings",
                          [hashes](ServerStorage &storage, States *states, QString *error) {
                              return storage.pairings().states(hashes, nowMs(), states, error);
                          }),
        this,
        [this,
         read = QSet<QString>(hashes.cbegin(), hashes.cend())](const Outcome<States> &states) {
            m_checking = false;
            // Waiters may have come or been answered meanwhile: those read, on a copy.
            const std::vector<WaiterPtr> waiters = m_waiters;
            for (const WaiterPtr &waiter : waiters) {
                if (!states.first || !read.contains(waiter->secretHash))
                    continue; // not read this time: the next check will
                const PairingStore::State state =
                    states.second.value(waiter->secretHash, PairingStore::State::Unknown);
                if (state != PairingStore::State::Pending)
                    settle(waiter, int(state), true);
            }
            if (std::exchange(m_checkAgain, false))
                recheck();
        });
}

void DevicesApi::setClosing(bool closing)
{
    m_closing = closing;
    if (!closing)
        return;
    // A copy: answering edits the list.
    const std::vector<WaiterPtr> waiters = m_waiters;
    for (const WaiterPtr &waiter : waiters)
        answer(waiter, pending());
}

void DevicesApi::forget(const WaiterPtr &waiter)
{
    waiter->answered = true;
    QObject::disconnect(waiter->dropWhenGone);
    m_waiters.erase(std::remove(m_waiters.begin(), m_waiters.end(), waiter), m_waiters.end());
    if (m_waiters.empty())
        m_recheckTimer.stop();
}

void DevicesApi::drop(const WaiterPtr &waiter)
{
    forget(waiter);
    Q_EMIT waiterLeft();
}

void DevicesApi::answer(const WaiterPtr &waiter, const ApiResponse &response)
{
    forget(waiter);
    waiter->reply(response);
}

void DevicesApi::approvePairing(const DeviceIdentity &identity, const QString &address,
                                const QByteArray &body, Reply reply)
{
    ApiResponse failure;
    const std::optional<QJsonObject> object = jsonObject(body, &failure);
    if (!object)
        return reply(failure);
    const QJsonValue code = object->value(QStringLiteral("code"));
    if (!code.isString())
        return reply(badRequest(QStringLiteral("code is required: the 6 digits the new device "
                                               "shows, as a string")));
    const QStringList subjects{QStringLiteral("user:%1").arg(identity.userId),
                               QStringLiteral("address:") + address};
    using Approval = PairingStore::Approval;
    m_storage.writeJob<Outcome<Approval>>(
        storeCall<Approval>("approve a pairing",
                            [userId = identity.userId, code = code.toString(),
                             subjects](ServerStorage &storage, Approval *approval, QString *error) {
                                return storage.pairings().approve(userId, code, subjects, nowMs(),
                                                                  approval, error);
                            }),
        this, [this, reply](const Outcome<Approval> &approved) {
            if (!approved.first)
                return reply(unavailable());
            const PairingStore::Approval &approval = approved.second;
            using Outcome = PairingStore::Approval::Outcome;
            switch (approval.outcome) {
            case Outcome::TooManyWrongCodes:
                return reply(rateLimited(
                    QStringLiteral("%1 wrong codes within %2 minutes; wait before trying again")
                        .arg(PairingStore::kMaxWrongCodes)
                        .arg(PairingStore::kWrongCodeWindowMs / 60000),
                    approval.retryAfterMs));
            case Outcome::WrongCode:
                return reply(ApiResponse::error(
                    ApiError::NotFound,
                    QStringLiteral("no device is waiting with that code: it is wrong, used or "
                                   "expired")));
            case Outcome::Approved:
                break;
            }
            reply(ApiResponse::ok({{QStringLiteral("device_name"), approval.deviceName}}));
            recheck(); // a GET waiting here for this pairing answers at once
        });
}
