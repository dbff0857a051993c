// Workload: the reads it chooses (ids this run wrote, and ids stored before it with --read-ids)
// and the file of content ids that --read-ids reads.

#include "workload.h"

#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

class tst_Workload : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noReadBeforeAnything();
    void readsOnlyWrittenIds();
    void readsGivenIdsBeforeAnyWrite();
    void readsBothGivenAndWrittenIds();
    void loadContentIds_data();
    void loadContentIds();
    void loadMissingFile();

private:
    QString writeFile(const QByteArray &contents);
    QTemporaryDir m_dir;
    int m_files = 0;
};

void tst_Workload::noReadBeforeAnything()
{
    Workload workload(2, 3, false, 5000, 1);
    Workload::Request request;
    QVERIFY(!workload.nextRead(&request));
}

void tst_Workload::readsOnlyWrittenIds()
{
    Workload workload(2, 3, false, 5000, 1);
    workload.markWritten(4);
    Workload::Request request;
    for (int i = 0; i < 20; ++i) {
        QVERIFY(workload.nextRead(&request));
        QCOMPARE(request.method, QByteArray("GET"));
        QCOMPARE(request.content, 4);
        QCOMPARE(request.path, QByteArray("/v1/progress/") + workload.contentId(4));
        QVERIFY(request.body.isEmpty());
    }
}

void tst_Workload::readsGivenIdsBeforeAnyWrite()
{
    Workload workload(1, 1, false, 5000, 7);
    workload.addReadIds({"pm1-aa", "pm1-bb"});
    QSet<QByteArray> seen;
    Workload::Request request;
    for (int i = 0; i < 100; ++i) {
        QVERIFY(workload.nextRead(&request));
        QCOMPARE(request.content, -1); // not one of the run's: a response marks nothing written
        seen.insert(request.path);
    }
    QCOMPARE(seen, (QSet<QByteArray>{"/v1/progress/pm1-aa", "/v1/progress/pm1-bb"}));
}

void tst_Workload::readsBothGivenAndWrittenIds()
{
    Workload workload(1, 1, false, 5000, 3);
    workload.addReadIds({"pm1-aa"});
    workload.markWritten(0);
    QSet<QByteArray> seen;
    Workload::Request request;
    for (int i = 0; i < 200; ++i) {
        QVERIFY(workload.nextRead(&request));
        seen.insert(request.path);
    }
    QCOMPARE(seen,
             (QSet<QByteArray>{"/v1/progress/pm1-aa",
                               QByteArray("/v1/progress/") + workload.contentId(0)}));
}

void tst_Workload::loadContentIds_data()
{
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QList<QByteArray>>("ids"); // empty: the file is refused
    QTest::addColumn<QString>("mentions");

    QTest::newRow("one a line") << QByteArray("pm1-0a\npm1-0b\n")
                                << QList<QByteArray>{"pm1-0a", "pm1-0b"} << QString();
    QTest::newRow("no final newline, CRLF, empty lines")
        << QByteArray("a.b_c:d-e\r\n\r\n\nX9") << QList<QByteArray>{"a.b_c:d-e", "X9"} << QString();
    QTest::newRow("longest id") << QByteArray(128, 'z') << QList<QByteArray>{QByteArray(128, 'z')}
                                << QString();
    QTest::newRow("too long") << QByteArray("ok\n") + QByteArray(129, 'z') << QList<QByteArray>{}
                              << QStringLiteral(":2:");
    QTest::newRow("slash") << QByteArray("ok\nmovie/1\n") << QList<QByteArray>{}
                           << QStringLiteral(":2:");
    QTest::newRow("space inside") << QByteArray("a b\n") << QList<QByteArray>{}
                                  << QStringLiteral(":1:");
    QTest::newRow("empty file") << QByteArray() << QList<QByteArray>{}
                                << QStringLiteral("no content ids");
    QTest::newRow("only blank lines")
        << QByteArray("\n\n") << QList<QByteArray>{} << QStringLiteral("no content ids");
}

void tst_Workload::loadContentIds()
{
    QFETCH(QByteArray, contents);
    QFETCH(QList<QByteArray>, ids);
    QFETCH(QString, mentions);

    const QString path = writeFile(contents);
    QList<QByteArray> loaded;
    QString error;
    const bool ok = Workload::loadContentIds(path, &loaded, &error);
    QCOMPARE(ok, !ids.isEmpty());
    if (ok) {
        QCOMPARE(loaded, ids);
    } else {
        QVERIFY2(error.contains(mentions), qPrintable(error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }
}

void tst_Workload::loadMissingFile()
{
    QList<QByteArray> loaded;
    QString error;
    QVERIFY(!Workload::loadContentIds(m_dir.filePath(QStringLiteral("none.txt")), &loaded, &error));
    QVERIFY2(error.contains(QStringLiteral("cannot read")), qPrintable(error));
}

QString tst_Workload::writeFile(const QByteArray &contents)
{
    const QString path = m_dir.filePath(QStringLiteral("ids-%1.txt").arg(++m_files));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QTEST_GUILESS_MAIN(tst_Workload)
#include "tst_workload.moc"
