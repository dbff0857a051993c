#include "media/sidecarsubtitles.h"

#include "media/tracknames.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

// What a subtitle name may say besides its language: forced (only the foreign parts), SDH / CC
// / HI (for the deaf and hard of hearing), default.
const QSet<QString> kNameTags = {u"forced"_s, u"sdh"_s, u"cc"_s, u"default"_s};

// The files a folder's other videos are, so their subtitles are told apart from this one's.
const QSet<QString> kVideoSuffixes = {u"mkv"_s, u"mp4"_s, u"m4v"_s, u"avi"_s,  u"webm"_s,
                                      u"mov"_s, u"ts"_s,  u"wmv"_s, u"mpg"_s,  u"mpeg"_s,
                                      u"ogv"_s, u"flv"_s, u"3gp"_s, u"m2ts"_s, u"vob"_s};

// The parts of a name left when what it says besides the language is taken out ("en.forced",
// "sdh.en" -> "en"). "hi" is also Hindi's code: a tag only next to another part.
QStringList withoutNameTags(QStringList parts)
{
    parts.removeIf([](const QString &part) { return kNameTags.contains(part.toLower()); });
    if (parts.size() == 2 && parts.contains(u"hi"_s, Qt::CaseInsensitive))
        parts.removeIf([](const QString &part) { return part.toLower() == u"hi"_s; });
    return parts;
}

} // namespace

QString subtitleFileLanguage(const QString &fileName)
{
    QStringList parts = QFileInfo(fileName).completeBaseName().split(u'.');
    parts.removeFirst(); // the name before the first dot is never the language
    parts = withoutNameTags(parts);
    return parts.isEmpty() ? QString() : languageCode(parts.constLast(), UnknownLanguage::Dropped);
}

QList<SidecarSubtitle> findSidecarSubtitles(const QString &videoPath)
{
    const QFileInfo video(videoPath);
    const QString name = video.completeBaseName();
    const QDir folder = video.absoluteDir();
    const QStringList files = folder.entryList(QDir::Files | QDir::Readable, QDir::Name);

    QSet<QString> otherVideos;
    for (const QString &file : files) {
        const QFileInfo info(file);
        if (kVideoSuffixes.contains(info.suffix().toLower()) && file != video.fileName())
            otherVideos.insert(info.completeBaseName());
    }

    QList<SidecarSubtitle> found;
    for (const QString &file : files) {
        const QFileInfo info(file);
        const std::optional<SubtitleFormat> format = subtitleFormatOfName(file);
        const QString stem = info.completeBaseName();
        if (!format || otherVideos.contains(stem))
            continue;
        QString language;
        if (stem != name) {
            if (!stem.startsWith(name + u'.'))
                continue;
            // The parts after NAME: one language, maybe with tags ("en", "en.forced", "sdh.en").
            const QStringList parts = withoutNameTags(stem.mid(name.size() + 1).split(u'.'));
            if (parts.size() > 1)
                continue;
            if (!parts.isEmpty()) {
                language = languageCode(parts.first(), UnknownLanguage::Dropped);
                if (language.isEmpty())
                    continue;
            }
        }
        found.append({folder.absoluteFilePath(file), file, language, *format});
    }
    std::sort(found.begin(), found.end(), [](const SidecarSubtitle &a, const SidecarSubtitle &b) {
        const int byLanguage = QString::localeAwareCompare(languageDisplayName(a.language),
                                                           languageDisplayName(b.language));
        return byLanguage != 0 ? byLanguage < 0 : a.fileName < b.fileName;
    });
    return found;
}
