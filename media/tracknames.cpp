#include "media/tracknames.h"

#include <QHash>
#include <QLocale>
#include <QRegularExpression>

namespace {
// U+2014 between the language and the track's own title.
const QString kSeparator = QStringLiteral(" \u2014 ");
} // namespace

QString languageDisplayName(const QString &code)
{
    const QString trimmed = code.trimmed();
    if (trimmed.isEmpty())
        return {};
    // codeToLanguage reads ISO 639-1, -2 and -3 codes; a region ("pt-BR") is not part of it.
    const QString language = trimmed.section(QRegularExpression(QStringLiteral("[-_]")), 0, 0);
    const QLocale::Language known = QLocale::codeToLanguage(language);
    if (known == QLocale::AnyLanguage || known == QLocale::C)
        return trimmed;
    return QLocale::languageToString(known);
}

QStringList trackDisplayNames(const QList<TrackIdentity> &tracks)
{
    QStringList names;
    QHash<QString, int> seen;
    for (qsizetype i = 0; i < tracks.size(); ++i) {
        const TrackIdentity &track = tracks.at(i);
        const QString language = languageDisplayName(track.language);
        QString name;
        if (!language.isEmpty() && !track.title.isEmpty())
            name = language + kSeparator + track.title;
        else if (!language.isEmpty())
            name = language;
        else if (!track.title.isEmpty())
            name = track.title;
        else
            name = QStringLiteral("Track %1").arg(i + 1);
        const int count = ++seen[name];
        names.append(count == 1 ? name : QStringLiteral("%1 (%2)").arg(name).arg(count));
    }
    return names;
}
