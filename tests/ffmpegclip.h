#pragma once

// Small media files made by ffmpeg (scripts/setup installs it) at test time, never committed.
#include "serverprocess.h"

#include <QStandardPaths>

// Runs `ffmpeg -v error -y ARGUMENTS... PATH`; "" when it wrote the file, else why not.
inline QString makeClip(const QStringList &arguments, const QString &path)
{
    const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
    if (ffmpeg.isEmpty())
        return QStringLiteral("no ffmpeg (scripts/setup installs it)");
    const Run run =
        runProcess(ffmpeg,
                   QStringList{QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-y")}
                       + arguments + QStringList{path},
                   QProcessEnvironment::systemEnvironment(), 120000);
    if (!run.exitedNormally() || run.exitCode != 0)
        return QStringLiteral("ffmpeg %1 %2: %3")
            .arg(arguments.join(u' '), path, QString::fromLocal8Bit(run.err));
    return {};
}

// ffmpeg's inputs for a clip of `seconds`: a moving test picture (320x240, 25 fps) and, with
// `withSound`, a 440 Hz tone.
inline QStringList clipInputs(int seconds, bool withSound)
{
    QStringList inputs{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                       QStringLiteral("testsrc2=size=320x240:rate=25:duration=%1").arg(seconds)};
    if (withSound)
        inputs << QStringLiteral("-f") << QStringLiteral("lavfi") << QStringLiteral("-i")
               << QStringLiteral("sine=frequency=440:duration=%1").arg(seconds);
    return inputs;
}
