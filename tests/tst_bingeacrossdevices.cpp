// Binge a season across two devices, as a person does it: a real playmark-server and two real
// players ("TV" and "Phone", each its own profile) on a private X display (Xvfb), with a folder of
// three episodes made from the sample ("Show S01E01.mkv" .. "S01E03": copies made different, so
// each is a video of its own). The Phone starts episode 1 and stops; the TV plays it to its end;
// the Phone, opened without a file, shows Continue Watching offering "Next: S01E02" (read off the
// screen by OCR, tests/screentext.h), and Enter on it plays episode 2 from its start.
#include "checkcall.h"
#include "ffmpegclip.h"
#include "playerprocess.h"
#include "protocol/contentfingerprint.h"
#include "screentest.h"
#include "screentext.h"

#include <QDir>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace ScreenTest;

namespace {

const QRect kWindow(0, 0, 960, 600);
// The list's first entry under the menu bar and the heading: the thumbnail, the title, "Next: ...".
const QRect kFirstEntry(0, 60, 700, 110);

// The episode OCR read after "Next:", with the letters it takes for digits read as digits.
QString nextEpisodeRead(const QString &text)
{
    const QRegularExpressionMatch match = QRegularExpression(u"Next:\\s*(\\S+)"_s).match(text);
    QString episode = match.hasMatch() ? match.captured(1) : QString();
    for (qsizetype i = 1; i < episode.size(); ++i) {
        const QChar c = episode.at(i);
        if (c == u'O' || c == u'o')
            episode[i] = u'0';
        else if (c == u'l' || c == u'L' || c == u'I' || c == u'|')
            episode[i] = u'1';
    }
    return episode;
}

} // namespace

class tst_BingeAcrossDevices : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void tvFinishesPhoneOffersTheNextEpisode();

private:
    std::unique_ptr<PlayerProcess> startPlayer(const QString &device, const QStringList &extra);
    void makeEpisodes();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<VirtualDisplay> m_display;
    std::unique_ptr<ServerProcess> m_server;
    QString m_token;
    QStringList m_episodes; // their paths, episode 1 first
};

void tst_BingeAcrossDevices::init()
{
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_display = std::make_unique<VirtualDisplay>();
    QString error;
    QVERIFY2(m_display->start(QSize(1280, 800), kTimeoutMs, &error), qPrintable(error));
    ServedUser served = serveNewUser(kServerBin, m_dir->filePath(u"server.sqlite"_s), kTimeoutMs);
    QVERIFY2(served.error.isEmpty(), qPrintable(served.error));
    m_token = served.token;
    m_server = std::move(served.server);
    CHECK(makeEpisodes());
}

void tst_BingeAcrossDevices::cleanup()
{
    m_server.reset();
    m_display.reset();
    if (QTest::currentTestFailed())
        m_dir->setAutoRemove(false); // the pictures read, to look at
    m_dir.reset();
    m_episodes.clear();
}

// Three seconds of the sample each, with a title of its own: different bytes at the start, so
// different content ids, and short enough to play to the end.
void tst_BingeAcrossDevices::makeEpisodes()
{
    const QString folder = m_dir->filePath(u"Show"_s);
    QVERIFY(QDir().mkpath(folder));
    for (int episode = 1; episode <= 3; ++episode) {
        const QString name = u"Show S01E%1"_s.arg(episode, 2, 10, QLatin1Char('0'));
        const QString path = folder + u'/' + name + u".mkv"_s;
        const QString error = makeClip({u"-i"_s, kSample, u"-t"_s, u"3"_s, u"-c"_s, u"copy"_s,
                                        u"-metadata"_s, u"title="_s + name},
                                       path);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_episodes.append(path);
    }
    QVERIFY(ContentFingerprint::ofFile(m_episodes.at(0))
            != ContentFingerprint::ofFile(m_episodes.at(1)));
}

std::unique_ptr<PlayerProcess> tst_BingeAcrossDevices::startPlayer(const QString &device,
                                                                   const QStringList &extra)
{
    return std::make_unique<PlayerProcess>(
        kPlayerBin,
        QStringList{u"--profile"_s, m_dir->filePath(device), u"--device"_s, device, u"--server"_s,
                    m_server->url(), u"--token"_s, m_token, u"--events"_s, u"--window-geometry"_s,
                    u"%1x%2+%3+%4"_s.arg(kWindow.width())
                        .arg(kWindow.height())
                        .arg(kWindow.x())
                        .arg(kWindow.y())}
            + extra,
        m_display->environment());
}

void tst_BingeAcrossDevices::tvFinishesPhoneOffersTheNextEpisode()
{
    const QString first = ContentFingerprint::ofFile(m_episodes.at(0));
    const QString second = ContentFingerprint::ofFile(m_episodes.at(1));

    // The Phone starts the show (so it knows where its episodes are) and stops at once.
    {
        std::unique_ptr<PlayerProcess> phone =
            startPlayer(u"Phone"_s, {u"--quit-after"_s, u"1"_s, m_episodes.at(0)});
        const QJsonObject resumed = phone->waitForEvent(u"resumed"_s, kTimeoutMs);
        QVERIFY2(!resumed.isEmpty(), phone->err().constData());
        QCOMPARE(resumed.value(u"content_id"_s).toString(), first);
        QVERIFY2(!phone->waitForEvent(u"quit"_s, kTimeoutMs).isEmpty(), phone->err().constData());
    }

    // The TV plays episode 1 to its end: reported ended, delivered.
    {
        std::unique_ptr<PlayerProcess> tv = startPlayer(u"TV"_s, {m_episodes.at(0)});
        QVERIFY2(!tv->waitForEvent(u"resumed"_s, kTimeoutMs).isEmpty(), tv->err().constData());
        const QJsonObject ended =
            tv->waitForEvent(u"reported"_s, kTimeoutMs, [](const QJsonObject &event) {
                return event.value(u"state"_s).toString() == u"ended"_s
                    && event.value(u"delivered"_s).toBool();
            });
        QVERIFY2(!ended.isEmpty(), tv->err().constData());
        QCOMPARE(ended.value(u"content_id"_s).toString(), first);
        tv->process().terminate();
        QVERIFY2(!tv->waitForEvent(u"quit"_s, kTimeoutMs).isEmpty(), tv->err().constData());
    }

    // The Phone, opened without a file: Continue Watching offers episode 2, as a person reads it.
    std::unique_ptr<PlayerProcess> phone = startPlayer(u"Phone"_s, {});
    const QString window = phone->windowId(*m_display, kTimeoutMs);
    QVERIFY2(!window.isEmpty(), phone->err().constData());
    const QString keep = m_dir->filePath(u"continue-watching.png"_s);
    QString read;
    const bool shown = lookUntilShown(
        [&] { return enlarged(m_display->grab(kFirstEntry, kTimeoutMs), kFirstEntry.size()); },
        kFirstEntry.size() * 3,
        [&](const QString &text) { return nextEpisodeRead(text) == u"S01E02"_s; }, kLookMs, keep,
        &read);
    QVERIFY2(shown,
             qPrintable(u"the screen shows “%1”, no “Next: S01E02” (picture kept in %2)"_s.arg(
                 read, keep)));
    qInfo().noquote() << "read on the screen:" << read;

    // Enter on the entry (the first, the current one) plays episode 2 from its start.
    const Run pressed = m_display->focusAndPress(window, {u"Return"_s}, kTimeoutMs);
    QVERIFY2(pressed.exitedNormally() && pressed.exitCode == 0, pressed.err.constData());
    const QJsonObject identified = phone->waitForEvent(u"identified"_s, kTimeoutMs);
    QVERIFY2(!identified.isEmpty(), phone->err().constData());
    QCOMPARE(identified.value(u"content_id"_s).toString(), second);
    QCOMPARE(identified.value(u"show_id"_s).toString(), u"show"_s);
    QCOMPARE(identified.value(u"episode_id"_s).toString(), u"s01e02"_s);
    const QJsonObject resumed = phone->waitForEvent(u"resumed"_s, kTimeoutMs);
    QVERIFY2(!resumed.isEmpty(), phone->err().constData());
    QCOMPARE(resumed.value(u"content_id"_s).toString(), second);
    QCOMPARE(resumed.value(u"position_ms"_s).toInteger(-1), 0);
}

QTEST_GUILESS_MAIN(tst_BingeAcrossDevices)
#include "tst_bingeacrossdevices.moc"
