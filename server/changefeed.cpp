#include "changefeed.h"

#include "databaselocation.h"
#include "progressstore.h"
#include "protocol/crossthread.h"
#include "protocol/recordcodec.h"
#include "userstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

#include <algorithm>
#include <atomic>

Q_LOGGING_CATEGORY(lcFeed, "playmark.server.feed")

namespace ChangeNotice {

namespace {
QJsonObject changeObject(const CommittedChange &change)
{
    QJsonObject object{{QStringLiteral("u"), change.userId}};
    if (change.kind == CommittedChange::Kind::Applied)
        object.insert(QStringLiteral("r"), RecordCodec::toJson(change.record));
    else
        object.insert(QStringLiteral("x"), change.record.contentId);
    return object;
}

QByteArray payload(const QString &origin, const QJsonArray &changes)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("o"), origin}, {QStringLiteral("c"), changes}})
        .toJson(QJsonDocument::Compact);
}
} // namespace

QList<QByteArray> encode(const QString &origin, const QList<CommittedChange> &changes)
{
    QList<QByteArray> payloads;
    QJsonArray pending;
    qsizetype pendingBytes = payload(origin, {}).size();
    for (const CommittedChange &change : changes) {
        const QJsonObject object = changeObject(change);
        // A record is at most a few KB (the codec bounds every field), far below the limit.
        const qsizetype bytes =
            QJsonDocument(object).toJson(QJsonDocument::Compact).size() + 1; // and a comma
        if (!pending.isEmpty() && pendingBytes + bytes > kMaxPayloadBytes) {
            payloads.append(payload(origin, pending));
            pending = QJsonArray();
            pendingBytes = payload(origin, {}).size();
        }
        pending.append(object);
        pendingBytes += bytes;
    }
    if (!pending.isEmpty())
        payloads.append(payload(origin, pending));
    return payloads;
}

bool decode(const QByteArray &payload, QString *origin, QList<CommittedChange> *changes,
            QString *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (!document.isObject())
        return fail(QStringLiteral("not a JSON object: ") + parseError.errorString());
    const QJsonObject root = document.object();
    if (!root.value(QStringLiteral("o")).isString() || !root.value(QStringLiteral("c")).isArray())
        return fail(QStringLiteral("wants \"o\" (a string) and \"c\" (an array)"));
    QList<CommittedChange> decoded;
    const QJsonArray items = root.value(QStringLiteral("c")).toArray();
    for (const QJsonValue &item : items) {
        const QJsonObject object = item.toObject();
        const QJsonValue user = object.value(QStringLiteral("u"));
        if (!user.isDouble() || user.toDouble() < 0)
            return fail(QStringLiteral("a change without a user"));
        CommittedChange change;
        change.userId = qint64(user.toDouble());
        if (object.value(QStringLiteral("r")).isObject()) {
            ValidationError invalid;
            const std::optional<ProgressRecord> record =
                RecordCodec::fromJson(object.value(QStringLiteral("r")).toObject(),
                                      RecordCodec::Source::Server, &invalid);
            if (!record)
                return fail(QStringLiteral("a change with a bad record: ") + invalid.message);
            change.record = *record;
        } else if (const QString contentId = object.value(QStringLiteral("x")).toString();
                   RecordCodec::isValidContentId(contentId)) {
            change.kind = CommittedChange::Kind::Removed;
            change.record.contentId = contentId;
        } else {
            return fail(QStringLiteral("a change that is neither a record nor a removal"));
        }
        decoded.append(change);
    }
    *origin = root.value(QStringLiteral("o")).toString();
    *changes = decoded;
    return true;
}

} // namespace ChangeNotice

// Owns the LISTEN connection; everything in it runs on the feed's thread.
class ChangeFeed::Listener final : public QObject
{
public:
    Listener(ChangeFeed *feed, DatabaseLocation location)
        : m_feed(feed), m_location(std::move(location))
    {
        static std::atomic<int> counter{0};
        m_connectionName = QStringLiteral("playmark-feed-%1").arg(counter++);
        m_health.setInterval(kHealthCheckMs);
        connect(&m_health, &QTimer::timeout, this, &Listener::checkHealth);
    }
    ~Listener() override { close(); }

    bool open(QString *error)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        if (!db.isValid()) {
            if (error)
                *error = QStringLiteral("Qt's PostgreSQL driver (QPSQL) is not installed; on "
                                        "Debian it is the package libqt6sql6-psql");
            return false;
        }
        m_location.configure(db);
        if (!db.open()) {
            if (error)
                *error = QStringLiteral("cannot connect to %1 to listen for changes: %2")
                             .arg(m_location.displayName(), db.lastError().text());
            return false;
        }
        QSqlDriver *driver = db.driver();
        if (!driver->subscribeToNotification(ChangeFeed::channel())) {
            if (error)
                *error = QStringLiteral("cannot LISTEN on %1: %2")
                             .arg(ChangeFeed::channel(), driver->lastError().text());
            return false;
        }
        if (!driver->subscribeToNotification(UserStore::revocationChannel())) {
            if (error)
                *error = QStringLiteral("cannot LISTEN on %1: %2")
                             .arg(UserStore::revocationChannel(), driver->lastError().text());
            return false;
        }
        connect(driver, &QSqlDriver::notification, this, &Listener::receive);
        m_health.start();
        return true;
    }

    // Listening from now on, with nothing missed before (the server starts).
    void startInSync() { m_inSyncMs = QDateTime::currentMSecsSinceEpoch(); }

    void close()
    {
        m_health.stop();
        if (!QSqlDatabase::contains(m_connectionName))
            return;
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            if (db.isOpen())
                db.driver()->disconnect(this);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }

private:
    void receive(const QString &name, QSqlDriver::NotificationSource, const QVariant &payload)
    {
        if (name == UserStore::revocationChannel()) {
            QMetaObject::invokeMethod(
                m_feed, [feed = m_feed] { Q_EMIT feed->revocationAnnounced(); },
                Qt::QueuedConnection);
            return;
        }
        if (name != ChangeFeed::channel())
            return;
        QString origin;
        QList<CommittedChange> changes;
        QString error;
        if (!ChangeNotice::decode(payload.toString().toUtf8(), &origin, &changes, &error)) {
            qCWarning(lcFeed).noquote() << "ignored a change notice:" << error;
            return;
        }
        ++m_feed->m_notices;
        QMetaObject::invokeMethod(
            m_feed, [feed = m_feed, origin, changes] { Q_EMIT feed->committed(origin, changes); },
            Qt::QueuedConnection);
    }

    // A LISTEN connection only reads: a lost one is noticed by asking it something now and then.
    // Once it is lost, each tick tries to listen again, then to catch up, until both are done.
    void checkHealth()
    {
        if (m_catchUpFromMs < 0) {
            // Its answer comes after every notice PostgreSQL had for this connection when it
            // ran: the feed had heard everything committed before `asked`.
            const qint64 asked = QDateTime::currentMSecsSinceEpoch();
            {
                QSqlQuery ping(QSqlDatabase::database(m_connectionName, false));
                if (ping.exec(QStringLiteral("SELECT 1"))) {
                    m_inSyncMs = asked;
                    return;
                }
                qCWarning(lcFeed).noquote()
                    << "lost the change feed connection:" << ping.lastError().text();
            }
            m_catchUpFromMs = std::max(m_inSyncMs - kCatchUpMarginMs, asked - kMaxCatchUpMs);
            close();
        }
        QString error;
        if (!QSqlDatabase::contains(m_connectionName)) {
            if (!open(&error)) {
                close();
                qCWarning(lcFeed).noquote()
                    << error << "- trying again in" << kHealthCheckMs / 1000 << "s";
                m_health.start(); // keep trying
                return;
            }
            ++m_feed->m_resyncs;
            QMetaObject::invokeMethod(
                m_feed, [feed = m_feed] { Q_EMIT feed->resynchronised(); }, Qt::QueuedConnection);
        }
        // Listening already: what commits from now on comes as notices, after these.
        const qint64 listeningMs = QDateTime::currentMSecsSinceEpoch();
        QList<CommittedChange> missed;
        bool complete = true;
        if (!ProgressStore::changedSince(QSqlDatabase::database(m_connectionName, false),
                                         m_catchUpFromMs, kMaxCatchUpRecords, &missed, &complete,
                                         &error)) {
            // Tried again at the next tick, from the same time, on a new connection if need be.
            qCWarning(lcFeed).noquote() << "change feed connected again, but could not read what "
                                           "it missed:"
                                        << error;
            close();
            m_health.start();
            return;
        }
        if (!complete)
            qCWarning(lcFeed).noquote()
                << "change feed: more than" << kMaxCatchUpRecords
                << "records were received while it was away; event streams hear the newest";
        qCInfo(lcFeed).noquote()
            << "change feed connected again; read" << missed.size() << "records received since"
            << QDateTime::fromMSecsSinceEpoch(m_catchUpFromMs).toString(Qt::ISODateWithMs)
            << "to catch up";
        m_feed->m_caughtUp += quint64(missed.size());
        QMetaObject::invokeMethod(
            m_feed, [feed = m_feed, missed = std::move(missed)] { Q_EMIT feed->caughtUp(missed); },
            Qt::QueuedConnection);
        m_catchUpFromMs = -1;
        m_inSyncMs = listeningMs;
    }

    ChangeFeed *m_feed;
    DatabaseLocation m_location;
    QString m_connectionName;
    QTimer m_health;
    qint64 m_inSyncMs = 0; // when the connection last had told everything committed before
    qint64 m_catchUpFromMs = -1; // lost: what to read again once listening (-1: in sync)
};

ChangeFeed::ChangeFeed(QObject *parent) : QObject(parent), m_context(new QObject)
{
    m_thread.setObjectName(QStringLiteral("playmark-feed"));
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

ChangeFeed::~ChangeFeed()
{
    stop();
    m_thread.quit();
    m_thread.wait();
}

bool ChangeFeed::start(const QString &location, QString *error)
{
    stop();
    const std::optional<DatabaseLocation> parsed = DatabaseLocation::parse(location, error);
    if (!parsed)
        return false;
    if (parsed->kind != DatabaseLocation::Kind::PostgreSQL) {
        if (error)
            *error = QStringLiteral("a change feed needs a postgresql:// database");
        return false;
    }
    bool ok = false;
    runAndWait(m_context, [&] {
        m_listener = new Listener(this, *parsed); // created on the feed's thread
        ok = m_listener->open(error);
        if (ok)
            m_listener->startInSync();
    });
    if (!ok)
        stop();
    return ok;
}

void ChangeFeed::stop()
{
    if (!m_listener)
        return;
    runAndWait(m_context, [this] {
        delete m_listener;
        m_listener = nullptr;
    });
}
