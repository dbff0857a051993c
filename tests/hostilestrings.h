#pragma once

// Strings no validation stops on the server's way out (names and titles are free text; sync
// results echo any content_id a client sent), as rows of a QTest data table with one QString
// column "text": what tst_recordcodec and tst_answerencoding write as JSON.
#include <QString>
#include <QTest>

// `randomRows` more rows of pseudo-random UTF-16 units, the same every run (a small fuzz over the
// whole range); `withLong`: one row of 280 units, beyond the record's shorter field limits.
inline void addHostileStringRows(int randomRows, bool withLong)
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("plain") << QStringLiteral("Living room");
    QTest::newRow("quote and backslash") << QStringLiteral("a\"b\\c\\\"");
    QTest::newRow("solidus") << QStringLiteral("a/b</script>");
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls.append(QChar(c));
    controls.append(QChar(0x7f));
    QTest::newRow("every control character, DEL") << controls;
    QTest::newRow("NUL between") << QStringLiteral("a") + QChar(0) + QStringLiteral("b");
    QTest::newRow("two-byte UTF-8") << QStringLiteral("\u00e9\u00ff\u0080\u07ff");
    QTest::newRow("three-byte UTF-8")
        << QStringLiteral("\u0800\u20ac\uffff\ufffe\ufeff\u2028\u2029");
    QTest::newRow("non-BMP") << QString::fromUcs4(U"\U0001F3AC\U00010000\U0010FFFF");
    QTest::newRow("lone high surrogate")
        << QStringLiteral("a") + QChar(0xd83c) + QStringLiteral("b");
    QTest::newRow("lone low surrogate")
        << QStringLiteral("a") + QChar(0xdfac) + QStringLiteral("b");
    QTest::newRow("high surrogate at the end") << QStringLiteral("x") + QChar(0xdbff);
    QTest::newRow("low then high") << QString(QChar(0xdc00)) + QChar(0xd800);
    QTest::newRow("two highs then a low") << QString(QChar(0xd83c)) + QChar(0xd83c) + QChar(0xdfac);
    QTest::newRow("private use, specials") << QStringLiteral("\ue000\uf8ff\ufffd");
    if (withLong) {
        QTest::newRow("long mixed") << QString(QStringLiteral("\"\\\n\u00e9")
                                               + QString::fromUcs4(U"\U0001F3AC") + QChar(0xd800))
                                           .repeated(40);
    }
    quint32 state = 16;
    for (int row = 0; row < randomRows; ++row) {
        QString random;
        for (int i = 0; i < 24; ++i) {
            state = state * 1664525u + 1013904223u;
            const quint32 pick = state >> 8;
            // Half the units from the interesting low range, the rest from anywhere.
            random.append(QChar(char16_t(pick % 2 ? (pick >> 1) % 0x100 : (pick >> 1) % 0x10000)));
        }
        QTest::addRow("random %d", row) << random;
    }
}
