// The servers a player uses and the one in use, as the sync client and the event stream share
// them: where it starts, when a new list resets it, moving on once for requests in flight
// together, no moving on with one server or after the list changed, which answers count as away,
// and the requests it builds (URL under the server's path, token, timeout, trusted certificates).

#include "client/serverpool.h"
#include "client/tlstrust.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QUrl kA(u"http://a.test:8787"_s);
const QUrl kB(u"http://b.test:8787"_s);
const QUrl kC(u"https://c.test/sync/"_s);

// A self-signed certificate, as a person would trust for a server of their own.
const char kCertificate[] = R"(-----BEGIN CERTIFICATE-----
MIIDFzCCAf+gAwIBAgIUGRv87JUbDQFUXos2m/19Hi/JRlEwDQYJKoZIhvcNAQEL
BQAwGjEYMBYGA1UEAwwPc2VydmVycG9vbC50ZXN0MCAXDTI2MTIwNDExNDE1M1oY
DzIxMjYxMTEwMTE0MTUzWjAaMRgwFgYDVQQDDA9zZXJ2ZXJwb29sLnRlc3QwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCzNVx/Q8EkS7GRCCuuh4G8670K
KjwHXNHqueq+6ljzsRdPJeOqrd5gPEJWXWkWy5M3yLiK0Z3UUQSanaI16nkNBHVN
n7Y+TcLp1mpYT6cTr+PR3zAQUb2ib7sERl3wEy17E/z2PvvHiA7JavgEyVN6wV4t
UgNUTqCFyUPpxiUd8F1p0PGCJWaCZOeFwUnUI32v7k0SR9S0netL4KRQxs9f/kMx
ElXyycVZK4V0Zx8NWirKwuY59KEBEJ+QOwnbK2LReWTp9NaXXE/7LFriH1OlB1cc
I7muwIBf7CqwUMqMKKct/uXh1ZByp0cekOSGarAnuEsaWN6UgnKz9mMsH5L9AgMB
AAGjUzBRMB0GA1UdDgQWBBRATLuRL5IMtxDAOKMvNSvpJvSPNDAfBgNVHSMEGDAW
gBRATLuRL5IMtxDAOKMvNSvpJvSPNDAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3
DQEBCwUAA4IBAQBA1eyW9IVEfkUfk3veCcD/VeG26189vqNwz/ShaxdAZ0qy6Udh
lW4XyJ8gZiRZpl8uNQgGlAgRb8DVeKaiNRV5nJhyR/pplNBViN38bz/ataE8mxdN
LGkYjvb0XQLP1tYIulMRrbdxrGc7Bv6LmCcpU7WzzHPDm1y3UiBTOK2cEYwGPUB/
8/a/PTDkLW0mDoUTtEqB+/orjpaVw/pp5pP2sqXRW6Yj9aqj4aMq7m23cyVrcLE6
fOTwpNRB1y0CHR0As5UoeR/BvOxi/W9LwSEhivwZRSjjNl/VsfQ8RSja+hGEf3dh
y23ZO6mdY6aMZV4OiusbRydkSePKBA978rVu
-----END CERTIFICATE-----
)";
} // namespace

class tst_ServerPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startsFromTheFirst();
    void theSameListKeepsTheServerInUse();
    void anotherListStartsOver();
    void isUsable_data();
    void isUsable();
    void setCurrentTakesOnlyListedServers();
    void requestsTogetherMoveOnOnce();
    void movesOnRoundTheList();
    void noMovingOnWithOneServer();
    void noMovingOnForAnOlderList();
    void isAway_data();
    void isAway();
    void buildsRequests_data();
    void buildsRequests();
    void requestsTrustTheChosenCertificates();
};

void tst_ServerPool::startsFromTheFirst()
{
    ServerPool pool;
    QVERIFY(pool.current().isEmpty());
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    QSignalSpy listChanged(&pool, &ServerPool::serversChanged);
    pool.setServers(ServerList({kA, kB}), u"tok"_s);
    QCOMPARE(pool.current(), kA);
    QCOMPARE(pool.token(), u"tok"_s);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.constFirst().constFirst().toUrl(), kA);
    QCOMPARE(listChanged.size(), 1);
}

void tst_ServerPool::theSameListKeepsTheServerInUse()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB}), u"tok"_s);
    pool.setCurrent(kB);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    QSignalSpy listChanged(&pool, &ServerPool::serversChanged);
    pool.setServers(ServerList({kA, kB}), u"other"_s);
    QCOMPARE(pool.current(), kB);
    QCOMPARE(pool.token(), u"other"_s); // the token is taken all the same
    QVERIFY(changed.isEmpty());
    QVERIFY(listChanged.isEmpty());
}

void tst_ServerPool::anotherListStartsOver()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB}), u"tok"_s);
    pool.setCurrent(kB);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    QSignalSpy listChanged(&pool, &ServerPool::serversChanged);
    pool.setServers(ServerList({kB, kC}), u"tok"_s);
    QCOMPARE(pool.current(), kB);
    QVERIFY(changed.isEmpty()); // still the same server
    QCOMPARE(listChanged.size(), 1);
    pool.setServers(ServerList({kC, kA}), u"tok"_s);
    QCOMPARE(pool.current(), kC);
    QCOMPARE(changed.size(), 1);
}

void tst_ServerPool::isUsable_data()
{
    QTest::addColumn<QList<QUrl>>("servers");
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("usable");
    QTest::newRow("a server and a token") << QList<QUrl>{kA} << u"tok"_s << true;
    QTest::newRow("no token") << QList<QUrl>{kA} << QString() << false;
    QTest::newRow("no server") << QList<QUrl>{} << u"tok"_s << false;
}

void tst_ServerPool::isUsable()
{
    QFETCH(QList<QUrl>, servers);
    QFETCH(QString, token);
    QFETCH(bool, usable);
    ServerPool pool;
    pool.setServers(ServerList(servers), token);
    QCOMPARE(pool.isUsable(), usable);
}

void tst_ServerPool::setCurrentTakesOnlyListedServers()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB}), u"tok"_s);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    pool.setCurrent(kC);
    pool.setCurrent(kA);
    QCOMPARE(pool.current(), kA);
    QVERIFY(changed.isEmpty());
    pool.setCurrent(kB);
    QCOMPARE(pool.current(), kB);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.constFirst().constFirst().toUrl(), kB);
}

void tst_ServerPool::requestsTogetherMoveOnOnce()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB, kC}), u"tok"_s);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    // Sent together to A (a delivery and the event stream, say), both find it away.
    const ServerPool::Ticket first = pool.ticket();
    const ServerPool::Ticket second = pool.ticket();
    QVERIFY(pool.moveOn(first, u"HTTP 503"_s));
    QCOMPARE(pool.current(), kB);
    QVERIFY(pool.moveOn(second, u"connection refused"_s)); // B is still worth a try
    QCOMPARE(pool.current(), kB);
    QCOMPARE(changed.size(), 1);
}

void tst_ServerPool::movesOnRoundTheList()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB, kC}), u"tok"_s);
    QList<QUrl> visited;
    for (int i = 0; i < 4; ++i) {
        QVERIFY(pool.moveOn(pool.ticket(), u"HTTP 502"_s));
        visited.append(pool.current());
    }
    QCOMPARE(visited, (QList<QUrl>{kB, kC, kA, kB}));
}

void tst_ServerPool::noMovingOnWithOneServer()
{
    ServerPool pool;
    pool.setServers(ServerList({kA}), u"tok"_s);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    QVERIFY(!pool.moveOn(pool.ticket(), u"HTTP 503"_s));
    QCOMPARE(pool.current(), kA);
    QVERIFY(changed.isEmpty());
}

void tst_ServerPool::noMovingOnForAnOlderList()
{
    ServerPool pool;
    pool.setServers(ServerList({kA, kB}), u"tok"_s);
    const ServerPool::Ticket old = pool.ticket();
    pool.setServers(ServerList({kC, kA}), u"tok"_s);
    QSignalSpy changed(&pool, &ServerPool::currentChanged);
    // The answer to a request sent under the old list says nothing about the new one.
    QVERIFY(!pool.moveOn(old, u"HTTP 503"_s));
    QCOMPARE(pool.current(), kC);
    QVERIFY(changed.isEmpty());
}

void tst_ServerPool::isAway_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("away");
    QTest::newRow("no answer") << 0 << true;
    QTest::newRow("502") << 502 << true;
    QTest::newRow("503") << 503 << true;
    QTest::newRow("504") << 504 << true;
    QTest::newRow("200") << 200 << false;
    QTest::newRow("401") << 401 << false;
    QTest::newRow("404") << 404 << false;
    QTest::newRow("413") << 413 << false;
    QTest::newRow("500") << 500 << false;
}

void tst_ServerPool::isAway()
{
    QFETCH(int, status);
    QFETCH(bool, away);
    QCOMPARE(ServerPool::isAway(status), away);
}

void tst_ServerPool::buildsRequests_data()
{
    QTest::addColumn<QUrl>("server");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QUrl>("url");
    QTest::newRow("at the root") << kA << u"/v1/sync"_s << QUrl(u"http://a.test:8787/v1/sync"_s);
    QTest::newRow("with a query") << kA << u"/v1/progress?limit=20"_s
                                  << QUrl(u"http://a.test:8787/v1/progress?limit=20"_s);
    QTest::newRow("under a path") << kC << u"/v1/events"_s
                                  << QUrl(u"https://c.test/sync/v1/events"_s);
}

void tst_ServerPool::buildsRequests()
{
    QFETCH(QUrl, server);
    QFETCH(QString, path);
    QFETCH(QUrl, url);
    ServerPool pool;
    pool.setServers(ServerList({server}), u"tok_0123"_s);
    const QNetworkRequest request = pool.request(path, 4321);
    QCOMPARE(request.url(), url);
    QCOMPARE(request.rawHeader("Authorization"), QByteArray("Bearer tok_0123"));
    QCOMPARE(request.transferTimeout(), 4321);
}

void tst_ServerPool::requestsTrustTheChosenCertificates()
{
    const QList<QSslCertificate> chosen = QSslCertificate::fromData(kCertificate);
    QCOMPARE(chosen.size(), 1);
    ServerPool pool;
    pool.setServers(ServerList({kC}), u"tok"_s);
    QVERIFY(!pool.request(u"/v1/sync"_s, 1000)
                 .sslConfiguration()
                 .caCertificates()
                 .contains(chosen.constFirst()));
    pool.setTrustedCertificates(chosen);
    const QSslConfiguration tls = pool.request(u"/v1/sync"_s, 1000).sslConfiguration();
    QCOMPARE(tls.caCertificates(), TlsTrust::configuration(chosen).caCertificates());
    QVERIFY(tls.caCertificates().contains(chosen.constFirst()));
    QCOMPARE(tls.peerVerifyMode(), TlsTrust::configuration(chosen).peerVerifyMode());
}

QTEST_GUILESS_MAIN(tst_ServerPool)
#include "tst_serverpool.moc"
