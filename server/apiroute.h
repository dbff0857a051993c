#pragma once

#include <QHttpServerRequest>
#include <QString>

// Where a request goes: docs/protocol.md's endpoint table as data.
struct ApiRoute
{
    enum class Kind {
        NotFound,
        Health,
        Metrics,
        ProgressList,
        ProgressItem,
        ProgressHistory,
        Sync,
        Events,
        Continue,
        Devices,
        DeviceItem,
        Pairings,
        PairingItem,
        PairingApprove,
    };

    Kind kind = Kind::NotFound;
    QString contentId; // percent-decoded, not yet validated
    QString itemId; // a device's id or a pairing's secret: percent-decoded, not yet validated
    QHttpServerRequest::Methods allowed;
    QString label; // the path template, for metrics and logs

    // The routes of a device that has no token yet (pairing) need none, as do health and metrics.
    bool needsToken() const
    {
        return kind != Kind::Health && kind != Kind::Metrics && kind != Kind::Pairings
            && kind != Kind::PairingItem;
    }
    QByteArray allowHeader() const;

    static ApiRoute match(const QUrl &url);
};
