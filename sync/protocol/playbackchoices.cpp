#include "protocol/playbackchoices.h"

#include <QJsonDocument>

#include <array>
#include <cmath>
#include <utility>

namespace ChoicesCodec {

namespace {

constexpr std::array<std::pair<SubtitleChoice::Source, const char *>, 3> kSourceNames{{
    {SubtitleChoice::Source::Embedded, "embedded"},
    {SubtitleChoice::Source::Sidecar, "sidecar"},
    {SubtitleChoice::Source::File, "file"},
}};

const QString kOff = QStringLiteral("off");

// Reads one object's members in turn and stops at the first broken rule; `path` names the object
// in messages ("choices.audio").
class MemberReader
{
public:
    MemberReader(QString path, ValidationError *error) : m_path(std::move(path)), m_error(error) { }

    bool failed() const { return m_failed; }

    QString name(const QString &member) const { return m_path + u'.' + member; }

    void fail(const QString &member, const QString &rule)
    {
        if (!m_failed && m_error) {
            const QString field = member.isEmpty() ? m_path : name(member);
            *m_error = {field, field + u' ' + rule};
        }
        m_failed = true;
    }

    // "" when absent.
    QString text(const QJsonObject &object, const QString &member, qsizetype maxCharacters)
    {
        const QJsonValue value = object.value(member);
        if (m_failed || !Validation::isPresent(value))
            return {};
        const std::optional<QString> text = Validation::boundedText(value, maxCharacters);
        if (!text)
            fail(member, Validation::textRule(maxCharacters));
        return text.value_or(QString());
    }

    TrackIdentity track(const QJsonObject &object)
    {
        TrackIdentity track;
        track.language = text(object, QStringLiteral("language"), ChoiceLimits::kMaxLanguage);
        track.title = text(object, QStringLiteral("title"), ChoiceLimits::kMaxTitle);
        track.codec = text(object, QStringLiteral("codec"), ChoiceLimits::kMaxCodec);
        return track;
    }

    // A file's name alone: no folder, so a record cannot point a player at another place.
    QString fileName(const QJsonObject &object, const QString &member)
    {
        if (m_failed)
            return {};
        const QJsonValue value = object.value(member);
        const QString rule =
            QStringLiteral("must be a file name of 1 to %1 characters without '/', '\\' or NUL")
                .arg(ChoiceLimits::kMaxFileName);
        if (!Validation::isPresent(value)) {
            fail(member, QStringLiteral("is required; it ") + rule);
            return {};
        }
        const QString name = value.isString() ? value.toString() : QString();
        if (name.isEmpty() || Validation::characterCount(name) > ChoiceLimits::kMaxFileName
            || name.contains(u'/') || name.contains(u'\\') || name.contains(QChar(0))) {
            fail(member, rule);
            return {};
        }
        return name;
    }

private:
    QString m_path;
    ValidationError *m_error;
    bool m_failed = false;
};

std::optional<SubtitleChoice> subtitlesFromJson(const QJsonValue &value, ValidationError *error)
{
    MemberReader reader(QStringLiteral("choices.subtitles"), error);
    if (value.isString() && value.toString() == kOff)
        return SubtitleChoice{};
    if (!value.isObject()) {
        reader.fail(QString(), QStringLiteral("must be \"off\" or an object"));
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    const QJsonValue sourceValue = object.value(QStringLiteral("source"));
    std::optional<SubtitleChoice::Source> source;
    for (const auto &[kind, sourceName] : kSourceNames) {
        if (sourceValue.isString() && sourceValue.toString() == QLatin1String(sourceName))
            source = kind;
    }
    if (!source) {
        reader.fail(QStringLiteral("source"),
                    QStringLiteral("must be one of embedded, sidecar, file"));
        return std::nullopt;
    }
    SubtitleChoice choice;
    choice.source = *source;
    if (choice.source == SubtitleChoice::Source::Embedded) {
        choice.track = reader.track(object);
    } else {
        choice.track.language =
            reader.text(object, QStringLiteral("language"), ChoiceLimits::kMaxLanguage);
        choice.fileName = reader.fileName(object, QStringLiteral("file"));
    }
    if (reader.failed())
        return std::nullopt;
    return choice;
}

} // namespace

QJsonObject toJson(const PlaybackChoices &choices)
{
    QJsonObject object{
        {QStringLiteral("subtitle_delay_ms"), choices.subtitleDelayMs},
        {QStringLiteral("speed"), choices.speed},
    };
    if (choices.audio) {
        object.insert(QStringLiteral("audio"),
                      QJsonObject{{QStringLiteral("language"), choices.audio->language},
                                  {QStringLiteral("title"), choices.audio->title},
                                  {QStringLiteral("codec"), choices.audio->codec}});
    }
    if (choices.subtitles) {
        const SubtitleChoice &subtitles = *choices.subtitles;
        QJsonObject choice;
        for (const auto &[kind, sourceName] : kSourceNames) {
            if (kind == subtitles.source)
                choice.insert(QStringLiteral("source"), QLatin1String(sourceName));
        }
        choice.insert(QStringLiteral("language"), subtitles.track.language);
        if (subtitles.source == SubtitleChoice::Source::Embedded) {
            choice.insert(QStringLiteral("title"), subtitles.track.title);
            choice.insert(QStringLiteral("codec"), subtitles.track.codec);
        } else {
            choice.insert(QStringLiteral("file"), subtitles.fileName);
        }
        object.insert(QStringLiteral("subtitles"),
                      subtitles.source == SubtitleChoice::Source::Off ? QJsonValue(kOff)
                                                                      : QJsonValue(choice));
    }
    return object;
}

QByteArray toCompactJson(const PlaybackChoices &choices)
{
    return QJsonDocument(toJson(choices)).toJson(QJsonDocument::Compact);
}

std::optional<PlaybackChoices> fromJson(const QJsonValue &value, ValidationError *error)
{
    MemberReader reader(QStringLiteral("choices"), error);
    if (!value.isObject()) {
        reader.fail(QString(), QStringLiteral("must be an object"));
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    PlaybackChoices choices;

    const QJsonValue audio = object.value(QStringLiteral("audio"));
    if (Validation::isPresent(audio)) {
        MemberReader audioReader(QStringLiteral("choices.audio"), error);
        if (!audio.isObject()) {
            audioReader.fail(QString(), QStringLiteral("must be an object"));
            return std::nullopt;
        }
        choices.audio = audioReader.track(audio.toObject());
        if (audioReader.failed())
            return std::nullopt;
    }

    const QJsonValue subtitles = object.value(QStringLiteral("subtitles"));
    if (Validation::isPresent(subtitles)) {
        choices.subtitles = subtitlesFromJson(subtitles, error);
        if (!choices.subtitles)
            return std::nullopt;
    }

    const QJsonValue delay = object.value(QStringLiteral("subtitle_delay_ms"));
    if (Validation::isPresent(delay)) {
        const double ms = delay.toDouble(std::nan(""));
        if (!delay.isDouble() || std::trunc(ms) != ms
            || std::abs(ms) > double(ChoiceLimits::kMaxSubtitleDelayMs)) {
            reader.fail(QStringLiteral("subtitle_delay_ms"),
                        QStringLiteral("must be an integer from %1 to %2")
                            .arg(-ChoiceLimits::kMaxSubtitleDelayMs)
                            .arg(ChoiceLimits::kMaxSubtitleDelayMs));
            return std::nullopt;
        }
        choices.subtitleDelayMs = qint64(ms);
    }

    const QJsonValue speed = object.value(QStringLiteral("speed"));
    if (Validation::isPresent(speed)) {
        const double rate = speed.toDouble(std::nan(""));
        // Written so that NaN fails too.
        if (!speed.isDouble()
            || !(rate >= ChoiceLimits::kMinSpeed && rate <= ChoiceLimits::kMaxSpeed)) {
            reader.fail(QStringLiteral("speed"),
                        QStringLiteral("must be a number from %1 to %2")
                            .arg(ChoiceLimits::kMinSpeed)
                            .arg(ChoiceLimits::kMaxSpeed));
            return std::nullopt;
        }
        choices.speed = rate;
    }
    return choices;
}

std::optional<PlaybackChoices> fromCompactJson(const QByteArray &json)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return fromJson(document.object(), nullptr);
}

} // namespace ChoicesCodec
