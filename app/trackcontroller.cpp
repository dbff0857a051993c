#include "trackcontroller.h"

#include "media/subtitleparser.h"
#include "media/tracknames.h"
#include "timeformat.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFuture>
#include <QLoggingCategory>
#include <QtConcurrent/QtConcurrentRun>

Q_LOGGING_CATEGORY(lcTracks, "playmark.app.tracks")

namespace {

struct ParsedFile
{
    QList<SubtitleCue> cues;
    int skipped = 0;
    QString problem; // the first malformed cue, in words
    QString error; // the file cannot be used at all
};

ParsedFile parseFile(const QString &path)
{
    ParsedFile parsed;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        parsed.error = file.errorString();
        return parsed;
    }
    const QByteArray bytes = file.readAll();
    const std::optional<SubtitleFormat> format = subtitleFormatOf(path, bytes);
    if (!format) {
        parsed.error = QStringLiteral("neither SubRip nor WebVTT");
        return parsed;
    }
    SubtitleParseResult result = parseSubtitles(bytes, *format);
    parsed.cues = std::move(result.cues);
    parsed.skipped = result.skipped;
    parsed.problem = result.problem;
    return parsed;
}

// A subtitle file chosen by hand, described as a sidecar would be.
SidecarSubtitle fileAt(const QString &path)
{
    SidecarSubtitle file;
    file.path = path;
    file.fileName = QFileInfo(path).fileName();
    file.language = subtitleFileLanguage(file.fileName);
    file.format = file.fileName.endsWith(QStringLiteral(".vtt"), Qt::CaseInsensitive)
        ? SubtitleFormat::WebVtt
        : SubtitleFormat::SubRip;
    return file;
}

bool isFile(SubtitleChoice::Source source)
{
    return source == SubtitleChoice::Source::Sidecar || source == SubtitleChoice::Source::File;
}

} // namespace

QList<double> TrackController::speeds()
{
    return {0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0};
}

TrackController::TrackController(QObject *parent) : QObject(parent)
{
    connect(&m_embedded, &EmbeddedSubtitles::cuesFound, this,
            [this](int trackIndex, const QList<SubtitleCue> &cues) {
                m_embeddedCues[trackIndex].addCues(cues);
                if (m_selection.subtitleSource == SubtitleChoice::Source::Embedded
                    && m_selection.embeddedIndex == trackIndex)
                    updateText();
            });
    connect(&m_embedded, &EmbeddedSubtitles::finished, this, [this](const QString &error) {
        qCInfo(lcTracks).noquote()
            << "embedded subtitles of" << m_path << "read in" << m_embeddedClock.elapsed() << "ms";
        if (!error.isEmpty())
            qCWarning(lcTracks).noquote()
                << "the embedded subtitles of" << m_path << "cannot be read:" << error;
    });
}

void TrackController::open(const QString &path)
{
    close();
    m_path = path;
    const quint64 generation = m_generation;
    QElapsedTimer clock;
    clock.start();
    // Both read the file or its folder (a slow disk, a network share): never on the GUI thread.
    QtConcurrent::run([path] {
        return probeMediaStreams(path);
    }).then(this, [this, generation, clock](const std::variant<MediaStreams, QString> &probed) {
        if (generation != m_generation)
            return;
        qCInfo(lcTracks).noquote() << "tracks of" << m_path << "read in" << clock.elapsed() << "ms";
        if (const auto *error = std::get_if<QString>(&probed)) {
            // The video may still play; it just has no tracks to choose from.
            qCWarning(lcTracks).noquote()
                << "the tracks of" << m_path << "cannot be read:" << *error;
            m_streams = MediaStreams();
        } else {
            m_streams = std::get<MediaStreams>(probed);
        }
        if (!m_streams->undecodableVideo.isEmpty()) {
            Q_EMIT videoUndecodable(m_streams->undecodableVideo);
            return;
        }
        applyWhenReady();
    });
    QtConcurrent::run([path] {
        return findSidecarSubtitles(path);
    }).then(this, [this, generation](const QList<SidecarSubtitle> &sidecars) {
        if (generation != m_generation)
            return;
        for (const SidecarSubtitle &sidecar : sidecars)
            m_files.append({sidecar, false});
        m_sidecarsKnown = true;
        applyWhenReady();
    });
}

void TrackController::close()
{
    ++m_generation;
    m_embedded.cancel();
    m_path.clear();
    m_streams.reset();
    m_sidecarsKnown = false;
    m_files.clear();
    m_wantedKnown = false;
    m_wanted.reset();
    m_wantedCause = Cause::Defaults;
    m_startMs = 0;
    m_applied = false;
    m_selection = TrackSelection();
    m_choices = PlaybackChoices();
    m_positionMs = 0;
    m_embeddedCues.clear();
    m_fileCues.clear();
    updateText();
}

void TrackController::setDefaults(const TrackDefaults &defaults)
{
    m_defaults = defaults;
}

void TrackController::setWanted(const std::optional<PlaybackChoices> &own,
                                const std::optional<PlaybackChoices> &folder, qint64 positionMs)
{
    if (m_path.isEmpty() || m_wantedKnown)
        return;
    m_wantedKnown = true;
    // "Unless the person changes them there": a video's own choices win over its folder's.
    m_wanted = own ? own : folder;
    m_wantedCause = m_wanted ? Cause::Wanted : Cause::Defaults;
    m_startMs = positionMs;
    m_positionMs = positionMs;
    applyWhenReady();
}

void TrackController::applyWhenReady()
{
    if (m_applied || !m_streams || !m_sidecarsKnown || !m_wantedKnown)
        return;
    m_applied = true;
    startEmbedded();
    Q_EMIT tracksChanged();
    play(selectTracks(*m_streams, subtitleFiles(), m_wanted, m_defaults,
                      QFileInfo(m_path).absolutePath()),
         m_wantedCause);
}

void TrackController::startEmbedded()
{
    if (m_streams->subtitles.isEmpty())
        return;
    // All tracks at once, from where playback starts: switching to one with V shows its cue at
    // once, and the cues on screen first are read first.
    m_embeddedClock.start();
    m_embedded.start(m_path, m_startMs);
}

void TrackController::play(const TrackSelection &selection, Cause cause)
{
    m_selection = selection;
    // A wanted file found in the video's folder but not among its sidecars (one another device
    // loaded by hand) is listed like one loaded here.
    if (isFile(selection.subtitleSource) && fileIndexOf(selection.subtitlePath) < 0) {
        m_files.append({fileAt(selection.subtitlePath), true});
        Q_EMIT tracksChanged();
    }
    if (const int audio = currentAudio(); audio >= 0)
        Q_EMIT audioTrackRequested(audio);
    Q_EMIT playbackRateRequested(selection.speed);
    if (isFile(selection.subtitleSource) && !m_fileCues.contains(selection.subtitlePath))
        loadFile(selection.subtitlePath);
    updateText();
    m_choices = choicesFor(m_selection, *m_streams, subtitleFiles());
    Q_EMIT choicesChanged(m_choices, cause);
}

void TrackController::loadFile(const QString &path)
{
    readFile(path, [this] { updateText(); });
}

void TrackController::readFile(const QString &path, std::function<void()> done)
{
    const quint64 generation = m_generation;
    QtConcurrent::run(parseFile, path)
        .then(this, [this, generation, path, done = std::move(done)](const ParsedFile &parsed) {
            if (generation != m_generation)
                return;
            if (!parsed.error.isEmpty()) {
                qCWarning(lcTracks).noquote()
                    << "cannot read the subtitles" << path << parsed.error;
                Q_EMIT messageShown(
                    tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), parsed.error));
                return;
            }
            if (parsed.skipped > 0)
                qCWarning(lcTracks).noquote()
                    << path << "has" << parsed.skipped
                    << "malformed cues, left out; the first:" << parsed.problem;
            m_fileCues[path].setCues(parsed.cues);
            done();
        });
}

void TrackController::setPosition(qint64 positionMs)
{
    m_positionMs = positionMs;
    updateText();
}

void TrackController::updateText()
{
    QString text;
    const qint64 delay = m_selection.subtitleDelayMs;
    if (m_selection.subtitleSource == SubtitleChoice::Source::Embedded)
        text = m_embeddedCues.value(m_selection.embeddedIndex).textAt(m_positionMs, delay);
    else if (isFile(m_selection.subtitleSource))
        text = m_fileCues.value(m_selection.subtitlePath).textAt(m_positionMs, delay);
    if (text == m_text)
        return;
    m_text = text;
    Q_EMIT subtitleTextChanged(m_text);
}

QList<SidecarSubtitle> TrackController::subtitleFiles() const
{
    QList<SidecarSubtitle> files;
    for (const SubtitleFile &file : m_files)
        files.append(file.file);
    return files;
}

int TrackController::fileIndexOf(const QString &path) const
{
    for (int i = 0; i < m_files.size(); ++i) {
        if (m_files.at(i).file.path == path)
            return i;
    }
    return -1;
}

QStringList TrackController::audioNames() const
{
    return m_streams ? trackDisplayNames(m_streams->audio) : QStringList();
}

QStringList TrackController::subtitleNames() const
{
    QStringList names = m_streams ? trackDisplayNames(m_streams->subtitles) : QStringList();
    for (const SubtitleFile &file : m_files) {
        const QString language = languageDisplayName(file.file.language);
        names << (language.isEmpty() ? file.file.fileName
                                     : language + QStringLiteral(" — ") + file.file.fileName);
    }
    return names;
}

int TrackController::currentAudio() const
{
    if (!m_streams || m_streams->audio.isEmpty())
        return -1;
    // -1 is the file's default, which the player plays first: its first track.
    return m_selection.audioIndex >= 0 && m_selection.audioIndex < m_streams->audio.size()
        ? m_selection.audioIndex
        : 0;
}

int TrackController::currentSubtitles() const
{
    if (!m_streams)
        return -1;
    if (m_selection.subtitleSource == SubtitleChoice::Source::Embedded)
        return m_selection.embeddedIndex;
    if (isFile(m_selection.subtitleSource)) {
        const int file = fileIndexOf(m_selection.subtitlePath);
        return file < 0 ? -1 : int(m_streams->subtitles.size()) + file;
    }
    return -1;
}

std::optional<QString> TrackController::audioName() const
{
    const int audio = currentAudio();
    if (audio < 0)
        return std::nullopt;
    return audioNames().value(audio);
}

QString TrackController::subtitleName() const
{
    return subtitleNames().value(currentSubtitles());
}

void TrackController::chooseSubtitles(int index)
{
    if (!m_applied)
        return;
    TrackSelection selection = m_selection;
    const int embedded = int(m_streams->subtitles.size());
    selection.embeddedIndex = -1;
    selection.subtitlePath.clear();
    if (index < 0 || index >= embedded + m_files.size()) {
        selection.subtitleSource = SubtitleChoice::Source::Off;
    } else if (index < embedded) {
        selection.subtitleSource = SubtitleChoice::Source::Embedded;
        selection.embeddedIndex = index;
    } else {
        const SubtitleFile &file = m_files.at(index - embedded);
        selection.subtitleSource =
            file.loaded ? SubtitleChoice::Source::File : SubtitleChoice::Source::Sidecar;
        selection.subtitlePath = file.file.path;
    }
    play(selection, Cause::Person);
    const QString name = subtitleName();
    Q_EMIT messageShown(tr("Subtitles: %1").arg(name.isEmpty() ? tr("Off") : name));
}

void TrackController::cycleSubtitles()
{
    if (!m_applied)
        return;
    const int next = currentSubtitles() + 1;
    chooseSubtitles(next >= subtitleNames().size() ? -1 : next);
}

void TrackController::loadSubtitleFile(const QString &path)
{
    if (!m_applied)
        return;
    // Read first (again when chosen again: it may have been fixed meanwhile), then listed and
    // chosen: a file that cannot be read says why and changes nothing.
    const QString absolute = QFileInfo(path).absoluteFilePath();
    readFile(absolute, [this, absolute] {
        if (fileIndexOf(absolute) < 0) {
            m_files.append({fileAt(absolute), true});
            Q_EMIT tracksChanged();
        }
        chooseSubtitles(int(m_streams->subtitles.size()) + fileIndexOf(absolute));
    });
}

void TrackController::chooseAudio(int index)
{
    if (!m_applied || index < 0 || index >= m_streams->audio.size())
        return;
    TrackSelection selection = m_selection;
    selection.audioIndex = index;
    play(selection, Cause::Person);
    Q_EMIT messageShown(tr("Audio: %1").arg(audioNames().value(index)));
}

void TrackController::cycleAudio()
{
    if (!m_applied || m_streams->audio.isEmpty())
        return;
    chooseAudio((currentAudio() + 1) % int(m_streams->audio.size()));
}

void TrackController::shiftSubtitleDelay(qint64 deltaMs)
{
    if (!m_applied)
        return;
    TrackSelection selection = m_selection;
    selection.subtitleDelayMs =
        qBound(-ChoiceLimits::kMaxSubtitleDelayMs, selection.subtitleDelayMs + deltaMs,
               ChoiceLimits::kMaxSubtitleDelayMs);
    play(selection, Cause::Person);
    Q_EMIT messageShown(tr("Subtitle delay: %1").arg(TimeFormat::delay(selection.subtitleDelayMs)));
}

void TrackController::stepSpeed(int steps)
{
    const QList<double> list = speeds();
    double speed = m_selection.speed;
    // From a speed between two steps (another device's 1.1×), the next step is the neighbour.
    for (int i = 0; i < qAbs(steps); ++i) {
        if (steps > 0) {
            auto next = std::find_if(list.cbegin(), list.cend(),
                                     [speed](double s) { return s > speed + 1e-9; });
            speed = next == list.cend() ? list.constLast() : *next;
        } else {
            auto next = std::find_if(list.crbegin(), list.crend(),
                                     [speed](double s) { return s < speed - 1e-9; });
            speed = next == list.crend() ? list.constFirst() : *next;
        }
    }
    setSpeed(speed);
}

void TrackController::setSpeed(double speed)
{
    if (!m_applied)
        return;
    TrackSelection selection = m_selection;
    selection.speed = qBound(ChoiceLimits::kMinSpeed, speed, ChoiceLimits::kMaxSpeed);
    play(selection, Cause::Person);
    Q_EMIT messageShown(tr("Speed: %1").arg(TimeFormat::speed(selection.speed)));
}
