#include "apiroute.h"

#include <QStringList>
#include <QUrl>

QByteArray ApiRoute::allowHeader() const
{
    QByteArrayList names;
    if (allowed.testFlag(QHttpServerRequest::Method::Get))
        names << "GET";
    if (allowed.testFlag(QHttpServerRequest::Method::Put))
        names << "PUT";
    if (allowed.testFlag(QHttpServerRequest::Method::Post))
        names << "POST";
    if (allowed.testFlag(QHttpServerRequest::Method::Delete))
        names << "DELETE";
    return names.join(", ");
}

ApiRoute ApiRoute::match(const QUrl &url)
{
    using Method = QHttpServerRequest::Method;
    // Split the encoded path so that an encoded '/' inside an id cannot make a new segment.
    QStringList parts = url.path(QUrl::FullyEncoded).split(u'/');
    if (!parts.isEmpty() && parts.constFirst().isEmpty())
        parts.removeFirst();

    ApiRoute route;
    const auto set = [&route](Kind kind, QHttpServerRequest::Methods allowed, const char *label) {
        route.kind = kind;
        route.allowed = allowed;
        route.label = QString::fromLatin1(label);
    };

    if (parts == QStringList{QStringLiteral("healthz")}) {
        set(Kind::Health, Method::Get, "/healthz");
    } else if (parts == QStringList{QStringLiteral("metrics")}) {
        set(Kind::Metrics, Method::Get, "/metrics");
    } else if (parts.size() >= 2 && parts.at(0) == QLatin1String("v1")) {
        const QString &section = parts.at(1);
        if (section == QLatin1String("sync") && parts.size() == 2) {
            set(Kind::Sync, Method::Post, "/v1/sync");
        } else if (section == QLatin1String("events") && parts.size() == 2) {
            set(Kind::Events, Method::Get, "/v1/events");
        } else if (section == QLatin1String("continue") && parts.size() == 2) {
            set(Kind::Continue, Method::Get, "/v1/continue");
        } else if (section == QLatin1String("devices")) {
            if (parts.size() == 2)
                set(Kind::Devices, Method::Get, "/v1/devices");
            else if (parts.size() == 3)
                set(Kind::DeviceItem, Method::Delete, "/v1/devices/{id}");
        } else if (section == QLatin1String("pairings")) {
            if (parts.size() == 2)
                set(Kind::Pairings, Method::Post, "/v1/pairings");
            else if (parts.size() == 3 && parts.at(2) == QLatin1String("approve"))
                set(Kind::PairingApprove, Method::Post, "/v1/pairings/approve");
            else if (parts.size() == 3) // the label, never the secret, goes to logs and metrics
                set(Kind::PairingItem, Method::Get, "/v1/pairings/{secret}");
        } else if (section == QLatin1String("progress")) {
            if (parts.size() == 2) {
                set(Kind::ProgressList, Method::Get, "/v1/progress");
            } else if (parts.size() == 3) {
                set(Kind::ProgressItem, Method::Get | Method::Put | Method::Delete,
                    "/v1/progress/{content_id}");
            } else if (parts.size() == 4 && parts.at(3) == QLatin1String("history")) {
                set(Kind::ProgressHistory, Method::Get, "/v1/progress/{content_id}/history");
            }
            if (parts.size() >= 3)
                route.contentId = QUrl::fromPercentEncoding(parts.at(2).toLatin1());
        }
    }
    if (route.kind == Kind::DeviceItem || route.kind == Kind::PairingItem)
        route.itemId = QUrl::fromPercentEncoding(parts.at(2).toLatin1());
    if (route.kind == Kind::NotFound)
        route.contentId.clear();
    return route;
}
