#pragma once

#include "protocol/progressrecord.h"
#include "resumepoint.h"

#include <QJsonObject>

#include <cstdio>
#include <optional>

// --events: one JSON object a line on stdout, for scripts and tests (docs/protocol.md, `playmark`).
class EventPrinter final
{
public:
    explicit EventPrinter(FILE *stream = stdout) : m_stream(stream) { }

    // `playerPositionMs`: where the media player itself is at that moment, not the decision.
    void resumed(const QString &contentId, const ResumePoint &point, qint64 playerPositionMs) const;
    // A seek asked for here ("Continue from there", a history jump, a key) has settled.
    void seeked(const QString &contentId, qint64 positionMs, qint64 playerPositionMs) const;
    // The notice under the video: what it says and its button ("" for none); shown false once
    // it is gone.
    void notice(bool shown, const QString &text, const QString &action) const;
    void reported(const ProgressRecord &record, bool delivered) const;
    void remote(const ProgressRecord &record) const;
    void quit(const QString &contentId, qint64 positionMs, int pending) const;
    // The video open is known: its show and episode (null when its name has none).
    void identified(const QString &contentId, const QString &showId,
                    const QString &episodeId) const;
    // The video became watched or unwatched.
    void watched(const QString &contentId, bool watched) const;
    // The tracks, delay and speed playing, named as the menus show them: `audio` null when the
    // file has none, `subtitles` "" for none (printed "off").
    void tracks(const std::optional<QString> &audio, const QString &subtitles,
                qint64 subtitleDelayMs, double speed) const;

    // --pair: the code to approve, and when it expires on the server's clock.
    void pairing(const QString &code, qint64 expiresAtMs) const;
    // --pair: approved; the token is saved.
    void paired() const;

private:
    void print(const QJsonObject &event) const;

    FILE *m_stream;
};
