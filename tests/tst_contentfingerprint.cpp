// docs/protocol.md, "Content identity": "pm1-" + the first 32 lowercase hex digits of SHA-256 over
// the size as 8 bytes little-endian, the first min(size, 65536) bytes and the last min(size,
// 65536). Expected ids come from the external sha256sum program, not from QCryptographicHash.

#include "protocol/contentfingerprint.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr qsizetype kSample = 65536;
constexpr qsizetype kMiB = 1024 * 1024;

// SHA-256 of `data` as lowercase hex, from coreutils' sha256sum; empty with *error on failure.
QString sha256sum(const QByteArray &data, QString *error)
{
    QProcess process;
    process.start(QStringLiteral("sha256sum"), {QStringLiteral("-")});
    if (!process.waitForStarted()) {
        *error = QStringLiteral("cannot start sha256sum: ") + process.errorString();
        return {};
    }
    process.write(data);
    process.closeWriteChannel();
    if (!process.waitForFinished() || process.exitCode() != 0) {
        *error = QStringLiteral("sha256sum failed: ") + process.errorString()
            + QString::fromLocal8Bit(process.readAllStandardError());
        return {};
    }
    // "<64 hex digits>  -\n"
    const QString digest = QString::fromLatin1(process.readAllStandardOutput()).section(u' ', 0, 0);
    if (!QRegularExpression(QStringLiteral("\\A[0-9a-f]{64}\\z")).match(digest).hasMatch()) {
        *error = QStringLiteral("unexpected sha256sum output: ") + digest;
        return {};
    }
    return digest;
}

// The whole preimage of the rule, built by hand in one piece.
QByteArray preimage(const QByteArray &content)
{
    const quint64 size = quint64(content.size());
    QByteArray bytes;
    for (int i = 0; i < 8; ++i)
        bytes.append(char((size >> (8 * i)) & 0xff));
    const qsizetype sample = std::min(content.size(), kSample);
    bytes.append(content.left(sample));
    bytes.append(content.right(sample));
    return bytes;
}

QString expectedId(const QByteArray &content, QString *error)
{
    const QString digest = sha256sum(preimage(content), error);
    return digest.isEmpty() ? QString() : QStringLiteral("pm1-") + digest.left(32);
}

QByteArray randomBytes(QRandomGenerator &random, qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(random.bounded(256));
    return bytes;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size() && file.flush();
}

} // namespace

class tst_ContentFingerprint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void helperMatchesKnownVectors();
    void matchesTheRule_data();
    void matchesTheRule();
    void sameBytesElsewhereSameId();
    void changedByte_data();
    void changedByte();
    void sizeIsPartOfTheId();
    void missingFile();

private:
    QTemporaryDir m_dir;
    QRandomGenerator m_random;
};

void tst_ContentFingerprint::initTestCase()
{
    QVERIFY(m_dir.isValid());
    quint32 seed = QRandomGenerator::global()->generate();
    const QByteArray fromEnv = qgetenv("PLAYMARK_TEST_SEED");
    if (!fromEnv.isEmpty())
        seed = fromEnv.toUInt();
    qInfo("seed %u (set PLAYMARK_TEST_SEED=%u to repeat)", seed, seed);
    m_random.seed(seed);
}

// The reference itself, against FIPS 180-2's published examples and a hand-built preimage.
void tst_ContentFingerprint::helperMatchesKnownVectors()
{
    QString error;
    QCOMPARE(sha256sum(QByteArray("abc"), &error),
             QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sha256sum(QByteArray(), &error),
             QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QVERIFY2(error.isEmpty(), qPrintable(error));

    // Size 3 ("abc"): 03 00 00 00 00 00 00 00, then "abc" twice.
    QCOMPARE(preimage(QByteArray("abc")), QByteArray("\x03\0\0\0\0\0\0\0abcabc", 14));
    // Size 0x10000 + 2 puts bytes in the second position of the little-endian size.
    QCOMPARE(preimage(QByteArray(0x10002, 'x')).left(8), QByteArray("\x02\0\x01\0\0\0\0\0", 8));
}

void tst_ContentFingerprint::matchesTheRule_data()
{
    QTest::addColumn<qsizetype>("size");

    for (const qsizetype size :
         {qsizetype(0), qsizetype(1), qsizetype(65535), qsizetype(65536), qsizetype(65537),
          qsizetype(131071), qsizetype(131072), qsizetype(131073), kMiB})
        QTest::addRow("%lld bytes", static_cast<long long>(size)) << size;
}

void tst_ContentFingerprint::matchesTheRule()
{
    QFETCH(qsizetype, size);

    const QByteArray content = randomBytes(m_random, size);
    const QString path = m_dir.filePath(QStringLiteral("video-%1.mkv").arg(size));
    QVERIFY(writeFile(path, content));

    QString error;
    const QString expected = expectedId(content, &error);
    QVERIFY2(!expected.isEmpty(), qPrintable(error));

    QString fingerprintError;
    const QString id = ContentFingerprint::ofFile(path, &fingerprintError);
    QVERIFY2(fingerprintError.isEmpty(), qPrintable(fingerprintError));
    QVERIFY2(QRegularExpression(QStringLiteral("\\Apm1-[0-9a-f]{32}\\z")).match(id).hasMatch(),
             qPrintable(id));
    QCOMPARE(id, expected);

    QBuffer buffer;
    buffer.setData(content);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    QCOMPARE(ContentFingerprint::ofDevice(buffer), expected);
}

void tst_ContentFingerprint::sameBytesElsewhereSameId()
{
    const QByteArray content = randomBytes(m_random, 300000);
    const QString first = m_dir.filePath(QStringLiteral("movies/Film (2021).mkv"));
    const QString second = m_dir.filePath(QStringLiteral("elsewhere/deeper/copy.bin"));
    QVERIFY(writeFile(first, content));
    QVERIFY(writeFile(second, content));

    const QString id = ContentFingerprint::ofFile(first);
    QVERIFY(!id.isEmpty());
    QCOMPARE(ContentFingerprint::ofFile(second), id);
}

void tst_ContentFingerprint::changedByte_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("offset");
    QTest::addColumn<bool>("idChanges");

    QTest::newRow("1 MiB, first byte") << kMiB << qsizetype(0) << true;
    QTest::newRow("1 MiB, last byte of the head") << kMiB << kSample - 1 << true;
    // The known, intended trade-off: the id costs two small reads, so bytes between the sampled
    // head and tail are not part of it. An edit there keeps the id (and so the resume point).
    QTest::newRow("1 MiB, first byte after the head") << kMiB << kSample << false;
    QTest::newRow("1 MiB, middle") << kMiB << kMiB / 2 << false;
    QTest::newRow("1 MiB, last byte before the tail") << kMiB << kMiB - kSample - 1 << false;
    QTest::newRow("1 MiB, first byte of the tail") << kMiB << kMiB - kSample << true;
    QTest::newRow("1 MiB, last byte") << kMiB << kMiB - 1 << true;
    // Head and tail overlap below 128 KiB: every byte is sampled.
    QTest::newRow("100000 bytes, middle") << qsizetype(100000) << qsizetype(50000) << true;
    QTest::newRow("1 byte") << qsizetype(1) << qsizetype(0) << true;
}

void tst_ContentFingerprint::changedByte()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, offset);
    QFETCH(bool, idChanges);

    QByteArray content = randomBytes(m_random, size);
    const QString original = m_dir.filePath(QStringLiteral("original.bin"));
    const QString edited = m_dir.filePath(QStringLiteral("edited.bin"));
    QVERIFY(writeFile(original, content));
    content[offset] = char(content.at(offset) ^ 0x5a);
    QVERIFY(writeFile(edited, content));

    const QString before = ContentFingerprint::ofFile(original);
    const QString after = ContentFingerprint::ofFile(edited);
    QVERIFY(!before.isEmpty());
    QVERIFY(!after.isEmpty());
    QCOMPARE(after != before, idChanges);

    QString error;
    QCOMPARE(after, expectedId(content, &error));
}

// Same head, same tail, one byte more in the middle: the size alone tells them apart.
void tst_ContentFingerprint::sizeIsPartOfTheId()
{
    const QByteArray content = randomBytes(m_random, kMiB);
    const QByteArray longer = content.left(kMiB / 2) + 'x' + content.mid(kMiB / 2);
    QCOMPARE(longer.left(kSample), content.left(kSample));
    QCOMPARE(longer.right(kSample), content.right(kSample));

    const QString a = m_dir.filePath(QStringLiteral("a.bin"));
    const QString b = m_dir.filePath(QStringLiteral("b.bin"));
    QVERIFY(writeFile(a, content));
    QVERIFY(writeFile(b, longer));
    QVERIFY(ContentFingerprint::ofFile(a) != ContentFingerprint::ofFile(b));
}

void tst_ContentFingerprint::missingFile()
{
    const QString path = m_dir.filePath(QStringLiteral("no such folder/missing video.mkv"));
    QString error;
    QCOMPARE(ContentFingerprint::ofFile(path, &error), QString());
    QVERIFY2(error.contains(path), qPrintable(error));
    QCOMPARE(ContentFingerprint::ofFile(path), QString()); // no error pointer: no crash
}

QTEST_GUILESS_MAIN(tst_ContentFingerprint)
#include "tst_contentfingerprint.moc"
