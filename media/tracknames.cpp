#include "media/tracknames.h"

#include <QHash>
#include <QLocale>
#include <QRegularExpression>

namespace {
// U+2014 between the language and the track's own title.
const QString kSeparator = QStringLiteral(" \u2014 ");

QLocale::Language languageByEnglishName(const QString &name)
{
    static const QHash<QString, QLocale::Language> names = [] {
        QHash<QString, QLocale::Language> byName;
        for (int value = QLocale::AnyLanguage + 1; value <= QLocale::LastLanguage; ++value) {
            const auto language = QLocale::Language(value);
            const QString englishName = QLocale::languageToString(language).toLower();
            if (!englishName.isEmpty() && !byName.contains(englishName))
                byName.insert(englishName, language);
        }
        return byName;
    }();
    return names.value(name.toLower(), QLocale::AnyLanguage);
}

// The language an ISO 639-1, -2 (T or B) or -3 code or an English name stands for; AnyLanguage
// when none. A region ("pt-BR", "pt_BR") is not part of the language.
QLocale::Language knownLanguage(const QString &code)
{
    static const QRegularExpression region(QStringLiteral("[-_]"));
    const QString part = code.trimmed().section(region, 0, 0).toLower();
    QLocale::Language language = QLocale::AnyLanguage;
    if (part.size() == 2 || part.size() == 3)
        language = QLocale::codeToLanguage(part);
    else if (part.size() > 3)
        language = languageByEnglishName(part);
    return language == QLocale::C ? QLocale::AnyLanguage : language;
}
} // namespace

QString languageCode(const QString &code, UnknownLanguage unknown)
{
    const QString lower = code.trimmed().toLower();
    if (lower.isEmpty() || lower == QLatin1String("und"))
        return {};
    const QLocale::Language language = knownLanguage(lower);
    if (language == QLocale::AnyLanguage)
        return unknown == UnknownLanguage::Kept ? lower : QString();
    const QString iso6391 = QLocale::languageToCode(language, QLocale::ISO639Part1);
    return iso6391.isEmpty() ? QLocale::languageToCode(language) : iso6391;
}

QString languageDisplayName(const QString &code)
{
    const QLocale::Language known = knownLanguage(code);
    return known == QLocale::AnyLanguage ? code.trimmed() : QLocale::languageToString(known);
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
