// DatabaseLocation: what --db accepts (a SQLite path or a postgresql:// URL) and what it refuses.
#include "databaselocation.h"

#include <QSqlDatabase>
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
    void severalHosts();
    void connectOptionsKeepWhatTheUrlSays();
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
    QCOMPARE(location->hosts.size(), 1);
    QTEST(location->hosts.constFirst().name, "host");
    QTEST(location->hosts.constFirst().port, "port");
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
    QTest::newRow("empty host in a list") << u"postgresql://u@h1:5432,,h2/d"_s << u"empty host"_s;
    QTest::newRow("trailing comma") << u"postgresql://u@h1:5432,/d"_s << u"empty host"_s;
    QTest::newRow("port without host in a list")
        << u"postgresql://u@h1:5432,:5433/d"_s << u"empty host"_s;
    QTest::newRow("bad port in a list")
        << u"postgresql://u@h1:5432,h2:70000/d"_s << u"host 'h2:70000' is not valid"_s;
    QTest::newRow("port zero") << u"postgresql://u@h1:0/d"_s << u"host 'h1:0' is not valid"_s;
    QTest::newRow("port again as an option")
        << u"postgresql://u@h1:5432,h2:5433/d?port=6000"_s << u"give them once"_s;
    QTest::newRow("host again as an option")
        << u"postgresql://u@h1/d?host=/run/postgresql"_s << u"give them once"_s;
    QTest::newRow("hostaddr with hosts")
        << u"postgresql://u@h1,h2/d?hostaddr=10.0.0.1"_s << u"give them once"_s;
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

// libpq's multi-host form, as Patroni and pg_auto_failover clusters are reached: every host is kept
// in order, the ports travel as libpq's list, and only a host that takes writes will do.
void TestDatabaseLocation::severalHosts()
{
    QString error;
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(
        u"postgresql://playmark:pw@db1.example.org:5433,10.0.0.2,[::1]:5435/playmark?sslmode=require"_s,
        &error);
    QVERIFY2(location, qPrintable(error));
    QCOMPARE(location->hosts.size(), 3);
    QCOMPARE(location->hosts.at(0).name, u"db1.example.org"_s);
    QCOMPARE(location->hosts.at(0).port, 5433);
    QCOMPARE(location->hosts.at(1).name, u"10.0.0.2"_s);
    QCOMPARE(location->hosts.at(1).port, -1);
    QCOMPARE(location->hosts.at(2).name, u"::1"_s);
    QCOMPARE(location->hosts.at(2).port, 5435);
    QCOMPARE(location->user, u"playmark"_s);
    QCOMPARE(location->password, u"pw"_s);
    QCOMPARE(location->database, u"playmark"_s);
    QCOMPARE(location->displayName(),
             u"postgresql://playmark@db1.example.org:5433,10.0.0.2,[::1]:5435/playmark"_s);
    const QStringList options = location->connectOptions().split(u';');
    QVERIFY2(options.contains(u"sslmode=require"_s), qPrintable(location->connectOptions()));
    QVERIFY2(options.contains(u"port=5433,,5435"_s), qPrintable(location->connectOptions()));
    QVERIFY2(options.contains(u"target_session_attrs=read-write"_s),
             qPrintable(location->connectOptions()));
    QVERIFY2(options.contains(u"connect_timeout=5"_s), qPrintable(location->connectOptions()));
    QVERIFY2(options.contains(u"keepalives_idle=10"_s), qPrintable(location->connectOptions()));

    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, u"several-hosts"_s);
    location->configure(db);
    QCOMPARE(db.hostName(), u"db1.example.org,10.0.0.2,::1"_s);
    QCOMPARE(db.port(), -1); // the ports are among the options
    QCOMPARE(db.connectOptions(), location->connectOptions());
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"several-hosts"_s);
}

void TestDatabaseLocation::connectOptionsKeepWhatTheUrlSays()
{
    const std::optional<DatabaseLocation> one =
        DatabaseLocation::parse(u"postgresql://u@h:5432/d"_s, nullptr);
    QVERIFY(one);
    // One host: its port goes as QPSQL's port; it must take writes too (a name may resolve to
    // every member of a cluster).
    QVERIFY(!one->connectOptions().contains(u"port="_s));
    QVERIFY(one->connectOptions().split(u';').contains(u"target_session_attrs=read-write"_s));
    QVERIFY(one->connectOptions().split(u';').contains(u"tcp_user_timeout=25000"_s));

    // One keep-alive setting given keeps the others' defaults.
    const std::optional<DatabaseLocation> idle =
        DatabaseLocation::parse(u"postgresql://u@h/d?keepalives_idle=30"_s, nullptr);
    QVERIFY(idle);
    const QStringList idleOptions = idle->connectOptions().split(u';');
    QVERIFY(idleOptions.contains(u"keepalives_idle=30"_s));
    QVERIFY(!idleOptions.contains(u"keepalives_idle=10"_s));
    QVERIFY(idleOptions.contains(u"keepalives_interval=5"_s));
    QVERIFY(idleOptions.contains(u"keepalives_count=3"_s));

    const std::optional<DatabaseLocation> told = DatabaseLocation::parse(
        u"postgresql://u@h1:1,h2:2/d?target_session_attrs=any&connect_timeout=2&keepalives=0"_s,
        nullptr);
    QVERIFY(told);
    const QStringList options = told->connectOptions().split(u';');
    QVERIFY(options.contains(u"target_session_attrs=any"_s));
    QVERIFY(!options.contains(u"target_session_attrs=read-write"_s));
    QVERIFY(options.contains(u"connect_timeout=2"_s));
    QVERIFY(!options.contains(u"connect_timeout=5"_s));
    QVERIFY(options.contains(u"keepalives=0"_s));
    QVERIFY(options.contains(u"port=1,2"_s));
}

QTEST_GUILESS_MAIN(TestDatabaseLocation)
#include "tst_databaselocation.moc"
