#pragma once

#include "protocol/playbackchoices.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <variant>

// The audio and subtitle tracks a media file has, each named by what survives devices (language,
// title, codec).
struct MediaStreams
{
    QList<TrackIdentity> audio; // in the order QMediaPlayer::audioTracks() lists them
    QList<TrackIdentity> subtitles; // text tracks, in the order of QMediaPlayer::subtitleTracks()
    // Why its video cannot be shown, in words (explainUndecodableVideo); "" when it can or it has
    // none.
    QString undecodableVideo = {};
};

Q_DECLARE_METATYPE(MediaStreams)

// Reads them with GStreamer's discoverer (Qt 6.4 reads no track's language here, and a track
// without a title of its own gets the container's). Blocking, a few ms to a second and at most
// about five: run it off the GUI thread (QtConcurrent). Any thread may call it. An error in words
// when the file cannot be read.
std::variant<MediaStreams, QString> probeMediaStreams(const QString &path);
