#pragma once

#include <QDBusConnection>
#include <QDBusContext>
#include <QDBusObjectPath>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

class MprisPlayerAdaptor;

// The player on the desktop's session bus as MPRIS 2 (org.mpris.MediaPlayer2 and its .Player),
// so media keys, the desktop's media controls and playerctl see the title and position and can
// play, pause and seek. Like PlaybackSession it owns no player and no window: it is told the
// player's state through setters and asks for actions through signals, so tst_mpris drives it
// on a private bus without either. The two adaptors only translate D-Bus calls into this.
class MprisService final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MprisService)
public:
    enum class Status { Stopped, Playing, Paused };
    Q_ENUM(Status)

    static constexpr double kMinimumRate = 0.5;
    static constexpr double kMaximumRate = 2.0;

    explicit MprisService(QObject *parent = nullptr);
    ~MprisService() override;

    // org.mpris.MediaPlayer2.playmark.instance<PID>: the spec's form for several instances of
    // one player (two profiles are two devices on one desktop).
    static QString serviceName();
    static QString objectPath() { return QStringLiteral("/org/mpris/MediaPlayer2"); }

    // Exports the object and takes the name on `connection`. On failure (no bus, name taken)
    // nothing is registered and `error` says why.
    bool registerOn(const QDBusConnection &connection, QString *error);
    void unregister();
    bool isRegistered() const { return m_registered; }

    // What the player tells.
    void setStatus(Status status);
    // The video now open (a new track id each time); an empty path: nothing open.
    void setTrack(const QString &path, const QString &title);
    void setDurationMs(qint64 durationMs);
    void setPositionMs(qint64 positionMs) { m_positionMs = positionMs; }
    void setSeekable(bool seekable);
    void setRate(double rate);
    void setVolume(double volume);
    // The player jumped (a seek, the resume point): Seeked, with the new position.
    void notifySeeked(qint64 positionMs);

    // What the adaptors read (MPRIS units: microseconds).
    Status status() const { return m_status; }
    QString statusText() const;
    QVariantMap metadata() const;
    qint64 positionUs() const { return m_positionMs * 1000; }
    double rate() const { return m_rate; }
    double volume() const { return m_volume; }
    bool hasTrack() const { return !m_path.isEmpty(); }
    bool canSeek() const { return hasTrack() && m_seekable; }
    QDBusObjectPath trackId() const;

    // What the adaptors ask for (D-Bus calls), in the player's terms.
    void play();
    void pause();
    void playPause();
    void stop();
    void seekBy(qint64 offsetUs);
    void setPosition(const QDBusObjectPath &trackId, qint64 positionUs);
    // false for anything but a local file (file:// URL or absolute path); a D-Bus caller gets
    // an InvalidArgs error. (The context of an adaptor's call is its parent's, this object's.)
    bool openUri(const QString &uri);
    void requestRate(double rate);
    void requestVolume(double volume);
    void raise() { Q_EMIT raiseRequested(); }
    void quit() { Q_EMIT quitRequested(); }

Q_SIGNALS:
    // Toggle, as Space does: play() and pause() ask for it only when it changes something.
    void playPauseRequested();
    void stopRequested();
    void seekByRequested(qint64 deltaMs);
    void seekRequested(qint64 positionMs);
    void openRequested(const QString &path);
    void rateChangeRequested(double rate);
    void volumeChangeRequested(double volume);
    void raiseRequested();
    // Close as a person closing the window would: the final position is saved.
    void quitRequested();

private:
    // org.freedesktop.DBus.Properties.PropertiesChanged for the Player interface.
    void announce(const QVariantMap &changed);

    MprisPlayerAdaptor *m_player; // child: exported with the object
    QDBusConnection m_connection;
    bool m_registered = false;
    Status m_status = Status::Stopped;
    QString m_path;
    QString m_title;
    quint64 m_trackNumber = 0;
    qint64 m_durationMs = 0;
    qint64 m_positionMs = 0;
    bool m_seekable = false;
    double m_rate = 1.0;
    double m_volume = 1.0;
};
