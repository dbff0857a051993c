#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

// What one run of playmark-loadgen does, from its command line.
struct LoadOptions
{
    enum class Client { Raw, Qnam };
    enum class Outcome { Run, Help, Version, Error };

    QUrl url;
    QString token;
    QString
        tokensPath; // --tokens: a token a line, device i sends with line i (modulo their number)
    int devices = 0;
    double intervalSeconds = 5.0;
    double jitter = 0.1;
    double writesPerSecond = 0.0; // devices / interval, kept exact when --rate chose it
    int videos = 3;
    bool sharedVideos = false;
    double readsPerSecond = 0.0;
    QString readIdsPath; // --read-ids: content ids already stored, for reads to choose from too
    double durationSeconds = 10.0;
    double warmupSeconds = 0.0;
    double timeoutSeconds = 10.0;
    int connections = 16;
    // --read-connections: reads on connections of their own (0: reads share `connections`).
    int readConnections = 0;
    Client client = Client::Raw;
    quint32 seed = 1;
    QString jsonPath;

    QString clientName() const;

    // `arguments` starts with the program name, as QCoreApplication::arguments() does.
    // `environmentToken` is PLAYMARK_TOKEN, used when --token is absent. On Error, `error` says
    // what was wrong in words a person can act on.
    static Outcome parse(const QStringList &arguments, const QString &environmentToken,
                         LoadOptions *options, QString *error);
    static QString helpText();
    // Reads a file of tokens, one a line (empty lines skipped), for --tokens (and
    // playmark-streamload). False, with the reason in *error, if it cannot be read, a line could
    // not go in an HTTP header, or it has none.
    static bool readTokens(const QString &path, QList<QByteArray> *tokens, QString *error);
};
