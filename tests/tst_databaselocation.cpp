// DatabaseLocation: what --db accepts (a SQLite path or a postgresql:// URL) and what it refuses.
#include "databaselocation.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestDatabaseLocation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepted_data();
    void accepted();
    void refused_data();
    void refused();
    void displayNameHidesThePassword();
};

void TestDatabaseLocation::accepted_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("options");

    QTest::newRow("sqlite path") << u"/var/lib/playmark/playmark.sqlite"_s << false << QString()
                                 << -1 << QString() << QString() << QString();
    QTest::newRow("relative path") << u"data/server.sqlite"_s << false << QString() << -1
                                   << QString() << QString() << QString();
    QTest::newRow("full url") << u"postgresql://playmark@db.example.org:6543/positions"_s << true
                              << u"db.example.org"_s << 6543 << u"playmark"_s << u"positions"_s
                              << QString();
    QTest::newRow("short scheme") << u"postgres://u@h/d"_s << true << u"h"_s << -1 << u"u"_s
                                  << u"d"_s << QString();
    QTest::newRow("local socket, no host")
        << u"postgresql://playmark@/playmark"_s << true << QString() << -1 << u"playmark"_s
        << u"playmark"_s << QString();
    QTest::newRow("libpq options")
        << u"postgresql://u@h:5432/d?sslmode=require&connect_timeout=3"_s << true << u"h"_s << 5432
        << u"u"_s << u"d"_s << u"sslmode=require;connect_timeout=3"_s;
    QTest::newRow("socket folder as an option")
        << u"postgresql://u@/d?host=/run/postgresql"_s << true << QString() << -1 << u"u"_s
        << u"d"_s << u"host=/run/postgresql"_s;
}

void TestDatabaseLocation::accepted()
{
    QFETCH(QString, text);
    QString error;
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(text, &error);
    QVERIFY2(location, qPrintable(error));
    QFETCH(bool, postgres);
    QCOMPARE(location->kind == DatabaseLocation::Kind::PostgreSQL, postgres);
    QCOMPARE(DatabaseLocation::isPostgreSqlUrl(text), postgres);
    if (!postgres) {
        QCOMPARE(location->path, text);
        return;
    }
    QTEST(location->host, "host");
    QTEST(location->port, "port");
    QTEST(location->user, "user");
    QTEST(location->database, "database");
    QTEST(location->options, "options");
}

void TestDatabaseLocation::refused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mention");

    QTest::newRow("empty") << QString() << u"SQLite file path"_s;
    QTest::newRow("another engine") << u"mysql://u@h/d"_s << u"postgresql://"_s;
    QTest::newRow("no database") << u"postgresql://u@h:5432"_s << u"names no database"_s;
    QTest::newRow("no database, slash") << u"postgresql://u@h:5432/"_s << u"names no database"_s;
    QTest::newRow("two path parts") << u"postgresql://u@h/d/e"_s << u"/d/e"_s;
    QTest::newRow("bad port") << u"postgresql://u@h:99999/d"_s << u"not valid"_s;
    QTest::newRow("option with a space")
        << u"postgresql://u@h/d?options=-c%20a%3Db"_s << u"options=-c a=b"_s;
    QTest::newRow("option with a quote") << u"postgresql://u@h/d?sslmode=x'y"_s << u"sslmode=x'y"_s;
    QTest::newRow("upper-case key") << u"postgresql://u@h/d?SSLMODE=require"_s << u"SSLMODE"_s;
}

void TestDatabaseLocation::refused()
{
    QFETCH(QString, text);
    QFETCH(QString, mention);
    QString error;
    QVERIFY(!DatabaseLocation::parse(text, &error));
    QVERIFY2(error.contains(mention), qPrintable(error));
}

void TestDatabaseLocation::displayNameHidesThePassword()
{
    const std::optional<DatabaseLocation> location =
        DatabaseLocation::parse(u"postgresql://playmark:s3cret@db:5432/playmark"_s, nullptr);
    QVERIFY(location);
    QCOMPARE(location->password, u"s3cret"_s);
    QVERIFY(!location->displayName().contains(u"s3cret"_s));
    QCOMPARE(location->displayName(), u"postgresql://playmark@db:5432/playmark"_s);
}

QTEST_GUILESS_MAIN(TestDatabaseLocation)
#include "tst_databaselocation.moc"
