#pragma once

// What text a picture of the screen shows, read by OCR (tesseract, which scripts/setup installs):
// for the tests that check what a person reads on the video (a subtitle), not only what the
// player says it drew.
#include "serverprocess.h"

#include <QDeadlineTimer>
#include <QImage>
#include <QRegularExpression>
#include <QSize>
#include <QTemporaryDir>
#include <QTest>

// The text tesseract reads in `rgb` (3 bytes a pixel, row by row, as VirtualDisplay::grab gives
// it), lines joined by '\n', runs of spaces as one; "" when it reads nothing. The picture is kept
// as PNG at `keepAs` when given (to look at after a failure).
inline QString screenText(const QByteArray &rgb, const QSize &size, const QString &keepAs = {})
{
    if (rgb.size() != qsizetype(size.width()) * size.height() * 3)
        return {};
    const QImage image(reinterpret_cast<const uchar *>(rgb.constData()), size.width(),
                       size.height(), size.width() * 3, QImage::Format_RGB888);
    QTemporaryDir dir;
    const QString png = keepAs.isEmpty() ? dir.filePath(QStringLiteral("screen.png")) : keepAs;
    if (!image.save(png))
        return {};
    // One block of text (--psm 6): a subtitle of one or two lines.
    const Run run = runProcess(QStringLiteral("tesseract"),
                               {png, QStringLiteral("-"), QStringLiteral("--psm"),
                                QStringLiteral("6"), QStringLiteral("-l"), QStringLiteral("eng")},
                               QProcessEnvironment::systemEnvironment(), 60000);
    if (!run.exitedNormally() || run.exitCode != 0) {
        qWarning() << "tesseract failed:" << run.err;
        return {};
    }
    QStringList lines;
    const QStringList read = QString::fromUtf8(run.out).split(QLatin1Char('\n'));
    for (const QString &line : read) {
        const QString simple = line.simplified();
        if (!simple.isEmpty())
            lines << simple;
    }
    return lines.join(QLatin1Char('\n'));
}

// `rgb` of `size` `factor` times bigger (smooth): tesseract reads a list's small text, and text on
// a highlighted row, far more surely (measured: "Next: SOLEO2" at 1×).
inline QByteArray enlarged(const QByteArray &rgb, const QSize &size, int factor = 3)
{
    if (rgb.size() != qsizetype(size.width()) * size.height() * 3)
        return {};
    const QImage image(reinterpret_cast<const uchar *>(rgb.constData()), size.width(),
                       size.height(), size.width() * 3, QImage::Format_RGB888);
    const QImage big = image.scaled(size * factor, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    QByteArray out;
    for (int y = 0; y < big.height(); ++y)
        out.append(reinterpret_cast<const char *>(big.constScanLine(y)), big.width() * 3);
    return out;
}

// Looks at the screen until it shows what `shows` wants or `timeoutMs` passes: `grab()` gives the
// picture's RGB (of `size`), kept at `keepAs`. True when seen; `read` is the last text read. A
// deadline of its own, not QTRY's: QTRY counts only its waits, and each look runs ffmpeg and
// tesseract.
template<typename Grab, typename Shows>
bool lookUntilShown(Grab grab, const QSize &size, Shows shows, int timeoutMs, const QString &keepAs,
                    QString *read)
{
    const QDeadlineTimer deadline(timeoutMs);
    do {
        *read = screenText(grab(), size, keepAs);
        if (shows(*read))
            return true;
        QTest::qWait(200); // between looks, not a wait for anything
    } while (!deadline.hasExpired());
    return false;
}
