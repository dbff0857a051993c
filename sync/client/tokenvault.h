#pragma once

#include <QObject>
#include <QString>

#include <functional>

class ClientProfile;

// Where a profile's token lives (docs/security.md, "Where the token lives"): in the desktop's
// keyring (Secret Service: GNOME Keyring, KWallet) through QtKeychain when one runs, under
// service "playmark" and the profile folder's absolute path; otherwise in the profile's
// settings.ini, mode 0600 inside the 0700 profile folder. A token found in settings.ini moves
// into the keyring as soon as one answers, and leaves the file; a token forgotten while no
// keyring answered is deleted from the keyring as soon as one answers (it never comes back).
//
// Only a keyring already running on the session bus is asked: the bus could start one that was
// never unlocked (the D-Bus activation file of gnome-keyring is installed on most systems, also
// on a private test bus), which leaves a daemon behind and can wait on a password prompt. One
// that does not answer within kKeyringTimeoutMs counts as none for the rest of the run.
// Asynchronous: never blocks the GUI thread. Lives on the GUI thread.
class TokenVault final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenVault)
public:
    static constexpr int kKeyringTimeoutMs = 2000;
    static const QString kService;

    enum class Place {
        Unknown, // not loaded yet
        Keyring,
        ProfileFile,
    };
    Q_ENUM(Place)

    // The profile must outlive the vault.
    explicit TokenVault(ClientProfile &profile, QObject *parent = nullptr);

    // Reads the token (empty: none) and calls `done` with it, guarded by `context`.
    void load(QObject *context, std::function<void(const QString &token)> done);
    // Keeps `token` (empty: forgets it) and calls `done` once it is kept, guarded by `context`.
    void save(const QString &token, QObject *context, std::function<void()> done = {});

    // The token as last loaded or saved.
    QString token() const { return m_token; }
    Place place() const { return m_place; }
    // Why the profile file holds it (no session bus, no keyring running on it, the keyring
    // failed or did not answer); empty while the keyring does.
    QString fallbackReason() const { return m_fallbackReason; }

Q_SIGNALS:
    void placeChanged(TokenVault::Place place);

private:
    enum class Keyring { Unknown, Probing, Usable, Unusable };
    // Finds out whether a keyring runs, once, then calls `next`.
    void probe(std::function<void()> next);
    void keyringFailed(const QString &why);
    void useFile(const QString &token);
    void setPlace(Place place);
    // Runs a keychain job; `done` gets its error (0: none) and text, or Timeout.
    void readFromKeyring(std::function<void(int error, const QString &text)> done);
    void writeToKeyring(const QString &token, std::function<void(int error)> done);
    QString key() const;

    ClientProfile &m_profile;
    Keyring m_keyring = Keyring::Unknown;
    QList<std::function<void()>> m_waiting; // calls waiting for the probe
    QString m_token;
    Place m_place = Place::Unknown;
    QString m_fallbackReason;
};
