// Every rule of docs/protocol.md's record table, each kept and each broken, through RecordCodec.

#include "hostilestrings.h"
#include "issuechoices.h"
#include "protocol/recordcodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QTest>

#include <limits>

Q_DECLARE_METATYPE(RecordCodec::Source)

// Lets QCOMPARE print both records when they differ.
char *toString(const ProgressRecord &record)
{
    QJsonObject object = RecordCodec::toJson(record);
    object.insert(QStringLiteral("received_at_ms"), record.receivedAtMs);
    return qstrdup(QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
}

namespace {

QString str(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

// U+00E9: one character, two bytes of UTF-8.
QString eAcute(qsizetype count = 1)
{
    return QString(count, QChar(0x00E9));
}

// U+1F3AC: one character, four bytes of UTF-8, two UTF-16 code units.
QString clapper(qsizetype count = 1)
{
    return QString::fromUcs4(U"\U0001F3AC").repeated(count);
}

QString ascii(qsizetype count, char c = 'a')
{
    return QString(count, QLatin1Char(c));
}

const QString kContentId = str("pm1-0123456789abcdef0123456789abcdef");

QJsonObject validObject()
{
    return QJsonObject{
        {str("content_id"), kContentId},
        {str("position_ms"), 1000},
        {str("duration_ms"), 5000},
        {str("device_id"), str("tv-1")},
        {str("device_name"), str("Living-room TV")},
        {str("observed_at_ms"), qint64(1700000000000)},
        {str("state"), str("paused")},
    };
}

ProgressRecord validRecord()
{
    ProgressRecord record;
    record.contentId = kContentId;
    record.positionMs = 1000;
    record.durationMs = 5000;
    record.deviceId = str("tv-1");
    record.deviceName = str("Living-room TV");
    record.observedAtMs = 1700000000000;
    record.state = PlaybackState::Paused;
    return record;
}

// validObject() with `changes` set (a null value stays null) and `removed` taken out.
QJsonObject modified(const QJsonObject &changes, const QStringList &removed = {})
{
    QJsonObject object = validObject();
    for (auto it = changes.begin(); it != changes.end(); ++it)
        object.insert(it.key(), it.value());
    for (const QString &key : removed)
        object.remove(key);
    return object;
}

QJsonObject one(const char *key, const QJsonValue &value)
{
    QJsonObject object;
    object.insert(str(key), value);
    return object;
}

QJsonObject parse(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

// validObject() with `choices` set to the JSON text given.
QJsonObject withChoices(const char *json)
{
    return modified(one("choices",
                        QJsonDocument::fromJson(QByteArray(json)).isObject()
                            ? QJsonValue(parse(json))
                            : QJsonDocument::fromJson(QByteArray("[") + json + "]").array().at(0)));
}

// validObject()'s choices with `member` set to `value`.
QJsonObject choicesWith(const char *member, const QJsonValue &value)
{
    return modified(one("choices", one(member, value)));
}

// The subtitles member with `member` set to `value` (the rest a valid sidecar choice).
QJsonObject subtitlesWith(const char *source, const char *member, const QJsonValue &value)
{
    QJsonObject subtitles{{str("source"), str(source)}, {str("file"), str("Film.en.srt")}};
    subtitles.insert(str(member), value);
    return choicesWith("subtitles", subtitles);
}

PlaybackChoices fullChoices()
{
    return issueChoices(str("Film.en.srt"));
}

const QString kContentIdRule = str("[A-Za-z0-9._:-]{1,128}");
const QString kDeviceIdRule = str("[A-Za-z0-9._-]{1,64}");

} // namespace

class tst_RecordCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rejects_data();
    void rejects();
    void accepts_data();
    void accepts();
    void contentIdFromUrl_data();
    void contentIdFromUrl();
    void receivedAt_data();
    void receivedAt();
    void toJsonUsesProtocolNames();
    void choicesUseProtocolNames_data();
    void choicesUseProtocolNames();
    void roundTrip_data();
    void roundTrip();
    void directWriterMatchesQJsonDocument_data();
    void directWriterMatchesQJsonDocument();
    void directWriterIntegers();
    void parseObject_data();
    void parseObject();
    void nullErrorPointer();
    void idValidators_data();
    void idValidators();
};

void tst_RecordCodec::rejects_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::addColumn<QString>("field");
    // Each must appear in the message: the field and the rule it broke.
    QTest::addColumn<QStringList>("words");

    const QStringList integerRule{str("integer"), str(">= 0")};
    const auto integerWords = [&](const char *field) {
        return QStringList{str(field)} + integerRule;
    };
    const auto requiredWords = [&](const char *field) {
        return QStringList{str(field), str("required")} + integerRule;
    };

    // content_id: required, ^[A-Za-z0-9._:-]{1,128}$
    const QStringList contentIdWords{str("content_id"), kContentIdRule};
    QTest::newRow("content_id missing")
        << modified({}, {str("content_id")}) << str("content_id")
        << QStringList{str("content_id"), str("required"), kContentIdRule};
    QTest::newRow("content_id null")
        << modified(one("content_id", QJsonValue::Null)) << str("content_id")
        << QStringList{str("content_id"), str("required"), kContentIdRule};
    QTest::newRow("content_id empty")
        << modified(one("content_id", QString())) << str("content_id") << contentIdWords;
    QTest::newRow("content_id 129 characters")
        << modified(one("content_id", ascii(129))) << str("content_id") << contentIdWords;
    QTest::newRow("content_id with /")
        << modified(one("content_id", str("a/b"))) << str("content_id") << contentIdWords;
    QTest::newRow("content_id with space")
        << modified(one("content_id", str("a b"))) << str("content_id") << contentIdWords;
    QTest::newRow("content_id with é")
        << modified(one("content_id", QString(str("caf") + eAcute()))) << str("content_id")
        << contentIdWords;
    QTest::newRow("content_id with trailing newline")
        << modified(one("content_id", str("abc\n"))) << str("content_id") << contentIdWords;
    QTest::newRow("content_id number")
        << modified(one("content_id", 42)) << str("content_id") << contentIdWords;
    QTest::newRow("content_id bool")
        << modified(one("content_id", true)) << str("content_id") << contentIdWords;

    // position_ms: required integer >= 0, at most duration_ms when duration_ms > 0
    QTest::newRow("position_ms missing")
        << modified({}, {str("position_ms")}) << str("position_ms") << requiredWords("position_ms");
    QTest::newRow("position_ms null") << modified(one("position_ms", QJsonValue::Null))
                                      << str("position_ms") << requiredWords("position_ms");
    QTest::newRow("position_ms string") << modified(one("position_ms", str("1000")))
                                        << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms bool")
        << modified(one("position_ms", true)) << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms 1.5")
        << modified(one("position_ms", 1.5)) << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms -1")
        << modified(one("position_ms", -1)) << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms array") << modified(one("position_ms", QJsonArray{1}))
                                       << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms object") << modified(one("position_ms", QJsonObject{}))
                                        << str("position_ms") << integerWords("position_ms");
    QTest::newRow("position_ms 1e300")
        << modified(one("position_ms", 1e300)) << str("position_ms") << integerWords("position_ms");
    // 2^53 + 1 has no exact double: it must be refused, not silently rounded to 2^53.
    QTest::newRow("position_ms 2^53+1")
        << modified(
               QJsonObject{{str("position_ms"), qint64(9007199254740993)}, {str("duration_ms"), 0}})
        << str("position_ms") << (integerWords("position_ms") << str("at most 9007199254740992"));
    QTest::newRow("position_ms > duration_ms")
        << modified(QJsonObject{{str("position_ms"), 5001}, {str("duration_ms"), 5000}})
        << str("position_ms")
        << QStringList{str("position_ms"), str("duration_ms"), str("5001"), str("5000")};

    // duration_ms: optional integer >= 0
    QTest::newRow("duration_ms string") << modified(one("duration_ms", str("5000")))
                                        << str("duration_ms") << integerWords("duration_ms");
    QTest::newRow("duration_ms bool")
        << modified(one("duration_ms", false)) << str("duration_ms") << integerWords("duration_ms");
    QTest::newRow("duration_ms 1.5")
        << modified(one("duration_ms", 1.5)) << str("duration_ms") << integerWords("duration_ms");
    QTest::newRow("duration_ms -1")
        << modified(one("duration_ms", -1)) << str("duration_ms") << integerWords("duration_ms");

    // device_id: required, ^[A-Za-z0-9._-]{1,64}$
    const QStringList deviceIdWords{str("device_id"), kDeviceIdRule};
    QTest::newRow("device_id missing")
        << modified({}, {str("device_id")}) << str("device_id")
        << QStringList{str("device_id"), str("required"), kDeviceIdRule};
    QTest::newRow("device_id null")
        << modified(one("device_id", QJsonValue::Null)) << str("device_id")
        << QStringList{str("device_id"), str("required"), kDeviceIdRule};
    QTest::newRow("device_id empty")
        << modified(one("device_id", QString())) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id 65 characters")
        << modified(one("device_id", ascii(65, 'd'))) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id with /")
        << modified(one("device_id", str("tv/1"))) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id with space")
        << modified(one("device_id", str("tv 1"))) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id with é") << modified(one("device_id", QString(str("t") + eAcute())))
                                      << str("device_id") << deviceIdWords;
    // ':' is allowed in content_id but not in device_id.
    QTest::newRow("device_id with :")
        << modified(one("device_id", str("tv:1"))) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id with trailing newline")
        << modified(one("device_id", str("tv-1\n"))) << str("device_id") << deviceIdWords;
    QTest::newRow("device_id number")
        << modified(one("device_id", 7)) << str("device_id") << deviceIdWords;

    // device_name: at most 64 characters (not bytes, not UTF-16 units)
    const QStringList deviceNameWords{str("device_name"), str("at most 64 characters")};
    QTest::newRow("device_name 65 é")
        << modified(one("device_name", eAcute(65))) << str("device_name") << deviceNameWords;
    QTest::newRow("device_name 64 é + emoji")
        << modified(one("device_name", QString(eAcute(64) + clapper()))) << str("device_name")
        << deviceNameWords;
    QTest::newRow("device_name 65 emoji")
        << modified(one("device_name", clapper(65))) << str("device_name") << deviceNameWords;
    QTest::newRow("device_name 65 ascii")
        << modified(one("device_name", ascii(65))) << str("device_name") << deviceNameWords;
    QTest::newRow("device_name number") << modified(one("device_name", 3)) << str("device_name")
                                        << QStringList{str("device_name"), str("string")};
    QTest::newRow("device_name bool") << modified(one("device_name", true)) << str("device_name")
                                      << QStringList{str("device_name"), str("string")};

    // observed_at_ms: required integer >= 0
    QTest::newRow("observed_at_ms missing")
        << modified({}, {str("observed_at_ms")}) << str("observed_at_ms")
        << requiredWords("observed_at_ms");
    QTest::newRow("observed_at_ms null")
        << modified(one("observed_at_ms", QJsonValue::Null)) << str("observed_at_ms")
        << requiredWords("observed_at_ms");
    QTest::newRow("observed_at_ms string")
        << modified(one("observed_at_ms", str("1700000000000"))) << str("observed_at_ms")
        << integerWords("observed_at_ms");
    QTest::newRow("observed_at_ms bool") << modified(one("observed_at_ms", true))
                                         << str("observed_at_ms") << integerWords("observed_at_ms");
    QTest::newRow("observed_at_ms 1.5") << modified(one("observed_at_ms", 1.5))
                                        << str("observed_at_ms") << integerWords("observed_at_ms");
    QTest::newRow("observed_at_ms -1") << modified(one("observed_at_ms", -1))
                                       << str("observed_at_ms") << integerWords("observed_at_ms");

    // state: one of four names
    const QStringList stateWords{str("state"), str("playing"), str("paused"), str("stopped"),
                                 str("ended")};
    QTest::newRow("state unknown")
        << modified(one("state", str("rewinding"))) << str("state") << stateWords;
    QTest::newRow("state wrong case")
        << modified(one("state", str("Playing"))) << str("state") << stateWords;
    QTest::newRow("state empty") << modified(one("state", QString())) << str("state") << stateWords;
    QTest::newRow("state number") << modified(one("state", 1)) << str("state") << stateWords;
    QTest::newRow("state bool") << modified(one("state", true)) << str("state") << stateWords;

    const QStringList watchedWords{str("watched"), str("true or false")};
    QTest::newRow("watched string")
        << modified(one("watched", str("true"))) << str("watched") << watchedWords;
    QTest::newRow("watched number")
        << modified(one("watched", 1)) << str("watched") << watchedWords;
    QTest::newRow("finished_at_ms string")
        << modified(one("finished_at_ms", str("5"))) << str("finished_at_ms")
        << integerWords("finished_at_ms");
    QTest::newRow("finished_at_ms -1") << modified(one("finished_at_ms", -1))
                                       << str("finished_at_ms") << integerWords("finished_at_ms");
    QTest::newRow("finished_at_ms after observed_at_ms")
        << modified(one("finished_at_ms", qint64(1700000000001))) << str("finished_at_ms")
        << QStringList{str("finished_at_ms"), str("must not be after observed_at_ms")};

    // title, show_id, episode_id: at most 256, 128, 128 characters
    QTest::newRow("title 257") << modified(one("title", ascii(257))) << str("title")
                               << QStringList{str("title"), str("at most 256 characters")};
    QTest::newRow("title 257 é") << modified(one("title", eAcute(257))) << str("title")
                                 << QStringList{str("title"), str("at most 256 characters")};
    QTest::newRow("title number") << modified(one("title", 1)) << str("title")
                                  << QStringList{str("title"), str("string")};
    QTest::newRow("show_id 129") << modified(one("show_id", ascii(129))) << str("show_id")
                                 << QStringList{str("show_id"), str("at most 128 characters")};
    QTest::newRow("show_id number") << modified(one("show_id", 1)) << str("show_id")
                                    << QStringList{str("show_id"), str("string")};
    QTest::newRow("episode_id 129")
        << modified(one("episode_id", ascii(129))) << str("episode_id")
        << QStringList{str("episode_id"), str("at most 128 characters")};
    QTest::newRow("episode_id bool") << modified(one("episode_id", false)) << str("episode_id")
                                     << QStringList{str("episode_id"), str("string")};

    // choices: optional; an object whose members each have their rule.
    const QStringList notObject{str("choices must be an object")};
    QTest::newRow("choices number") << withChoices("5") << str("choices") << notObject;
    QTest::newRow("choices string") << withChoices("\"off\"") << str("choices") << notObject;
    QTest::newRow("choices array") << withChoices("[]") << str("choices") << notObject;
    QTest::newRow("choices false") << withChoices("false") << str("choices") << notObject;

    const QStringList speedWords{str("choices.speed must be a number from 0.25 to 4")};
    QTest::newRow("speed 0.24") << choicesWith("speed", 0.24) << str("choices.speed") << speedWords;
    QTest::newRow("speed 0") << choicesWith("speed", 0) << str("choices.speed") << speedWords;
    QTest::newRow("speed -1") << choicesWith("speed", -1) << str("choices.speed") << speedWords;
    QTest::newRow("speed 4.01") << choicesWith("speed", 4.01) << str("choices.speed") << speedWords;
    QTest::newRow("speed 1e300") << choicesWith("speed", 1e300) << str("choices.speed")
                                 << speedWords;
    QTest::newRow("speed string") << choicesWith("speed", str("1.25")) << str("choices.speed")
                                  << speedWords;
    QTest::newRow("speed bool") << choicesWith("speed", true) << str("choices.speed") << speedWords;

    const QStringList delayWords{
        str("choices.subtitle_delay_ms must be an integer from -600000 to 600000")};
    QTest::newRow("delay 600001") << choicesWith("subtitle_delay_ms", 600001)
                                  << str("choices.subtitle_delay_ms") << delayWords;
    QTest::newRow("delay -600001") << choicesWith("subtitle_delay_ms", -600001)
                                   << str("choices.subtitle_delay_ms") << delayWords;
    QTest::newRow("delay 2^62") << choicesWith("subtitle_delay_ms", qint64(1) << 62)
                                << str("choices.subtitle_delay_ms") << delayWords;
    QTest::newRow("delay 1.5") << choicesWith("subtitle_delay_ms", 1.5)
                               << str("choices.subtitle_delay_ms") << delayWords;
    QTest::newRow("delay string") << choicesWith("subtitle_delay_ms", str("300"))
                                  << str("choices.subtitle_delay_ms") << delayWords;

    QTest::newRow("audio string") << choicesWith("audio", str("ja")) << str("choices.audio")
                                  << QStringList{str("choices.audio must be an object")};
    QTest::newRow("audio array") << choicesWith("audio", QJsonArray{}) << str("choices.audio")
                                 << QStringList{str("choices.audio must be an object")};
    const auto audioWith = [](const char *member, const QJsonValue &value) {
        return choicesWith("audio", one(member, value));
    };
    QTest::newRow("audio language 17")
        << audioWith("language", ascii(17)) << str("choices.audio.language")
        << QStringList{str("choices.audio.language must be a string of at most 16 characters")};
    QTest::newRow("audio language number")
        << audioWith("language", 1) << str("choices.audio.language")
        << QStringList{str("choices.audio.language must be a string")};
    QTest::newRow("audio title 129")
        << audioWith("title", clapper(129)) << str("choices.audio.title")
        << QStringList{str("choices.audio.title must be a string of at most 128 characters")};
    QTest::newRow("audio codec 65")
        << audioWith("codec", ascii(65)) << str("choices.audio.codec")
        << QStringList{str("choices.audio.codec must be a string of at most 64 characters")};
    QTest::newRow("audio codec object")
        << audioWith("codec", QJsonObject{}) << str("choices.audio.codec")
        << QStringList{str("choices.audio.codec must be a string")};

    const QStringList subtitlesWords{str("choices.subtitles must be \"off\" or an object")};
    QTest::newRow("subtitles on") << choicesWith("subtitles", str("on")) << str("choices.subtitles")
                                  << subtitlesWords;
    QTest::newRow("subtitles Off")
        << choicesWith("subtitles", str("Off")) << str("choices.subtitles") << subtitlesWords;
    QTest::newRow("subtitles number")
        << choicesWith("subtitles", 0) << str("choices.subtitles") << subtitlesWords;
    QTest::newRow("subtitles bool")
        << choicesWith("subtitles", false) << str("choices.subtitles") << subtitlesWords;

    const QStringList sourceWords{
        str("choices.subtitles.source must be one of embedded, sidecar, file")};
    QTest::newRow("source missing") << choicesWith("subtitles", one("language", str("en")))
                                    << str("choices.subtitles.source") << sourceWords;
    QTest::newRow("source off") << subtitlesWith("off", "language", str("en"))
                                << str("choices.subtitles.source") << sourceWords;
    QTest::newRow("source Embedded") << subtitlesWith("Embedded", "language", str("en"))
                                     << str("choices.subtitles.source") << sourceWords;
    QTest::newRow("source number")
        << subtitlesWith("sidecar", "source", 1) << str("choices.subtitles.source") << sourceWords;

    QTest::newRow("embedded language 17")
        << subtitlesWith("embedded", "language", ascii(17)) << str("choices.subtitles.language")
        << QStringList{str("choices.subtitles.language must be a string of at most 16 characters")};
    QTest::newRow("embedded title 129")
        << subtitlesWith("embedded", "title", eAcute(129)) << str("choices.subtitles.title")
        << QStringList{str("choices.subtitles.title must be a string of at most 128 characters")};
    QTest::newRow("embedded codec 65")
        << subtitlesWith("embedded", "codec", ascii(65)) << str("choices.subtitles.codec")
        << QStringList{str("choices.subtitles.codec must be a string of at most 64 characters")};
    QTest::newRow("sidecar language 17")
        << subtitlesWith("sidecar", "language", ascii(17)) << str("choices.subtitles.language")
        << QStringList{str("choices.subtitles.language must be a string of at most 16 characters")};

    const QStringList fileWords{
        str("choices.subtitles.file must be a file name of 1 to 255 characters without '/', "
            "'\\' or NUL")};
    for (const char *source : {"sidecar", "file"}) {
        QTest::addRow("%s file missing", source)
            << choicesWith("subtitles", QJsonObject{{str("source"), str(source)}})
            << str("choices.subtitles.file")
            << QStringList{str("choices.subtitles.file is required")};
        QTest::addRow("%s file empty", source)
            << subtitlesWith(source, "file", str("")) << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file 256", source) << subtitlesWith(source, "file", clapper(256))
                                             << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file with slash", source)
            << subtitlesWith(source, "file", str("../../etc/passwd"))
            << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file absolute", source)
            << subtitlesWith(source, "file", str("/tmp/Film.en.srt"))
            << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file with backslash", source)
            << subtitlesWith(source, "file", str("C:\\Film.en.srt"))
            << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file with NUL", source)
            << subtitlesWith(source, "file", QString(str("Film.srt") + QChar(0) + str(".txt")))
            << str("choices.subtitles.file") << fileWords;
        QTest::addRow("%s file number", source)
            << subtitlesWith(source, "file", 7) << str("choices.subtitles.file") << fileWords;
    }
}

void tst_RecordCodec::rejects()
{
    QFETCH(QJsonObject, object);
    QFETCH(QString, field);
    QFETCH(QStringList, words);

    for (const auto source : {RecordCodec::Source::Client, RecordCodec::Source::Server}) {
        ValidationError error;
        const auto record = RecordCodec::fromJson(object, source, &error);
        QVERIFY(!record);
        QCOMPARE(error.field, field);
        for (const QString &word : words)
            QVERIFY2(error.message.contains(word),
                     qPrintable(str("message \"%1\" lacks \"%2\"").arg(error.message, word)));
    }
}

void tst_RecordCodec::accepts_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::addColumn<ProgressRecord>("expected");

    const ProgressRecord base = validRecord();
    const auto with = [&](auto change) {
        ProgressRecord record = base;
        change(record);
        return record;
    };

    QTest::newRow("all fields valid") << validObject() << base;

    QTest::newRow("position_ms equal to duration_ms")
        << modified(one("position_ms", 5000)) << with([](auto &r) { r.positionMs = 5000; });
    QTest::newRow("position_ms 0")
        << modified(one("position_ms", 0)) << with([](auto &r) { r.positionMs = 0; });
    QTest::newRow("position_ms beyond duration_ms 0")
        << modified(QJsonObject{{str("position_ms"), 99999999}, {str("duration_ms"), 0}})
        << with([](auto &r) {
               r.positionMs = 99999999;
               r.durationMs = 0;
           });
    QTest::newRow("duration_ms absent defaults to 0")
        << modified(one("position_ms", 99999999), {str("duration_ms")}) << with([](auto &r) {
               r.positionMs = 99999999;
               r.durationMs = 0;
           });
    QTest::newRow("duration_ms null is absent")
        << modified(QJsonObject{{str("position_ms"), 7}, {str("duration_ms"), QJsonValue::Null}})
        << with([](auto &r) {
               r.positionMs = 7;
               r.durationMs = 0;
           });
    QTest::newRow("position_ms 2^53") << modified(
        QJsonObject{{str("position_ms"), qint64(9007199254740992)}, {str("duration_ms"), 0}})
                                      << with([](auto &r) {
                                             r.positionMs = 9007199254740992;
                                             r.durationMs = 0;
                                         });

    QTest::newRow("watched true") << modified(one("watched", true))
                                  << with([](auto &r) { r.watched = true; });
    QTest::newRow("watched false")
        << modified(one("watched", false)) << with([](auto &r) { r.watched = false; });
    QTest::newRow("watched null is absent") << modified(one("watched", QJsonValue::Null)) << base;
    QTest::newRow("finished_at_ms at observed_at_ms")
        << modified(one("finished_at_ms", qint64(1700000000000)))
        << with([](auto &r) { r.finishedAtMs = 1700000000000; });
    QTest::newRow("play counts from a client ignored") << modified(one("play_count", 3)) << base;
    QTest::newRow("state absent defaults to playing")
        << modified({}, {str("state")}) << with([](auto &r) { r.state = PlaybackState::Playing; });
    QTest::newRow("state null is absent")
        << modified(one("state", QJsonValue::Null))
        << with([](auto &r) { r.state = PlaybackState::Playing; });
    QTest::newRow("state playing") << modified(one("state", str("playing")))
                                   << with([](auto &r) { r.state = PlaybackState::Playing; });
    QTest::newRow("state stopped") << modified(one("state", str("stopped")))
                                   << with([](auto &r) { r.state = PlaybackState::Stopped; });
    QTest::newRow("state ended") << modified(one("state", str("ended")))
                                 << with([](auto &r) { r.state = PlaybackState::Ended; });

    QTest::newRow("device_name absent")
        << modified({}, {str("device_name")}) << with([](auto &r) { r.deviceName.clear(); });
    QTest::newRow("device_name null") << modified(one("device_name", QJsonValue::Null))
                                      << with([](auto &r) { r.deviceName.clear(); });
    QTest::newRow("device_name 64 ascii") << modified(one("device_name", ascii(64)))
                                          << with([](auto &r) { r.deviceName = ascii(64); });
    // 128 bytes of UTF-8: the limit is in characters.
    QTest::newRow("device_name 64 é") << modified(one("device_name", eAcute(64)))
                                      << with([](auto &r) { r.deviceName = eAcute(64); });
    QTest::newRow("device_name 63 é + emoji")
        << modified(one("device_name", QString(eAcute(63) + clapper())))
        << with([](auto &r) { r.deviceName = eAcute(63) + clapper(); });
    // 256 bytes of UTF-8, 128 UTF-16 code units, 64 characters.
    QTest::newRow("device_name 64 emoji") << modified(one("device_name", clapper(64)))
                                          << with([](auto &r) { r.deviceName = clapper(64); });

    QTest::newRow("title 256") << modified(one("title", ascii(256)))
                               << with([](auto &r) { r.title = ascii(256); });
    QTest::newRow("title 256 é") << modified(one("title", eAcute(256)))
                                 << with([](auto &r) { r.title = eAcute(256); });
    QTest::newRow("title null") << modified(one("title", QJsonValue::Null)) << base;
    QTest::newRow("show_id 128") << modified(one("show_id", ascii(128)))
                                 << with([](auto &r) { r.showId = ascii(128); });
    QTest::newRow("show_id null") << modified(one("show_id", QJsonValue::Null)) << base;
    QTest::newRow("episode_id 128") << modified(one("episode_id", ascii(128)))
                                    << with([](auto &r) { r.episodeId = ascii(128); });
    QTest::newRow("episode_id null") << modified(one("episode_id", QJsonValue::Null)) << base;

    const QString longContentId = str("Aa0._:-") + ascii(121, 'z');
    QTest::newRow("content_id 128 characters of every allowed kind")
        << modified(one("content_id", longContentId))
        << with([&](auto &r) { r.contentId = longContentId; });
    const QString longDeviceId = str("Aa0._-") + ascii(58, 'z');
    QTest::newRow("device_id 64 characters of every allowed kind")
        << modified(one("device_id", longDeviceId))
        << with([&](auto &r) { r.deviceId = longDeviceId; });

    QTest::newRow("choices, the protocol's example")
        << withChoices(R"({"audio": {"language":"ja","title":"","codec":"Opus"},
                          "subtitles": {"source":"sidecar","language":"en","file":"Film.en.srt"},
                          "subtitle_delay_ms": 300, "speed": 1.25})")
        << with([](auto &r) { r.choices = fullChoices(); });
    QTest::newRow("choices null is none") << withChoices("null") << base;
    QTest::newRow("choices empty: set, every member its default")
        << withChoices("{}") << with([](auto &r) { r.choices = PlaybackChoices{}; });
    QTest::newRow("choices members null: their defaults")
        << withChoices(R"({"audio":null,"subtitles":null,"subtitle_delay_ms":null,"speed":null})")
        << with([](auto &r) { r.choices = PlaybackChoices{}; });
    QTest::newRow("choices subtitles off")
        << withChoices(R"({"subtitles":"off"})") << with([](auto &r) {
               r.choices = PlaybackChoices{{}, SubtitleChoice{}, 0, 1.0};
           });
    QTest::newRow("choices audio members absent: unknown")
        << withChoices(R"({"audio":{}})") << with([](auto &r) {
               r.choices = PlaybackChoices{TrackIdentity{}, {}, 0, 1.0};
           });
    QTest::newRow("choices embedded")
        << withChoices(R"({"subtitles":{"source":"embedded","language":"en","title":"Signs",)"
                       R"("codec":"SubRip"}})")
        << with([](auto &r) {
               r.choices = PlaybackChoices{
                   {},
                   SubtitleChoice{SubtitleChoice::Source::Embedded,
                                  TrackIdentity{str("en"), str("Signs"), str("SubRip")}, QString()},
                   0,
                   1.0};
           });
    QTest::newRow("choices file: language optional")
        << withChoices(R"({"subtitles":{"source":"file","file":"Other film.srt"}})")
        << with([](auto &r) {
               r.choices = PlaybackChoices{
                   {},
                   SubtitleChoice{SubtitleChoice::Source::File, {}, str("Other film.srt")},
                   0,
                   1.0};
           });
    QTest::newRow("choices at the limits") << modified(one(
        "choices",
        QJsonObject{{str("audio"),
                     QJsonObject{{str("language"), clapper(16)},
                                 {str("title"), eAcute(128)},
                                 {str("codec"), ascii(64)}}},
                    {str("subtitles"),
                     QJsonObject{{str("source"), str("file")},
                                 {str("language"), ascii(16)},
                                 {str("file"), clapper(255)}}},
                    {str("subtitle_delay_ms"), -600000},
                    {str("speed"), 4}})) << with([](auto &r) {
        r.choices = PlaybackChoices{TrackIdentity{clapper(16), eAcute(128), ascii(64)},
                                    SubtitleChoice{SubtitleChoice::Source::File,
                                                   TrackIdentity{ascii(16), {}, {}}, clapper(255)},
                                    -600000, 4.0};
    });
    QTest::newRow("choices speed 0.25, delay 600000 (a double with no fraction)")
        << withChoices(R"({"speed":0.25,"subtitle_delay_ms":600000.0})") << with([](auto &r) {
               r.choices = PlaybackChoices{{}, {}, 600000, 0.25};
           });
    QTest::newRow("choices unknown members ignored, at every level")
        << withChoices(R"({"audio":{"language":"ja","index":3,"channels":[1,2]},)"
                       R"("subtitles":{"source":"sidecar","file":"a.srt","title":"x","codec":7,)"
                       R"("path":"/etc/passwd"},"volume":0.5,"aid":2,"speed":2})")
        << with([](auto &r) {
               r.choices = PlaybackChoices{
                   TrackIdentity{str("ja"), {}, {}},
                   SubtitleChoice{SubtitleChoice::Source::Sidecar, {}, str("a.srt")}, 0, 2.0};
           });
    QTest::newRow("choices embedded ignores file")
        << withChoices(R"({"subtitles":{"source":"embedded","file":"../x"}})") << with([](auto &r) {
               r.choices = PlaybackChoices{
                   {}, SubtitleChoice{SubtitleChoice::Source::Embedded, {}, {}}, 0, 1.0};
           });
    QTest::newRow("unknown fields ignored")
        << modified(QJsonObject{{str("user"), str("mallory")},
                                {str("user_id"), 7},
                                {str("positionMs"), -5},
                                {str("extra"), QJsonObject{{str("a"), QJsonArray{1, 2}}}}})
        << base;
}

void tst_RecordCodec::accepts()
{
    QFETCH(QJsonObject, object);
    QFETCH(ProgressRecord, expected);

    ValidationError error;
    const auto record = RecordCodec::fromJson(object, RecordCodec::Source::Client, &error);
    QVERIFY2(record, qPrintable(error.field + str(": ") + error.message));
    QCOMPARE(*record, expected);
}

void tst_RecordCodec::contentIdFromUrl_data()
{
    QTest::addColumn<QString>("urlId");
    QTest::addColumn<QJsonValue>("bodyId"); // Undefined: no content_id in the body
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("expectedId");

    QTest::newRow("URL overrides body")
        << str("from-url") << QJsonValue(str("from-body")) << true << str("from-url");
    QTest::newRow("body has none")
        << str("from-url") << QJsonValue(QJsonValue::Undefined) << true << str("from-url");
    QTest::newRow("invalid body id is not read")
        << str("from-url") << QJsonValue(str("bad/id")) << true << str("from-url");
    QTest::newRow("invalid URL id")
        << str("bad id") << QJsonValue(str("good-id")) << false << QString();
    QTest::newRow("empty URL id") << str("") << QJsonValue(str("good-id")) << false << QString();
    QTest::newRow("URL id 129 characters")
        << ascii(129) << QJsonValue(str("good-id")) << false << QString();
}

void tst_RecordCodec::contentIdFromUrl()
{
    QFETCH(QString, urlId);
    QFETCH(QJsonValue, bodyId);
    QFETCH(bool, ok);
    QFETCH(QString, expectedId);

    QJsonObject object = validObject();
    object.remove(str("content_id"));
    if (!bodyId.isUndefined())
        object.insert(str("content_id"), bodyId);

    QVERIFY(!urlId.isNull()); // a null id means "none from the URL"
    ValidationError error;
    const auto record = RecordCodec::fromJson(object, urlId, RecordCodec::Source::Client, &error);
    QCOMPARE(bool(record), ok);
    if (ok) {
        QCOMPARE(record->contentId, expectedId);
    } else {
        QCOMPARE(error.field, str("content_id"));
        QVERIFY2(error.message.contains(str("content_id"))
                     && error.message.contains(kContentIdRule),
                 qPrintable(error.message));
    }
}

void tst_RecordCodec::receivedAt_data()
{
    QTest::addColumn<RecordCodec::Source>("source");
    QTest::addColumn<QJsonValue>("value"); // Undefined: absent
    QTest::addColumn<bool>("ok");
    QTest::addColumn<qint64>("expected");

    using S = RecordCodec::Source;
    QTest::newRow("client value ignored") << S::Client << QJsonValue(123) << true << qint64(0);
    QTest::newRow("client wrong type ignored")
        << S::Client << QJsonValue(str("soon")) << true << qint64(0);
    QTest::newRow("client negative ignored") << S::Client << QJsonValue(-5) << true << qint64(0);
    QTest::newRow("server value kept")
        << S::Server << QJsonValue(qint64(1700000000123)) << true << qint64(1700000000123);
    QTest::newRow("server absent")
        << S::Server << QJsonValue(QJsonValue::Undefined) << true << qint64(0);
    QTest::newRow("server null") << S::Server << QJsonValue(QJsonValue::Null) << true << qint64(0);
    QTest::newRow("server wrong type") << S::Server << QJsonValue(str("x")) << false << qint64(0);
    QTest::newRow("server negative") << S::Server << QJsonValue(-1) << false << qint64(0);
}

void tst_RecordCodec::receivedAt()
{
    QFETCH(RecordCodec::Source, source);
    QFETCH(QJsonValue, value);
    QFETCH(bool, ok);
    QFETCH(qint64, expected);

    QJsonObject object = validObject();
    if (!value.isUndefined())
        object.insert(str("received_at_ms"), value);

    ValidationError error;
    const auto record = RecordCodec::fromJson(object, source, &error);
    QCOMPARE(bool(record), ok);
    if (ok) {
        QCOMPARE(record->receivedAtMs, expected);
    } else {
        QCOMPARE(error.field, str("received_at_ms"));
        QVERIFY2(error.message.contains(str("received_at_ms"))
                     && error.message.contains(str("integer")),
                 qPrintable(error.message));
    }
}

// A round trip alone would not notice a name both directions got wrong the same way.
void tst_RecordCodec::toJsonUsesProtocolNames()
{
    ProgressRecord record = validRecord();
    record.title = str("Episode ") + eAcute();
    record.showId = str("show-9");
    record.episodeId = str("s01e02");
    record.receivedAtMs = 1700000000999;

    const QJsonObject object = RecordCodec::toJson(record);
    QCOMPARE(object.value(str("content_id")).toString(), kContentId);
    QCOMPARE(object.value(str("position_ms")).toInteger(), qint64(1000));
    QCOMPARE(object.value(str("duration_ms")).toInteger(), qint64(5000));
    QCOMPARE(object.value(str("device_id")).toString(), str("tv-1"));
    QCOMPARE(object.value(str("device_name")).toString(), str("Living-room TV"));
    QCOMPARE(object.value(str("observed_at_ms")).toInteger(), qint64(1700000000000));
    QCOMPARE(object.value(str("state")).toString(), str("paused"));
    QCOMPARE(object.value(str("title")).toString(), str("Episode ") + eAcute());
    QCOMPARE(object.value(str("show_id")).toString(), str("show-9"));
    QCOMPARE(object.value(str("episode_id")).toString(), str("s01e02"));
    QCOMPARE(object.value(str("received_at_ms")).toInteger(), qint64(1700000000999));

    const QJsonObject compact =
        QJsonDocument::fromJson(RecordCodec::toCompactJson(record)).object();
    QCOMPARE(compact, object);
    // A record without choices has no such field: older players see what they always saw.
    QVERIFY(!object.contains(str("choices")));
    // Nor watched state or plays unless they are known.
    for (const char *name : {"watched", "finished_at_ms", "play_count", "last_finished_ms"})
        QVERIFY2(!object.contains(str(name)), name);

    record.watched = false;
    record.finishedAtMs = 1699999999500;
    record.playCount = 2;
    record.lastFinishedMs = 1700000000400;
    const QJsonObject played = RecordCodec::toJson(record);
    QCOMPARE(played.value(str("watched")), QJsonValue(false));
    QCOMPARE(played.value(str("finished_at_ms")).toInteger(), qint64(1699999999500));
    QCOMPARE(played.value(str("play_count")).toInteger(), qint64(2));
    QCOMPARE(played.value(str("last_finished_ms")).toInteger(), qint64(1700000000400));
    // The server's answer gives them back; a client's update cannot set the counts.
    ValidationError error;
    const auto fromServer =
        RecordCodec::fromJson(played, QString(), RecordCodec::Source::Server, &error);
    QVERIFY2(fromServer, qPrintable(error.message));
    QCOMPARE(*fromServer, record);
    const auto fromClient =
        RecordCodec::fromJson(played, QString(), RecordCodec::Source::Client, &error);
    QVERIFY2(fromClient, qPrintable(error.message));
    QCOMPARE(fromClient->playCount, 0);
    QCOMPARE(fromClient->lastFinishedMs, qint64(0));
    QCOMPARE(fromClient->watched, std::optional<bool>(false));
}

// The shape docs/protocol.md gives `choices`, member by member.
void tst_RecordCodec::choicesUseProtocolNames_data()
{
    QTest::addColumn<PlaybackChoices>("choices");
    QTest::addColumn<QJsonObject>("expected");

    QTest::newRow("sidecar") << fullChoices()
                             << parse(R"({"audio":{"language":"ja","title":"","codec":"Opus"},)"
                                      R"("subtitles":{"source":"sidecar","language":"en",)"
                                      R"("file":"Film.en.srt"},"subtitle_delay_ms":300,)"
                                      R"("speed":1.25})");
    PlaybackChoices choices = fullChoices();
    choices.audio.reset();
    choices.subtitles = SubtitleChoice{};
    QTest::newRow("off, no audio")
        << choices << parse(R"({"subtitles":"off","subtitle_delay_ms":300,"speed":1.25})");
    choices.subtitles.reset();
    choices.subtitleDelayMs = -100;
    choices.speed = 2;
    QTest::newRow("nothing but delay and speed")
        << choices << parse(R"({"subtitle_delay_ms":-100,"speed":2})");
    choices.subtitles =
        SubtitleChoice{SubtitleChoice::Source::Embedded,
                       TrackIdentity{str("en"), str("Signs"), str("SubRip")}, QString()};
    QTest::newRow("embedded") << choices
                              << parse(R"({"subtitles":{"source":"embedded","language":"en",)"
                                       R"("title":"Signs","codec":"SubRip"},)"
                                       R"("subtitle_delay_ms":-100,"speed":2})");
    choices.subtitles = SubtitleChoice{SubtitleChoice::Source::File, {}, str("Other.srt")};
    QTest::newRow("file") << choices
                          << parse(R"({"subtitles":{"source":"file","language":"",)"
                                   R"("file":"Other.srt"},"subtitle_delay_ms":-100,"speed":2})");
}

void tst_RecordCodec::choicesUseProtocolNames()
{
    QFETCH(PlaybackChoices, choices);
    QFETCH(QJsonObject, expected);

    ProgressRecord record = validRecord();
    record.choices = choices;
    QCOMPARE(RecordCodec::toJson(record).value(str("choices")).toObject(), expected);
    QCOMPARE(QJsonDocument::fromJson(ChoicesCodec::toCompactJson(choices)).object(), expected);
    QCOMPARE(ChoicesCodec::fromCompactJson(ChoicesCodec::toCompactJson(choices)), choices);
}

void tst_RecordCodec::roundTrip_data()
{
    QTest::addColumn<ProgressRecord>("record");

    ProgressRecord minimal;
    minimal.contentId = str("c");
    minimal.deviceId = str("d");
    QTest::newRow("minimal") << minimal;

    QTest::newRow("typical") << validRecord();

    ProgressRecord full = validRecord();
    full.positionMs = 0;
    full.durationMs = 0;
    full.deviceName = eAcute(63) + clapper();
    full.title = clapper(256);
    full.showId = ascii(128, 's');
    full.episodeId = eAcute(128);
    full.state = PlaybackState::Ended;
    full.receivedAtMs = 1700000000456;
    QTest::newRow("every field, at the limits") << full;

    for (const auto state : {PlaybackState::Playing, PlaybackState::Paused, PlaybackState::Stopped,
                             PlaybackState::Ended}) {
        ProgressRecord record = validRecord();
        record.state = state;
        QTest::addRow("state %s", qPrintable(playbackStateName(state))) << record;
    }

    ProgressRecord large = validRecord();
    large.positionMs = 9007199254740992;
    large.durationMs = 9007199254740992;
    large.observedAtMs = 9007199254740992;
    QTest::newRow("2^53 everywhere") << large;

    ProgressRecord withChoices = validRecord();
    withChoices.choices = fullChoices();
    QTest::newRow("choices: sidecar") << withChoices;
    withChoices.choices->subtitles = SubtitleChoice{};
    withChoices.choices->audio.reset();
    withChoices.choices->speed = 0.5;
    withChoices.choices->subtitleDelayMs = -1200;
    QTest::newRow("choices: subtitles off, no audio") << withChoices;
    withChoices.choices->subtitles =
        SubtitleChoice{SubtitleChoice::Source::Embedded,
                       TrackIdentity{str("en"), str("Commentary"), str("SubRip")}, QString()};
    withChoices.choices->audio = TrackIdentity{str("jpn-x"), clapper(128), str("Opus")};
    QTest::newRow("choices: embedded") << withChoices;
    withChoices.choices->subtitles = SubtitleChoice{SubtitleChoice::Source::File, TrackIdentity{},
                                                    str("Film ") + eAcute() + str(".vtt")};
    withChoices.choices->speed = 1.0 / 3.0;
    QTest::newRow("choices: file, speed 1/3") << withChoices;
    withChoices.choices = PlaybackChoices{};
    QTest::newRow("choices: all defaults") << withChoices;
}

void tst_RecordCodec::roundTrip()
{
    QFETCH(ProgressRecord, record);

    ValidationError error;
    const auto fromObject =
        RecordCodec::fromJson(RecordCodec::toJson(record), RecordCodec::Source::Server, &error);
    QVERIFY2(fromObject, qPrintable(error.field + str(": ") + error.message));
    QCOMPARE(*fromObject, record);

    const auto parsed = RecordCodec::parseObject(RecordCodec::toCompactJson(record), &error);
    QVERIFY2(parsed, qPrintable(error.message));
    const auto fromBytes = RecordCodec::fromJson(*parsed, RecordCodec::Source::Server, &error);
    QVERIFY2(fromBytes, qPrintable(error.field + str(": ") + error.message));
    QCOMPARE(*fromBytes, record);

    ProgressRecord withoutReceived = record;
    withoutReceived.receivedAtMs = 0;
    const auto asClient =
        RecordCodec::fromJson(RecordCodec::toJson(record), RecordCodec::Source::Client, &error);
    QVERIFY2(asClient, qPrintable(error.field + str(": ") + error.message));
    QCOMPARE(*asClient, withoutReceived);
}

void tst_RecordCodec::directWriterMatchesQJsonDocument_data()
{
    addHostileStringRows(40, true);
}

void tst_RecordCodec::directWriterMatchesQJsonDocument()
{
    QFETCH(QString, text);
    ProgressRecord record = validRecord();
    record.contentId = text;
    record.deviceId = text;
    record.deviceName = text;
    record.title = text.isEmpty() ? str("t") : text;
    record.showId = text.isEmpty() ? str("s") : text;
    record.episodeId = text.isEmpty() ? str("e") : text;
    record.choices = fullChoices();
    record.choices->audio = TrackIdentity{text, text, text};
    record.watched = true;
    record.finishedAtMs = 1;
    record.receivedAtMs = 1700000000456;
    record.playCount = 7;
    record.lastFinishedMs = 1700000000000;

    const QByteArray expected =
        QJsonDocument(RecordCodec::toJson(record)).toJson(QJsonDocument::Compact);
    QCOMPARE(RecordCodec::toCompactJson(record), expected);
    // Appended to what is there, and parsed back by Qt to the same object.
    QByteArray appended("[");
    RecordCodec::appendJson(appended, record);
    QCOMPARE(appended, "[" + expected);
    QJsonParseError error{};
    const QJsonDocument parsed =
        QJsonDocument::fromJson(RecordCodec::toCompactJson(record), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(parsed.object(), RecordCodec::toJson(record));

    QByteArray string;
    RecordCodec::appendJsonString(string, text);
    QCOMPARE(string,
             QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact).chopped(1).mid(1));

    // The optional members absent, each state.
    for (const auto state : {PlaybackState::Playing, PlaybackState::Paused, PlaybackState::Stopped,
                             PlaybackState::Ended}) {
        ProgressRecord bare;
        bare.contentId = text;
        bare.deviceName = text;
        bare.state = state;
        bare.watched = false;
        QCOMPARE(RecordCodec::toCompactJson(bare),
                 QJsonDocument(RecordCodec::toJson(bare)).toJson(QJsonDocument::Compact));
    }
}

void tst_RecordCodec::directWriterIntegers()
{
    for (const qint64 number :
         {qint64(0), qint64(1), qint64(9), qint64(10), qint64(-1), qint64(1700000000123),
          qint64(9007199254740992), std::numeric_limits<qint64>::max(),
          std::numeric_limits<qint64>::min()}) {
        QByteArray out;
        RecordCodec::appendJsonInteger(out, number);
        QCOMPARE(out, QByteArray::number(number));
    }
    ProgressRecord record = validRecord();
    record.positionMs = 0;
    record.durationMs = std::numeric_limits<qint64>::max();
    record.observedAtMs = 9007199254740993;
    record.playCount = std::numeric_limits<int>::max();
    record.lastFinishedMs = 1;
    QCOMPARE(RecordCodec::toCompactJson(record),
             QJsonDocument(RecordCodec::toJson(record)).toJson(QJsonDocument::Compact));
}

void tst_RecordCodec::parseObject_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QJsonObject>("expected");
    QTest::addColumn<QString>("word"); // in the message when not ok

    const QString malformed = str("malformed JSON");
    const QString notObject = str("JSON object");

    QTest::newRow("empty object") << QByteArray("{}") << true << QJsonObject() << QString();
    QTest::newRow("whitespace around")
        << QByteArray(" \n{\"a\":1}\t ") << true << QJsonObject{{str("a"), 1}} << QString();
    QTest::newRow("UTF-8 text")
        << QByteArray("{\"n\":\"caf\xc3\xa9 \xf0\x9f\x8e\xac\"}") << true
        << QJsonObject{{str("n"), QString(str("caf") + eAcute() + str(" ") + clapper())}}
        << QString();

    QTest::newRow("empty body") << QByteArray() << false << QJsonObject() << str("JSON");
    QTest::newRow("only whitespace") << QByteArray("  \n") << false << QJsonObject() << str("JSON");
    QTest::newRow("unterminated") << QByteArray("{\"a\":1") << false << QJsonObject() << malformed;
    QTest::newRow("missing value") << QByteArray("{\"a\":}") << false << QJsonObject() << malformed;
    QTest::newRow("single quotes") << QByteArray("{'a':1}") << false << QJsonObject() << malformed;
    QTest::newRow("trailing garbage") << QByteArray("{}x") << false << QJsonObject() << malformed;
    QTest::newRow("two objects") << QByteArray("{}{}") << false << QJsonObject() << malformed;
    QTest::newRow("array") << QByteArray("[]") << false << QJsonObject() << notObject;
    QTest::newRow("array of object") << QByteArray("[{}]") << false << QJsonObject() << notObject;
    QTest::newRow("number") << QByteArray("42") << false << QJsonObject() << str("JSON");
    QTest::newRow("string") << QByteArray("\"x\"") << false << QJsonObject() << str("JSON");
    QTest::newRow("null") << QByteArray("null") << false << QJsonObject() << str("JSON");
    QTest::newRow("true") << QByteArray("true") << false << QJsonObject() << str("JSON");
    QTest::newRow("invalid UTF-8 in a value")
        << QByteArray("{\"a\":\"\xff\"}") << false << QJsonObject() << malformed;
    QTest::newRow("invalid UTF-8 in a key")
        << QByteArray("{\"a\xc3\":1}") << false << QJsonObject() << malformed;
    QTest::newRow("truncated UTF-8 sequence")
        << QByteArray("{\"a\":\"\xe2\x82\"}") << false << QJsonObject() << malformed;
    QTest::newRow("overlong UTF-8")
        << QByteArray("{\"a\":\"\xc0\xaf\"}") << false << QJsonObject() << malformed;
    QTest::newRow("UTF-8 encoded surrogate")
        << QByteArray("{\"a\":\"\xed\xa0\x80\"}") << false << QJsonObject() << malformed;
    QTest::newRow("invalid UTF-8 outside strings")
        << QByteArray("{\"a\":1}\xff") << false << QJsonObject() << malformed;
}

void tst_RecordCodec::parseObject()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, ok);
    QFETCH(QJsonObject, expected);
    QFETCH(QString, word);

    ValidationError error{str("untouched"), QString()};
    const auto object = RecordCodec::parseObject(body, &error);
    QCOMPARE(bool(object), ok);
    if (ok) {
        QCOMPARE(*object, expected);
    } else {
        QVERIFY(error.field.isEmpty()); // the document as a whole is wrong
        QVERIFY2(error.message.contains(word), qPrintable(error.message));
    }
}

void tst_RecordCodec::nullErrorPointer()
{
    QVERIFY(!RecordCodec::parseObject(QByteArray("["), nullptr));
    QVERIFY(!RecordCodec::parseObject(QByteArray("[]"), nullptr));
    QVERIFY(!RecordCodec::fromJson(QJsonObject(), RecordCodec::Source::Client, nullptr));
    QVERIFY(
        !RecordCodec::fromJson(validObject(), str("bad/id"), RecordCodec::Source::Client, nullptr));
    QVERIFY(RecordCodec::fromJson(validObject(), RecordCodec::Source::Client, nullptr));
}

void tst_RecordCodec::idValidators_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("validContentId");
    QTest::addColumn<bool>("validDeviceId");

    QTest::newRow("simple") << str("abc-1") << true << true;
    QTest::newRow("fingerprint") << kContentId << true << true;
    QTest::newRow("colon") << str("a:b") << true << false;
    QTest::newRow("empty") << QString() << false << false;
    QTest::newRow("64") << ascii(64) << true << true;
    QTest::newRow("65") << ascii(65) << true << false;
    QTest::newRow("128") << ascii(128) << true << false;
    QTest::newRow("129") << ascii(129) << false << false;
    QTest::newRow("slash") << str("a/b") << false << false;
    QTest::newRow("space") << str("a b") << false << false;
    QTest::newRow("percent") << str("a%2Fb") << false << false;
    QTest::newRow("é") << eAcute() << false << false;
    QTest::newRow("trailing newline") << str("abc\n") << false << false;
    QTest::newRow("leading newline") << str("\nabc") << false << false;
    QTest::newRow("NUL inside") << (str("ab") + QChar(0) + str("c")) << false << false;
}

void tst_RecordCodec::idValidators()
{
    QFETCH(QString, id);
    QFETCH(bool, validContentId);
    QFETCH(bool, validDeviceId);

    QCOMPARE(RecordCodec::isValidContentId(id), validContentId);
    QCOMPARE(RecordCodec::isValidDeviceId(id), validDeviceId);
}

QTEST_GUILESS_MAIN(tst_RecordCodec)
#include "tst_recordcodec.moc"
