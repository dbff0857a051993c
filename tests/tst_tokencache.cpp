#include "tokencache.h"

#include <QTest>

// What HttpFrontend remembers of tokens: a valid one long enough that a device reporting every
// few seconds is not looked up in the database each time, an unknown one briefly.
class TestTokenCache : public QObject
{
    Q_OBJECT

private:
    static DeviceIdentity device(qint64 userId, const QString &key)
    {
        DeviceIdentity identity;
        identity.userId = userId;
        identity.deviceKey = key;
        identity.boundDeviceId = key + QStringLiteral("-id");
        return identity;
    }

private Q_SLOTS:
    void validTokensOutliveUnknownOnes()
    {
        // The defaults: a valid token stays for minutes, so a 5-s report finds it every time.
        QVERIFY(TokenCache::kKnownTtlMs >= 60 * 1000);
        QVERIFY(TokenCache::kUnknownTtlMs <= 5000);
        // An unknown token kept 10 s: long enough to be found right after even when the machine
        // stalls for seconds; it then has to go well within the wait below.
        TokenCache cache(60 * 60 * 1000, 10000);
        QVERIFY(cache.store(QStringLiteral("valid"), device(1, QStringLiteral("tv")), 0));
        QVERIFY(cache.store(QStringLiteral("guess"), DeviceIdentity(), 0));
        QVERIFY(cache.find(QStringLiteral("guess")).has_value());
        QTRY_VERIFY_WITH_TIMEOUT(!cache.find(QStringLiteral("guess")).has_value(), 60000);
        const std::optional<DeviceIdentity> found = cache.find(QStringLiteral("valid"));
        QVERIFY(found.has_value());
        QCOMPARE(found->userId, 1);
        QCOMPARE(found->deviceKey, QStringLiteral("tv"));
    }

    void fullCacheDropsExpiredEntriesFirst()
    {
        TokenCache cache(60 * 60 * 1000, 20, 3);
        QVERIFY(cache.store(QStringLiteral("a"), device(1, QStringLiteral("a")), 0));
        QVERIFY(cache.store(QStringLiteral("b"), device(1, QStringLiteral("b")), 0));
        QVERIFY(cache.store(QStringLiteral("guess"), DeviceIdentity(), 0));
        QTRY_VERIFY_WITH_TIMEOUT(!cache.find(QStringLiteral("guess")).has_value(), 30000);
        // Full: the expired guess makes room, and the valid ones stay.
        QVERIFY(cache.store(QStringLiteral("c"), device(1, QStringLiteral("c")), 0));
        for (const char *token : {"a", "b", "c"})
            QVERIFY2(cache.find(QLatin1String(token)).has_value(), token);
        // Full of valid entries: all go, and the new one is stored.
        QVERIFY(cache.store(QStringLiteral("d"), device(1, QStringLiteral("d")), 0));
        QVERIFY(!cache.find(QStringLiteral("a")).has_value());
        QVERIFY(cache.find(QStringLiteral("d")).has_value());
    }

    void removalForgetsAtOnce()
    {
        TokenCache cache;
        QVERIFY(cache.store(QStringLiteral("tv"), device(1, QStringLiteral("tv")), cache.epoch()));
        QVERIFY(cache.store(QStringLiteral("phone"), device(1, QStringLiteral("phone")),
                            cache.epoch()));
        const quint64 before = cache.epoch();
        cache.forget(1, QStringLiteral("phone"));
        QVERIFY(!cache.find(QStringLiteral("phone")).has_value());
        QVERIFY(cache.find(QStringLiteral("tv")).has_value());
        // A lookup that began before the removal is not kept.
        QVERIFY(!cache.store(QStringLiteral("phone"), device(1, QStringLiteral("phone")), before));
        QVERIFY(!cache.find(QStringLiteral("phone")).has_value());
    }
};

QTEST_GUILESS_MAIN(TestTokenCache)
#include "tst_tokencache.moc"
