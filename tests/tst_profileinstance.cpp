// ProfileInstance's socket name: one per profile folder, whatever it is called, and always short
// enough for a Unix socket. (Handing a file over between two real players: tst_desktopintegration.)
#include "profileinstance.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestProfileInstance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameFolderSameSocket();
    void otherFolderOtherSocket();
    void longNamesStayWithinTheLimit_data();
    void longNamesStayWithinTheLimit();
    void firstClaimOwnsTheProfile();
};

void TestProfileInstance::sameFolderSameSocket()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString profile = dir.filePath(u"profile"_s);
    QVERIFY(QDir().mkpath(profile));
    QVERIFY(QFile::link(profile, dir.filePath(u"link"_s)));
    const QString socket = ProfileInstance::socketPath(profile);
    QCOMPARE(ProfileInstance::socketPath(dir.filePath(u"link"_s)), socket);
    QCOMPARE(ProfileInstance::socketPath(dir.filePath(u"profile/../profile/"_s)), socket);
    QDir current = QDir::current();
    QVERIFY(QDir::setCurrent(dir.path()));
    QCOMPARE(ProfileInstance::socketPath(u"profile"_s), socket); // relative, as --profile may be
    QDir::setCurrent(current.path());
}

void TestProfileInstance::otherFolderOtherSocket()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(ProfileInstance::socketPath(dir.filePath(u"TV"_s))
            != ProfileInstance::socketPath(dir.filePath(u"Phone"_s)));
}

void TestProfileInstance::longNamesStayWithinTheLimit_data()
{
    QTest::addColumn<QString>("runtimeDir");
    QTest::newRow("no runtime dir") << QString();
    QTest::newRow("short runtime dir") << u"short"_s;
    QTest::newRow("long runtime dir") << QString(u'r').repeated(150);
}

void TestProfileInstance::longNamesStayWithinTheLimit()
{
    QFETCH(QString, runtimeDir);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray saved = qgetenv("XDG_RUNTIME_DIR");
    if (runtimeDir.isEmpty()) {
        qunsetenv("XDG_RUNTIME_DIR");
    } else {
        QVERIFY(QDir().mkpath(dir.filePath(runtimeDir)));
        qputenv("XDG_RUNTIME_DIR", dir.filePath(runtimeDir).toLocal8Bit());
    }
    // A profile folder far longer than a socket path may be.
    QString deep = dir.path();
    for (int i = 0; i < 6; ++i)
        deep += u'/' + QString(u'p').repeated(50);
    const QString socket = ProfileInstance::socketPath(deep);
    if (saved.isNull())
        qunsetenv("XDG_RUNTIME_DIR");
    else
        qputenv("XDG_RUNTIME_DIR", saved);
    QVERIFY2(socket.toLocal8Bit().size() <= 107, qPrintable(socket));
    if (runtimeDir == u"short"_s)
        QVERIFY2(socket.startsWith(dir.filePath(runtimeDir) + u'/'), qPrintable(socket));
}

void TestProfileInstance::firstClaimOwnsTheProfile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString profile = dir.filePath(u"profile"_s);
    {
        ProfileInstance instance(profile);
        QString message;
        QCOMPARE(instance.claim(QString(), 1000, &message), ProfileInstance::Claim::Owner);
        QVERIFY(QFile::exists(profile + u"/instance.lock"_s));
        QVERIFY(QFile::exists(ProfileInstance::socketPath(profile)));
    }
    // Released with the object: the next start finds nothing in its way.
    QVERIFY(!QFile::exists(profile + u"/instance.lock"_s));
    QVERIFY(!QFile::exists(ProfileInstance::socketPath(profile)));
}

QTEST_GUILESS_MAIN(TestProfileInstance)
#include "tst_profileinstance.moc"
