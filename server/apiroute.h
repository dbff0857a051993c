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
    };

    Kind kind = Kind::NotFound;
    QString contentId; // percent-decoded, not yet validated
    QHttpServerRequest::Methods allowed;
    QString label; // the path template, for metrics and logs

    bool needsToken() const { return kind != Kind::Health && kind != Kind::Metrics; }
    QByteArray allowHeader() const;

    static ApiRoute match(const QUrl &url);
};
