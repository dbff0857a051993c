#include "mprisservice.h"

#include "mprisplayeradaptor.h"
#include "mprisrootadaptor.h"

#include <QCoreApplication>
#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QDBusMessage>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUrl>

Q_LOGGING_CATEGORY(lcMpris, "playmark.app.mpris")

namespace {

constexpr auto kPlayerInterface = "org.mpris.MediaPlayer2.Player";

} // namespace

MprisService::MprisService(QObject *parent)
    : QObject(parent),
      m_player(new MprisPlayerAdaptor(this)),
      m_connection(QStringLiteral("playmark-mpris-unconnected"))
{
    new MprisRootAdaptor(this);
}

MprisService::~MprisService()
{
    unregister();
}

QString MprisService::serviceName()
{
    return QStringLiteral("org.mpris.MediaPlayer2.playmark.instance%1")
        .arg(QCoreApplication::applicationPid());
}

bool MprisService::registerOn(const QDBusConnection &connection, QString *error)
{
    unregister();
    if (!connection.isConnected()) {
        *error = connection.lastError().isValid() ? connection.lastError().message()
                                                  : QStringLiteral("not connected");
        return false;
    }
    QDBusConnection bus = connection;
    if (!bus.registerObject(objectPath(), this, QDBusConnection::ExportAdaptors)) {
        *error = QStringLiteral("%1 is taken on the bus").arg(objectPath());
        return false;
    }
    if (!bus.registerService(serviceName())) {
        *error = bus.lastError().message();
        bus.unregisterObject(objectPath());
        return false;
    }
    m_connection = bus;
    m_registered = true;
    qCDebug(lcMpris).noquote() << "on the session bus as" << serviceName();
    return true;
}

void MprisService::unregister()
{
    if (!m_registered)
        return;
    m_connection.unregisterService(serviceName());
    m_connection.unregisterObject(objectPath());
    m_registered = false;
}

void MprisService::setStatus(Status status)
{
    if (status == m_status)
        return;
    m_status = status;
    announce({{QStringLiteral("PlaybackStatus"), statusText()}});
}

void MprisService::setTrack(const QString &path, const QString &title)
{
    const bool hadTrack = hasTrack();
    m_path = path;
    m_title = title;
    m_durationMs = 0;
    m_positionMs = 0;
    m_seekable = false;
    if (!path.isEmpty())
        ++m_trackNumber;
    QVariantMap changed{{QStringLiteral("Metadata"), metadata()},
                        {QStringLiteral("CanSeek"), false}};
    if (hadTrack != hasTrack()) {
        changed.insert(QStringLiteral("CanPlay"), hasTrack());
        changed.insert(QStringLiteral("CanPause"), hasTrack());
    }
    announce(changed);
}

void MprisService::setDurationMs(qint64 durationMs)
{
    if (durationMs == m_durationMs)
        return;
    m_durationMs = durationMs;
    announce({{QStringLiteral("Metadata"), metadata()}});
}

void MprisService::setSeekable(bool seekable)
{
    if (seekable == m_seekable)
        return;
    m_seekable = seekable;
    announce({{QStringLiteral("CanSeek"), canSeek()}});
}

void MprisService::setRate(double rate)
{
    if (qFuzzyCompare(rate, m_rate))
        return;
    m_rate = rate;
    announce({{QStringLiteral("Rate"), m_rate}});
}

void MprisService::setVolume(double volume)
{
    if (qFuzzyCompare(volume, m_volume))
        return;
    m_volume = volume;
    announce({{QStringLiteral("Volume"), m_volume}});
}

void MprisService::notifySeeked(qint64 positionMs)
{
    m_positionMs = positionMs;
    Q_EMIT m_player->Seeked(positionUs());
}

QString MprisService::statusText() const
{
    switch (m_status) {
    case Status::Playing:
        return QStringLiteral("Playing");
    case Status::Paused:
        return QStringLiteral("Paused");
    case Status::Stopped:
        break;
    }
    return QStringLiteral("Stopped");
}

QDBusObjectPath MprisService::trackId() const
{
    // Not under /org/mpris: the spec keeps that namespace for NoTrack.
    return QDBusObjectPath(hasTrack()
                               ? QStringLiteral("/org/playmark/track/%1").arg(m_trackNumber)
                               : QStringLiteral("/org/mpris/MediaPlayer2/TrackList/NoTrack"));
}

QVariantMap MprisService::metadata() const
{
    QVariantMap map{{QStringLiteral("mpris:trackid"), QVariant::fromValue(trackId())}};
    if (!hasTrack())
        return map;
    map.insert(QStringLiteral("xesam:title"), m_title);
    map.insert(QStringLiteral("xesam:url"),
               QUrl::fromLocalFile(m_path).toString(QUrl::FullyEncoded));
    if (m_durationMs > 0)
        map.insert(QStringLiteral("mpris:length"), qint64(m_durationMs * 1000));
    return map;
}

void MprisService::play()
{
    if (hasTrack() && m_status != Status::Playing)
        Q_EMIT playPauseRequested();
}

void MprisService::pause()
{
    if (m_status == Status::Playing)
        Q_EMIT playPauseRequested();
}

void MprisService::playPause()
{
    if (hasTrack())
        Q_EMIT playPauseRequested();
}

void MprisService::stop()
{
    if (hasTrack())
        Q_EMIT stopRequested();
}

void MprisService::seekBy(qint64 offsetUs)
{
    if (canSeek())
        Q_EMIT seekByRequested(offsetUs / 1000);
}

void MprisService::setPosition(const QDBusObjectPath &trackId, qint64 positionUs)
{
    // The spec: a stale track id (the person opened another video meanwhile), a negative
    // position or one past the end do nothing.
    if (!canSeek() || trackId != this->trackId() || positionUs < 0
        || (m_durationMs > 0 && positionUs > m_durationMs * 1000))
        return;
    Q_EMIT seekRequested(positionUs / 1000);
}

bool MprisService::openUri(const QString &uri)
{
    const QUrl url(uri);
    QString path;
    if (url.isLocalFile())
        path = url.toLocalFile();
    else if (QFileInfo(uri).isAbsolute() && url.scheme().isEmpty())
        path = uri;
    if (path.isEmpty()) {
        if (calledFromDBus())
            sendErrorReply(
                QDBusError::InvalidArgs,
                QStringLiteral("Playmark opens local files only (file://), not %1").arg(uri));
        return false;
    }
    Q_EMIT openRequested(path);
    return true;
}

void MprisService::requestRate(double rate)
{
    // The spec: 0 is a pause; outside the range the call is ignored.
    if (qFuzzyIsNull(rate)) {
        pause();
        return;
    }
    if (rate < kMinimumRate || rate > kMaximumRate)
        return;
    Q_EMIT rateChangeRequested(rate);
}

void MprisService::requestVolume(double volume)
{
    Q_EMIT volumeChangeRequested(qBound(0.0, volume, 1.0));
}

void MprisService::announce(const QVariantMap &changed)
{
    if (!m_registered)
        return;
    QDBusMessage signal =
        QDBusMessage::createSignal(objectPath(), QStringLiteral("org.freedesktop.DBus.Properties"),
                                   QStringLiteral("PropertiesChanged"));
    signal << QString::fromLatin1(kPlayerInterface) << changed << QStringList();
    m_connection.send(signal);
}
