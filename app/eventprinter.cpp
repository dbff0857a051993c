#include "eventprinter.h"

#include <QJsonDocument>

void EventPrinter::print(const QJsonObject &event) const
{
    const QByteArray line = QJsonDocument(event).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), m_stream);
    std::fflush(m_stream);
}

void EventPrinter::resumed(const QString &contentId, const ResumePoint &point,
                           qint64 playerPositionMs) const
{
    print({{QStringLiteral("event"), QStringLiteral("resumed")},
           {QStringLiteral("content_id"), contentId},
           {QStringLiteral("position_ms"), point.positionMs},
           {QStringLiteral("source"), point.sourceName()},
           {QStringLiteral("device_name"), point.record ? point.record->deviceName : QString()},
           {QStringLiteral("player_position_ms"), playerPositionMs}});
}

void EventPrinter::seeked(const QString &contentId, qint64 positionMs,
                          qint64 playerPositionMs) const
{
    print({{QStringLiteral("event"), QStringLiteral("seeked")},
           {QStringLiteral("content_id"), contentId},
           {QStringLiteral("position_ms"), positionMs},
           {QStringLiteral("player_position_ms"), playerPositionMs}});
}

void EventPrinter::notice(bool shown, const QString &text, const QString &action) const
{
    print({{QStringLiteral("event"), QStringLiteral("notice")},
           {QStringLiteral("shown"), shown},
           {QStringLiteral("text"), shown ? text : QString()},
           {QStringLiteral("action"), shown ? action : QString()}});
}

void EventPrinter::reported(const ProgressRecord &record, bool delivered) const
{
    print({{QStringLiteral("event"), QStringLiteral("reported")},
           {QStringLiteral("content_id"), record.contentId},
           {QStringLiteral("position_ms"), record.positionMs},
           {QStringLiteral("state"), playbackStateName(record.state)},
           {QStringLiteral("delivered"), delivered}});
}

void EventPrinter::remote(const ProgressRecord &record) const
{
    print({{QStringLiteral("event"), QStringLiteral("remote")},
           {QStringLiteral("content_id"), record.contentId},
           {QStringLiteral("position_ms"), record.positionMs},
           {QStringLiteral("device_name"), record.deviceName}});
}

void EventPrinter::quit(const QString &contentId, qint64 positionMs, int pending) const
{
    print({{QStringLiteral("event"), QStringLiteral("quit")},
           {QStringLiteral("content_id"), contentId},
           {QStringLiteral("position_ms"), positionMs},
           {QStringLiteral("pending"), pending}});
}

void EventPrinter::identified(const QString &contentId, const QString &showId,
                              const QString &episodeId) const
{
    const auto orNull = [](const QString &text) {
        return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
    };
    print({{QStringLiteral("event"), QStringLiteral("identified")},
           {QStringLiteral("content_id"), contentId},
           {QStringLiteral("show_id"), orNull(showId)},
           {QStringLiteral("episode_id"), orNull(episodeId)}});
}

void EventPrinter::watched(const QString &contentId, bool watched) const
{
    print({{QStringLiteral("event"), QStringLiteral("watched")},
           {QStringLiteral("content_id"), contentId},
           {QStringLiteral("watched"), watched}});
}

void EventPrinter::pairing(const QString &code, qint64 expiresAtMs) const
{
    print({{QStringLiteral("event"), QStringLiteral("pairing")},
           {QStringLiteral("code"), code},
           {QStringLiteral("expires_at_ms"), expiresAtMs}});
}

void EventPrinter::paired() const
{
    print({{QStringLiteral("event"), QStringLiteral("paired")}});
}

void EventPrinter::tracks(const std::optional<QString> &audio, const QString &subtitles,
                          qint64 subtitleDelayMs, double speed) const
{
    print({{QStringLiteral("event"), QStringLiteral("tracks")},
           {QStringLiteral("audio"), audio ? QJsonValue(*audio) : QJsonValue(QJsonValue::Null)},
           {QStringLiteral("subtitles"), subtitles.isEmpty() ? QStringLiteral("off") : subtitles},
           {QStringLiteral("subtitle_delay_ms"), subtitleDelayMs},
           {QStringLiteral("speed"), speed}});
}
