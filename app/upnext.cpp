#include "upnext.h"

#include "media/episodefiles.h"
#include "media/episodename.h"
#include "media/videofiles.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

UpNext::UpNext(QObject *parent) : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, &UpNext::tick);
}

QString UpNext::nextAfter(const QString &path)
{
    const QFileInfo current(path);
    const std::optional<EpisodeName> episode = EpisodeName::parse(path);
    // An episode: the show's next one by episode order, also where the folder's natural order
    // puts another show or an extra between them, and in the next season's folder.
    if (episode) {
        const QString next = nextEpisodeIn(current.path(), episode->showId, episode->episodeId);
        if (!next.isEmpty())
            return next;
    }
    const QStringList names = videoFileNames(current.dir());
    const qsizetype index = names.indexOf(current.fileName());
    if (index < 0 || index + 1 >= names.size())
        return {};
    const QString next = current.dir().filePath(names.at(index + 1));
    // After a show's last episode, the folder's next video unless it is one of the same show's
    // (an earlier episode, a second copy): that would go back.
    if (episode) {
        const std::optional<EpisodeName> following = EpisodeName::parse(next);
        if (following && following->showId == episode->showId)
            return {};
    }
    return next;
}

void UpNext::offer(const QString &nextPath, int seconds, int tickMs)
{
    ++m_lookup;
    m_next = nextPath;
    m_secondsLeft = seconds;
    m_timer.start(tickMs);
    Q_EMIT countdownChanged(m_next, m_secondsLeft);
}

void UpNext::offerAfter(const QString &path)
{
    const quint64 lookup = ++m_lookup;
    // Listing the folder may be slow (a network share): not on the GUI thread.
    QtConcurrent::run([path] {
        return nextAfter(path);
    }).then(this, [this, lookup](const QString &next) {
        if (lookup == m_lookup && !next.isEmpty())
            offer(next);
    });
}

void UpNext::cancel()
{
    ++m_lookup;
    if (!m_timer.isActive())
        return;
    m_timer.stop();
    Q_EMIT cancelled();
}

void UpNext::tick()
{
    --m_secondsLeft;
    if (m_secondsLeft > 0) {
        Q_EMIT countdownChanged(m_next, m_secondsLeft);
        return;
    }
    m_timer.stop();
    Q_EMIT playNextRequested(m_next);
}
