#include "media/trackselector.h"

#include <QDir>
#include <QFileInfo>

#include <functional>

namespace {

using Source = SubtitleChoice::Source;

// The first index whose track satisfies `same`, or -1.
int firstWhere(const QList<TrackIdentity> &tracks,
               const std::function<bool(const TrackIdentity &)> &same)
{
    for (qsizetype i = 0; i < tracks.size(); ++i) {
        if (same(tracks.at(i)))
            return int(i);
    }
    return -1;
}

// The track this device has that is `wanted`: the same language, title and codec; else the same
// language and title (another encoding of it); else the first of the same language. A rule
// whose parts are all unknown matches nothing: two tracks of unknown language without titles
// are not the same track.
int matchTrack(const QList<TrackIdentity> &tracks, const TrackIdentity &wanted)
{
    const bool hasLanguage = !wanted.language.isEmpty();
    if (hasLanguage || !wanted.title.isEmpty()) {
        const int exact = firstWhere(tracks, [&](const TrackIdentity &t) { return t == wanted; });
        if (exact >= 0)
            return exact;
        const int titled = firstWhere(tracks, [&](const TrackIdentity &t) {
            return t.language == wanted.language && t.title == wanted.title;
        });
        if (titled >= 0)
            return titled;
    }
    if (!hasLanguage)
        return -1;
    return firstWhere(tracks,
                      [&](const TrackIdentity &t) { return t.language == wanted.language; });
}

int firstInLanguages(const QList<TrackIdentity> &tracks, const QStringList &languages)
{
    for (const QString &language : languages) {
        const int at =
            firstWhere(tracks, [&](const TrackIdentity &t) { return t.language == language; });
        if (at >= 0)
            return at;
    }
    return -1;
}

const SidecarSubtitle *sidecarWhere(const QList<SidecarSubtitle> &sidecars,
                                    const std::function<bool(const SidecarSubtitle &)> &test)
{
    for (const SidecarSubtitle &sidecar : sidecars) {
        if (test(sidecar))
            return &sidecar;
    }
    return nullptr;
}

void useSidecar(TrackSelection &selection, const SidecarSubtitle &sidecar)
{
    selection.subtitleSource = Source::Sidecar;
    selection.subtitlePath = sidecar.path;
}

void useEmbedded(TrackSelection &selection, int index)
{
    selection.subtitleSource = Source::Embedded;
    selection.embeddedIndex = index;
}

// The wanted subtitles, where this device has them; false when it does not.
bool selectWantedSubtitles(TrackSelection &selection, const MediaStreams &streams,
                           const QList<SidecarSubtitle> &sidecars, const SubtitleChoice &wanted,
                           const QString &videoFolder)
{
    switch (wanted.source) {
    case Source::Off:
        return true;
    case Source::Embedded: {
        const int index = matchTrack(streams.subtitles, wanted.track);
        if (index >= 0)
            useEmbedded(selection, index);
        return index >= 0;
    }
    case Source::Sidecar:
    case Source::File:
        break;
    }
    if (!wanted.fileName.isEmpty()) {
        if (const SidecarSubtitle *named = sidecarWhere(sidecars, [&](const SidecarSubtitle &s) {
                return s.fileName == wanted.fileName;
            })) {
            useSidecar(selection, *named);
            return true;
        }
        // A file loaded by hand: the same name in this video's folder. The codec refuses a name
        // with a separator, and this checks again, so the name cannot lead out of the folder.
        if (wanted.source == Source::File && !videoFolder.isEmpty()
            && !wanted.fileName.contains(u'/') && !wanted.fileName.contains(u'\\')
            && wanted.fileName != QLatin1String("..")) {
            const QFileInfo file(QDir(videoFolder).filePath(wanted.fileName));
            if (file.isFile()) {
                selection.subtitleSource = Source::File;
                selection.subtitlePath = file.absoluteFilePath();
                return true;
            }
        }
    }
    if (wanted.track.language.isEmpty())
        return false;
    if (const SidecarSubtitle *sameLanguage = sidecarWhere(sidecars, [&](const SidecarSubtitle &s) {
            return s.language == wanted.track.language;
        })) {
        useSidecar(selection, *sameLanguage);
        return true;
    }
    return false;
}

// The language of the audio that will play: the chosen track's, else the file's default (the
// first track, which is what the player plays when told nothing).
QString audioLanguage(const TrackSelection &selection, const MediaStreams &streams)
{
    const int index = selection.audioIndex >= 0 ? selection.audioIndex : 0;
    return index < streams.audio.size() ? streams.audio.at(index).language : QString();
}

// The subtitles the defaults give, with the audio already chosen.
void selectDefaultSubtitles(TrackSelection &selection, const MediaStreams &streams,
                            const QList<SidecarSubtitle> &sidecars, const TrackDefaults &defaults)
{
    if (defaults.subtitleMode == TrackDefaults::SubtitleMode::Never)
        return;
    // Sidecars before embedded tracks, in each preferred language and when none is preferred:
    // a file next to the video was put there on purpose for it, mostly because the embedded ones
    // are missing or not wanted (mpv ranks external subtitle tracks first for the same reason).
    TrackSelection chosen = selection;
    QString language;
    for (const QString &wantedLanguage : defaults.subtitleLanguages) {
        if (const SidecarSubtitle *sidecar = sidecarWhere(
                sidecars, [&](const SidecarSubtitle &s) { return s.language == wantedLanguage; })) {
            useSidecar(chosen, *sidecar);
        } else if (const int index = firstWhere(
                       streams.subtitles,
                       [&](const TrackIdentity &t) { return t.language == wantedLanguage; });
                   index >= 0) {
            useEmbedded(chosen, index);
        } else {
            continue;
        }
        language = wantedLanguage;
        break;
    }
    if (chosen.subtitleSource == Source::Off) {
        if (!sidecars.isEmpty()) {
            useSidecar(chosen, sidecars.constFirst());
            language = sidecars.constFirst().language;
        } else if (!streams.subtitles.isEmpty()) {
            useEmbedded(chosen, 0);
            language = streams.subtitles.constFirst().language;
        } else {
            return;
        }
    }
    if (defaults.subtitleMode == TrackDefaults::SubtitleMode::WhenAudioForeign) {
        // Only for audio in a language known not to be one the person prefers to hear, and not
        // already the subtitles' own language.
        const QString audio = audioLanguage(selection, streams);
        if (audio.isEmpty() || defaults.audioLanguages.contains(audio) || audio == language)
            return;
    }
    selection = chosen;
}

} // namespace

TrackSelection selectTracks(const MediaStreams &streams, const QList<SidecarSubtitle> &sidecars,
                            const std::optional<PlaybackChoices> &wanted,
                            const TrackDefaults &defaults, const QString &videoFolder)
{
    TrackSelection selection;
    if (wanted && wanted->audio)
        selection.audioIndex = matchTrack(streams.audio, *wanted->audio);
    if (selection.audioIndex < 0)
        selection.audioIndex = firstInLanguages(streams.audio, defaults.audioLanguages);

    if (!wanted || !wanted->subtitles
        || !selectWantedSubtitles(selection, streams, sidecars, *wanted->subtitles, videoFolder))
        selectDefaultSubtitles(selection, streams, sidecars, defaults);

    if (wanted) {
        selection.subtitleDelayMs = wanted->subtitleDelayMs;
        selection.speed = wanted->speed;
    }
    return selection;
}

PlaybackChoices choicesFor(const TrackSelection &selection, const MediaStreams &streams,
                           const QList<SidecarSubtitle> &sidecars)
{
    PlaybackChoices choices;
    if (selection.audioIndex >= 0 && selection.audioIndex < streams.audio.size())
        choices.audio = streams.audio.at(selection.audioIndex);
    SubtitleChoice subtitles;
    subtitles.source = selection.subtitleSource;
    switch (selection.subtitleSource) {
    case Source::Off:
        choices.subtitles = subtitles;
        break;
    case Source::Embedded:
        if (selection.embeddedIndex >= 0 && selection.embeddedIndex < streams.subtitles.size()) {
            subtitles.track = streams.subtitles.at(selection.embeddedIndex);
            choices.subtitles = subtitles;
        }
        break;
    case Source::Sidecar:
    case Source::File: {
        if (selection.subtitlePath.isEmpty())
            break;
        subtitles.fileName = QFileInfo(selection.subtitlePath).fileName();
        // A file loaded by hand: the language its name states, so that a device without it can
        // take a sidecar of the same language.
        subtitles.track.language = subtitleFileLanguage(subtitles.fileName);
        if (const SidecarSubtitle *sidecar = sidecarWhere(sidecars, [&](const SidecarSubtitle &s) {
                return s.path == selection.subtitlePath;
            })) {
            subtitles.fileName = sidecar->fileName;
            subtitles.track.language = sidecar->language;
        }
        choices.subtitles = subtitles;
        break;
    }
    }
    choices.subtitleDelayMs = selection.subtitleDelayMs;
    choices.speed = selection.speed;
    return choices;
}
