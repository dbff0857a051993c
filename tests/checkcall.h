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
