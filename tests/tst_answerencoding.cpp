// The server writes its answers and events as JSON text directly (RecordCodec::appendJson,
// ApiResponse::readyJson), not through QJsonObject. Through the real server in-process: every
// answer form that carries records (PUT, GET, list, continue, history, sync results, the event)
// with hostile strings in every free-text field must be exactly what QJsonDocument writes of the
// same content (its own parse of the answer, written again: the same bytes) and carry the
// strings as the server received them.
#include "devicefixture.h"
#include "eventreader.h"
#include "hostilestrings.h"
#include "inprocessserver.h"
#include "protocol/recordcodec.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 30000;

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// What the server makes of `text` sent in a JSON body: Qt's parser may not keep every UTF-16
// unit (half a surrogate pair), so the answer is compared with what was received.
QString asReceived(const QString &text)
{
    return QJsonDocument::fromJson(compact({{u"x"_s, text}})).object().value(u"x"_s).toString();
}

// Empty when `body` is one JSON object that QJsonDocument writes back byte for byte.
QString notCanonical(const QByteArray &body)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return u"not JSON (%1 at %2): "_s.arg(error.errorString()).arg(error.offset)
            + QString::fromUtf8(body);
    if (!document.isObject())
        return u"not an object: "_s + QString::fromUtf8(body);
    const QByteArray again = document.toJson(QJsonDocument::Compact);
    if (again != body)
        return u"differs from QJsonDocument's text:\n  sent: "_s + QString::fromUtf8(body)
            + u"\n  Qt's: "_s + QString::fromUtf8(again);
    return {};
}

} // namespace

class TestAnswerEncoding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyAnswerForm_data();
    void everyAnswerForm();

private:
    using Answer = DeviceFixture::Answer;
    Answer call(const QByteArray &verb, const QString &path, const QJsonObject &body = {})
    {
        return m_client.send(m_server->url() + path, verb, m_token, body);
    }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<SyncServer> m_server;
    DeviceFixture::Client m_client;
    QString m_token;
};

void TestAnswerEncoding::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_database = std::make_unique<TestDatabase>(u"answerencoding"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    QString error;
    m_server = startInProcessServer(m_database->location(), &error);
    QVERIFY2(m_server, qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_token, &error), qPrintable(error));
}

void TestAnswerEncoding::cleanupTestCase()
{
    m_server.reset();
    m_database.reset();
}

void TestAnswerEncoding::everyAnswerForm_data()
{
    addHostileStringRows(6, false);
}

void TestAnswerEncoding::everyAnswerForm()
{
    QFETCH(QString, text);
    static int round = 0;
    const QString contentId = u"movie-%1"_s.arg(++round);
    const QString received = asReceived(text);
    const qint64 observedAtMs = QDateTime::currentMSecsSinceEpoch() - 1000;
    const QJsonObject update{
        {u"position_ms"_s, 60000},
        {u"duration_ms"_s, 3600000},
        {u"device_id"_s, u"tv"_s},
        {u"device_name"_s, text},
        {u"observed_at_ms"_s, observedAtMs},
        {u"state"_s, u"paused"_s},
        {u"title"_s, text},
        {u"show_id"_s, QString(u"show "_s + text)},
        {u"episode_id"_s, QString(u"s01e01 "_s + text)},
        {u"watched"_s, true},
        {u"finished_at_ms"_s, observedAtMs},
        {u"choices"_s,
         QJsonObject{
             {u"audio"_s,
              QJsonObject{{u"language"_s, u"ja"_s}, {u"title"_s, text}, {u"codec"_s, u"Opus"_s}}},
             {u"subtitle_delay_ms"_s, 300},
             {u"speed"_s, 1.25}}},
    };
    // Each field as the server received it, in the record it gives back.
    const auto checkRecord = [&](const QJsonObject &record) {
        QCOMPARE(record.value(u"content_id"_s).toString(), contentId);
        QCOMPARE(record.value(u"device_name"_s).toString(), received);
        QCOMPARE(record.value(u"title"_s).toString(), received);
        QCOMPARE(record.value(u"show_id"_s).toString(), asReceived(u"show "_s + text));
        QCOMPARE(record.value(u"episode_id"_s).toString(), asReceived(u"s01e01 "_s + text));
        QCOMPARE(record.value(u"choices"_s)
                     .toObject()
                     .value(u"audio"_s)
                     .toObject()
                     .value(u"title"_s)
                     .toString(),
                 received);
        QCOMPARE(record.value(u"play_count"_s).toInt(), 1);
    };

    EventReader events(m_server->url(), m_token);
    QTRY_VERIFY_WITH_TIMEOUT(events.isOpen(), kTimeoutMs);

    const Answer put = call("PUT", u"/v1/progress/"_s + contentId, update);
    QCOMPARE(put.status, 200);
    QVERIFY2(notCanonical(put.body).isEmpty(), qPrintable(notCanonical(put.body)));
    QCOMPARE(put.json.value(u"applied"_s).toBool(), true);
    checkRecord(put.json.value(u"record"_s).toObject());
    // The record in the answer is what QJsonDocument writes of the record it decodes to.
    ValidationError error;
    const std::optional<ProgressRecord> record = RecordCodec::fromJson(
        put.json.value(u"record"_s).toObject(), RecordCodec::Source::Server, &error);
    QVERIFY2(record, qPrintable(error.message));
    const QByteArray recordText = compact(RecordCodec::toJson(*record));
    QVERIFY(put.body.startsWith(QByteArray("{\"applied\":true,\"record\":" + recordText + ',')));

    QTRY_VERIFY_WITH_TIMEOUT(!events.events().isEmpty(), kTimeoutMs);
    QCOMPARE(events.events().constLast().data, recordText);

    const Answer get = call("GET", u"/v1/progress/"_s + contentId);
    QCOMPARE(get.status, 200);
    QVERIFY2(notCanonical(get.body).isEmpty(), qPrintable(notCanonical(get.body)));
    QVERIFY(get.body.startsWith(QByteArray("{\"record\":" + recordText + ',')));

    // Watched records leave the list: an unwatched episode of the same show is listed, and
    // continued after the watched one.
    QJsonObject next = update;
    next.insert(u"watched"_s, false);
    next.remove(u"finished_at_ms"_s);
    next.insert(u"episode_id"_s, QString(u"s01e02 "_s + text));
    next.insert(u"observed_at_ms"_s, observedAtMs + 1);
    const Answer second = call("PUT", u"/v1/progress/"_s + contentId + u"-2"_s, next);
    QCOMPARE(second.status, 200);
    const Answer list = call("GET", u"/v1/progress?limit=200"_s);
    QCOMPARE(list.status, 200);
    QVERIFY2(notCanonical(list.body).isEmpty(), qPrintable(notCanonical(list.body)));
    // Read from the database, not the cache: there strings come back as SQLite kept them (a
    // lone surrogate or U+FFFF as U+FFFD), so only the id is compared here.
    QVERIFY(list.body.contains(QByteArray("\"content_id\":\"" + contentId.toUtf8() + "-2\"")));
    const Answer continued = call("GET", u"/v1/continue?limit=200"_s);
    QCOMPARE(continued.status, 200);
    QVERIFY2(notCanonical(continued.body).isEmpty(), qPrintable(notCanonical(continued.body)));
    QVERIFY(continued.body.contains(QByteArray("\"content_id\":\"" + contentId.toUtf8() + "-2\"")));

    const Answer history = call("GET", u"/v1/progress/"_s + contentId + u"/history"_s);
    QCOMPARE(history.status, 200);
    QVERIFY2(notCanonical(history.body).isEmpty(), qPrintable(notCanonical(history.body)));
    const QJsonArray items = history.json.value(u"items"_s).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().toObject().value(u"content_id"_s).toString(), contentId);

    // A sync echoes each update's content_id, valid or not, and a non-object's as null.
    QJsonObject newer = update;
    newer.insert(u"content_id"_s, contentId);
    newer.insert(u"observed_at_ms"_s, observedAtMs + 2);
    QJsonObject older = newer;
    older.insert(u"observed_at_ms"_s, observedAtMs - 5000);
    QJsonObject invalid = update;
    invalid.insert(u"content_id"_s, text);
    const QJsonObject syncBody{
        {u"updates"_s, QJsonArray{newer, older, invalid, 5, QJsonObject{{u"content_id"_s, 7}}}}};
    const Answer sync = call("POST", u"/v1/sync"_s, syncBody);
    QCOMPARE(sync.status, 200);
    QVERIFY2(notCanonical(sync.body).isEmpty(), qPrintable(notCanonical(sync.body)));
    const QJsonArray results = sync.json.value(u"results"_s).toArray();
    QCOMPARE(results.size(), 5);
    QCOMPARE(results.at(0).toObject().value(u"applied"_s).toBool(), true);
    checkRecord(results.at(0).toObject().value(u"record"_s).toObject());
    QCOMPARE(results.at(1).toObject().value(u"applied"_s).toBool(), false);
    QCOMPARE(results.at(2).toObject().value(u"content_id"_s).toString(), received);
    QVERIFY(results.at(2).toObject().contains(u"error"_s));
    QVERIFY(results.at(3).toObject().value(u"content_id"_s).isNull());
    QVERIFY(results.at(4).toObject().value(u"content_id"_s).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(events.events().size(), 3, kTimeoutMs);
    for (const EventReader::Event &event : events.events()) {
        const QJsonObject object = QJsonDocument::fromJson(event.data).object();
        QCOMPARE(compact(object), event.data);
    }
}

QTEST_GUILESS_MAIN(TestAnswerEncoding)
#include "tst_answerencoding.moc"
