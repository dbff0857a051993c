#pragma once

#include <QTest>

// Runs a test helper that checks with QVERIFY/QCOMPARE; a helper that failed has already recorded
// why, and the test stops there.
#define CHECK(call) \
    do { \
        call; \
        if (QTest::currentTestFailed()) \
            return; \
    } while (false)

// `call` gives a StoreResult (sync/client/storeresult.h): it must succeed.
#define VERIFY_OK(call) \
    do { \
        const auto result_ = (call); \
        QVERIFY2(result_.ok(), qPrintable(result_.error())); \
    } while (false)

// As VERIFY_OK, and its value goes to `target`.
#define VERIFY_VALUE(target, call) \
    do { \
        const auto result_ = (call); \
        QVERIFY2(result_.ok(), qPrintable(result_.error())); \
        target = result_.value(); \
    } while (false)
