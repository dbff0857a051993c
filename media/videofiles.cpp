#include "media/videofiles.h"

#include <QCollator>
#include <QLocale>

#include <algorithm>

const QStringList &videoFilePatterns()
{
    static const QStringList patterns{QStringLiteral("*.mp4"),  QStringLiteral("*.m4v"),
                                      QStringLiteral("*.mkv"),  QStringLiteral("*.webm"),
                                      QStringLiteral("*.mov"),  QStringLiteral("*.avi"),
                                      QStringLiteral("*.ts"),   QStringLiteral("*.mpg"),
                                      QStringLiteral("*.mpeg"), QStringLiteral("*.ogv")};
    return patterns;
}

QStringList videoFileNames(const QDir &dir)
{
    QStringList names =
        dir.entryList(videoFilePatterns(), QDir::Files | QDir::Readable, QDir::NoSort);
    // Under the C locale (LANG=C, services, containers) Qt compares code points and ignores
    // numeric mode, which puts "Episode 10" before "Episode 2": collate as English there.
    QCollator collator(QLocale().language() == QLocale::C ? QLocale(QLocale::English) : QLocale());
    collator.setNumericMode(true);
    collator.setCaseSensitivity(Qt::CaseInsensitive);
    std::sort(names.begin(), names.end(), [&collator](const QString &a, const QString &b) {
        return collator.compare(a, b) < 0;
    });
    return names;
}
