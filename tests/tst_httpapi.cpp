// The HTTP API of docs/protocol.md against the real server, in-process on a port the OS picks,
// through QNetworkAccessManager: every endpoint, every error, the ordering rule and the event
// streams.
#include "eventreader.h"
#include "inprocessserver.h"
#include "metricsample.h"
#include "serverstorage.h"
#include "syncserver.h"
#include "testdatabase.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <limits>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A valid update; `observedAtMs` on the server's clock (the test shares it).
QJsonObject update(qint64 positionMs, qint64 observedAtMs, const QString &deviceId = u"tv"_s)
{
    return QJsonObject{{u"position_ms"_s, positionMs},      {u"duration_ms"_s, 3600000},
                       {u"device_id"_s, deviceId},          {u"device_name"_s, u"Living-room TV"_s},
                       {u"observed_at_ms"_s, observedAtMs}, {u"state"_s, u"playing"_s}};
}

QJsonObject with(QJsonObject object, const QString &key, const QJsonValue &value)
{
    object.insert(key, value);
    return object;
}

QJsonObject without(QJsonObject object, const QString &key)
{
    object.remove(key);
    return object;
}

QJsonObject withoutServerTime(QJsonObject object)
{
    object.remove(u"server_time_ms"_s);
    return object;
}

// The TV's choices in the issue: Japanese audio, the English sidecar, +300 ms, 1.25x.
QJsonObject tvChoices()
{
    return QJsonObject{
        {u"audio"_s,
         QJsonObject{{u"language"_s, u"ja"_s}, {u"title"_s, u""_s}, {u"codec"_s, u"Opus"_s}}},
        {u"subtitles"_s,
         QJsonObject{
             {u"source"_s, u"sidecar"_s}, {u"language"_s, u"en"_s}, {u"file"_s, u"Film.en.srt"_s}}},
        {u"subtitle_delay_ms"_s, 300},
        {u"speed"_s, 1.25}};
}

// A report of a watched viewing: `finishedAtMs` when it became watched.
QJsonObject watched(QJsonObject update, qint64 finishedAtMs)
{
    update.insert(u"watched"_s, true);
    update.insert(u"finished_at_ms"_s, finishedAtMs);
    return update;
}

// An episode's update.
QJsonObject episode(qint64 observedAtMs, const QString &showId, const QString &episodeId)
{
    QJsonObject object = update(60000, observedAtMs);
    object.insert(u"show_id"_s, showId);
    object.insert(u"episode_id"_s, episodeId);
    return object;
}

QStringList contentIds(const QJsonArray &items)
{
    QStringList ids;
    for (const QJsonValue &item : items)
        ids << item.toObject().value(u"content_id"_s).toString();
    return ids;
}

struct Answer
{
    int status = -1; // -1: no answer within the timeout, or a transport error
    QByteArray body;
    QJsonObject json;
    bool isJson = false;
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QList<QNetworkReply::RawHeaderPair> headers;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    QJsonObject record() const { return json.value(u"record"_s).toObject(); }
    QJsonArray items() const { return json.value(u"items"_s).toArray(); }
    QString errorCode() const
    {
        return json.value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    QString errorMessage() const
    {
        return json.value(u"error"_s).toObject().value(u"message"_s).toString();
    }
};

// An error answer as docs/protocol.md words it. server_time_ms is checked for every answer, in
// send().
#define VERIFY_ERROR(answer, expectedStatus, expectedCode) \
    do { \
        const Answer &answer_ = (answer); \
        QCOMPARE(answer_.status, (expectedStatus)); \
        QVERIFY2(answer_.isJson, answer_.body.constData()); \
        QCOMPARE(answer_.errorCode(), QString(expectedCode)); \
        QVERIFY2(!answer_.errorMessage().trimmed().isEmpty(), answer_.body.constData()); \
        QVERIFY2(answer_.json.value(u"server_time_ms"_s).isDouble(), answer_.body.constData()); \
    } while (false)

} // namespace

class TestHttpApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void healthz();
    void putGetDelete();
    void putRoundTripsEveryField();
    void putTakesContentIdFromTheUrl();
    void choicesTravelWithTheRecord();
    void list();
    void history();
    void syncMixesGoodAndBad();
    void syncBoundaries();
    void metrics();

    void unauthorized_data();
    void unauthorized();
    void revokedTokenWhileServing();
    void otherUsersRecordsAreNotFound();
    void badUpdate_data();
    void badUpdate();
    void acceptedBoundaries_data();
    void acceptedBoundaries();
    void badContentId_data();
    void badContentId();
    void badLimit_data();
    void badLimit();
    void methodNotAllowed_data();
    void methodNotAllowed();
    void unknownPath_data();
    void unknownPath();
    void payloadTooLarge();
    void clockSkew();
    void staleReplayAndSeekBackwards();
    void receivedAtIsSetByTheServer();

    void eventsReachOnlyTheirUser();
    void staleUpdateSendsNoEvent();
    void syncSendsEvents();
    void hungUpStreamIsCleanedUp();
    void keepAlive();
    void stopEndsStreams();

    // Watched state, plays, forgets and Continue Watching by show (issue 14).
    void finishesAreCountedOnce();
    void markWatchedAndUnwatchedFromTwoDevices_data();
    void markWatchedAndUnwatchedFromTwoDevices();
    void listLeavesOutWatched();
    void continueGroupsByShow();
    void nextAfterFollowsARewatchOnlyWhenContinued();
    void forgetIsAnObservation();
    void badForget_data();
    void badForget();
    void oldForgetsAreDropped();

private:
    Answer send(const QByteArray &verb, const QString &path,
                std::optional<QByteArray> authorization, const QByteArray &body = {});
    Answer call(const QByteArray &verb, const QString &path, const QString &token,
                const QByteArray &body = {})
    {
        return send(verb, path, QByteArray("Bearer " + token.toUtf8()), body);
    }
    Answer put(const QString &contentId, const QJsonObject &body, const QString &token)
    {
        return call("PUT", u"/v1/progress/"_s + contentId, token, compact(body));
    }
    Answer get(const QString &contentId, const QString &token)
    {
        return call("GET", u"/v1/progress/"_s + contentId, token);
    }
    QByteArray metricsPage();
    double subscribers() { return metricSample(metricsPage(), "playmark_event_subscribers"); }

    std::unique_ptr<TestDatabase> m_database;
    std::unique_ptr<SyncServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    QString m_alice;
    QString m_bob;
    QString m_revoked;
    QStringList m_violations; // answers that broke a rule every answer must keep
    qint64 m_t0 = 0; // an hour ago: observations in the past are accepted
};

void TestHttpApi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_database = std::make_unique<TestDatabase>(u"httpapi"_s);
    QVERIFY2(m_database->isValid(), qPrintable(m_database->error()));
    qInfo("database: %s", qPrintable(m_database->location()));
}

void TestHttpApi::cleanupTestCase()
{
    m_database.reset();
}

void TestHttpApi::init()
{
    QVERIFY(m_database->clearData());
    QString error;
    m_server = startInProcessServer(m_database->location(), &error);
    QVERIFY2(m_server, qPrintable(error));
    QVERIFY(m_server->isListening());
    QVERIFY(m_server->port() != 0);

    QVERIFY2(m_server->storage().users().addUser(u"alice"_s, &m_alice, &error), qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"bob"_s, &m_bob, &error), qPrintable(error));
    QVERIFY2(m_server->storage().users().addUser(u"carol"_s, &m_revoked, &error),
             qPrintable(error));
    int revoked = 0;
    QVERIFY(m_server->storage().users().revokeTokens(u"carol"_s, &revoked, &error));
    QCOMPARE(revoked, 1);

    m_nam = std::make_unique<QNetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_violations.clear();
    m_t0 = nowMs() - 3600000;
}

void TestHttpApi::cleanup()
{
    m_nam.reset();
    m_server.reset();
    QVERIFY2(m_violations.isEmpty(), qPrintable(m_violations.join(u'\n')));
}

Answer TestHttpApi::send(const QByteArray &verb, const QString &path,
                         std::optional<QByteArray> authorization, const QByteArray &body)
{
    QNetworkRequest request(QUrl(m_server->url() + path));
    if (authorization)
        request.setRawHeader("Authorization", *authorization);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));

    const qint64 sentAt = nowMs();
    std::unique_ptr<QNetworkReply> reply(m_nam->sendCustomRequest(request, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !finished.wait(kTimeoutMs)) {
        m_violations << QString::fromLatin1(verb) + u' ' + path + u": no answer"_s;
        return answer;
    }
    const qint64 receivedAt = nowMs();

    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    answer.status = status.isValid() ? status.toInt() : -1;
    answer.networkError = reply->error();
    answer.body = reply->readAll();
    answer.headers = reply->rawHeaderPairs();

    const QString where = QString::fromLatin1(verb) + u' ' + path + u": "_s;
    if (answer.header("Content-Type").startsWith("application/json")) {
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(answer.body, &parseError);
        answer.isJson = document.isObject();
        answer.json = document.object();
        // Every JSON answer carries the server's clock, read while the request was in flight.
        const QJsonValue serverTime = answer.json.value(u"server_time_ms"_s);
        if (!answer.isJson)
            m_violations << where + u"body is not a JSON object"_s;
        else if (!serverTime.isDouble())
            m_violations << where + u"no server_time_ms"_s;
        else if (qint64(serverTime.toDouble()) < sentAt
                 || qint64(serverTime.toDouble()) > receivedAt)
            m_violations << where + u"server_time_ms outside the exchange"_s;
    }
    if (answer.status >= 400 && !answer.isJson)
        m_violations << where + u"error without a JSON body"_s;
    return answer;
}

QByteArray TestHttpApi::metricsPage()
{
    const Answer answer = send("GET", u"/metrics"_s, std::nullopt);
    return answer.status == 200 ? answer.body : QByteArray();
}

void TestHttpApi::healthz()
{
    const Answer answer = send("GET", u"/healthz"_s, std::nullopt);
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.isJson);
    QCOMPARE(answer.json.value(u"status"_s).toString(), u"ok"_s);
    QVERIFY(answer.json.value(u"server_time_ms"_s).isDouble());
}

void TestHttpApi::putGetDelete()
{
    const QJsonObject body = update(61000, m_t0);
    const qint64 before = nowMs();
    const Answer put = this->put(u"movie-1"_s, body, m_alice);
    const qint64 after = nowMs();
    QCOMPARE(put.status, 200);
    QVERIFY(put.header("Content-Type").startsWith("application/json"));
    QCOMPARE(put.json.value(u"applied"_s), QJsonValue(true));
    const QJsonObject record = put.record();
    QCOMPARE(record.value(u"content_id"_s).toString(), u"movie-1"_s);
    QCOMPARE(record.value(u"position_ms"_s).toInteger(), 61000);
    QCOMPARE(record.value(u"duration_ms"_s).toInteger(), 3600000);
    QCOMPARE(record.value(u"device_id"_s).toString(), u"tv"_s);
    QCOMPARE(record.value(u"device_name"_s).toString(), u"Living-room TV"_s);
    QCOMPARE(record.value(u"observed_at_ms"_s).toInteger(), m_t0);
    QCOMPARE(record.value(u"state"_s).toString(), u"playing"_s);
    const qint64 receivedAt = record.value(u"received_at_ms"_s).toInteger();
    QVERIFY(receivedAt >= before && receivedAt <= after);

    const Answer got = get(u"movie-1"_s, m_alice);
    QCOMPARE(got.status, 200);
    QCOMPARE(got.record(), record);

    const Answer removed = call("DELETE", u"/v1/progress/movie-1"_s, m_alice);
    QCOMPARE(removed.status, 204);
    QVERIFY(removed.body.isEmpty());

    VERIFY_ERROR(get(u"movie-1"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(call("DELETE", u"/v1/progress/movie-1"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(call("GET", u"/v1/progress/movie-1/history"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(get(u"never-stored"_s, m_alice), 404, u"not_found"_s);

    // The forget is an observation: one observed before it (a device that was offline) is stale
    // and brings nothing back, a newer one starts the video again.
    const Answer older = this->put(u"movie-1"_s, update(5, m_t0 - 1000), m_alice);
    QCOMPARE(older.status, 200);
    QCOMPARE(older.json.value(u"applied"_s), QJsonValue(false));
    QVERIFY(!older.json.contains(u"record"_s));
    const qint64 forgottenAt = older.json.value(u"forgotten_at_ms"_s).toInteger();
    QVERIFY(forgottenAt >= after && forgottenAt <= nowMs());
    VERIFY_ERROR(get(u"movie-1"_s, m_alice), 404, u"not_found"_s);
    const Answer again = this->put(u"movie-1"_s, update(5, forgottenAt + 1), m_alice);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json.value(u"applied"_s), QJsonValue(true));
    const Answer history = call("GET", u"/v1/progress/movie-1/history"_s, m_alice);
    QCOMPARE(history.status, 200);
    QCOMPARE(history.items().size(), 1);
}

void TestHttpApi::putRoundTripsEveryField()
{
    QJsonObject body = update(1234, m_t0, u"phone.2_x-y"_s);
    body.insert(u"device_name"_s, u"Küchen-Tablet 📺"_s);
    body.insert(u"state"_s, u"paused"_s);
    body.insert(u"title"_s, u"Episode \"Two\": the return 日本"_s);
    body.insert(u"show_id"_s, u"show-1"_s);
    body.insert(u"episode_id"_s, u"s01e02"_s);
    body.insert(u"something_new"_s, u"ignored"_s);
    body.insert(u"user"_s, u"bob"_s); // nothing in the body chooses the user

    const Answer put = this->put(u"pm1-0123456789abcdef0123456789abcdef"_s, body, m_alice);
    QCOMPARE(put.status, 200);
    const QJsonObject record = put.record();
    for (const QString &key :
         {u"position_ms"_s, u"duration_ms"_s, u"device_id"_s, u"device_name"_s, u"observed_at_ms"_s,
          u"state"_s, u"title"_s, u"show_id"_s, u"episode_id"_s})
        QCOMPARE(record.value(key), body.value(key));
    QVERIFY(!record.contains(u"something_new"_s));
    QVERIFY(!record.contains(u"user"_s));

    QCOMPARE(get(u"pm1-0123456789abcdef0123456789abcdef"_s, m_alice).record(), record);
    VERIFY_ERROR(get(u"pm1-0123456789abcdef0123456789abcdef"_s, m_bob), 404, u"not_found"_s);

    // state defaults to playing, optional texts are left out when absent.
    const Answer bare = this->put(
        u"bare"_s,
        QJsonObject{{u"position_ms"_s, 0}, {u"device_id"_s, u"d"_s}, {u"observed_at_ms"_s, m_t0}},
        m_alice);
    QCOMPARE(bare.status, 200);
    QCOMPARE(bare.record().value(u"state"_s).toString(), u"playing"_s);
    QCOMPARE(bare.record().value(u"duration_ms"_s).toInteger(), 0);
    QVERIFY(!bare.record().contains(u"title"_s));
}

void TestHttpApi::putTakesContentIdFromTheUrl()
{
    const Answer put =
        this->put(u"from-url"_s, with(update(10, m_t0), u"content_id"_s, u"from-body"_s), m_alice);
    QCOMPARE(put.status, 200);
    QCOMPARE(put.record().value(u"content_id"_s).toString(), u"from-url"_s);
    QCOMPARE(get(u"from-url"_s, m_alice).status, 200);
    VERIFY_ERROR(get(u"from-body"_s, m_alice), 404, u"not_found"_s);
}

// A record's choices are stored, answered and sent with it; an update without them stores a
// record without them (no merging: docs/protocol.md, "Choices").
void TestHttpApi::choicesTravelWithTheRecord()
{
    EventReader stream(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);

    // Unknown members are not kept: what comes back is the protocol's shape.
    QJsonObject sent = tvChoices();
    sent.insert(u"aid"_s, 2);
    const Answer put = this->put(u"film"_s, with(update(1000, m_t0), u"choices"_s, sent), m_alice);
    QCOMPARE(put.status, 200);
    QCOMPARE(put.record().value(u"choices"_s).toObject(), tvChoices());
    QCOMPARE(get(u"film"_s, m_alice).record(), put.record());
    const Answer list = call("GET", u"/v1/progress"_s, m_alice);
    QCOMPARE(list.items().size(), 1);
    QCOMPARE(list.items().first().toObject(), put.record());
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 1, kTimeoutMs);
    QCOMPARE(stream.events().constFirst().json(), put.record());

    // A later update without choices (an older player, say) stands without them.
    const Answer plain = this->put(u"film"_s, update(2000, m_t0 + 1, u"old-phone"_s), m_alice);
    QCOMPARE(plain.status, 200);
    QVERIFY(!plain.record().contains(u"choices"_s));
    QVERIFY(!get(u"film"_s, m_alice).record().contains(u"choices"_s));
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 2, kTimeoutMs);
    QVERIFY(!stream.events().at(1).json().contains(u"choices"_s));

    // History keeps each update as it was.
    const QJsonArray history = call("GET", u"/v1/progress/film/history"_s, m_alice).items();
    QCOMPARE(history.size(), 2);
    QVERIFY(!history.at(0).toObject().contains(u"choices"_s));
    QCOMPARE(history.at(1).toObject().value(u"choices"_s).toObject(), tvChoices());

    // Through /v1/sync: applied with its choices, a stale one with other choices changes nothing.
    QJsonObject off{{u"subtitles"_s, u"off"_s}, {u"speed"_s, 0.5}};
    const QJsonArray updates{
        with(with(update(3000, m_t0 + 2), u"content_id"_s, u"film"_s), u"choices"_s, off),
        with(with(update(9, m_t0), u"content_id"_s, u"film"_s), u"choices"_s, tvChoices())};
    const Answer sync = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, updates}}));
    QCOMPARE(sync.status, 200);
    const QJsonArray results = sync.json.value(u"results"_s).toArray();
    QCOMPARE(results.size(), 2);
    // Written back in full: the defaults of the members left out are explicit.
    off.insert(u"subtitle_delay_ms"_s, 0);
    QCOMPARE(results.at(0).toObject().value(u"record"_s).toObject().value(u"choices"_s).toObject(),
             off);
    QCOMPARE(results.at(1).toObject().value(u"applied"_s), QJsonValue(false));
    QCOMPARE(get(u"film"_s, m_alice).record().value(u"choices"_s).toObject(), off);
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 3, kTimeoutMs);
    QCOMPARE(stream.events().at(2).json().value(u"choices"_s).toObject(), off);
}

void TestHttpApi::list()
{
    struct Item
    {
        QString id;
        qint64 at;
        QString state;
    };
    const QList<Item> items{{u"oldest"_s, m_t0 + 1, u"paused"_s},
                            {u"finished"_s, m_t0 + 50, u"ended"_s},
                            {u"newest"_s, m_t0 + 40, u"playing"_s},
                            {u"middle"_s, m_t0 + 20, u"stopped"_s},
                            {u"second"_s, m_t0 + 30, u"paused"_s}};
    for (const Item &item : items)
        QCOMPARE(put(item.id, with(update(1, item.at), u"state"_s, item.state), m_alice).status,
                 200);
    QCOMPARE(put(u"bobs"_s, update(1, m_t0 + 99), m_bob).status, 200);

    const QStringList expected{u"newest"_s, u"second"_s, u"middle"_s, u"oldest"_s};
    Answer answer = call("GET", u"/v1/progress"_s, m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(contentIds(answer.items()), expected);
    QCOMPARE(answer.items().first().toObject(), get(u"newest"_s, m_alice).record());

    answer = call("GET", u"/v1/progress?limit=2"_s, m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(contentIds(answer.items()), expected.mid(0, 2));
    answer = call("GET", u"/v1/progress?limit=1"_s, m_alice);
    QCOMPARE(contentIds(answer.items()), expected.mid(0, 1));
    // Above the maximum is capped, not refused.
    answer = call("GET", u"/v1/progress?limit=100000"_s, m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(contentIds(answer.items()), expected);

    answer = call("GET", u"/v1/progress"_s, m_bob);
    QCOMPARE(contentIds(answer.items()), QStringList{u"bobs"_s});

    // The default limit is 20.
    QJsonArray updates;
    for (int i = 0; i < 25; ++i)
        updates.append(with(update(1, m_t0 + 100 + i), u"content_id"_s, u"bulk-%1"_s.arg(i)));
    QCOMPARE(call("POST", u"/v1/sync"_s, m_bob, compact({{u"updates"_s, updates}})).status, 200);
    answer = call("GET", u"/v1/progress"_s, m_bob);
    QCOMPARE(answer.items().size(), 20);
    QCOMPARE(contentIds(answer.items()).first(), u"bulk-24"_s);
    answer = call("GET", u"/v1/progress?limit=200"_s, m_bob);
    QCOMPARE(answer.items().size(), 26);
}

void TestHttpApi::history()
{
    for (int i = 0; i < 3; ++i)
        QCOMPARE(put(u"movie"_s, update(i * 1000, m_t0 + i), m_alice).status, 200);
    const Answer stale = put(u"movie"_s, update(99999, m_t0 - 5), m_alice);
    QCOMPARE(stale.json.value(u"applied"_s), QJsonValue(false));

    Answer answer = call("GET", u"/v1/progress/movie/history"_s, m_alice);
    QCOMPARE(answer.status, 200);
    const QJsonArray items = answer.items();
    QCOMPARE(items.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(items.at(i).toObject().value(u"observed_at_ms"_s).toInteger(), m_t0 + 2 - i);
        QCOMPARE(items.at(i).toObject().value(u"position_ms"_s).toInteger(), (2 - i) * 1000);
    }
    QCOMPARE(items.first().toObject(), get(u"movie"_s, m_alice).record());

    answer = call("GET", u"/v1/progress/movie/history?limit=2"_s, m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.items().size(), 2);
    QCOMPARE(answer.items().first().toObject().value(u"observed_at_ms"_s).toInteger(), m_t0 + 2);
}

void TestHttpApi::syncMixesGoodAndBad()
{
    QCOMPARE(put(u"standing"_s, update(5000, m_t0 + 1000), m_alice).status, 200);
    const QJsonObject replayed = update(7, m_t0);
    QCOMPARE(put(u"replayed"_s, replayed, m_alice).status, 200);

    const QJsonArray updates{
        with(update(100, m_t0), u"content_id"_s, u"good-1"_s),
        with(update(1, m_t0), u"content_id"_s, u"standing"_s), // older: stale
        with(replayed, u"content_id"_s, u"replayed"_s),
        with(update(-1, m_t0), u"content_id"_s, u"negative"_s),
        42,
        update(1, m_t0), // no content_id
        with(update(1, m_t0), u"content_id"_s, u"bad id"_s),
        with(update(1, nowMs() + 3600000), u"content_id"_s, u"future"_s),
        QJsonArray{1, 2},
        with(update(200, m_t0), u"content_id"_s, u"good-2"_s),
    };
    const Answer answer = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, updates}}));
    QCOMPARE(answer.status, 200);
    const QJsonArray results = answer.json.value(u"results"_s).toArray();
    QCOMPARE(results.size(), updates.size());

    const auto result = [&results](int i) {
        return results.at(i).toObject();
    };
    const auto errorCode = [&result](int i) {
        return result(i).value(u"error"_s).toObject().value(u"code"_s).toString();
    };
    const auto errorMessage = [&result](int i) {
        return result(i).value(u"error"_s).toObject().value(u"message"_s).toString();
    };

    QCOMPARE(result(0).value(u"content_id"_s).toString(), u"good-1"_s);
    QCOMPARE(result(0).value(u"applied"_s), QJsonValue(true));
    QCOMPARE(result(0).value(u"record"_s).toObject(), get(u"good-1"_s, m_alice).record());
    QCOMPARE(result(1).value(u"content_id"_s).toString(), u"standing"_s);
    QCOMPARE(result(1).value(u"applied"_s), QJsonValue(false));
    QCOMPARE(result(1).value(u"record"_s).toObject().value(u"position_ms"_s).toInteger(), 5000);
    QCOMPARE(result(2).value(u"applied"_s), QJsonValue(false));
    QCOMPARE(result(2).value(u"record"_s).toObject(), get(u"replayed"_s, m_alice).record());

    for (int i : {3, 4, 5, 6, 8}) {
        QCOMPARE(errorCode(i), u"bad_request"_s);
        QVERIFY(!errorMessage(i).isEmpty());
        QVERIFY(!result(i).contains(u"record"_s));
        QVERIFY(!result(i).contains(u"applied"_s));
    }
    QCOMPARE(result(3).value(u"content_id"_s).toString(), u"negative"_s);
    QVERIFY2(errorMessage(3).contains(u"position_ms"_s), qPrintable(errorMessage(3)));
    QVERIFY(result(4).value(u"content_id"_s).isNull());
    QVERIFY(result(5).value(u"content_id"_s).isNull());
    QVERIFY2(errorMessage(5).contains(u"content_id"_s), qPrintable(errorMessage(5)));
    QVERIFY2(errorMessage(6).contains(u"content_id"_s), qPrintable(errorMessage(6)));
    QCOMPARE(result(7).value(u"content_id"_s).toString(), u"future"_s);
    QCOMPARE(errorCode(7), u"clock_skew"_s);
    QVERIFY(!errorMessage(7).isEmpty());

    QCOMPARE(result(9).value(u"applied"_s), QJsonValue(true));
    QCOMPARE(get(u"good-2"_s, m_alice).record().value(u"position_ms"_s).toInteger(), 200);
    VERIFY_ERROR(get(u"negative"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(get(u"future"_s, m_alice), 404, u"not_found"_s);
    QCOMPARE(get(u"standing"_s, m_alice).record().value(u"position_ms"_s).toInteger(), 5000);
    // Synced for Alice, not for Bob.
    VERIFY_ERROR(get(u"good-1"_s, m_bob), 404, u"not_found"_s);
}

void TestHttpApi::syncBoundaries()
{
    const auto body = [this](int count, const QString &prefix) {
        QJsonArray updates;
        for (int i = 0; i < count; ++i)
            updates.append(QJsonObject{{u"content_id"_s, QString(prefix + QString::number(i))},
                                       {u"position_ms"_s, i},
                                       {u"device_id"_s, u"d"_s},
                                       {u"observed_at_ms"_s, m_t0}});
        return compact({{u"updates"_s, updates}});
    };

    Answer answer = call("POST", u"/v1/sync"_s, m_alice, body(501, u"over-"_s));
    VERIFY_ERROR(answer, 400, u"bad_request"_s);
    QVERIFY2(answer.errorMessage().contains(u"500"_s), qPrintable(answer.errorMessage()));
    VERIFY_ERROR(get(u"over-0"_s, m_alice), 404, u"not_found"_s);

    answer = call("POST", u"/v1/sync"_s, m_alice, body(500, u"max-"_s));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json.value(u"results"_s).toArray().size(), 500);
    QCOMPARE(get(u"max-499"_s, m_alice).status, 200);

    answer = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, QJsonArray()}}));
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json.value(u"results"_s), QJsonValue(QJsonArray()));

    const QList<QPair<QByteArray, QString>> broken{
        {"{\"updates\": [", u"JSON"_s},         {"", u"JSON"_s},
        {"[{\"updates\": []}]", u"object"_s},   {"{}", u"updates"_s},
        {"{\"updates\": {}}", u"updates"_s},    {"{\"updates\": null}", u"updates"_s},
        {"{\"updates\": \"x\"}", u"updates"_s},
    };
    for (const auto &[bytes, mention] : broken) {
        answer = call("POST", u"/v1/sync"_s, m_alice, bytes);
        VERIFY_ERROR(answer, 400, u"bad_request"_s);
        QVERIFY2(answer.errorMessage().contains(mention), bytes.constData());
    }
}

void TestHttpApi::metrics()
{
    QCOMPARE(put(u"a"_s, update(1, m_t0 + 10), m_alice).status, 200);
    QCOMPARE(put(u"b"_s, update(1, m_t0 + 10), m_alice).status, 200);
    QCOMPARE(put(u"a"_s, update(1, m_t0), m_alice).json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(put(u"a"_s, update(1, m_t0 + 10), m_alice).json.value(u"applied"_s),
             QJsonValue(false));
    QCOMPARE(put(u"a"_s, update(-1, m_t0 + 20), m_alice).status, 400);
    QCOMPARE(get(u"nothing"_s, m_alice).status, 404);
    QCOMPARE(send("GET", u"/nowhere"_s, std::nullopt).status, 404);
    QCOMPARE(send("GET", u"/healthz"_s, std::nullopt).status, 200);

    const Answer answer = send("GET", u"/metrics"_s, std::nullopt);
    QCOMPARE(answer.status, 200);
    QVERIFY2(answer.header("Content-Type").startsWith("text/plain; version=0.0.4"),
             answer.header("Content-Type").constData());
    const QByteArray &page = answer.body;

    for (const char *type :
         {"# TYPE playmark_http_requests_total counter",
          "# TYPE playmark_http_request_duration_seconds histogram",
          "# TYPE playmark_updates_total counter", "# TYPE playmark_open_connections gauge",
          "# TYPE playmark_event_subscribers gauge"})
        QVERIFY2(page.contains(type), type);

    const QByteArray item = "route=\"/v1/progress/{content_id}\"";
    QCOMPARE(metricSample(
                 page, "playmark_http_requests_total{" + item + ",method=\"PUT\",status=\"200\"}"),
             4.0);
    QCOMPARE(metricSample(
                 page, "playmark_http_requests_total{" + item + ",method=\"PUT\",status=\"400\"}"),
             1.0);
    QCOMPARE(metricSample(
                 page, "playmark_http_requests_total{" + item + ",method=\"GET\",status=\"404\"}"),
             1.0);
    QCOMPARE(
        metricSample(
            page, "playmark_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"),
        1.0);
    QCOMPARE(
        metricSample(page,
                     "playmark_http_requests_total{route=\"other\",method=\"GET\",status=\"404\"}"),
        1.0);

    // The latency histogram of the item route: cumulative buckets ending in the count.
    const double count =
        metricSample(page, "playmark_http_request_duration_seconds_count{" + item + '}');
    QCOMPARE(count, 6.0);
    QCOMPARE(metricSample(
                 page, "playmark_http_request_duration_seconds_bucket{" + item + ",le=\"+Inf\"}"),
             count);
    double previous = 0;
    int buckets = 0;
    for (const QByteArray &line : page.split('\n')) {
        if (!line.startsWith(QByteArray("playmark_http_request_duration_seconds_bucket{" + item)))
            continue;
        const double value = line.mid(line.lastIndexOf(' ') + 1).toDouble();
        QVERIFY2(value >= previous, line.constData());
        previous = value;
        ++buckets;
    }
    QVERIFY(buckets >= 2);
    QVERIFY(metricSample(page, "playmark_http_request_duration_seconds_sum{" + item + '}') > 0);

    QCOMPARE(metricSample(page, "playmark_updates_total{outcome=\"applied\"}"), 2.0);
    QCOMPARE(metricSample(page, "playmark_updates_total{outcome=\"stale\"}"), 2.0);
    QVERIFY(metricSample(page, "playmark_open_connections") >= 1);
    QCOMPARE(metricSample(page, "playmark_event_subscribers"), 0.0);
}

void TestHttpApi::unauthorized_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("authorization"); // "none", "unknown", "revoked" or a raw header

    const QByteArray putBody = compact(update(1, nowMs() - 1000));
    const QByteArray syncBody = compact(
        {{u"updates"_s, QJsonArray{with(update(1, nowMs() - 1000), u"content_id"_s, u"x"_s)}}});
    const QList<std::tuple<const char *, QByteArray, QString, QByteArray>> routes{
        {"list", "GET", u"/v1/progress"_s, {}},
        {"get", "GET", u"/v1/progress/x"_s, {}},
        {"put", "PUT", u"/v1/progress/x"_s, putBody},
        {"delete", "DELETE", u"/v1/progress/x"_s, {}},
        {"history", "GET", u"/v1/progress/x/history"_s, {}},
        {"sync", "POST", u"/v1/sync"_s, syncBody},
        {"events", "GET", u"/v1/events"_s, {}},
    };
    const QList<std::pair<const char *, QString>> kinds{
        {"no token", u"none"_s},
        {"unknown token", u"unknown"_s},
        {"revoked token", u"revoked"_s},
        {"basic scheme", u"Basic YWxpY2U6c2VjcmV0"_s},
        {"bearer without token", u"Bearer"_s},
        {"bearer and spaces", u"Bearer    "_s},
        {"other scheme", u"Token {alice}"_s},
        {"token without scheme", u"{alice}"_s},
        {"no space after bearer", u"Bearer{alice}"_s},
        {"token and more", u"Bearer {alice} extra"_s},
    };
    for (const auto &[route, verb, path, body] : routes) {
        for (const auto &[kind, authorization] : kinds)
            QTest::addRow("%s, %s", route, kind) << verb << path << body << authorization;
    }
}

void TestHttpApi::unauthorized()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, authorization);

    // Alice has the record, so a leak through a broken check would show.
    QCOMPARE(put(u"x"_s, update(1, m_t0), m_alice).status, 200);
    const QJsonObject standing = get(u"x"_s, m_alice).record();

    std::optional<QByteArray> header;
    if (authorization == u"unknown"_s)
        header = "Bearer pm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    else if (authorization == u"revoked"_s)
        header = QByteArray("Bearer " + m_revoked.toUtf8());
    else if (authorization != u"none"_s)
        header = QString(authorization).replace(u"{alice}"_s, m_alice).toUtf8();

    const Answer answer = send(verb, path, header, body);
    VERIFY_ERROR(answer, 401, u"unauthorized"_s);
    QVERIFY(!answer.json.contains(u"record"_s));
    QVERIFY(!answer.json.contains(u"items"_s));

    QCOMPARE(get(u"x"_s, m_alice).record(), standing);
}

void TestHttpApi::revokedTokenWhileServing()
{
    QString second;
    QString error;
    QVERIFY(m_server->storage().users().issueToken(u"bob"_s, &second, &error));
    QCOMPARE(get(u"x"_s, second).status, 404);
    int revoked = 0;
    QVERIFY(m_server->storage().users().revokeTokens(u"bob"_s, &revoked, &error));
    QCOMPARE(revoked, 2);
    // Revoked through the storage's own connection, as `playmark-server user revoke` does from
    // another process: the server hears of it from RevocationWatch (its revocations row, read
    // every 250 ms on SQLite, on NOTIFY on PostgreSQL) and drops the tokens from its cache then,
    // so not necessarily by the next request; waited for with the suite's generous timeout.
    QTRY_COMPARE_WITH_TIMEOUT(get(u"x"_s, second).status, 401, kTimeoutMs);
    VERIFY_ERROR(get(u"x"_s, second), 401, u"unauthorized"_s);
    VERIFY_ERROR(get(u"x"_s, m_bob), 401, u"unauthorized"_s);
    QCOMPARE(get(u"x"_s, m_alice).status, 404);
}

void TestHttpApi::otherUsersRecordsAreNotFound()
{
    const QString id = u"alices-movie"_s;
    // What Bob sees before the record exists anywhere...
    const Answer getBefore = get(id, m_bob);
    const Answer historyBefore = call("GET", u"/v1/progress/%1/history"_s.arg(id), m_bob);
    // (A forget observed before Bob's own update below, which must not be stale by it.)
    const QString forget = u"/v1/progress/%1?observed_at_ms=%2"_s.arg(id).arg(m_t0 - 1000);
    const Answer deleteBefore = call("DELETE", forget, m_bob);
    VERIFY_ERROR(getBefore, 404, u"not_found"_s);

    const Answer put = this->put(id, update(42000, m_t0 + 10), m_alice);
    QCOMPARE(put.status, 200);
    const QJsonObject alices = put.record();

    // ...is exactly what he sees once Alice has it.
    const Answer getAfter = get(id, m_bob);
    const Answer historyAfter = call("GET", u"/v1/progress/%1/history"_s.arg(id), m_bob);
    const Answer deleteAfter = call("DELETE", forget, m_bob);
    for (const auto &[before, after] :
         {std::pair{getBefore, getAfter}, std::pair{historyBefore, historyAfter},
          std::pair{deleteBefore, deleteAfter}}) {
        VERIFY_ERROR(after, 404, u"not_found"_s);
        QCOMPARE(after.status, before.status);
        QCOMPARE(withoutServerTime(after.json), withoutServerTime(before.json));
    }
    QVERIFY(!getAfter.body.contains("42000"));
    QCOMPARE(contentIds(call("GET", u"/v1/progress"_s, m_bob).items()), QStringList());
    QCOMPARE(get(id, m_alice).record(), alices);

    // Bob's PUT to the same id makes his own record, even with an older observation.
    const Answer bobsPut = this->put(id, update(7000, m_t0, u"bobs-phone"_s), m_bob);
    QCOMPARE(bobsPut.status, 200);
    QCOMPARE(bobsPut.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(bobsPut.record().value(u"position_ms"_s).toInteger(), 7000);
    QCOMPARE(get(id, m_alice).record(), alices);
    QCOMPARE(get(id, m_bob).record(), bobsPut.record());

    QCOMPARE(call("DELETE", u"/v1/progress/"_s + id, m_bob).status, 204);
    QCOMPARE(get(id, m_alice).record(), alices);
    const Answer history = call("GET", u"/v1/progress/%1/history"_s.arg(id), m_alice);
    QCOMPARE(history.status, 200);
    QCOMPARE(history.items().size(), 1);
}

void TestHttpApi::badUpdate_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mention"); // what the message must name
    // A document that is not an object is refused as a whole (Qt 6.4's parser calls a bare
    // scalar malformed; either way the message names JSON).

    const qint64 at = nowMs() - 1000; // newer than the standing record the test puts first
    const QJsonObject good = update(1000, at);
    const auto row = [](const char *name, const QJsonObject &object, const QString &mention) {
        QTest::newRow(name) << compact(object) << mention;
    };
    const QString pos = u"position_ms"_s;
    const QString dur = u"duration_ms"_s;
    const QString dev = u"device_id"_s;
    const QString name = u"device_name"_s;
    const QString obs = u"observed_at_ms"_s;
    const QString state = u"state"_s;

    row("position_ms missing", without(good, pos), pos);
    row("position_ms null", with(good, pos, QJsonValue::Null), pos);
    row("position_ms negative", with(good, pos, -1), pos);
    row("position_ms fraction", with(good, pos, 1.5), pos);
    row("position_ms string", with(good, pos, u"1000"_s), pos);
    row("position_ms boolean", with(good, pos, true), pos);
    row("position_ms object", with(good, pos, QJsonObject{{u"ms"_s, 1}}), pos);
    row("position_ms huge", with(good, pos, 1e300), pos);
    row("position_ms beyond duration", with(with(good, pos, 2001), dur, 2000), pos);
    row("duration_ms negative", with(good, dur, -5), dur);
    row("duration_ms string", with(good, dur, u"long"_s), dur);
    row("device_id missing", without(good, dev), dev);
    row("device_id empty", with(good, dev, u""_s), dev);
    row("device_id space", with(good, dev, u"my tv"_s), dev);
    row("device_id slash", with(good, dev, u"tv/1"_s), dev);
    row("device_id colon", with(good, dev, u"tv:1"_s), dev);
    row("device_id non-ascii", with(good, dev, u"t\u00e9l\u00e9"_s), dev);
    row("device_id with a trailing newline", with(good, dev, u"tv\n"_s), dev);
    row("device_id 65 characters", with(good, dev, QString(65, u'd')), dev);
    row("device_id number", with(good, dev, 5), dev);
    row("device_name 65 characters", with(good, name, QString(65, u'n')), name);
    row("device_name 65 wide characters", with(good, name, QString(65, QChar(0x00e9))), name);
    row("device_name number", with(good, name, 1), name);
    row("observed_at_ms missing", without(good, obs), obs);
    row("observed_at_ms negative", with(good, obs, -1), obs);
    row("observed_at_ms string", with(good, obs, QString::number(at)), obs);
    row("observed_at_ms fraction", with(good, obs, double(at) + 0.5), obs);
    row("state unknown", with(good, state, u"rewinding"_s), state);
    row("state upper case", with(good, state, u"PLAYING"_s), state);
    row("state number", with(good, state, 1), state);
    row("title 257 characters", with(good, u"title"_s, QString(257, u't')), u"title"_s);
    row("title number", with(good, u"title"_s, 3), u"title"_s);
    row("show_id 129 characters", with(good, u"show_id"_s, QString(129, u's')), u"show_id"_s);
    row("episode_id 129 characters", with(good, u"episode_id"_s, QString(129, u'e')),
        u"episode_id"_s);
    const QString choices = u"choices"_s;
    row("choices not an object", with(good, choices, u"off"_s), u"choices must be an object"_s);
    row("choices speed 5", with(good, choices, QJsonObject{{u"speed"_s, 5}}),
        u"choices.speed must be a number from 0.25 to 4"_s);
    row("choices delay beyond 10 minutes",
        with(good, choices, QJsonObject{{u"subtitle_delay_ms"_s, 600001}}),
        u"choices.subtitle_delay_ms"_s);
    row("choices audio language 17 characters",
        with(good, choices,
             QJsonObject{{u"audio"_s, QJsonObject{{u"language"_s, QString(17, u'l')}}}}),
        u"choices.audio.language"_s);
    row("choices subtitles file with a folder",
        with(good, choices,
             QJsonObject{
                 {u"subtitles"_s,
                  QJsonObject{{u"source"_s, u"file"_s}, {u"file"_s, u"../../etc/passwd"_s}}}}),
        u"choices.subtitles.file"_s);
    row("choices subtitles source unknown",
        with(good, choices, QJsonObject{{u"subtitles"_s, QJsonObject{{u"source"_s, u"url"_s}}}}),
        u"choices.subtitles.source"_s);

    QTest::newRow("malformed JSON") << QByteArray("{\"position_ms\": 1,") << u"JSON"_s;
    QTest::newRow("trailing garbage") << QByteArray(compact(good) + '}') << u"JSON"_s;
    QTest::newRow("empty body") << QByteArray() << u"JSON"_s;
    QTest::newRow("array body") << QByteArray('[' + compact(good) + ']') << u"object"_s;
    QTest::newRow("string body") << QByteArray("\"hello\"") << u"JSON"_s;
    QTest::newRow("number body") << QByteArray("42") << u"JSON"_s;
    QTest::newRow("null body") << QByteArray("null") << u"JSON"_s;
}

void TestHttpApi::badUpdate()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mention);

    const Answer standing = put(u"movie"_s, update(500, m_t0), m_alice);
    QCOMPARE(standing.status, 200);

    const Answer answer = call("PUT", u"/v1/progress/movie"_s, m_alice, body);
    VERIFY_ERROR(answer, 400, u"bad_request"_s);
    QVERIFY2(answer.errorMessage().contains(mention), qPrintable(answer.errorMessage()));

    // Bad input changes nothing.
    const Answer after = get(u"movie"_s, m_alice);
    QCOMPARE(after.status, 200);
    QCOMPARE(after.record(), standing.record());
    QCOMPARE(call("GET", u"/v1/progress/movie/history"_s, m_alice).items().size(), 1);

    // The same update inside /v1/sync fails alone, with the same words.
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (document.isObject()) {
        const QJsonArray updates{with(document.object(), u"content_id"_s, u"movie"_s),
                                 with(update(1, m_t0), u"content_id"_s, u"fine"_s)};
        const Answer sync =
            call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, updates}}));
        QCOMPARE(sync.status, 200);
        const QJsonArray results = sync.json.value(u"results"_s).toArray();
        QCOMPARE(results.size(), 2);
        const QJsonObject error = results.at(0).toObject().value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(), u"bad_request"_s);
        QCOMPARE(error.value(u"message"_s).toString(), answer.errorMessage());
        QCOMPARE(results.at(1).toObject().value(u"applied"_s), QJsonValue(true));
        QCOMPARE(get(u"movie"_s, m_alice).record(), standing.record());
    }
}

void TestHttpApi::acceptedBoundaries_data()
{
    QTest::addColumn<QJsonObject>("body");
    const QJsonObject good = update(1000, nowMs() - 1000);
    QTest::newRow("device_id 64 characters") << with(good, u"device_id"_s, QString(64, u'd'));
    QTest::newRow("device_id every allowed character")
        << with(good, u"device_id"_s, u"AZaz09._-"_s);
    QTest::newRow("device_name 64 wide characters")
        << with(good, u"device_name"_s, QString(64, QChar(0x00e9)));
    QString emoji;
    for (int i = 0; i < 64; ++i)
        emoji += u"📺"_s;
    QTest::newRow("device_name 64 emoji (128 UTF-16 units)") << with(good, u"device_name"_s, emoji);
    QTest::newRow("title 256 characters") << with(good, u"title"_s, QString(256, u't'));
    QTest::newRow("show_id 128 characters") << with(good, u"show_id"_s, QString(128, u's'));
    QTest::newRow("episode_id 128 characters") << with(good, u"episode_id"_s, QString(128, u'e'));
    QTest::newRow("position equals duration")
        << with(with(good, u"position_ms"_s, 2000), u"duration_ms"_s, 2000);
    QTest::newRow("position zero") << with(good, u"position_ms"_s, 0);
    QTest::newRow("unknown duration, any position")
        << with(with(good, u"position_ms"_s, 99999999), u"duration_ms"_s, 0);
    QTest::newRow("duration absent") << without(good, u"duration_ms"_s);
    QTest::newRow("state absent") << without(good, u"state"_s);
    QTest::newRow("state ended") << with(good, u"state"_s, u"ended"_s);
    QTest::newRow("optional texts null")
        << with(with(good, u"title"_s, QJsonValue::Null), u"device_name"_s, QJsonValue::Null);
    QTest::newRow("unknown fields") << with(with(good, u"rating"_s, 5), u"x"_s, QJsonArray{1});
    QTest::newRow("observed long ago") << with(good, u"observed_at_ms"_s, 1);
}

void TestHttpApi::acceptedBoundaries()
{
    QFETCH(QJsonObject, body);
    const Answer answer = put(u"movie"_s, body, m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(answer.record().value(u"position_ms"_s), body.value(u"position_ms"_s));
    QCOMPARE(get(u"movie"_s, m_alice).record(), answer.record());
}

void TestHttpApi::badContentId_data()
{
    QTest::addColumn<QString>("encodedId");
    QTest::newRow("space") << u"has%20space"_s;
    QTest::newRow("encoded slash") << u"a%2Fb"_s;
    QTest::newRow("129 characters") << QString(129, u'c');
    QTest::newRow("non-ascii") << u"caf%C3%A9"_s;
    QTest::newRow("question mark") << u"what%3F"_s;
    QTest::newRow("trailing newline") << u"movie%0A"_s;
    QTest::newRow("empty") << QString();
}

void TestHttpApi::badContentId()
{
    QFETCH(QString, encodedId);
    const QString item = u"/v1/progress/"_s + encodedId;
    const QByteArray body = compact(update(1, m_t0));
    for (const auto &[verb, path] :
         {std::pair{QByteArray("PUT"), item}, std::pair{QByteArray("GET"), item},
          std::pair{QByteArray("DELETE"), item},
          std::pair{QByteArray("GET"), QString(item + u"/history"_s)}}) {
        const Answer answer = call(verb, path, m_alice, verb == "PUT" ? body : QByteArray());
        VERIFY_ERROR(answer, 400, u"bad_request"_s);
        QVERIFY2(answer.errorMessage().contains(u"content_id"_s),
                 qPrintable(answer.errorMessage()));
    }
    QCOMPARE(call("GET", u"/v1/progress"_s, m_alice).items().size(), 0);

    // The longest allowed id, with every allowed character.
    const QString longest = u"AZaz09._:-"_s + QString(118, u'x');
    QCOMPARE(put(longest, update(1, m_t0), m_alice).status, 200);
    QCOMPARE(get(longest, m_alice).record().value(u"content_id"_s).toString(), longest);
}

void TestHttpApi::badLimit_data()
{
    QTest::addColumn<QString>("path");
    for (const char *value : {"0", "-1", "abc", "1.5", "", "1e2", "%20"}) {
        QTest::addRow("list, limit=%s", value)
            << QString(u"/v1/progress?limit="_s + QLatin1String(value));
        QTest::addRow("history, limit=%s", value)
            << QString(u"/v1/progress/movie/history?limit="_s + QLatin1String(value));
    }
}

void TestHttpApi::badLimit()
{
    QFETCH(QString, path);
    QCOMPARE(put(u"movie"_s, update(1, m_t0), m_alice).status, 200);
    const Answer answer = call("GET", path, m_alice);
    VERIFY_ERROR(answer, 400, u"bad_request"_s);
    QVERIFY2(answer.errorMessage().contains(u"limit"_s), qPrintable(answer.errorMessage()));
}

void TestHttpApi::methodNotAllowed_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("allow");

    QTest::newRow("POST /healthz") << QByteArray("POST") << u"/healthz"_s << QByteArray("GET");
    QTest::newRow("DELETE /metrics") << QByteArray("DELETE") << u"/metrics"_s << QByteArray("GET");
    QTest::newRow("PUT /v1/progress")
        << QByteArray("PUT") << u"/v1/progress"_s << QByteArray("GET");
    QTest::newRow("POST /v1/progress")
        << QByteArray("POST") << u"/v1/progress"_s << QByteArray("GET");
    QTest::newRow("POST /v1/progress/{id}")
        << QByteArray("POST") << u"/v1/progress/movie"_s << QByteArray("GET, PUT, DELETE");
    QTest::newRow("PATCH /v1/progress/{id}")
        << QByteArray("PATCH") << u"/v1/progress/movie"_s << QByteArray("GET, PUT, DELETE");
    QTest::newRow("PUT /v1/progress/{id}/history")
        << QByteArray("PUT") << u"/v1/progress/movie/history"_s << QByteArray("GET");
    QTest::newRow("DELETE /v1/progress/{id}/history")
        << QByteArray("DELETE") << u"/v1/progress/movie/history"_s << QByteArray("GET");
    QTest::newRow("GET /v1/sync") << QByteArray("GET") << u"/v1/sync"_s << QByteArray("POST");
    QTest::newRow("PUT /v1/sync") << QByteArray("PUT") << u"/v1/sync"_s << QByteArray("POST");
    QTest::newRow("POST /v1/events") << QByteArray("POST") << u"/v1/events"_s << QByteArray("GET");
    QTest::newRow("DELETE /v1/continue")
        << QByteArray("DELETE") << u"/v1/continue"_s << QByteArray("GET");
    QTest::newRow("POST /v1/devices")
        << QByteArray("POST") << u"/v1/devices"_s << QByteArray("GET");
    QTest::newRow("GET /v1/devices/{id}")
        << QByteArray("GET") << u"/v1/devices/d-0123456789abcdef"_s << QByteArray("DELETE");
    QTest::newRow("GET /v1/pairings")
        << QByteArray("GET") << u"/v1/pairings"_s << QByteArray("POST");
    QTest::newRow("DELETE /v1/pairings/{secret}")
        << QByteArray("DELETE") << u"/v1/pairings/pp_x"_s << QByteArray("GET");
    QTest::newRow("GET /v1/pairings/approve")
        << QByteArray("GET") << u"/v1/pairings/approve"_s << QByteArray("POST");
}

void TestHttpApi::methodNotAllowed()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, path);
    QFETCH(QByteArray, allow);

    QCOMPARE(put(u"movie"_s, update(1, m_t0), m_alice).status, 200);
    const QJsonObject standing = get(u"movie"_s, m_alice).record();
    const Answer answer = call(verb, path, m_alice, compact(update(2, m_t0 + 1)));
    VERIFY_ERROR(answer, 405, u"method_not_allowed"_s);
    QCOMPARE(answer.header("Allow"), allow);
    QCOMPARE(get(u"movie"_s, m_alice).record(), standing);
    // The connection is still good for the next request.
    QCOMPARE(send("GET", u"/healthz"_s, std::nullopt).status, 200);
}

void TestHttpApi::unknownPath_data()
{
    QTest::addColumn<QString>("path");
    for (const char *path :
         {"/", "/v1", "/v1/", "/v1/unknown", "/v2/progress", "/v1/progress/x/other",
          "/v1/progress/x/history/more", "/v1/sync/more", "/v1/events/more", "/healthz/more",
          "/metricsx", "/V1/progress", "/v1/Progress"})
        QTest::newRow(path) << QString::fromLatin1(path);
}

void TestHttpApi::unknownPath()
{
    QFETCH(QString, path);
    VERIFY_ERROR(call("GET", path, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(send("GET", path, std::nullopt), 404, u"not_found"_s);
}

void TestHttpApi::payloadTooLarge()
{
    QCOMPARE(put(u"movie"_s, update(1, m_t0), m_alice).status, 200);
    const QJsonObject standing = get(u"movie"_s, m_alice).record();

    // A valid update padded with whitespace to exactly the limit is fine...
    constexpr int kLimit = 64 * 1024;
    QByteArray exact = compact(update(2, m_t0 + 1));
    exact += QByteArray(kLimit - exact.size(), ' ');
    QCOMPARE(exact.size(), kLimit);
    Answer answer = call("PUT", u"/v1/progress/movie"_s, m_alice, exact);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
    const QJsonObject accepted = answer.record();

    // ...one byte more is not, and nothing of it is applied.
    QByteArray over = compact(update(3, m_t0 + 2));
    over += QByteArray(kLimit + 1 - over.size(), ' ');
    QCOMPARE(over.size(), kLimit + 1);
    VERIFY_ERROR(call("PUT", u"/v1/progress/movie"_s, m_alice, over), 413, u"payload_too_large"_s);
    QCOMPARE(get(u"movie"_s, m_alice).record(), accepted);

    QByteArray syncOver = compact(
        {{u"updates"_s, QJsonArray{with(update(4, m_t0 + 3), u"content_id"_s, u"movie"_s)}}});
    syncOver += QByteArray(kLimit + 1 - syncOver.size(), ' ');
    VERIFY_ERROR(call("POST", u"/v1/sync"_s, m_alice, syncOver), 413, u"payload_too_large"_s);
    VERIFY_ERROR(call("PUT", u"/v1/progress/movie"_s, m_alice, QByteArray(1024 * 1024, 'x')), 413,
                 u"payload_too_large"_s);
    QCOMPARE(get(u"movie"_s, m_alice).record(), accepted);
    QVERIFY(accepted != standing);
}

void TestHttpApi::clockSkew()
{
    // Well past the 60 s allowed, so a slow machine cannot turn it into an accepted one.
    const Answer ahead = put(u"future"_s, update(1, nowMs() + 90000), m_alice);
    VERIFY_ERROR(ahead, 422, u"clock_skew"_s);
    VERIFY_ERROR(get(u"future"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(put(u"future"_s, update(1, nowMs() + 365LL * 24 * 3600 * 1000), m_alice), 422,
                 u"clock_skew"_s);

    // Within the allowance, ahead of the server's clock, is accepted.
    const Answer nearly = put(u"future"_s, update(2, nowMs() + 59000), m_alice);
    QCOMPARE(nearly.status, 200);
    QCOMPARE(nearly.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(get(u"future"_s, m_alice).record().value(u"position_ms"_s).toInteger(), 2);

    // A skewed update leaves a standing record alone.
    QCOMPARE(put(u"movie"_s, update(5, m_t0), m_alice).status, 200);
    const QJsonObject standing = get(u"movie"_s, m_alice).record();
    VERIFY_ERROR(put(u"movie"_s, update(6, nowMs() + 120000), m_alice), 422, u"clock_skew"_s);
    QCOMPARE(get(u"movie"_s, m_alice).record(), standing);
}

void TestHttpApi::staleReplayAndSeekBackwards()
{
    const Answer first = put(u"movie"_s, update(5000, m_t0 + 1000), m_alice);
    QCOMPARE(first.json.value(u"applied"_s), QJsonValue(true));
    const QJsonObject standing = first.record();

    // An older observation: not applied, the answer shows the record that stands.
    const Answer stale = put(u"movie"_s, update(9000, m_t0 + 500, u"phone"_s), m_alice);
    QCOMPARE(stale.status, 200);
    QCOMPARE(stale.json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(stale.record(), standing);
    QCOMPARE(get(u"movie"_s, m_alice).record(), standing);

    // The same pair again, whatever else it says: a replay, not applied, no error.
    const Answer replay = put(u"movie"_s, update(7777, m_t0 + 1000), m_alice);
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(replay.record(), standing);

    // The same time from a device that sorts higher wins; one that sorts lower does not.
    const Answer lower = put(u"movie"_s, update(1, m_t0 + 1000, u"s"_s), m_alice);
    QCOMPARE(lower.json.value(u"applied"_s), QJsonValue(false));
    const Answer higher = put(u"movie"_s, update(6000, m_t0 + 1000, u"z"_s), m_alice);
    QCOMPARE(higher.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(higher.record().value(u"device_id"_s).toString(), u"z"_s);

    // Start over: a newer observation at position 0 wins like any other.
    const Answer seek = put(u"movie"_s, update(0, m_t0 + 2000), m_alice);
    QCOMPARE(seek.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(seek.record().value(u"position_ms"_s).toInteger(), 0);
    QCOMPARE(get(u"movie"_s, m_alice).record(), seek.record());

    const QJsonArray history = call("GET", u"/v1/progress/movie/history"_s, m_alice).items();
    QCOMPARE(history.size(), 3);
    QCOMPARE(history.at(0).toObject(), seek.record());
    QCOMPARE(history.at(1).toObject(), higher.record());
    QCOMPARE(history.at(2).toObject(), standing);
}

void TestHttpApi::receivedAtIsSetByTheServer()
{
    const qint64 before = nowMs();
    const Answer answer = put(u"movie"_s, with(update(1, m_t0), u"received_at_ms"_s, 42), m_alice);
    const qint64 after = nowMs();
    QCOMPARE(answer.status, 200);
    const qint64 receivedAt = answer.record().value(u"received_at_ms"_s).toInteger();
    QVERIFY2(receivedAt >= before && receivedAt <= after, qPrintable(QString::number(receivedAt)));
    QCOMPARE(get(u"movie"_s, m_alice).record().value(u"received_at_ms"_s).toInteger(), receivedAt);

    // A received_at_ms that would break the rules is ignored as well, not refused.
    const Answer odd =
        put(u"movie"_s, with(update(2, m_t0 + 1), u"received_at_ms"_s, u"x"_s), m_alice);
    QCOMPARE(odd.status, 200);
    QVERIFY(odd.record().value(u"received_at_ms"_s).toInteger() >= before);
}

void TestHttpApi::eventsReachOnlyTheirUser()
{
    EventReader alice1(m_server->url(), m_alice);
    EventReader alice2(m_server->url(), m_alice);
    EventReader bob(m_server->url(), m_bob);
    QTRY_VERIFY_WITH_TIMEOUT(alice1.isOpen() && alice2.isOpen() && bob.isOpen(), kTimeoutMs);
    QCOMPARE(alice1.status(), 200);
    QVERIFY2(alice1.contentType().startsWith("text/event-stream"),
             alice1.contentType().constData());
    QCOMPARE(subscribers(), 3.0);

    const Answer put = this->put(u"movie"_s, update(1000, m_t0), m_alice);
    QCOMPARE(put.json.value(u"applied"_s), QJsonValue(true));
    QTRY_COMPARE_WITH_TIMEOUT(alice1.events().size(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice2.events().size(), 1, kTimeoutMs);
    for (const EventReader *stream : {&alice1, &alice2}) {
        const EventReader::Event &event = stream->events().constFirst();
        QCOMPARE(event.name, QByteArray("progress"));
        QCOMPARE(event.lines, 2); // "event:", "data:" with the record on one line
        QCOMPARE(event.json(), put.record());
    }

    // Bob's stream is written in order: his own event coming first proves Alice's never came.
    const Answer bobsPut = this->put(u"movie"_s, update(2000, m_t0, u"bobs-phone"_s), m_bob);
    QCOMPARE(bobsPut.json.value(u"applied"_s), QJsonValue(true));
    QTRY_COMPARE_WITH_TIMEOUT(bob.events().size(), 1, kTimeoutMs);
    QCOMPARE(bob.events().constFirst().json(), bobsPut.record());

    // And the other way round.
    const Answer next = this->put(u"movie"_s, update(3000, m_t0 + 1), m_alice);
    QTRY_COMPARE_WITH_TIMEOUT(alice1.events().size(), 2, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(alice2.events().size(), 2, kTimeoutMs);
    QCOMPARE(alice1.events().at(1).json(), next.record());
    QCOMPARE(alice2.events().at(1).json(), next.record());
    QCOMPARE(bob.events().size(), 1);
}

void TestHttpApi::staleUpdateSendsNoEvent()
{
    EventReader stream(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);

    QCOMPARE(put(u"movie"_s, update(1000, m_t0 + 10), m_alice).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 1, kTimeoutMs);

    QCOMPARE(put(u"movie"_s, update(5, m_t0), m_alice).json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(put(u"movie"_s, update(1000, m_t0 + 10), m_alice).json.value(u"applied"_s),
             QJsonValue(false));
    QCOMPARE(put(u"movie"_s, update(-1, m_t0 + 20), m_alice).status, 400);
    QCOMPARE(put(u"movie"_s, update(5, nowMs() + 3600000), m_alice).status, 422);
    QCOMPARE(call("DELETE", u"/v1/progress/other"_s, m_alice).status, 404);

    // The next applied update is the next event: nothing came in between.
    const Answer applied = put(u"movie"_s, update(2000, m_t0 + 30), m_alice);
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 2, kTimeoutMs);
    QCOMPARE(stream.events().at(1).json(), applied.record());
}

void TestHttpApi::syncSendsEvents()
{
    EventReader stream(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);
    QCOMPARE(put(u"b"_s, update(1, m_t0 + 100), m_alice).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 1, kTimeoutMs);

    const QJsonArray updates{with(update(10, m_t0), u"content_id"_s, u"a"_s),
                             with(update(20, m_t0), u"content_id"_s, u"b"_s), // stale
                             with(update(-1, m_t0), u"content_id"_s, u"c"_s), // bad
                             with(update(30, m_t0), u"content_id"_s, u"d"_s)};
    const Answer answer = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, updates}}));
    QCOMPARE(answer.status, 200);
    const QJsonArray results = answer.json.value(u"results"_s).toArray();
    QTRY_COMPARE_WITH_TIMEOUT(stream.events().size(), 3, kTimeoutMs);
    QCOMPARE(stream.events().at(1).json(), results.at(0).toObject().value(u"record"_s).toObject());
    QCOMPARE(stream.events().at(2).json(), results.at(3).toObject().value(u"record"_s).toObject());
}

void TestHttpApi::hungUpStreamIsCleanedUp()
{
    QCOMPARE(subscribers(), 0.0);
    auto leaving = std::make_unique<EventReader>(m_server->url(), m_alice);
    EventReader staying(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(leaving->isOpen() && staying.isOpen(), kTimeoutMs);
    QCOMPARE(subscribers(), 2.0);

    // Hang up and write at once, before the server may have noticed.
    leaving->hangUp();
    const Answer first = put(u"movie"_s, update(1, m_t0), m_alice);
    QCOMPARE(first.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(), 1.0, kTimeoutMs);
    leaving.reset();

    const Answer second = put(u"movie"_s, update(2, m_t0 + 1), m_alice);
    QCOMPARE(second.status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(staying.events().size(), 2, kTimeoutMs);
    QCOMPARE(staying.events().at(0).json(), first.record());
    QCOMPARE(staying.events().at(1).json(), second.record());
    QCOMPARE(send("GET", u"/healthz"_s, std::nullopt).status, 200);

    // Many clients leaving at once.
    std::vector<std::unique_ptr<EventReader>> crowd;
    for (int i = 0; i < 8; ++i)
        crowd.push_back(std::make_unique<EventReader>(m_server->url(), i % 2 ? m_alice : m_bob));
    for (const auto &stream : crowd)
        QTRY_VERIFY_WITH_TIMEOUT(stream->isOpen(), kTimeoutMs);
    QCOMPARE(subscribers(), 9.0);
    crowd.clear();
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(), 1.0, kTimeoutMs);
    QCOMPARE(put(u"movie"_s, update(3, m_t0 + 2), m_alice).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(staying.events().size(), 3, kTimeoutMs);
}

void TestHttpApi::keepAlive()
{
    TestDatabase database(u"keepalive"_s);
    QVERIFY2(database.isValid(), qPrintable(database.error()));
    SyncServer server;
    ServerOptions options;
    options.databasePath = database.location();
    options.port = 0;
    options.keepAliveMs = 200;
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    QString token;
    QVERIFY(server.storage().users().addUser(u"dana"_s, &token, &error));

    EventReader stream(server.url(), token);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(stream.comments().count("keep-alive") >= 2, kTimeoutMs);
    QVERIFY(stream.events().isEmpty());
    QVERIFY(!stream.isFinished());
}

void TestHttpApi::stopEndsStreams()
{
    EventReader stream(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);
    m_server->stop();
    QVERIFY(!m_server->isListening());
    QTRY_VERIFY_WITH_TIMEOUT(stream.isFinished(), kTimeoutMs);
}

// Every report of one viewing carries its finish: counted once, whether the reports come again,
// out of order or behind a newer observation (a finish observed offline is still a finish).
void TestHttpApi::finishesAreCountedOnce()
{
    EventReader stream(m_server->url(), m_alice);
    QTRY_VERIFY_WITH_TIMEOUT(stream.isOpen(), kTimeoutMs);
    // Not watched: no count in the answer at all (older players see what they saw).
    Answer answer = put(u"film"_s, update(1000, m_t0), m_alice);
    QVERIFY(!answer.record().contains(u"play_count"_s));
    QVERIFY(!answer.record().contains(u"last_finished_ms"_s));

    const qint64 first = m_t0 + 100;
    for (const qint64 at : {first + 30, first + 10, first + 20, first + 10}) {
        answer = put(u"film"_s, watched(update(3300000, at), first), m_alice);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 1);
        QCOMPARE(answer.record().value(u"last_finished_ms"_s).toInteger(), first);
    }
    // The phone opens it, watched, from the start and reports the TV's finish on until its own
    // viewing has started: the same finish, not a second one.
    answer = put(u"film"_s, watched(update(20000, first + 40, u"phone"_s), first), m_alice);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 1);
    // The phone finished it too, earlier, and tells it late: stale, but a second finish.
    const qint64 phone = m_t0 + 50;
    answer = put(u"film"_s, watched(update(3400000, phone + 5, u"phone"_s), phone), m_alice);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(answer.record().value(u"observed_at_ms"_s).toInteger(), first + 40);
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 2);
    QCOMPARE(answer.record().value(u"last_finished_ms"_s).toInteger(), first);
    // An older player's `ended`, finished when observed.
    const qint64 ended = m_t0 + 500;
    answer = put(u"film"_s, with(update(3600000, ended), u"state"_s, u"ended"_s), m_alice);
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 3);
    QCOMPARE(answer.record().value(u"last_finished_ms"_s).toInteger(), ended);
    // ...and once more through /v1/sync: nothing new.
    const QJsonArray again{
        with(watched(update(3300000, first + 30), first), u"content_id"_s, u"film"_s),
        with(with(update(3600000, ended), u"state"_s, u"ended"_s), u"content_id"_s, u"film"_s)};
    answer = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, again}}));
    for (const QJsonValue &result : answer.json.value(u"results"_s).toArray())
        QCOMPARE(result[u"record"_s][u"play_count"_s].toInteger(), 3);

    // Every read carries them: GET, history entries, the stream (the stale finish too).
    const QJsonObject stands = get(u"film"_s, m_alice).record();
    QCOMPARE(stands.value(u"play_count"_s).toInteger(), 3);
    QCOMPARE(stands.value(u"last_finished_ms"_s).toInteger(), ended);
    const QJsonArray history = call("GET", u"/v1/progress/film/history"_s, m_alice).items();
    QVERIFY(!history.isEmpty());
    for (const QJsonValue &entry : history)
        QCOMPARE(entry[u"play_count"_s].toInteger(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(
        !stream.events().isEmpty() && stream.events().constLast().json() == stands, kTimeoutMs);
    QList<qint64> counts;
    for (const auto &event : stream.events())
        counts << event.json().value(u"play_count"_s).toInteger();
    QCOMPARE(counts, (QList<qint64>{0, 1, 1, 2, 3}));

    // A rewatch in progress (not a finish) keeps them, whether the server has the record in
    // memory or, after a restart, not.
    answer = put(u"film"_s, with(update(60000, ended + 100), u"watched"_s, false), m_alice);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 3);
    QCOMPARE(answer.record().value(u"last_finished_ms"_s).toInteger(), ended);
    m_server->stop();
    ServerOptions options;
    options.databasePath = m_database->location();
    options.port = 0;
    QString error;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    answer = put(u"film"_s, with(update(61000, ended + 200), u"watched"_s, false), m_alice);
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 3);
    QCOMPARE(answer.record().value(u"last_finished_ms"_s).toInteger(), ended);
    QCOMPARE(get(u"film"_s, m_alice).record(), answer.record());
}

void TestHttpApi::markWatchedAndUnwatchedFromTwoDevices_data()
{
    QTest::addColumn<bool>("watchedFirst");
    QTest::addColumn<bool>("newerIsWatched");
    for (const bool watchedFirst : {true, false}) {
        for (const bool newerIsWatched : {true, false}) {
            QTest::addRow("%s delivered first, the %s newer",
                          watchedFirst ? "watched" : "unwatched",
                          newerIsWatched ? "watched" : "unwatched")
                << watchedFirst << newerIsWatched;
        }
    }
}

// Mark as Watched on the TV and Mark as Unwatched on the phone are two observations: the newer
// stands on every device, whichever arrives first; the count keeps the finish either way.
void TestHttpApi::markWatchedAndUnwatchedFromTwoDevices()
{
    QFETCH(bool, watchedFirst);
    QFETCH(bool, newerIsWatched);
    const qint64 watchedAt = newerIsWatched ? m_t0 + 20 : m_t0 + 10;
    const qint64 unwatchedAt = newerIsWatched ? m_t0 + 10 : m_t0 + 20;
    QJsonObject mark = watched(update(1200000, watchedAt, u"tv"_s), watchedAt);
    mark.insert(u"state"_s, u"stopped"_s);
    QJsonObject unmark = update(0, unwatchedAt, u"phone"_s);
    unmark.insert(u"state"_s, u"stopped"_s);
    unmark.insert(u"watched"_s, false);
    QCOMPARE(put(u"film"_s, update(1200000, m_t0), m_alice).status, 200);
    for (const QJsonObject &body : watchedFirst ? QList{mark, unmark} : QList{unmark, mark})
        QCOMPARE(put(u"film"_s, body, m_alice).status, 200);

    const QJsonObject stands = get(u"film"_s, m_alice).record();
    QCOMPARE(stands.value(u"device_id"_s).toString(), newerIsWatched ? u"tv"_s : u"phone"_s);
    QCOMPARE(stands.value(u"watched"_s).toBool(), newerIsWatched);
    QCOMPARE(stands.value(u"play_count"_s).toInteger(), 1);
    QCOMPARE(stands.value(u"last_finished_ms"_s).toInteger(), watchedAt);
    // An unwatched film is back in the lists; a watched one is not.
    const QStringList expected = newerIsWatched ? QStringList() : QStringList{u"film"_s};
    QCOMPARE(contentIds(call("GET", u"/v1/progress"_s, m_alice).items()), expected);
    QStringList continuing;
    for (const QJsonValue &item : call("GET", u"/v1/continue"_s, m_alice).items())
        continuing << item[u"record"_s][u"content_id"_s].toString();
    QCOMPARE(continuing, expected);
}

// GET /v1/progress is what older players show as Continue Watching: nothing watched in it.
void TestHttpApi::listLeavesOutWatched()
{
    QCOMPARE(put(u"playing"_s, update(1, m_t0 + 1), m_alice).status, 200);
    QCOMPARE(put(u"ended"_s, with(update(1, m_t0 + 2), u"state"_s, u"ended"_s), m_alice).status,
             200);
    QCOMPARE(put(u"credits"_s, watched(update(3500000, m_t0 + 3), m_t0), m_alice).status, 200);
    QCOMPARE(put(u"rewatch"_s,
                 with(with(update(1, m_t0 + 4), u"state"_s, u"ended"_s), u"watched"_s, false),
                 m_alice)
                 .status,
             200);
    QCOMPARE(contentIds(call("GET", u"/v1/progress"_s, m_alice).items()),
             (QStringList{u"rewatch"_s, u"playing"_s}));
}

// One item per show (its newest record, whatever its state) and per film not watched, newest
// first; a show with a finish says which episode Next Up follows.
void TestHttpApi::continueGroupsByShow()
{
    // The Expanse: e01 finished, e02 half-way (newest of the show).
    QCOMPARE(put(u"exp1"_s, watched(episode(m_t0 + 10, u"the-expanse"_s, u"s01e01"_s), m_t0 + 9),
                 m_alice)
                 .status,
             200);
    QCOMPARE(put(u"exp2"_s, episode(m_t0 + 40, u"the-expanse"_s, u"s01e02"_s), m_alice).status,
             200);
    // Dark: only e03, watched: the item is that record, and Next Up follows it.
    QCOMPARE(
        put(u"dark3"_s, watched(episode(m_t0 + 30, u"dark"_s, u"s01e03"_s), m_t0 + 30), m_alice)
            .status,
        200);
    // Films: one in progress, one finished (left out), one ended by an older player (left out).
    QCOMPARE(put(u"heat"_s, update(1, m_t0 + 20), m_alice).status, 200);
    QCOMPARE(put(u"ronin"_s, watched(update(1, m_t0 + 50), m_t0 + 50), m_alice).status, 200);
    QCOMPARE(put(u"alien"_s, with(update(1, m_t0 + 60), u"state"_s, u"ended"_s), m_alice).status,
             200);
    // Bob's show is his alone.
    QCOMPARE(put(u"bobs"_s, episode(m_t0 + 99, u"dark"_s, u"s01e04"_s), m_bob).status, 200);

    Answer answer = call("GET", u"/v1/continue"_s, m_alice);
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.json.value(u"server_time_ms"_s).isDouble());
    const QJsonArray items = answer.items();
    QStringList records;
    QStringList nextAfter;
    for (const QJsonValue &item : items) {
        records << item[u"record"_s][u"content_id"_s].toString();
        nextAfter << item[u"next_after"_s][u"content_id"_s].toString();
    }
    QCOMPARE(records, (QStringList{u"exp2"_s, u"dark3"_s, u"heat"_s}));
    QCOMPARE(nextAfter, (QStringList{u"exp1"_s, u"dark3"_s, QString()}));
    QCOMPARE(items.at(0)[u"record"_s].toObject(), get(u"exp2"_s, m_alice).record());
    QCOMPARE(items.at(0)[u"next_after"_s].toObject(), get(u"exp1"_s, m_alice).record());
    QCOMPARE(items.at(0)[u"next_after"_s][u"play_count"_s].toInteger(), 1);
    QVERIFY(!items.at(2).toObject().contains(u"next_after"_s));

    answer = call("GET", u"/v1/continue?limit=2"_s, m_alice);
    QCOMPARE(answer.items().size(), 2);
    answer = call("GET", u"/v1/continue?limit=100000"_s, m_alice);
    QCOMPARE(answer.items().size(), 3);
    for (const QString &bad : {u"0"_s, u"-1"_s, u"x"_s, u""_s})
        VERIFY_ERROR(call("GET", u"/v1/continue?limit="_s + bad, m_alice), 400, u"bad_request"_s);
    answer = call("GET", u"/v1/continue"_s, m_bob);
    QCOMPARE(answer.items().size(), 1);
    QCOMPARE(answer.items().at(0)[u"record"_s][u"content_id"_s].toString(), u"bobs"_s);
    QVERIFY(!answer.items().at(0).toObject().contains(u"next_after"_s));

    // The default limit is 20: 25 shows.
    QJsonArray updates;
    for (int i = 0; i < 25; ++i)
        updates.append(with(episode(m_t0 + 100 + i, u"show-%1"_s.arg(i), u"s01e01"_s),
                            u"content_id"_s, u"show-%1-e1"_s.arg(i)));
    QCOMPARE(call("POST", u"/v1/sync"_s, m_bob, compact({{u"updates"_s, updates}})).status, 200);
    QCOMPARE(call("GET", u"/v1/continue"_s, m_bob).items().size(), 20);
    // Counted under its own route.
    const QByteArray page = metricsPage();
    QCOMPARE(metricSample(page,
                          "playmark_http_requests_total{route=\"/v1/continue\",method="
                          "\"GET\",status=\"200\"}"),
             5.0);
    QCOMPARE(metricSample(page,
                          "playmark_http_requests_total{route=\"/v1/continue\",method="
                          "\"GET\",status=\"400\"}"),
             4.0);
}

// Watched E1..E5, then E1 again: Next Up still follows E5. Then E2 is finished: the person
// continues from the rewatch, and Next Up follows E2. E2 marked unwatched: E5 again.
void TestHttpApi::nextAfterFollowsARewatchOnlyWhenContinued()
{
    const auto finish = [this](int number, qint64 at) {
        const QString id = u"s01e%1"_s.arg(number, 2, 10, QLatin1Char('0'));
        return put(u"ep%1"_s.arg(number), watched(episode(at, u"show"_s, id), at), m_alice).status;
    };
    const auto follows = [this] {
        const QJsonArray items = call("GET", u"/v1/continue"_s, m_alice).items();
        return items.size() == 1 ? items.at(0)[u"next_after"_s][u"content_id"_s].toString()
                                 : u"%1 items"_s.arg(items.size());
    };
    for (int number = 1; number <= 5; ++number)
        QCOMPARE(finish(number, m_t0 + number * 100), 200);
    QCOMPARE(follows(), u"ep5"_s);
    QCOMPARE(finish(1, m_t0 + 600), 200);
    QCOMPARE(follows(), u"ep5"_s);
    QCOMPARE(finish(2, m_t0 + 700), 200);
    QCOMPARE(follows(), u"ep2"_s);
    // The show's item is its newest record, the rewatched E2.
    QCOMPARE(call("GET", u"/v1/continue"_s, m_alice).items().at(0)[u"record"_s][u"content_id"_s],
             QJsonValue(u"ep2"_s));
    // E2 marked unwatched: it no longer counts (its play count stays), the rewatch is E1 alone
    // again, and Next Up follows E5 as before.
    const QJsonObject unwatched =
        with(with(episode(m_t0 + 800, u"show"_s, u"s01e02"_s), u"watched"_s, false),
             u"position_ms"_s, 0);
    QCOMPARE(put(u"ep2"_s, unwatched, m_alice).status, 200);
    QCOMPARE(follows(), u"ep5"_s);
    QCOMPARE(get(u"ep2"_s, m_alice).record().value(u"play_count"_s).toInteger(), 2);
}

// DELETE is a forget observed at ?observed_at_ms (default now): what was observed before it goes,
// what comes later brings the video back, and an older update is stale without a record.
void TestHttpApi::forgetIsAnObservation()
{
    const QString movie = u"/v1/progress/movie"_s;
    // The TV's finish, reported before and after the forget below: it counts, as reported last.
    for (const qint64 at : {m_t0 + 58, m_t0 + 100})
        QCOMPARE(put(u"movie"_s, watched(update(3500000, at), m_t0 + 56), m_alice).status, 200);
    QCOMPARE(put(u"movie"_s, watched(update(3500000, m_t0 + 50, u"phone"_s), m_t0 + 40), m_alice)
                 .json.value(u"applied"_s),
             QJsonValue(false));
    QCOMPARE(get(u"movie"_s, m_alice).record().value(u"play_count"_s).toInteger(), 2);

    // A forget older than the record leaves it, and the finish reported since; the phone's goes.
    QCOMPARE(call("DELETE", movie + u"?observed_at_ms=%1"_s.arg(m_t0 + 60), m_alice).status, 204);
    QJsonObject stands = get(u"movie"_s, m_alice).record();
    QCOMPARE(stands.value(u"observed_at_ms"_s).toInteger(), m_t0 + 100);
    QCOMPARE(stands.value(u"play_count"_s).toInteger(), 1);
    QCOMPARE(stands.value(u"last_finished_ms"_s).toInteger(), m_t0 + 56);
    // Older than the forget: stale, told with the forget and no record, not a finish.
    Answer answer = put(u"movie"_s, watched(update(1, m_t0 + 60, u"phone"_s), m_t0 + 55), m_alice);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(false));
    QCOMPARE(answer.json.value(u"forgotten_at_ms"_s).toInteger(), m_t0 + 60);
    QVERIFY(!answer.json.contains(u"record"_s));
    QCOMPARE(get(u"movie"_s, m_alice).record(), stands);

    // Forgotten after everything: gone, history too; older updates stay out, in /v1/sync too.
    QCOMPARE(call("DELETE", movie + u"?observed_at_ms=%1"_s.arg(m_t0 + 200), m_alice).status, 204);
    VERIFY_ERROR(get(u"movie"_s, m_alice), 404, u"not_found"_s);
    VERIFY_ERROR(call("GET", movie + u"/history"_s, m_alice), 404, u"not_found"_s);
    const QJsonArray late{with(update(7, m_t0 + 150), u"content_id"_s, u"movie"_s),
                          with(update(8, m_t0 + 200), u"content_id"_s, u"movie"_s)};
    answer = call("POST", u"/v1/sync"_s, m_alice, compact({{u"updates"_s, late}}));
    for (const QJsonValue &result : answer.json.value(u"results"_s).toArray()) {
        QCOMPARE(result.toObject(),
                 (QJsonObject{{u"content_id"_s, u"movie"_s},
                              {u"applied"_s, false},
                              {u"forgotten_at_ms"_s, m_t0 + 200}}));
    }
    VERIFY_ERROR(get(u"movie"_s, m_alice), 404, u"not_found"_s);
    // Nothing there: 404 as before, and the forget is kept all the same.
    VERIFY_ERROR(call("DELETE", movie + u"?observed_at_ms=%1"_s.arg(m_t0 + 300), m_alice), 404,
                 u"not_found"_s);
    QCOMPARE(put(u"movie"_s, update(9, m_t0 + 250), m_alice)
                 .json.value(u"forgotten_at_ms"_s)
                 .toInteger(),
             m_t0 + 300);
    // A newer observation brings it back, counted from then on.
    answer = put(u"movie"_s, watched(update(3500000, m_t0 + 400), m_t0 + 350), m_alice);
    QCOMPARE(answer.json.value(u"applied"_s), QJsonValue(true));
    QCOMPARE(answer.record().value(u"play_count"_s).toInteger(), 1);
    QCOMPARE(call("GET", movie + u"/history"_s, m_alice).items().size(), 1);
    // The default is the server's now.
    QCOMPARE(call("DELETE", movie, m_alice).status, 204);
    QCOMPARE(put(u"movie"_s, update(1, nowMs() - 1000), m_alice).json.value(u"applied"_s),
             QJsonValue(false));
    // Another user's forget is theirs alone.
    QCOMPARE(put(u"movie"_s, update(1, m_t0), m_bob).json.value(u"applied"_s), QJsonValue(true));
}

void TestHttpApi::badForget_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("not a number") << u"?observed_at_ms=soon"_s << 400 << u"bad_request"_s;
    QTest::newRow("negative") << u"?observed_at_ms=-5"_s << 400 << u"bad_request"_s;
    QTest::newRow("empty") << u"?observed_at_ms="_s << 400 << u"bad_request"_s;
    QTest::newRow("fraction") << u"?observed_at_ms=1.5"_s << 400 << u"bad_request"_s;
    QTest::newRow("ten minutes ahead")
        << u"?observed_at_ms=%1"_s.arg(nowMs() + 600000) << 422 << u"clock_skew"_s;
}

void TestHttpApi::badForget()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(QString, code);
    QCOMPARE(put(u"movie"_s, update(1, m_t0), m_alice).status, 200);
    VERIFY_ERROR(call("DELETE", u"/v1/progress/movie"_s + query, m_alice), status, code);
    // Nothing was forgotten.
    QCOMPARE(get(u"movie"_s, m_alice).status, 200);
    QCOMPARE(put(u"movie"_s, update(2, m_t0 - 1), m_alice).record().value(u"position_ms"_s),
             QJsonValue(1));
}

// Forgets are kept 90 days: then an update observed before one applies again. Driven through
// the sweep with a given now (the server runs it at start and daily).
void TestHttpApi::oldForgetsAreDropped()
{
    constexpr qint64 kDay = 24 * 60 * 60 * 1000;
    const qint64 now = nowMs();
    for (const auto &[id, age] :
         {std::pair{u"old"_s, 91 * kDay}, std::pair{u"recent"_s, 89 * kDay}})
        QCOMPARE(
            call("DELETE", u"/v1/progress/%1?observed_at_ms=%2"_s.arg(id).arg(now - age), m_alice)
                .status,
            404);
    const auto stale = [this, now](const QString &id) {
        return put(id, update(1, now - 95 * kDay), m_alice).json.contains(u"forgotten_at_ms"_s);
    };
    QVERIFY(stale(u"old"_s));
    QVERIFY(stale(u"recent"_s));

    int dropped = -1;
    m_server->dropOldForgets(now, [&dropped](bool ok, int count) { dropped = ok ? count : -2; });
    QTRY_VERIFY_WITH_TIMEOUT(dropped != -1, kTimeoutMs);
    QCOMPARE(dropped, 1);
    QVERIFY(!stale(u"old"_s));
    QVERIFY(stale(u"recent"_s));

    // When the server starts, too.
    QCOMPARE(
        call("DELETE", u"/v1/progress/another?observed_at_ms=%1"_s.arg(now - 92 * kDay), m_alice)
            .status,
        404);
    QVERIFY(stale(u"another"_s));
    m_server->stop();
    QString error;
    ServerOptions options;
    options.databasePath = m_database->location();
    options.port = 0;
    QVERIFY2(m_server->start(options, &error), qPrintable(error));
    QVERIFY(!stale(u"another"_s));
    QVERIFY(stale(u"recent"_s));
}

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_httpapi.moc"
