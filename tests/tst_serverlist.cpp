// The player's list of sync servers (ServerList): what `--server`, the profile and the settings
// dialog accept as text, the message that names a bad entry, and the text it gives back.
#include "serverlist/serverlist.h"

#include <QTest>

using namespace Qt::StringLiterals;

class tst_ServerList : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void fromUrls();
};

void tst_ServerList::parses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("urls");
    QTest::addColumn<QString>("asText"); // toText() of the result

    QTest::newRow("empty") << QString() << QStringList() << QString();
    QTest::newRow("blank") << u"   "_s << QStringList() << QString();
    QTest::newRow("one") << u"http://127.0.0.1:8787"_s << QStringList{u"http://127.0.0.1:8787"_s}
                         << u"http://127.0.0.1:8787"_s;
    QTest::newRow("one, spaces around")
        << u"  http://nas.local:8787 "_s << QStringList{u"http://nas.local:8787"_s}
        << u"http://nas.local:8787"_s;
    QTest::newRow("two, no spaces")
        << u"http://a:8787,http://b:8787"_s << QStringList{u"http://a:8787"_s, u"http://b:8787"_s}
        << u"http://a:8787, http://b:8787"_s;
    QTest::newRow("two, the order kept")
        << u"http://b:8787 , http://a:8787"_s << QStringList{u"http://b:8787"_s, u"http://a:8787"_s}
        << u"http://b:8787, http://a:8787"_s;
    QTest::newRow("https with a path, IPv6, a port-less host")
        << u"https://sync.example.org/playmark, http://[::1]:8787, https://backup.example.org"_s
        << QStringList{u"https://sync.example.org/playmark"_s, u"http://[::1]:8787"_s,
                       u"https://backup.example.org"_s}
        << u"https://sync.example.org/playmark, http://[::1]:8787, https://backup.example.org"_s;
    QTest::newRow("the same host on two ports")
        << u"http://nas:8787,http://nas:8788"_s
        << QStringList{u"http://nas:8787"_s, u"http://nas:8788"_s}
        << u"http://nas:8787, http://nas:8788"_s;
}

void tst_ServerList::parses()
{
    QFETCH(QString, text);
    QFETCH(QStringList, urls);
    QFETCH(QString, asText);

    QString error;
    const auto list = ServerList::parse(text, &error);
    QVERIFY2(list, qPrintable(error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QList<QUrl> expected;
    for (const QString &url : urls)
        expected.append(QUrl(url));
    QCOMPARE(list->urls(), expected);
    QCOMPARE(list->size(), int(expected.size()));
    QCOMPARE(list->isEmpty(), expected.isEmpty());
    QCOMPARE(list->toText(), asText);
    // What toText() gives parses back to the same list.
    QCOMPARE(ServerList::parse(list->toText(), &error), list);
}

void tst_ServerList::refuses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions"); // the bad entry, or what is wrong

    QTest::newRow("ftp") << u"ftp://a:8787"_s << u"'ftp://a:8787'"_s;
    QTest::newRow("no scheme") << u"nas.local:8787"_s << u"'nas.local:8787'"_s;
    QTest::newRow("no host") << u"http://"_s << u"'http://'"_s;
    QTest::newRow("a port out of range") << u"http://a:99999"_s << u"'http://a:99999'"_s;
    QTest::newRow("a space in the host") << u"http://my nas:8787"_s << u"'http://my nas:8787'"_s;
    QTest::newRow("the second bad") << u"http://a:8787, ws://b:8787"_s << u"'ws://b:8787'"_s;
    QTest::newRow("the first bad, the second fine") << u"a:8787,http://b:8787"_s << u"'a:8787'"_s;
    QTest::newRow("two commas in a row") << u"http://a:8787,,http://b:8787"_s << u"empty"_s;
    QTest::newRow("a comma at the end") << u"http://a:8787,"_s << u"empty"_s;
    QTest::newRow("a comma at the start") << u",http://a:8787"_s << u"empty"_s;
    QTest::newRow("a blank entry") << u"http://a:8787, ,http://b:8787"_s << u"empty"_s;
    QTest::newRow("one listed twice") << u"http://a:8787, http://a:8787"_s << u"twice"_s;
}

void tst_ServerList::refuses()
{
    QFETCH(QString, text);
    QFETCH(QString, mentions);

    QString error;
    QVERIFY(!ServerList::parse(text, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

// Made by the code itself: entries that are no URL are left out, and so is a repeat.
void tst_ServerList::fromUrls()
{
    QVERIFY(ServerList().isEmpty());
    QCOMPARE(ServerList().at(0), QUrl()); // no server
    QVERIFY(ServerList({QUrl()}).isEmpty());
    const ServerList list(
        {QUrl(u"http://a:8787"_s), QUrl(), QUrl(u"http://b:8787"_s), QUrl(u"http://a:8787"_s)});
    QCOMPARE(list.toText(), u"http://a:8787, http://b:8787"_s);
    QCOMPARE(list.indexOf(QUrl(u"http://b:8787"_s)), 1);
    QCOMPARE(list.indexOf(QUrl(u"http://c:8787"_s)), -1);
    QVERIFY(list != ServerList({QUrl(u"http://b:8787"_s), QUrl(u"http://a:8787"_s)}));
}

QTEST_APPLESS_MAIN(tst_ServerList)
#include "tst_serverlist.moc"
