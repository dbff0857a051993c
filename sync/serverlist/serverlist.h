#pragma once

#include <QList>
#include <QString>
#include <QUrl>

#include <optional>

// The sync servers a player may use, in the order it tries them: `--server`, the profile and the
// settings dialog hold one, as text "http://a:8787, http://b:8787". Every entry is an http:// or
// https:// URL with a host, and none is listed twice.
class ServerList final
{
public:
    ServerList() = default;
    // Entries that are not valid URLs are left out (an empty QUrl: no server).
    explicit ServerList(const QList<QUrl> &urls);

    // Comma-separated URLs, spaces around each ignored. Blank text is an empty list. Otherwise
    // nullopt, with `error` naming the first bad entry and what is wrong with it.
    static std::optional<ServerList> parse(const QString &text, QString *error);

    // The list as parse() takes it back.
    QString toText() const;

    const QList<QUrl> &urls() const { return m_urls; }
    bool isEmpty() const { return m_urls.isEmpty(); }
    int size() const { return int(m_urls.size()); }
    QUrl at(int index) const { return m_urls.value(index); }
    int indexOf(const QUrl &url) const { return int(m_urls.indexOf(url)); }

    friend bool operator==(const ServerList &a, const ServerList &b)
    {
        return a.m_urls == b.m_urls;
    }
    friend bool operator!=(const ServerList &a, const ServerList &b) { return !(a == b); }

private:
    QList<QUrl> m_urls;
};
