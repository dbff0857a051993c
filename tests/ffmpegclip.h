#pragma once

// Clips made by ffmpeg at test time (scripts/setup installs it), never committed.
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>

// Runs `ffmpeg <arguments> -y <path>` quietly; true when it wrote the file, else `error` says
// why.
inline bool makeFfmpegClip(const QStringList &arguments, const QString &path, QString *error,
                           int timeoutMs = 60000)
{
    const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
    if (ffmpeg.isEmpty()) {
        *error = QStringLiteral("no ffmpeg (scripts/setup installs it)");
        return false;
    }
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(ffmpeg,
                  QStringList{QStringLiteral("-nostdin"), QStringLiteral("-loglevel"),
                              QStringLiteral("error")}
                      + arguments + QStringList{QStringLiteral("-y"), path});
    if (!process.waitForFinished(timeoutMs) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        *error = QStringLiteral("ffmpeg %1 failed: %2 %3")
                     .arg(arguments.join(QLatin1Char(' ')), process.errorString(),
                          QString::fromLocal8Bit(process.readAll()));
        return false;
    }
    if (QFileInfo(path).size() <= 0) {
        *error = QStringLiteral("ffmpeg wrote nothing to %1").arg(path);
        return false;
    }
    return true;
}
