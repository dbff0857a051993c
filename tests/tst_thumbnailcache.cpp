// Pictures for Continue Watching (ThumbnailCache), made by the real QMediaPlayer and GStreamer
// from a clip ffmpeg writes at test time: two seconds of red, then four of blue, so a picture at
// 3 s that is red would be the preroll frame from 0 instead of the one asked for. The same clip
// in H.264 4:2:2 too, whose frames Qt 6.4 cannot convert itself (app/safevideoframe.h).
#include "ffmpegclip.h"
#include "thumbnailcache.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Generous: decoding on a shared machine, and a bad file may take the whole kGiveUpMs.
constexpr int kTimeoutMs = 60000;
constexpr qint64 kRedUntilMs = 2000;
constexpr qint64 kClipMs = 6000;
const QString kClipId = u"pm1-00000000000000000000000000c11b01"_s;

bool isBlue(QRgb pixel)
{
    return qBlue(pixel) > 150 && qRed(pixel) < 100 && qGreen(pixel) < 100;
}

bool isRed(QRgb pixel)
{
    return qRed(pixel) > 150 && qBlue(pixel) < 100 && qGreen(pixel) < 100;
}

QRgb centre(const QImage &image)
{
    return image.pixel(image.width() / 2, image.height() / 2);
}

QString describe(QRgb pixel)
{
    return u"rgb(%1,%2,%3)"_s.arg(qRed(pixel)).arg(qGreen(pixel)).arg(qBlue(pixel));
}

// The images received for one content id.
QList<QImage> imagesFor(const QSignalSpy &spy, const QString &contentId)
{
    QList<QImage> images;
    for (const QList<QVariant> &args : spy) {
        if (args.at(0).toString() == contentId)
            images << args.at(1).value<QImage>();
    }
    return images;
}

} // namespace

class tst_ThumbnailCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void pathForIsPerSecond();
    void makesAPictureAtThePosition();
    void secondCacheAnswersFromItsFolder();
    void unplayableFileGivesNothingAndDoesNotBlock();
    void missingFileGivesNothing_data();
    void missingFileGivesNothing();
    void queuedRequestsAllAnswered();
    void makesAPictureOf422Video();
    void makesAPictureOfAWebmWithoutIndex();

private:
    QString copyClip(const QString &name);
    bool makeClip(const QString &path, const QString &pixelFormat);

    QTemporaryDir m_clipDir; // the clips, made once
    QString m_clip;
    QString m_clip422;
    std::unique_ptr<QTemporaryDir> m_dir; // per test: the cache folder and copies of the clip
    QString m_cacheFolder;
};

void tst_ThumbnailCache::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_clipDir.isValid());
    m_clip = m_clipDir.filePath(u"clip.mp4"_s);
    QVERIFY(makeClip(m_clip, u"yuv420p"_s));
    m_clip422 = m_clipDir.filePath(u"clip-422.mp4"_s);
    QVERIFY(makeClip(m_clip422, u"yuv422p"_s));
}

// Red, then blue, in H.264 with this pixel format.
bool tst_ThumbnailCache::makeClip(const QString &path, const QString &pixelFormat)
{
    QString error;
    const bool made = makeFfmpegClip(
        {u"-f"_s, u"lavfi"_s, u"-i"_s,
         u"color=c=red:size=320x180:rate=25:duration=%1"_s.arg(kRedUntilMs / 1000), u"-f"_s,
         u"lavfi"_s, u"-i"_s,
         u"color=c=blue:size=320x180:rate=25:duration=%1"_s.arg((kClipMs - kRedUntilMs) / 1000),
         u"-filter_complex"_s, u"[0:v][1:v]concat=n=2:v=1:a=0"_s, u"-c:v"_s, u"libx264"_s,
         u"-pix_fmt"_s, pixelFormat},
        path, &error, kTimeoutMs);
    if (!made)
        qWarning() << error;
    return made;
}

void tst_ThumbnailCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cacheFolder = m_dir->filePath(u"thumbnails"_s);
}

void tst_ThumbnailCache::cleanup()
{
    m_dir.reset();
}

QString tst_ThumbnailCache::copyClip(const QString &name)
{
    const QString path = m_dir->filePath(name);
    return QFile::copy(m_clip, path) ? path : QString();
}

void tst_ThumbnailCache::pathForIsPerSecond()
{
    ThumbnailCache cache(m_cacheFolder);
    QVERIFY(QFileInfo(m_cacheFolder).isDir()); // made at once
    const QString path = cache.pathFor(kClipId, 3000);
    QCOMPARE(QFileInfo(path).absolutePath(), QFileInfo(m_cacheFolder).absoluteFilePath());
    QVERIFY(path.endsWith(u".jpg"_s));
    QVERIFY(path.contains(kClipId));
    QCOMPARE(cache.pathFor(kClipId, 3999), path);
    QVERIFY(cache.pathFor(kClipId, 4000) != path);
    QVERIFY(cache.pathFor(u"pm1-other"_s, 3000) != path);
}

void tst_ThumbnailCache::makesAPictureAtThePosition()
{
    const QString clip = copyClip(u"Episode 1.mp4"_s);
    QVERIFY(!clip.isEmpty());
    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);

    cache.request(kClipId, clip, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    QCOMPARE(ready.first().at(0).toString(), kClipId);
    const QImage image = ready.first().at(1).value<QImage>();
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), ThumbnailCache::kWidth);
    QCOMPARE(image.height(), 180); // the clip's 16:9 kept
    QVERIFY2(isBlue(centre(image)), qPrintable(describe(centre(image))));

    // Kept as a JPEG where pathFor() says (written off the GUI thread, so a moment later).
    const QString cached = cache.pathFor(kClipId, 3000);
    QTRY_VERIFY_WITH_TIMEOUT(!QImage(cached).isNull(), kTimeoutMs);
    const QImage saved(cached);
    QCOMPARE(saved.size(), image.size());
    QVERIFY2(isBlue(centre(saved)), qPrintable(describe(centre(saved))));
    QFile file(cached);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.read(3), QByteArray("\xFF\xD8\xFF")); // JPEG, whatever the name says
}

// Another window (or the next launch) reads the folder; the video need not be there at all.
void tst_ThumbnailCache::secondCacheAnswersFromItsFolder()
{
    const QString clip = copyClip(u"Episode 1.mp4"_s);
    QVERIFY(!clip.isEmpty());
    QImage made;
    {
        ThumbnailCache first(m_cacheFolder);
        QSignalSpy ready(&first, &ThumbnailCache::thumbnailReady);
        first.request(kClipId, clip, 3000);
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
        made = ready.first().at(1).value<QImage>();
        QTRY_VERIFY_WITH_TIMEOUT(!QImage(first.pathFor(kClipId, 3000)).isNull(), kTimeoutMs);
    }
    QVERIFY(QFile::remove(clip)); // nothing left to decode

    ThumbnailCache second(m_cacheFolder);
    QSignalSpy ready(&second, &ThumbnailCache::thumbnailReady);
    second.request(kClipId, clip, 3400); // the same second
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    QCOMPARE(ready.first().at(0).toString(), kClipId);
    const QImage image = ready.first().at(1).value<QImage>();
    QCOMPARE(image.size(), made.size());
    QVERIFY2(isBlue(centre(image)), qPrintable(describe(centre(image))));

    // No path at all: a Continue Watching entry whose file is on another machine.
    second.request(kClipId, QString(), 3000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 2, kTimeoutMs);
    QVERIFY(!ready.at(1).at(1).value<QImage>().isNull());

    // Another second is another picture, and this one cannot be made.
    second.request(kClipId, clip, 5000);
    QTest::qWait(500);
    QCOMPARE(ready.count(), 2);
    QVERIFY(!QFile::exists(second.pathFor(kClipId, 5000)));
}

// Random bytes named .mp4: no picture, and the request behind it is still served.
void tst_ThumbnailCache::unplayableFileGivesNothingAndDoesNotBlock()
{
    const QString broken = m_dir->filePath(u"broken.mp4"_s);
    {
        QByteArray bytes(256 * 1024, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                              bytes.size() / qsizetype(sizeof(quint32)));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bytes), bytes.size());
    }
    const QString clip = copyClip(u"Episode 1.mp4"_s);
    QVERIFY(!clip.isEmpty());
    const QString brokenId = u"pm1-0000000000000000000000000000bad0"_s;

    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);
    cache.request(brokenId, broken, 3000);
    cache.request(kClipId, clip, 3000); // queued behind it
    const QString otherId = u"pm1-000000000000000000000000000000b2"_s;
    cache.request(otherId, clip, 5000); // and another: one failure ends one job only

    QTRY_COMPARE_WITH_TIMEOUT(imagesFor(ready, kClipId).size(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(imagesFor(ready, otherId).size(), 1, kTimeoutMs);
    QVERIFY2(isBlue(centre(imagesFor(ready, kClipId).first())),
             qPrintable(describe(centre(imagesFor(ready, kClipId).first()))));
    QVERIFY(imagesFor(ready, brokenId).isEmpty());
    QCOMPARE(ready.count(), 2);
    QVERIFY(!QFile::exists(cache.pathFor(brokenId, 3000)));

    // The broken one is tried again later (nothing is remembered), and still gives nothing;
    // a good one after it is still served.
    cache.request(brokenId, broken, 3000);
    cache.request(kClipId, clip, 1000);
    QTRY_COMPARE_WITH_TIMEOUT(imagesFor(ready, kClipId).size(), 2, kTimeoutMs);
    QVERIFY(imagesFor(ready, brokenId).isEmpty());
    QCOMPARE(ready.count(), 3);
}

void tst_ThumbnailCache::missingFileGivesNothing_data()
{
    QTest::addColumn<QString>("name"); // under the test's folder; empty: no path at all
    QTest::newRow("no such file") << u"gone.mp4"_s;
    QTest::newRow("no path") << QString();
    QTest::newRow("no such folder") << u"no-such-folder/gone.mp4"_s;
}

void tst_ThumbnailCache::missingFileGivesNothing()
{
    QFETCH(QString, name);

    const QString clip = copyClip(u"Episode 1.mp4"_s);
    QVERIFY(!clip.isEmpty());
    const QString missingId = u"pm1-00000000000000000000000000000000"_s;
    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);

    cache.request(missingId, name.isEmpty() ? QString() : m_dir->filePath(name), 3000);
    cache.request(kClipId, clip, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    QCOMPARE(ready.first().at(0).toString(), kClipId);
    QTest::qWait(300);
    QCOMPARE(ready.count(), 1);
    QVERIFY(imagesFor(ready, missingId).isEmpty());
}

// One video at a time, but every request is answered, each with its own position.
void tst_ThumbnailCache::queuedRequestsAllAnswered()
{
    const QString clip = copyClip(u"Episode 1.mp4"_s);
    QVERIFY(!clip.isEmpty());
    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);
    const QStringList ids{u"pm1-a"_s, u"pm1-b"_s, u"pm1-c"_s};
    const QList<qint64> positions{1000, 3000, 5000};

    for (qsizetype i = 0; i < ids.size(); ++i)
        cache.request(ids.at(i), clip, positions.at(i));
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 3, kTimeoutMs);
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const QList<QImage> images = imagesFor(ready, ids.at(i));
        QCOMPARE(images.size(), 1);
        QCOMPARE(images.first().width(), ThumbnailCache::kWidth);
        const QRgb pixel = centre(images.first());
        QVERIFY2(positions.at(i) < kRedUntilMs ? isRed(pixel) : isBlue(pixel),
                 qPrintable(u"%1 at %2 ms"_s.arg(describe(pixel)).arg(positions.at(i))));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(cache.pathFor(ids.at(i), positions.at(i))),
                                 kTimeoutMs);
    }
}

// H.264 4:2:2 reaches the sink as YUV422P, which Qt 6.4's toImage() writes past the end of the
// picture (a crash or a garbled picture before): a real picture at the position.
void tst_ThumbnailCache::makesAPictureOf422Video()
{
    const QString clip = m_dir->filePath(u"Episode 422.mp4"_s);
    QVERIFY(QFile::copy(m_clip422, clip));
    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);

    cache.request(kClipId, clip, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    const QImage image = ready.first().at(1).value<QImage>();
    QCOMPARE(image.width(), ThumbnailCache::kWidth);
    QCOMPARE(image.height(), 180);
    // Blue all over: the top and bottom rows and the corners too, not only the middle.
    for (const QPoint &place :
         {QPoint(image.width() / 2, image.height() / 2), QPoint(0, 0), QPoint(image.width() - 1, 0),
          QPoint(0, image.height() - 1), QPoint(image.width() - 1, image.height() - 1)}) {
        QVERIFY2(isBlue(image.pixel(place)),
                 qPrintable(u"%1 at (%2, %3)"_s.arg(describe(image.pixel(place)))
                                .arg(place.x())
                                .arg(place.y())));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!QImage(cache.pathFor(kClipId, 3000)).isNull(), kTimeoutMs);
}

// A live WebM saved as it came (no index): GStreamer's seek to 2 s ends the media with no frame
// (PlaybackSession::startFromTheBeginning says why). The picture is then the first one, red, not
// none (checked: without the fallback the cache gave up, "no picture for").
void tst_ThumbnailCache::makesAPictureOfAWebmWithoutIndex()
{
    const QString clip = m_dir->filePath(u"Live.webm"_s);
    QString error;
    QVERIFY2(makeFfmpegClip({u"-f"_s, u"lavfi"_s, u"-i"_s,
                             u"color=c=red:size=320x180:rate=25:duration=5"_s, u"-f"_s, u"lavfi"_s,
                             u"-i"_s, u"sine=frequency=440:duration=5"_s, u"-c:v"_s, u"libvpx"_s,
                             u"-deadline"_s, u"realtime"_s, u"-c:a"_s, u"libvorbis"_s, u"-f"_s,
                             u"webm"_s, u"-live"_s, u"1"_s},
                            clip, &error, kTimeoutMs),
             qPrintable(error));
    ThumbnailCache cache(m_cacheFolder);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);

    cache.request(kClipId, clip, 2000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kTimeoutMs);
    const QImage image = ready.first().at(1).value<QImage>();
    QVERIFY2(isRed(centre(image)), qPrintable(describe(centre(image))));
}

QTEST_MAIN(tst_ThumbnailCache)
#include "tst_thumbnailcache.moc"
