// HttpResponseParser: the raw client's reading of HTTP/1.1 answers, whole or in pieces, with a
// Content-Length, chunked, or running to the close.

#include "httpresponseparser.h"

#include <QTest>

using Result = HttpResponseParser::Result;

Q_DECLARE_METATYPE(HttpResponseParser::Result)

namespace {

const QByteArray kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: 29\r\n\r\n{\"record\":{},\"server_time\":1}";

} // namespace

class tst_HttpResponseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeResponses_data();
    void wholeResponses();
    void byteByByte();
    void twoInOneRead();
    void untilClose();
    void closedMidResponse();
    void continueThenAnswer();
    void malformed_data();
    void malformed();
    void resetForgetsHalfAResponse();
};

void tst_HttpResponseParser::wholeResponses_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("keepAlive");

    QTest::newRow("200 with a length") << kOk << 200 << true;
    QTest::newRow("404, no body") << QByteArray(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                                  << 404 << true;
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << 204 << true;
    QTest::newRow("connection close")
        << QByteArray("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                      "content-length: 2\r\n\r\n{}")
        << 503 << false;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}")
        << 200 << true;
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}") << 200
                              << false;
    QTest::newRow("chunked") << QByteArray(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
                             << 200 << true;
    QTest::newRow("chunked with a trailer")
        << QByteArray("HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n")
        << 422 << true;
}

void tst_HttpResponseParser::wholeResponses()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QFETCH(bool, keepAlive);
    HttpResponseParser parser;
    parser.append(bytes);
    QCOMPARE(parser.next(), Result::Complete);
    QCOMPARE(parser.status(), status);
    QCOMPARE(parser.keepAlive(), keepAlive);
    QVERIFY(parser.isIdle());
    QCOMPARE(parser.next(), Result::NeedMore);
}

void tst_HttpResponseParser::byteByByte()
{
    const QByteArray chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3\r\nabc\r\n0\r\n\r\n";
    for (const QByteArray &bytes : {kOk, chunked}) {
        HttpResponseParser parser;
        for (qsizetype i = 0; i + 1 < bytes.size(); ++i) {
            parser.append(bytes.mid(i, 1));
            QCOMPARE(parser.next(), Result::NeedMore);
        }
        parser.append(bytes.right(1));
        QCOMPARE(parser.next(), Result::Complete);
        QVERIFY(parser.isIdle());
    }
}

void tst_HttpResponseParser::twoInOneRead()
{
    HttpResponseParser parser;
    parser.append(kOk + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    QCOMPARE(parser.next(), Result::Complete);
    QCOMPARE(parser.status(), 200);
    QVERIFY(!parser.isIdle());
    QCOMPARE(parser.next(), Result::Complete);
    QCOMPARE(parser.status(), 404);
    QVERIFY(parser.isIdle());
}

void tst_HttpResponseParser::untilClose()
{
    HttpResponseParser parser;
    parser.append("HTTP/1.1 200 OK\r\n\r\nsome body");
    QCOMPARE(parser.next(), Result::NeedMore);
    parser.append(" and more");
    QCOMPARE(parser.next(), Result::NeedMore);
    QCOMPARE(parser.finish(), Result::Complete);
    QCOMPARE(parser.status(), 200);
    QVERIFY(!parser.keepAlive());
}

void tst_HttpResponseParser::closedMidResponse()
{
    HttpResponseParser parser;
    parser.append(kOk.left(kOk.size() - 3));
    QCOMPARE(parser.next(), Result::NeedMore);
    QCOMPARE(parser.finish(), Result::Error);
    QVERIFY(!parser.error().isEmpty());

    HttpResponseParser idle;
    QCOMPARE(idle.finish(), Result::NeedMore); // closed between answers: nothing lost
}

void tst_HttpResponseParser::continueThenAnswer()
{
    HttpResponseParser parser;
    parser.append("HTTP/1.1 100 Continue\r\n\r\n" + kOk);
    QCOMPARE(parser.next(), Result::Complete);
    QCOMPARE(parser.status(), 200);
}

void tst_HttpResponseParser::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n");
    QTest::newRow("no status") << QByteArray("HTTP/1.1 OK\r\n\r\n");
    QTest::newRow("bad length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n");
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    QTest::newRow("chunk without CRLF")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY");
    QTest::newRow("endless headers") << "HTTP/1.1 200 OK\r\n" + QByteArray(70000, 'x');
}

void tst_HttpResponseParser::malformed()
{
    QFETCH(QByteArray, bytes);
    HttpResponseParser parser;
    parser.append(bytes);
    QCOMPARE(parser.next(), Result::Error);
    QVERIFY(!parser.error().isEmpty());
}

void tst_HttpResponseParser::resetForgetsHalfAResponse()
{
    HttpResponseParser parser;
    parser.append(kOk.left(30));
    QCOMPARE(parser.next(), Result::NeedMore);
    parser.reset();
    QVERIFY(parser.isIdle());
    parser.append(kOk);
    QCOMPARE(parser.next(), Result::Complete);
    QCOMPARE(parser.status(), 200);
}

QTEST_APPLESS_MAIN(tst_HttpResponseParser)
#include "tst_httpresponseparser.moc"
