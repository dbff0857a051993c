// The --events lines of docs/protocol.md's `playmark` section: one JSON object a line, with exactly
// the fields the contract lists, written to a real FILE* and read back.
#include "eventprinter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

struct FileCloser
{
    void operator()(FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<FILE, FileCloser>;

QByteArray readAll(FILE *file)
{
    std::rewind(file);
    QByteArray text;
    char buffer[4096];
    size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        text.append(buffer, qsizetype(read));
    return text;
}

ProgressRecord record(qint64 positionMs, PlaybackState state, const QString &deviceName)
{
    ProgressRecord r;
    r.contentId = u"pm1-0123456789abcdef0123456789abcdef"_s;
    r.positionMs = positionMs;
    r.durationMs = 3600000;
    r.deviceId = u"tv"_s;
    r.deviceName = deviceName;
    r.observedAtMs = 1700000000000;
    r.state = state;
    r.title = u"Some title"_s; // not part of any event
    return r;
}

ResumePoint point(ResumePoint::Source source, qint64 positionMs, const QString &deviceName)
{
    ResumePoint p;
    p.source = source;
    p.positionMs = positionMs;
    if (source != ResumePoint::Source::None)
        p.record = record(positionMs, PlaybackState::Paused, deviceName);
    return p;
}

enum class Kind {
    Resumed,
    Reported,
    Remote,
    Quit,
    Seeked,
    Notice,
    NoticeGone,
    Identified,
    Watched,
    Pairing,
    Paired
};

} // namespace

class tst_EventPrinter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneEvent_data();
    void oneEvent();
    void oneObjectPerLineInOrder();
    void tracks_data();
    void tracks();
};

void tst_EventPrinter::oneEvent_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<ResumePoint>("point");
    QTest::addColumn<ProgressRecord>("record");
    QTest::addColumn<bool>("delivered");
    QTest::addColumn<qint64>("position");
    QTest::addColumn<int>("pending");
    QTest::addColumn<QJsonObject>("expected");

    const QString id = u"pm1-0123456789abcdef0123456789abcdef"_s;
    const ProgressRecord unused;

    QTest::newRow("resumed from the server")
        << int(Kind::Resumed) << point(ResumePoint::Source::Server, 60000, u"Living-room TV"_s)
        << unused << false << qint64(60040) << 0
        << QJsonObject{{u"event"_s, u"resumed"_s},
                       {u"content_id"_s, id},
                       {u"position_ms"_s, 60000},
                       {u"source"_s, u"server"_s},
                       {u"device_name"_s, u"Living-room TV"_s},
                       {u"player_position_ms"_s, 60040}};
    QTest::newRow("resumed from the local copy")
        << int(Kind::Resumed) << point(ResumePoint::Source::Local, 42000, u"Laptop"_s) << unused
        << false << qint64(41960) << 0
        << QJsonObject{{u"event"_s, u"resumed"_s},      {u"content_id"_s, id},
                       {u"position_ms"_s, 42000},       {u"source"_s, u"local"_s},
                       {u"device_name"_s, u"Laptop"_s}, {u"player_position_ms"_s, 41960}};
    QTest::newRow("resumed with nothing to resume")
        << int(Kind::Resumed) << point(ResumePoint::Source::None, 0, QString()) << unused << false
        << qint64(0) << 0
        << QJsonObject{{u"event"_s, u"resumed"_s},    {u"content_id"_s, id},
                       {u"position_ms"_s, 0},         {u"source"_s, u"none"_s},
                       {u"device_name"_s, QString()}, {u"player_position_ms"_s, 0}};
    QTest::newRow("resumed, a device name that needs escaping stays on one line")
        << int(Kind::Resumed)
        << point(ResumePoint::Source::Server, 1000, u"Line\nbreak \"quoted\" \u00e9\u6f22"_s)
        << unused << false << qint64(1000) << 0
        << QJsonObject{{u"event"_s, u"resumed"_s},
                       {u"content_id"_s, id},
                       {u"position_ms"_s, 1000},
                       {u"source"_s, u"server"_s},
                       {u"device_name"_s, u"Line\nbreak \"quoted\" \u00e9\u6f22"_s},
                       {u"player_position_ms"_s, 1000}};

    const struct
    {
        PlaybackState state;
        const char *name;
    } states[] = {{PlaybackState::Playing, "playing"},
                  {PlaybackState::Paused, "paused"},
                  {PlaybackState::Stopped, "stopped"},
                  {PlaybackState::Ended, "ended"}};
    for (const auto &state : states) {
        for (const bool delivered : {true, false}) {
            QTest::addRow("reported %s, delivered %d", state.name, int(delivered))
                << int(Kind::Reported) << ResumePoint()
                << record(123456, state.state, u"This laptop"_s) << delivered << qint64(0) << 0
                << QJsonObject{{u"event"_s, u"reported"_s},
                               {u"content_id"_s, id},
                               {u"position_ms"_s, 123456},
                               {u"state"_s, QString::fromLatin1(state.name)},
                               {u"delivered"_s, delivered}};
        }
    }

    QTest::newRow("remote") << int(Kind::Remote) << ResumePoint()
                            << record(777000, PlaybackState::Playing, u"Phone"_s) << false
                            << qint64(0) << 0
                            << QJsonObject{{u"event"_s, u"remote"_s},
                                           {u"content_id"_s, id},
                                           {u"position_ms"_s, 777000},
                                           {u"device_name"_s, u"Phone"_s}};
    QTest::newRow("seeked") << int(Kind::Seeked) << ResumePoint() << unused << false
                            << qint64(20000) << 0
                            << QJsonObject{{u"event"_s, u"seeked"_s},
                                           {u"content_id"_s, id},
                                           {u"position_ms"_s, 20000},
                                           {u"player_position_ms"_s, 20360}};
    QTest::newRow("notice") << int(Kind::Notice) << ResumePoint() << unused << false << qint64(0)
                            << 0
                            << QJsonObject{{u"event"_s, u"notice"_s},
                                           {u"shown"_s, true},
                                           {u"text"_s, u"TV is at 0:20"_s},
                                           {u"action"_s, u"Continue from there"_s}};
    QTest::newRow("notice gone") << int(Kind::NoticeGone) << ResumePoint() << unused << false
                                 << qint64(0) << 0
                                 << QJsonObject{{u"event"_s, u"notice"_s},
                                                {u"shown"_s, false},
                                                {u"text"_s, QString()},
                                                {u"action"_s, QString()}};
    ProgressRecord episode = unused;
    episode.showId = u"the-expanse"_s;
    episode.episodeId = u"s01e02"_s;
    QTest::newRow("identified, an episode")
        << int(Kind::Identified) << ResumePoint() << episode << false << qint64(0) << 0
        << QJsonObject{{u"event"_s, u"identified"_s},
                       {u"content_id"_s, id},
                       {u"show_id"_s, u"the-expanse"_s},
                       {u"episode_id"_s, u"s01e02"_s}};
    QTest::newRow("identified, a film: null, not empty")
        << int(Kind::Identified) << ResumePoint() << unused << false << qint64(0) << 0
        << QJsonObject{{u"event"_s, u"identified"_s},
                       {u"content_id"_s, id},
                       {u"show_id"_s, QJsonValue::Null},
                       {u"episode_id"_s, QJsonValue::Null}};
    for (const bool watched : {true, false}) {
        QTest::addRow("watched %d", int(watched))
            << int(Kind::Watched) << ResumePoint() << unused << watched << qint64(0) << 0
            << QJsonObject{
                   {u"event"_s, u"watched"_s}, {u"content_id"_s, id}, {u"watched"_s, watched}};
    }
    // --pair: the code as a string (a leading 0 kept), its expiry as the server gave it.
    QTest::newRow("pairing") << int(Kind::Pairing) << ResumePoint() << unused << false
                             << qint64(1764900600000) << 0
                             << QJsonObject{{u"event"_s, u"pairing"_s},
                                            {u"code"_s, u"012345"_s},
                                            {u"expires_at_ms"_s, qint64(1764900600000)}};
    QTest::newRow("paired") << int(Kind::Paired) << ResumePoint() << unused << false << qint64(0)
                            << 0 << QJsonObject{{u"event"_s, u"paired"_s}};
    QTest::newRow("quit, all delivered")
        << int(Kind::Quit) << ResumePoint() << unused << false << qint64(95000) << 0
        << QJsonObject{{u"event"_s, u"quit"_s},
                       {u"content_id"_s, id},
                       {u"position_ms"_s, 95000},
                       {u"pending"_s, 0}};
    QTest::newRow("quit, updates waiting")
        << int(Kind::Quit) << ResumePoint() << unused << false << qint64(3599999) << 3
        << QJsonObject{{u"event"_s, u"quit"_s},
                       {u"content_id"_s, id},
                       {u"position_ms"_s, 3599999},
                       {u"pending"_s, 3}};
    QTest::newRow("quit, positions past 2^31 stay exact")
        << int(Kind::Quit) << ResumePoint() << unused << false << qint64(86400000LL * 30) << 1
        << QJsonObject{{u"event"_s, u"quit"_s},
                       {u"content_id"_s, id},
                       {u"position_ms"_s, 86400000LL * 30},
                       {u"pending"_s, 1}};
}

void tst_EventPrinter::oneEvent()
{
    QFETCH(int, kind);
    QFETCH(ResumePoint, point);
    QFETCH(ProgressRecord, record);
    QFETCH(bool, delivered);
    QFETCH(qint64, position);
    QFETCH(int, pending);
    QFETCH(QJsonObject, expected);

    File file(std::tmpfile());
    QVERIFY(file);
    const EventPrinter printer(file.get());
    const QString id = u"pm1-0123456789abcdef0123456789abcdef"_s;
    switch (Kind(kind)) {
    case Kind::Resumed:
        printer.resumed(id, point, position);
        break;
    case Kind::Seeked:
        printer.seeked(id, 20000, 20360);
        break;
    case Kind::Notice:
        printer.notice(true, u"TV is at 0:20"_s, u"Continue from there"_s);
        break;
    case Kind::NoticeGone:
        printer.notice(false, u"TV is at 0:20"_s, u"Continue from there"_s);
        break;
    case Kind::Reported:
        printer.reported(record, delivered);
        break;
    case Kind::Remote:
        printer.remote(record);
        break;
    case Kind::Quit:
        printer.quit(id, position, pending);
        break;
    case Kind::Identified:
        printer.identified(id, record.showId, record.episodeId);
        break;
    case Kind::Watched:
        printer.watched(id, delivered);
        break;
    case Kind::Pairing:
        printer.pairing(u"012345"_s, position);
        break;
    case Kind::Paired:
        printer.paired();
        break;
    }

    const QByteArray text = readAll(file.get());
    QVERIFY2(text.endsWith('\n'), text.constData());
    QCOMPARE(text.count('\n'), 1);
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text.trimmed(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QVERIFY(document.isObject());
    const QJsonObject event = document.object();
    // Exactly these fields: none missing, none extra.
    QCOMPARE(event.keys(), expected.keys());
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it) {
        const QJsonValue actual = event.value(it.key());
        QVERIFY2(actual.type() == it.value().type(), qPrintable(it.key()));
        if (it.value().isDouble())
            QCOMPARE(actual.toInteger(), it.value().toInteger());
        else
            QCOMPARE(actual, it.value());
    }
}

void tst_EventPrinter::oneObjectPerLineInOrder()
{
    File file(std::tmpfile());
    QVERIFY(file);
    const EventPrinter printer(file.get());
    const QString id = u"pm1-0123456789abcdef0123456789abcdef"_s;
    printer.resumed(id, point(ResumePoint::Source::Server, 60000, u"TV"_s), 60000);
    printer.reported(record(65000, PlaybackState::Playing, u"Laptop"_s), true);
    printer.remote(record(70000, PlaybackState::Playing, u"Phone"_s));
    printer.reported(record(71000, PlaybackState::Stopped, u"Laptop"_s), false);
    printer.quit(id, 71000, 1);

    // Each line goes out whole, so a script reading the pipe sees it at once; here all of them.
    const QList<QByteArray> lines = readAll(file.get()).split('\n');
    QCOMPARE(lines.size(), 6);
    QVERIFY(lines.last().isEmpty());
    const QStringList names = {u"resumed"_s, u"reported"_s, u"remote"_s, u"reported"_s, u"quit"_s};
    for (int i = 0; i < names.size(); ++i) {
        const QJsonDocument document = QJsonDocument::fromJson(lines.at(i));
        QVERIFY2(document.isObject(), lines.at(i).constData());
        QCOMPARE(document.object().value(u"event"_s).toString(), names.at(i));
        QCOMPARE(document.object().value(u"content_id"_s).toString(), id);
    }
}

void tst_EventPrinter::tracks_data()
{
    QTest::addColumn<std::optional<QString>>("audio");
    QTest::addColumn<QString>("subtitles");
    QTest::addColumn<qint64>("delay");
    QTest::addColumn<double>("speed");
    QTest::addColumn<QByteArray>("line");

    QTest::newRow("as opened")
        << std::optional<QString>(u"Japanese"_s) << QString() << qint64(0) << 1.0
        << QByteArray(R"({"audio":"Japanese","event":"tracks","speed":1,"subtitle_delay_ms":0,)"
                      R"("subtitles":"off"})");
    QTest::newRow("chosen")
        << std::optional<QString>(u"English — Commentary"_s) << u"English — sample-tracks.en.srt"_s
        << qint64(300) << 1.25
        << QByteArray(R"({"audio":"English — Commentary","event":"tracks","speed":1.25,)"
                      R"("subtitle_delay_ms":300,"subtitles":"English — sample-tracks.en.srt"})");
    QTest::newRow("no audio, earlier subtitles")
        << std::optional<QString>() << u"English"_s << qint64(-200) << 0.5
        << QByteArray(R"({"audio":null,"event":"tracks","speed":0.5,"subtitle_delay_ms":-200,)"
                      R"("subtitles":"English"})");
}

// One line, with exactly the names the menus show ("off" for none, null for no audio).
void tst_EventPrinter::tracks()
{
    QFETCH(std::optional<QString>, audio);
    QFETCH(QString, subtitles);
    QFETCH(qint64, delay);
    QFETCH(double, speed);
    QFETCH(QByteArray, line);

    File file(std::tmpfile());
    QVERIFY(file);
    EventPrinter(file.get()).tracks(audio, subtitles, delay, speed);
    QCOMPARE(readAll(file.get()), line + '\n');
}

QTEST_APPLESS_MAIN(tst_EventPrinter)
#include "tst_eventprinter.moc"
