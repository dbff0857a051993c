// Every input kept in fuzz/regressions/, replayed in the normal build through the same checks the
// libFuzzer harnesses make (fuzz/codecproperties.h, fuzz/httpprobe.h, fuzz/subtitleproperties.h):
// what the fuzzers once found stays fixed. recordcodec/ goes through the JSON codec, request/
// over HTTP to a server started in-process on 127.0.0.1, a fresh one for each input, subtitles/
// through the subtitle parser, cleaner and timeline.
#include "codecproperties.h"
#include "httpprobe.h"
#include "serverstorage.h"
#include "subtitleproperties.h"
#include "syncserver.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString kRegressions = QStringLiteral(PLAYMARK_FUZZ_REGRESSIONS);

QStringList inputs(const QString &folder)
{
    const QDir dir(kRegressions + u'/' + folder);
    QStringList paths;
    for (const QString &name : dir.entryList(QDir::Files, QDir::Name))
        paths << dir.filePath(name);
    return paths;
}

void addRows(const QString &folder)
{
    QTest::addColumn<QString>("path");
    for (const QString &path : inputs(folder))
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
}

QByteArray contents(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestFuzzRegressions final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void recordCodec_data();
    void recordCodec();
    void request_data();
    void request();
    void subtitles_data();
    void subtitles();
};

void TestFuzzRegressions::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(!inputs(u"recordcodec"_s).isEmpty(), qPrintable(kRegressions));
    QVERIFY2(!inputs(u"request"_s).isEmpty(), qPrintable(kRegressions));
    QVERIFY2(!inputs(u"subtitles"_s).isEmpty(), qPrintable(kRegressions));
}

void TestFuzzRegressions::recordCodec_data()
{
    addRows(u"recordcodec"_s);
}

void TestFuzzRegressions::recordCodec()
{
    QFETCH(QString, path);
    const QString broken = CodecProperties::check(contents(path));
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
}

void TestFuzzRegressions::request_data()
{
    addRows(u"request"_s);
}

void TestFuzzRegressions::request()
{
    QFETCH(QString, path);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SyncServer server;
    ServerOptions options;
    options.databasePath = dir.filePath(u"server.sqlite"_s);
    options.address = QHostAddress(QHostAddress::LocalHost);
    options.port = 0;
    options.rateLimit = 0; // as in fuzz_request
    QString error;
    QVERIFY2(server.start(options, &error), qPrintable(error));
    QString token;
    QVERIFY2(server.storage().users().addUser(u"fuzz"_s, &token, &error), qPrintable(error));
    QCOMPARE(HttpProbe::storeSampleRecords(server.port(), token.toUtf8()), QString());

    HttpProbe::Limits limits;
    const QByteArray request = HttpProbe::requestFor(contents(path), token.toUtf8(), &limits);
    // A raw input is done once nothing came for quietMs after its first answer (or the server
    // hung up): the wait is for that event, however busy the machine. One that never ended
    // ("truncated") gets neither before the server's idle timeout, and waits out the quiet window.
    limits.deadlineMs = 30000;
    limits.quietMs = 300;
    limits.awaitFirstAnswer = !path.contains(u"truncated"_s);
    const HttpProbe::Outcome outcome = HttpProbe::exchange(server.port(), request, limits);
    const QString verdict = HttpProbe::verdict(request, limits, outcome);
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
    // Answered or hung up on, unless the request never ended.
    QVERIFY2(!outcome.responses.isEmpty() || outcome.closedByServer
                 || path.contains(u"truncated"_s),
             "neither an answer nor a closed connection");
    QCOMPARE(HttpProbe::checkAlive(server.port()), QString());
}

void TestFuzzRegressions::subtitles_data()
{
    addRows(u"subtitles"_s);
}

void TestFuzzRegressions::subtitles()
{
    QFETCH(QString, path);
    const QString broken = SubtitleProperties::check(contents(path));
    QVERIFY2(broken.isEmpty(), qPrintable(broken));
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzzregressions.moc"
