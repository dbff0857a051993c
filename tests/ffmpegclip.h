#pragma once

// Clips made by ffmpeg at test time (scripts/setup installs it), never committed.
#include <QFileInfo>
#include <QProcess>
#include <QSize>
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

// ffmpeg's input arguments for `seconds` of a picture in four colours, one a quarter: red top
// left, lime top right, blue bottom left, white bottom right, split at the even coordinates at
// or before the middle (so each 4:2:0 or 4:2:2 chroma sample covers one colour). Drawn in RGB at
// the exact size: ffmpeg's colour source makes 4:2:0 pictures of even sizes only.
inline QStringList fourColoursInput(const QSize &size, int seconds)
{
    const int w = size.width();
    const int h = size.height();
    const int left = w / 2 & ~1;
    const int top = h / 2 & ~1;
    return {QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
            QStringLiteral("color=c=white:s=%1x%2:r=25:d=%3,format=rgb24,"
                           "drawbox=x=0:y=0:w=%4:h=%5:c=red:t=fill,"
                           "drawbox=x=%4:y=0:w=%6:h=%5:c=lime:t=fill,"
                           "drawbox=x=0:y=%5:w=%4:h=%7:c=blue:t=fill")
                .arg(w)
                .arg(h)
                .arg(seconds)
                .arg(left)
                .arg(top)
                .arg(w - left)
                .arg(h - top)};
}

// The same, for callers that keep the reason: "" when it wrote the file, else why not.
inline QString makeClip(const QStringList &arguments, const QString &path)
{
    QString error;
    return makeFfmpegClip(arguments, path, &error, 120000) ? QString() : error;
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
