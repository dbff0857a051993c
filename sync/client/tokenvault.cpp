#include "client/tokenvault.h"

#include "client/clientprofile.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>
#include <qt6keychain/keychain.h>

#include <memory>

Q_LOGGING_CATEGORY(lcVault, "playmark.sync.vault")

const QString TokenVault::kService = QStringLiteral("playmark");

namespace {

constexpr int kTimedOut = -1; // a job's error: no answer in time

// The bus names of the keyrings QtKeychain talks to: the Secret Service (GNOME Keyring, KeePassXC,
// KWallet 5.97+) and KWallet's own.
const QStringList &keyringNames()
{
    static const QStringList names = {QStringLiteral("org.freedesktop.secrets"),
                                      QStringLiteral("org.kde.kwalletd5"),
                                      QStringLiteral("org.kde.kwalletd6")};
    return names;
}

// Starts `job` and calls `done` once, with its error, or kTimedOut when it did not finish in
// time (its answer after that is dropped).
void runJob(QKeychain::Job *job, QObject *context, std::function<void(int)> done)
{
    auto answered = std::make_shared<bool>(false);
    auto *timer = new QTimer(context);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, context, [answered, done, timer] {
        timer->deleteLater();
        if (std::exchange(*answered, true))
            return;
        done(kTimedOut);
    });
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [answered, done, timer](QKeychain::Job *finished) {
                         timer->stop();
                         timer->deleteLater();
                         if (std::exchange(*answered, true))
                             return;
                         done(int(finished->error()));
                     });
    timer->start(TokenVault::kKeyringTimeoutMs);
    job->start();
}

QString describe(int error, const QString &text)
{
    return error == kTimedOut ? QStringLiteral("the keyring did not answer within %1 ms")
                                    .arg(TokenVault::kKeyringTimeoutMs)
                              : QStringLiteral("the keyring failed: %1").arg(text);
}

} // namespace

TokenVault::TokenVault(ClientProfile &profile, QObject *parent)
    : QObject(parent), m_profile(profile)
{
}

QString TokenVault::key() const
{
    return m_profile.folder();
}

void TokenVault::setPlace(Place place)
{
    if (m_place == place)
        return;
    m_place = place;
    Q_EMIT placeChanged(place);
}

void TokenVault::probe(std::function<void()> next)
{
    if (m_keyring == Keyring::Usable || m_keyring == Keyring::Unusable) {
        next();
        return;
    }
    m_waiting.append(std::move(next));
    if (m_keyring == Keyring::Probing)
        return;
    m_keyring = Keyring::Probing;
    const auto settle = [this](bool usable, const QString &why) {
        m_keyring = usable ? Keyring::Usable : Keyring::Unusable;
        m_fallbackReason = why;
        if (!usable)
            qCInfo(lcVault).noquote() << "the token stays in the profile:" << why;
        for (const std::function<void()> &waiting : std::exchange(m_waiting, {}))
            waiting();
    };
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        // Queued: the caller's done() never runs inside load() or save().
        QTimer::singleShot(0, this, [settle, error = bus.lastError().message()] {
            settle(false, QStringLiteral("no session bus (%1)").arg(error));
        });
        return;
    }
    // Names with an owner only: asking for the service itself would start one.
    const QDBusMessage listNames = QDBusMessage::createMethodCall(
        QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
        QStringLiteral("org.freedesktop.DBus"), QStringLiteral("ListNames"));
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(listNames, kKeyringTimeoutMs), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [watcher, settle] {
        watcher->deleteLater();
        const QDBusPendingReply<QStringList> reply = *watcher;
        if (reply.isError()) {
            settle(false,
                   QStringLiteral("the session bus did not list its names: %1")
                       .arg(reply.error().message()));
            return;
        }
        const QStringList names = reply.value();
        for (const QString &name : keyringNames()) {
            if (names.contains(name)) {
                settle(true, QString());
                return;
            }
        }
        settle(false, QStringLiteral("no keyring runs on the session bus"));
    });
}

void TokenVault::keyringFailed(const QString &why)
{
    qCWarning(lcVault).noquote() << why << "- the token stays in the profile";
    m_keyring = Keyring::Unusable;
    m_fallbackReason = why;
}

void TokenVault::useFile(const QString &token)
{
    m_token = token;
    setPlace(Place::ProfileFile);
}

void TokenVault::readFromKeyring(std::function<void(int, const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(key());
    runJob(job, this, [job, done](int error) {
        // The job deletes itself after finished(): read it now (never after a time-out).
        done(error,
             error == kTimedOut                ? QString()
                 : error == QKeychain::NoError ? job->textData()
                                               : job->errorString());
    });
}

void TokenVault::writeToKeyring(const QString &token, std::function<void(int)> done)
{
    QKeychain::Job *job = nullptr;
    if (token.isEmpty()) {
        job = new QKeychain::DeletePasswordJob(kService, this);
    } else {
        auto *write = new QKeychain::WritePasswordJob(kService, this);
        write->setTextData(token);
        job = write;
    }
    job->setKey(key());
    runJob(job, this, [done, forgetting = token.isEmpty()](int error) {
        // Nothing to forget is forgotten.
        done(forgetting && error == QKeychain::EntryNotFound ? int(QKeychain::NoError) : error);
    });
}

void TokenVault::load(QObject *context, std::function<void(const QString &)> done)
{
    probe([this, context = QPointer<QObject>(context), done] {
        const auto answer = [context, done](const QString &token) {
            if (context)
                done(token);
        };
        const QString fileToken = m_profile.token();
        if (m_keyring != Keyring::Usable) {
            useFile(fileToken);
            answer(fileToken);
            return;
        }
        if (fileToken.isEmpty() && m_profile.keyringTokenToForget()) {
            // Forgotten while no keyring answered: whatever the keyring still holds is older
            // and must not come back.
            writeToKeyring(QString(), [this, answer](int error) {
                if (error != QKeychain::NoError) {
                    keyringFailed(describe(error, QStringLiteral("cannot forget the token")));
                    useFile(QString());
                    answer(QString());
                    return;
                }
                qCInfo(lcVault) << "the token forgotten while no keyring answered left the "
                                   "keyring too";
                m_profile.setKeyringTokenToForget(false);
                m_profile.settings().sync();
                m_token.clear();
                setPlace(Place::Keyring);
                answer(QString());
            });
            return;
        }
        readFromKeyring([this, fileToken, answer](int error, const QString &text) {
            if (error != QKeychain::NoError && error != QKeychain::EntryNotFound) {
                keyringFailed(describe(error, text));
                useFile(fileToken);
                answer(fileToken);
                return;
            }
            if (fileToken.isEmpty()) {
                m_token = error == QKeychain::NoError ? text : QString();
                setPlace(Place::Keyring);
                answer(m_token);
                return;
            }
            // A clear-text token of an older version, or one kept while no keyring answered
            // (newer than the keyring's, then): it moves into the keyring.
            writeToKeyring(fileToken, [this, fileToken, answer](int written) {
                if (written != QKeychain::NoError) {
                    keyringFailed(describe(written, QStringLiteral("cannot keep the token")));
                    useFile(fileToken);
                    answer(fileToken);
                    return;
                }
                qCInfo(lcVault) << "the token moved from the profile's settings.ini into the "
                                   "keyring";
                m_profile.setToken(QString());
                m_profile.setKeyringTokenToForget(false);
                m_profile.settings().sync();
                m_token = fileToken;
                setPlace(Place::Keyring);
                answer(fileToken);
            });
        });
    });
}

void TokenVault::save(const QString &token, QObject *context, std::function<void()> done)
{
    probe([this, token, context = QPointer<QObject>(context), done] {
        const auto answer = [context, done] {
            if (context && done)
                done();
        };
        const auto keepInFile = [this, token, answer] {
            m_profile.setToken(token);
            // Forgetting reached only the file: the keyring forgets at the next chance.
            m_profile.setKeyringTokenToForget(token.isEmpty());
            m_profile.settings().sync();
            useFile(token);
            answer();
        };
        if (m_keyring != Keyring::Usable) {
            keepInFile();
            return;
        }
        writeToKeyring(token, [this, token, answer, keepInFile](int error) {
            if (error != QKeychain::NoError) {
                keyringFailed(describe(error, QStringLiteral("cannot keep the token")));
                keepInFile();
                return;
            }
            m_profile.setToken(QString());
            m_profile.setKeyringTokenToForget(false);
            m_profile.settings().sync();
            m_token = token;
            setPlace(Place::Keyring);
            answer();
        });
    });
}
