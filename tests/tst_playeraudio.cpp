// What a person hears when they switch audio tracks: the real `playmark` on a private X display
// (Xvfb), driven with real keys (xdotool), playing to a private PulseAudio server's null sink
// (tests/pulseserver.h) whose monitor is recorded (parec). Which tone sounds is measured in the
// recording (Goertzel filters at 440 Hz and 1 kHz), not taken from the player's word: the sample's
// Japanese track is a steady 440 Hz tone, its English commentary 1 kHz beeps.
#include "checkcall.h"
#include "playerprocess.h"
#include "pulseserver.h"
#include "sinkrecorder.h"

#include <QDir>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
const QString kSample = QStringLiteral(PLAYMARK_TRACKS_SAMPLE);
// Generous: the machine is shared. Nothing here asserts how long anything took.
constexpr int kTimeoutMs = 30000;
// What is judged: the last second recorded.
constexpr qsizetype kJudged = SinkRecorder::kRate;
// How much sound may play after the switch before the other tone must be the one heard: what the
// pipeline and the sound server still held, and the switch's own flush, with room to spare.
constexpr qsizetype kSettle = 6 * SinkRecorder::kRate;
// 50 ms windows: both tones fit a whole number of periods (22 and 50), so neither leaks into the
// other's filter.
constexpr qsizetype kWindow = SinkRecorder::kRate / 20;
// The tone heard is at least this many times louder (in amplitude: 20 dB) than the other, and at
// least this loud (of full scale, -40 dBFS): a silent recording is no tone.
constexpr double kDominance = 10.0;
constexpr double kAudible = 0.01;

// The amplitude (of full scale) of `frequency` in `samples` (Goertzel).
double amplitudeAt(const qint16 *samples, qsizetype count, double frequency)
{
    const double coefficient = 2.0 * std::cos(2.0 * M_PI * frequency / SinkRecorder::kRate);
    double previous = 0;
    double beforePrevious = 0;
    for (qsizetype i = 0; i < count; ++i) {
        const double current = samples[i] / 32768.0 + coefficient * previous - beforePrevious;
        beforePrevious = previous;
        previous = current;
    }
    const double power = previous * previous + beforePrevious * beforePrevious
        - coefficient * previous * beforePrevious;
    return 2.0 * std::sqrt(qMax(0.0, power)) / double(count);
}

// The loudest each tone is in any window of the last kJudged samples: the loudest, not the
// average, so the pauses between beeps do not count against the beeps.
struct Tones
{
    double at440 = 0;
    double at1000 = 0;
    QString toString() const
    {
        return u"440 Hz at %1, 1 kHz at %2 of full scale"_s.arg(at440, 0, 'f', 4)
            .arg(at1000, 0, 'f', 4);
    }
};

Tones loudestTones(const QList<qint16> &samples)
{
    Tones tones;
    for (qsizetype start = samples.size() - kJudged; start + kWindow <= samples.size();
         start += kWindow) {
        tones.at440 = qMax(tones.at440, amplitudeAt(samples.constData() + start, kWindow, 440));
        tones.at1000 = qMax(tones.at1000, amplitudeAt(samples.constData() + start, kWindow, 1000));
    }
    return tones;
}

bool sounds(const Tones &tones, double frequency)
{
    const double wanted = frequency == 440 ? tones.at440 : tones.at1000;
    const double other = frequency == 440 ? tones.at1000 : tones.at440;
    return wanted >= kAudible && wanted >= kDominance * other;
}

} // namespace

class tst_PlayerAudio : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void switchingTheAudioTrackSwitchesWhatIsHeard();

private:
    void press(const QStringList &keys);
    // Listens from now on until the last second recorded is `frequency` alone, for up to
    // kSettle + kJudged samples; fails with what was heard.
    void expectToHear(double frequency);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PulseServer> m_pulse;
    std::unique_ptr<SinkRecorder> m_recorder;
    std::unique_ptr<VirtualDisplay> m_display;
    QString m_window;
};

void tst_PlayerAudio::init()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_pulse = std::make_unique<PulseServer>();
    QString error;
    // Built only when asked for (PLAYMARK_LISTENING_TEST, which checks pulseaudio is installed):
    // a sound server that cannot start is a failure, not a reason to pass without listening.
    QVERIFY2(m_pulse->start(kTimeoutMs, &error),
             qPrintable(u"no private PulseAudio server here: "_s + error));
    m_recorder = std::make_unique<SinkRecorder>();
    QVERIFY2(m_recorder->start(m_pulse->address(),
                               QLatin1String(PulseServer::kSink) + u".monitor"_s, kTimeoutMs,
                               &error),
             qPrintable(error));
    m_display = std::make_unique<VirtualDisplay>();
    QVERIFY2(m_display->start(QSize(1280, 800), kTimeoutMs, &error), qPrintable(error));
}

void tst_PlayerAudio::cleanup()
{
    m_recorder.reset();
    m_display.reset();
    m_pulse.reset();
    m_dir.reset();
    m_window.clear();
}

void tst_PlayerAudio::press(const QStringList &keys)
{
    const Run pressed = m_display->focusAndPress(m_window, keys, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
}

void tst_PlayerAudio::expectToHear(double frequency)
{
    m_recorder->clear();
    Tones heard;
    for (qsizetype wanted = kJudged; wanted <= kSettle + kJudged; wanted += kWindow) {
        QVERIFY2(m_recorder->waitFor(wanted, kTimeoutMs),
                 qPrintable(u"only %1 s of sound recorded (%2)"_s
                                .arg(double(m_recorder->samples().size()) / SinkRecorder::kRate)
                                .arg(m_recorder->problem())));
        heard = loudestTones(m_recorder->samples());
        if (sounds(heard, frequency)) {
            qInfo().noquote() << u"heard %1 Hz after %2 s: %3"_s.arg(frequency)
                                     .arg(double(wanted - kJudged) / SinkRecorder::kRate)
                                     .arg(heard.toString());
            return;
        }
    }
    QFAIL(qPrintable(
        u"%1 Hz not heard alone in %2 s of sound: the last second has %3"_s.arg(frequency)
            .arg(double(kSettle + kJudged) / SinkRecorder::kRate)
            .arg(heard.toString())));
}

// Opened with the Japanese track (440 Hz); B: the commentary (1 kHz) is what sounds; B again:
// back to 440 Hz.
void tst_PlayerAudio::switchingTheAudioTrackSwitchesWhatIsHeard()
{
    // Japanese first whatever the machine's language; no subtitles (nothing to hear of them).
    const QString profile = m_dir->filePath(u"TV"_s);
    QVERIFY(QDir().mkpath(profile));
    {
        QSettings settings(profile + u"/settings.ini"_s, QSettings::IniFormat);
        settings.setValue(u"tracks/audio_languages"_s, QStringList{u"ja"_s});
        settings.setValue(u"tracks/show_subtitles"_s, u"never"_s);
    }
    // Offline (no --server): where the progress goes plays no part in what is heard.
    PlayerProcess player(kPlayerBin,
                         {u"--profile"_s, profile, u"--device"_s, u"TV"_s, u"--events"_s, kSample},
                         m_pulse->environment(m_display->environment()));
    const QJsonObject resumed = player.waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), player.err().constData());
    m_window = player.windowId(*m_display, kTimeoutMs);
    QVERIFY2(!m_window.isEmpty(), player.err().constData());
    CHECK(expectToHear(440));

    CHECK(press({u"b"_s}));
    const auto named = [](const QString &name) {
        return [name](const QJsonObject &event) {
            return event.value(u"audio"_s).toString() == name;
        };
    };
    QVERIFY2(
        !player.waitForEvent(u"tracks"_s, kTimeoutMs, named(u"English — Commentary"_s)).isEmpty(),
        player.err().constData());
    CHECK(expectToHear(1000));

    CHECK(press({u"b"_s}));
    QVERIFY2(!player.waitForEvent(u"tracks"_s, kTimeoutMs, named(u"Japanese"_s)).isEmpty(),
             player.err().constData());
    CHECK(expectToHear(440));
}

QTEST_GUILESS_MAIN(tst_PlayerAudio)
#include "tst_playeraudio.moc"
