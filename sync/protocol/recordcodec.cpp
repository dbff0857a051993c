#include "protocol/recordcodec.h"

#include <QJsonDocument>
#include <QJsonValue>

#include <limits>

namespace RecordCodec {

namespace {

constexpr qsizetype kMaxDeviceName = 64;
constexpr qsizetype kMaxTitle = 256;
constexpr qsizetype kMaxShowId = 128;
constexpr qsizetype kMaxEpisodeId = 128;
// Largest integer a JSON double carries exactly.
constexpr qint64 kMaxExactInteger = 9007199254740992;

// The id rules of the record table: content_id [A-Za-z0-9._:-]{1,128}, device_id
// [A-Za-z0-9._-]{1,64}. A loop rather than a QRegularExpression: every update checks both, and
// the match cost about as much as the rest of the validation together (callgrind).
struct IdRule
{
    bool allowColon;
    qsizetype maxLength;
    const char *text;
};
constexpr IdRule kContentIdRule{true, 128, "[A-Za-z0-9._:-]{1,128}"};
constexpr IdRule kDeviceIdRule{false, 64, "[A-Za-z0-9._-]{1,64}"};

bool matches(QStringView text, const IdRule &rule)
{
    if (text.isEmpty() || text.size() > rule.maxLength)
        return false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z')
            || (u >= u'0' && u <= u'9') || u == u'.' || u == u'_' || u == u'-'
            || (rule.allowColon && u == u':');
        if (!ok)
            return false;
    }
    return true;
}

// Reads the fields of one record in turn and stops at the first broken rule.
class Reader
{
public:
    Reader(const QJsonObject &object, ValidationError *error) : m_object(object), m_error(error) { }

    bool failed() const { return m_failed; }

    bool fail(const QString &field, const QString &message)
    {
        if (!m_failed && m_error)
            *m_error = {field, message};
        m_failed = true;
        return false;
    }

    bool present(const QString &field) const
    {
        return Validation::isPresent(m_object.value(field));
    }

    // An integer >= 0; `fallback` when absent and not required.
    qint64 integer(const QString &field, bool required, qint64 fallback = 0)
    {
        if (m_failed)
            return fallback;
        // Made only when something is wrong: most updates are valid.
        const auto ruleText = [&field]() -> QString {
            return field + QStringLiteral(" must be an integer >= 0");
        };
        const QJsonValue value = m_object.value(field);
        if (!Validation::isPresent(value)) {
            if (required) {
                const QString rule = ruleText();
                fail(field,
                     field + QStringLiteral(" is required (") + rule.mid(field.size() + 1) + u')');
            }
            return fallback;
        }
        if (!value.isDouble()) {
            fail(field, ruleText());
            return fallback;
        }
        // Qt keeps integer literals as qint64: read them exactly, so 2^53 + 1 is refused rather
        // than rounded to 2^53 through a double. -1 stands for "not an integer that fits".
        const qint64 number = value.toInteger(-1);
        if (number < 0) {
            fail(field, ruleText());
            return fallback;
        }
        if (number > kMaxExactInteger) {
            fail(field, ruleText() + QStringLiteral(" and at most %1").arg(kMaxExactInteger));
            return fallback;
        }
        return number;
    }

    // true or false; unset when absent.
    std::optional<bool> boolean(const QString &field)
    {
        if (m_failed)
            return std::nullopt;
        const QJsonValue value = m_object.value(field);
        if (!Validation::isPresent(value))
            return std::nullopt;
        if (!value.isBool()) {
            fail(field, field + QStringLiteral(" must be true or false"));
            return std::nullopt;
        }
        return value.toBool();
    }

    QString text(const QString &field, qsizetype maxCharacters)
    {
        if (m_failed)
            return {};
        const QJsonValue value = m_object.value(field);
        if (!Validation::isPresent(value))
            return {};
        const std::optional<QString> text = Validation::boundedText(value, maxCharacters);
        if (!text)
            fail(field, field + u' ' + Validation::textRule(maxCharacters));
        return text.value_or(QString());
    }

    QString matching(const QString &field, const IdRule &idRule)
    {
        if (m_failed)
            return {};
        const auto ruleText = [&]() -> QString {
            return QStringLiteral("%1 must match %2").arg(field, QLatin1String(idRule.text));
        };
        const QJsonValue value = m_object.value(field);
        if (!Validation::isPresent(value)) {
            const QString rule = ruleText();
            fail(field, field + QStringLiteral(" is required; it ") + rule.mid(field.size() + 1));
            return {};
        }
        QString text = value.toString();
        if (!value.isString() || !matches(text, idRule)) {
            fail(field, ruleText());
            return {};
        }
        return text;
    }

private:
    const QJsonObject &m_object;
    ValidationError *m_error;
    bool m_failed = false;
};

} // namespace

bool isValidContentId(const QString &contentId)
{
    return matches(contentId, kContentIdRule);
}

bool isValidDeviceId(const QString &deviceId)
{
    return matches(deviceId, kDeviceIdRule);
}

QJsonObject toJson(const ProgressRecord &record)
{
    QJsonObject object{
        {QStringLiteral("content_id"), record.contentId},
        {QStringLiteral("position_ms"), record.positionMs},
        {QStringLiteral("duration_ms"), record.durationMs},
        {QStringLiteral("device_id"), record.deviceId},
        {QStringLiteral("device_name"), record.deviceName},
        {QStringLiteral("observed_at_ms"), record.observedAtMs},
        {QStringLiteral("state"), playbackStateName(record.state)},
    };
    if (!record.title.isEmpty())
        object.insert(QStringLiteral("title"), record.title);
    if (!record.showId.isEmpty())
        object.insert(QStringLiteral("show_id"), record.showId);
    if (!record.episodeId.isEmpty())
        object.insert(QStringLiteral("episode_id"), record.episodeId);
    if (record.choices)
        object.insert(QStringLiteral("choices"), ChoicesCodec::toJson(*record.choices));
    if (record.watched)
        object.insert(QStringLiteral("watched"), *record.watched);
    if (record.finishedAtMs > 0)
        object.insert(QStringLiteral("finished_at_ms"), record.finishedAtMs);
    if (record.receivedAtMs > 0)
        object.insert(QStringLiteral("received_at_ms"), record.receivedAtMs);
    if (record.playCount > 0)
        object.insert(QStringLiteral("play_count"), record.playCount);
    if (record.lastFinishedMs > 0)
        object.insert(QStringLiteral("last_finished_ms"), record.lastFinishedMs);
    return object;
}

namespace {

template<qsizetype N>
void appendRaw(QByteArray &out, const char (&text)[N])
{
    out.append(text, N - 1);
}

char hexDigit(uint value)
{
    return char(value < 10 ? '0' + value : 'a' + value - 10);
}

char *writeEscape(char *cursor, char16_t unit)
{
    *cursor++ = '\\';
    *cursor++ = 'u';
    *cursor++ = hexDigit((unit >> 12) & 0xf);
    *cursor++ = hexDigit((unit >> 8) & 0xf);
    *cursor++ = hexDigit((unit >> 4) & 0xf);
    *cursor++ = hexDigit(unit & 0xf);
    return cursor;
}

} // namespace

void appendJsonInteger(QByteArray &out, qint64 number)
{
    char digits[24];
    char *end = digits + sizeof digits;
    char *cursor = end;
    // Through the unsigned value, so that the most negative number has a magnitude too.
    quint64 magnitude = number < 0 ? 0 - quint64(number) : quint64(number);
    do {
        *--cursor = char('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (number < 0)
        *--cursor = '-';
    out.append(cursor, end - cursor);
}

void appendJsonString(QByteArray &out, QStringView text)
{
    // At most 6 bytes per UTF-16 unit (\uxxxx), plus the quotes; trimmed to what was written.
    const qsizetype start = out.size();
    out.resize(start + text.size() * 6 + 2);
    char *const first = out.data() + start;
    char *cursor = first;
    *cursor++ = '"';
    const char16_t *src = text.utf16();
    const char16_t *const end = src + text.size();
    while (src != end) {
        const char16_t unit = *src++;
        if (unit < 0x80) {
            if (unit >= 0x20 && unit != u'"' && unit != u'\\') {
                *cursor++ = char(unit);
                continue;
            }
            *cursor++ = '\\';
            switch (unit) {
            case u'"':
                *cursor++ = '"';
                break;
            case u'\\':
                *cursor++ = '\\';
                break;
            case u'\b':
                *cursor++ = 'b';
                break;
            case u'\f':
                *cursor++ = 'f';
                break;
            case u'\n':
                *cursor++ = 'n';
                break;
            case u'\r':
                *cursor++ = 'r';
                break;
            case u'\t':
                *cursor++ = 't';
                break;
            default:
                cursor = writeEscape(cursor - 1, unit);
                break;
            }
        } else if (unit < 0x800) {
            *cursor++ = char(0xc0 | (unit >> 6));
            *cursor++ = char(0x80 | (unit & 0x3f));
        } else if (QChar::isHighSurrogate(unit) && src != end && QChar::isLowSurrogate(*src)) {
            const char32_t point = QChar::surrogateToUcs4(unit, *src++);
            *cursor++ = char(0xf0 | (point >> 18));
            *cursor++ = char(0x80 | ((point >> 12) & 0x3f));
            *cursor++ = char(0x80 | ((point >> 6) & 0x3f));
            *cursor++ = char(0x80 | (point & 0x3f));
        } else if (QChar::isSurrogate(unit)) {
            // No UTF-8 for half a pair: QJsonDocument writes it as an escape, and so do we.
            cursor = writeEscape(cursor, unit);
        } else {
            *cursor++ = char(0xe0 | (unit >> 12));
            *cursor++ = char(0x80 | ((unit >> 6) & 0x3f));
            *cursor++ = char(0x80 | (unit & 0x3f));
        }
    }
    *cursor++ = '"';
    out.resize(start + (cursor - first));
}

void appendJson(QByteArray &out, const ProgressRecord &record)
{
    // Members in QJsonObject's order (sorted by key), so the text is the same as toJson()'s.
    out.reserve(out.size() + 320 + 3 * (record.title.size() + record.deviceName.size()));
    out.append('{');
    if (record.choices) {
        appendRaw(out, "\"choices\":");
        out.append(ChoicesCodec::toCompactJson(*record.choices));
        out.append(',');
    }
    appendRaw(out, "\"content_id\":");
    appendJsonString(out, record.contentId);
    appendRaw(out, ",\"device_id\":");
    appendJsonString(out, record.deviceId);
    appendRaw(out, ",\"device_name\":");
    appendJsonString(out, record.deviceName);
    appendRaw(out, ",\"duration_ms\":");
    appendJsonInteger(out, record.durationMs);
    if (!record.episodeId.isEmpty()) {
        appendRaw(out, ",\"episode_id\":");
        appendJsonString(out, record.episodeId);
    }
    if (record.finishedAtMs > 0) {
        appendRaw(out, ",\"finished_at_ms\":");
        appendJsonInteger(out, record.finishedAtMs);
    }
    if (record.lastFinishedMs > 0) {
        appendRaw(out, ",\"last_finished_ms\":");
        appendJsonInteger(out, record.lastFinishedMs);
    }
    appendRaw(out, ",\"observed_at_ms\":");
    appendJsonInteger(out, record.observedAtMs);
    if (record.playCount > 0) {
        appendRaw(out, ",\"play_count\":");
        appendJsonInteger(out, record.playCount);
    }
    appendRaw(out, ",\"position_ms\":");
    appendJsonInteger(out, record.positionMs);
    if (record.receivedAtMs > 0) {
        appendRaw(out, ",\"received_at_ms\":");
        appendJsonInteger(out, record.receivedAtMs);
    }
    if (!record.showId.isEmpty()) {
        appendRaw(out, ",\"show_id\":");
        appendJsonString(out, record.showId);
    }
    switch (record.state) {
    case PlaybackState::Playing:
        appendRaw(out, ",\"state\":\"playing\"");
        break;
    case PlaybackState::Paused:
        appendRaw(out, ",\"state\":\"paused\"");
        break;
    case PlaybackState::Stopped:
        appendRaw(out, ",\"state\":\"stopped\"");
        break;
    case PlaybackState::Ended:
        appendRaw(out, ",\"state\":\"ended\"");
        break;
    }
    if (!record.title.isEmpty()) {
        appendRaw(out, ",\"title\":");
        appendJsonString(out, record.title);
    }
    if (record.watched) {
        if (*record.watched)
            appendRaw(out, ",\"watched\":true");
        else
            appendRaw(out, ",\"watched\":false");
    }
    out.append('}');
}

QByteArray toCompactJson(const ProgressRecord &record)
{
    QByteArray out;
    appendJson(out, record);
    return out;
}

std::optional<ProgressRecord> fromJson(const QJsonObject &object, const QString &contentId,
                                       Source source, ValidationError *error)
{
    Reader reader(object, error);
    ProgressRecord record;

    if (contentId.isNull()) {
        record.contentId = reader.matching(QStringLiteral("content_id"), kContentIdRule);
    } else if (!isValidContentId(contentId)) {
        reader.fail(QStringLiteral("content_id"),
                    QStringLiteral("content_id must match [A-Za-z0-9._:-]{1,128}"));
    } else {
        record.contentId = contentId;
    }

    record.positionMs = reader.integer(QStringLiteral("position_ms"), true);
    record.durationMs = reader.integer(QStringLiteral("duration_ms"), false);
    if (!reader.failed() && record.durationMs > 0 && record.positionMs > record.durationMs) {
        reader.fail(QStringLiteral("position_ms"),
                    QStringLiteral("position_ms (%1) must not exceed duration_ms (%2)")
                        .arg(record.positionMs)
                        .arg(record.durationMs));
    }
    record.deviceId = reader.matching(QStringLiteral("device_id"), kDeviceIdRule);
    record.deviceName = reader.text(QStringLiteral("device_name"), kMaxDeviceName);
    record.observedAtMs = reader.integer(QStringLiteral("observed_at_ms"), true);

    if (!reader.failed() && reader.present(QStringLiteral("state"))) {
        const QJsonValue value = object.value(QStringLiteral("state"));
        const auto state =
            value.isString() ? playbackStateFromName(value.toString()) : std::nullopt;
        if (state)
            record.state = *state;
        else
            reader.fail(QStringLiteral("state"),
                        QStringLiteral("state must be one of playing, paused, stopped, ended"));
    }

    record.title = reader.text(QStringLiteral("title"), kMaxTitle);
    record.showId = reader.text(QStringLiteral("show_id"), kMaxShowId);
    record.episodeId = reader.text(QStringLiteral("episode_id"), kMaxEpisodeId);
    if (!reader.failed() && reader.present(QStringLiteral("choices"))) {
        ValidationError choicesError;
        record.choices =
            ChoicesCodec::fromJson(object.value(QStringLiteral("choices")), &choicesError);
        if (!record.choices)
            reader.fail(choicesError.field, choicesError.message);
    }
    record.watched = reader.boolean(QStringLiteral("watched"));
    record.finishedAtMs = reader.integer(QStringLiteral("finished_at_ms"), false);
    if (!reader.failed() && record.finishedAtMs > record.observedAtMs) {
        reader.fail(QStringLiteral("finished_at_ms"),
                    QStringLiteral("finished_at_ms (%1) must not be after observed_at_ms (%2)")
                        .arg(record.finishedAtMs)
                        .arg(record.observedAtMs));
    }
    if (source == Source::Server) {
        record.receivedAtMs = reader.integer(QStringLiteral("received_at_ms"), false);
        record.playCount = int(qMin<qint64>(reader.integer(QStringLiteral("play_count"), false),
                                            std::numeric_limits<int>::max()));
        record.lastFinishedMs = reader.integer(QStringLiteral("last_finished_ms"), false);
    }

    if (reader.failed())
        return std::nullopt;
    return record;
}

std::optional<QJsonObject> parseObject(const QByteArray &json, ValidationError *error)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = {QString(),
                      QStringLiteral("malformed JSON at offset %1: %2")
                          .arg(parseError.offset)
                          .arg(parseError.errorString())};
        return std::nullopt;
    }
    if (!document.isObject()) {
        if (error)
            *error = {QString(), QStringLiteral("the body must be a JSON object")};
        return std::nullopt;
    }
    return document.object();
}

} // namespace RecordCodec
