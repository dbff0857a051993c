#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

// What one run of playmark-streamload does, from its command line.
struct StreamLoadOptions
{
    enum class Outcome { Run, Help, Error };

    QUrl url;
    QString tokensPath; // a token a line: one stream each, the first --streams of them
    int streams = 0; // 0: one a token
    double updatesPerSecond = 2000;
    double durationSeconds = 20;
    int connections = 32; // for the PUTs
    int openAtOnce = 256; // streams being opened at the same time, at the start
    qint64 serverPid = 0; // for the server's memory (/proc/PID/status); 0: not measured
    bool restart = false; // wait for the server to restart and time the streams' return
    double restartTimeoutSeconds = 120;
    QString jsonPath;

    // `arguments` starts with the program name. On Error, `error` says what was wrong.
    static Outcome parse(const QStringList &arguments, StreamLoadOptions *options, QString *error);
    static QString helpText();
};
