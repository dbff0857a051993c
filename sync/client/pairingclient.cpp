#include "client/pairingclient.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPairing, "playmark.sync.pairing")

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

PairingClient::PairingClient(QObject *parent) : QObject(parent), m_exchange(m_pool)
{
    m_retry.setSingleShot(true);
}

void PairingClient::start(const ServerList &servers, const QList<QSslCertificate> &trusted,
                          const QString &deviceId, const QString &deviceName)
{
    cancel();
    m_pool.setServers(servers, QString());
    m_pool.setTrustedCertificates(trusted);
    m_deviceId = deviceId;
    m_deviceName = deviceName;
    m_running = true;
    m_backoff.reset();
    create();
}

void PairingClient::cancel()
{
    m_running = false;
    ++m_generation;
    m_retry.stop();
    m_retry.disconnect();
    m_secret.clear();
}

void PairingClient::create()
{
    const QByteArray body =
        QJsonDocument(QJsonObject{{QStringLiteral("device_id"), m_deviceId},
                                  {QStringLiteral("device_name"), m_deviceName}})
            .toJson(QJsonDocument::Compact);
    const quint64 generation = m_generation;
    m_exchange.send(
        {"POST", QStringLiteral("/v1/pairings"), body, kRequestTimeoutMs}, this,
        [this, generation](const ServerAnswer &answer) {
            if (generation != m_generation)
                return;
            const QJsonObject json = answer.json();
            if (answer.status == 201) {
                m_backoff.reset();
                m_secret = json.value(u"secret").toString();
                const QString code = json.value(u"code").toString();
                const qint64 expiresAt = qint64(json.value(u"expires_at_ms").toDouble());
                const qint64 serverTime = qint64(json.value(u"server_time_ms").toDouble());
                // On this device's clock: the time left as the server counts it, from the
                // moment the answer came.
                m_expiresAtMs = answer.receivedAtMs + (expiresAt - serverTime);
                // Never the code (nor the secret): whoever reads the log could pair with it.
                qCInfo(lcPairing).noquote()
                    << "a pairing code came, valid for" << (expiresAt - serverTime) / 1000 << "s";
                Q_EMIT codeReady(code, m_expiresAtMs, expiresAt);
                poll();
                return;
            }
            if (ServerPool::isAway(answer.status) || answer.status == 429) {
                retryLater(answer, &PairingClient::create);
                return;
            }
            const QString reason =
                json.value(u"error").toObject().value(u"message").toString(answer.failure);
            cancel();
            Q_EMIT failed(reason, false);
        });
}

void PairingClient::poll()
{
    const quint64 generation = m_generation;
    // Long enough for the server's wait and the answer after it.
    const int timeoutMs = kWaitSeconds * 1000 + kRequestTimeoutMs;
    m_exchange.send({"GET",
                     QStringLiteral("/v1/pairings/%1?wait=%2").arg(m_secret).arg(kWaitSeconds),
                     {},
                     timeoutMs},
                    this, [this, generation](const ServerAnswer &answer) {
                        if (generation != m_generation)
                            return;
                        const QJsonObject json = answer.json();
                        switch (answer.status) {
                        case 200: {
                            const QString token = json.value(u"token").toString();
                            const QString user = json.value(u"user").toString();
                            qCInfo(lcPairing).noquote() << "paired as" << user;
                            cancel();
                            Q_EMIT paired(token, user);
                            return;
                        }
                        case 202:
                            m_backoff.reset();
                            poll();
                            return;
                        case 410:
                            cancel();
                            Q_EMIT failed(tr("The code expired"), true);
                            return;
                        default:
                            break;
                        }
                        if (nowMs() >= m_expiresAtMs) {
                            // Unanswered until it expired: nothing can approve it any more.
                            cancel();
                            Q_EMIT failed(tr("The code expired"), true);
                            return;
                        }
                        if (ServerPool::isAway(answer.status) || answer.status == 429) {
                            retryLater(answer, &PairingClient::poll);
                            return;
                        }
                        // 404: approved and taken by another holder of the secret, or unknown to a
                        // server that lost it. Either way this pairing cannot end in a token.
                        cancel();
                        Q_EMIT failed(answer.status == 404
                                          ? tr("The server no longer knows this pairing")
                                          : answer.failure,
                                      false);
                    });
}

void PairingClient::retryLater(const ServerAnswer &answer, void (PairingClient::*step)())
{
    const int delayMs = answer.retryAfterSeconds > 0
        ? std::min(answer.retryAfterSeconds * 1000, Backoff::kMaxMs)
        : m_backoff.nextDelayMs();
    qCInfo(lcPairing).noquote() << "the server cannot pair now (" << answer.failure
                                << "); trying again in" << delayMs << "ms";
    m_retry.disconnect();
    connect(&m_retry, &QTimer::timeout, this, step);
    m_retry.start(delayMs);
}
