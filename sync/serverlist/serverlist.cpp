#include "serverlist/serverlist.h"

#include <QStringList>

namespace {
bool isServerUrl(const QUrl &url)
{
    return url.isValid()
        && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
        && !url.host().isEmpty();
}
} // namespace

ServerList::ServerList(const QList<QUrl> &urls)
{
    for (const QUrl &url : urls) {
        if (url.isValid() && !url.isEmpty() && !m_urls.contains(url))
            m_urls.append(url);
    }
}

std::optional<ServerList> ServerList::parse(const QString &text, QString *error)
{
    ServerList list;
    if (text.trimmed().isEmpty())
        return list;
    const QStringList entries = text.split(u',');
    for (const QString &entry : entries) {
        const QString trimmed = entry.trimmed();
        if (trimmed.isEmpty()) {
            *error = QStringLiteral("an empty entry in '%1' (a comma too many?)").arg(text);
            return std::nullopt;
        }
        const QUrl url(trimmed, QUrl::StrictMode);
        // Named as typed: an invalid URL would print as nothing.
        if (!isServerUrl(url)) {
            *error =
                QStringLiteral("'%1' is not an http:// or https:// URL with a host").arg(trimmed);
            return std::nullopt;
        }
        if (list.m_urls.contains(url)) {
            *error = QStringLiteral("'%1' is listed twice").arg(trimmed);
            return std::nullopt;
        }
        list.m_urls.append(url);
    }
    return list;
}

QString ServerList::toText() const
{
    QStringList texts;
    for (const QUrl &url : m_urls)
        texts.append(url.toString());
    return texts.join(QStringLiteral(", "));
}
