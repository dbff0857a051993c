#pragma once

// How fuzz_request talks to the in-process server, and what it expects back. Header-only so
// that tests/tst_fuzzregressions.cpp replays fuzz/regressions/ through exactly this code in the
// normal build. Traffic goes to 127.0.0.1 only.
//
// An input is one of two kinds:
// - raw (anything not starting with '~'): the bytes are sent as they are, except that every
//   "@TOKEN@" becomes a valid token, so raw requests can reach the handlers too;
// - fields ('~' first): "~METHOD PATH\nName: value\n...\n\nBODY" is made into one well-formed
//   request: a known method, an encoded path, clean headers, Host, a valid token and the right
//   Content-Length. The server must answer it, whatever the path, headers and body say.

#include <QByteArray>
#include <QByteArrayList>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QRegularExpression>
#include <QString>
#include <QTcpSocket>
#include <QTimer>

#include <cstring>

#include <sys/socket.h>

namespace HttpProbe {

inline constexpr char kTokenPlaceholder[] = "@TOKEN@";

// What the server wrote for one request.
struct Response
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool stream = false; // text/event-stream: the body goes on for as long as the connection
    bool head = false; // the answer to HEAD: headers alone

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

struct Outcome
{
    QList<Response> responses;
    bool closedByServer = false;
    bool timedOut = false;
    QByteArray unparsed; // bytes after the last complete answer
    QString problem; // empty unless what came back was not well-formed HTTP
};

struct Limits
{
    int expectedAnswers = -1; // -1: unknown (raw input); stop when quiet instead
    int quietMs = 3; // raw input: no byte for this long and no answer half-written ends it
    // Raw input: the quiet window starts only once a whole answer or a hang-up has come. The
    // regression replay sets it: on a loaded machine the first answer can take longer than any
    // quiet window, and the deadline still bounds an input that gets neither.
    bool awaitFirstAnswer = false;
    int deadlineMs = 100;
    bool head = false; // the request was HEAD: its answer has no body, whatever its headers say
    // Raw input with HEAD in it: which answer has no body is not known, so a body that seems
    // cut short or an answer that seems malformed is not held against the server.
    bool unknownFraming = false;
};

namespace detail {

inline bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

inline bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

enum class Parsed { Complete, NeedMore, Malformed };

// One answer from `bytes` at `at`; on Complete, `at` moves past it.
inline Parsed parseResponse(const QByteArray &bytes, qsizetype &at, bool head, Response *response,
                            QString *problem)
{
    static const QRegularExpression statusLine(
        QRegularExpression::anchoredPattern(QStringLiteral("HTTP/1\\.[01] ([1-5][0-9][0-9]) .*")));
    const qsizetype end = bytes.indexOf("\r\n\r\n", at);
    if (end < 0) {
        const QByteArray start = bytes.mid(at, 5);
        if (!QByteArray("HTTP/").startsWith(start)) {
            *problem = QStringLiteral("an answer that does not start with HTTP/");
            return Parsed::Malformed;
        }
        return Parsed::NeedMore;
    }
    const QByteArrayList lines = bytes.mid(at, end - at).split('\n');
    Response parsed;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (i + 1 < lines.size()) {
            if (!line.endsWith('\r')) {
                *problem = QStringLiteral("a header line not ended by CRLF");
                return Parsed::Malformed;
            }
            line.chop(1);
        }
        if (i == 0) {
            const auto match = statusLine.match(QString::fromLatin1(line));
            if (!match.hasMatch()) {
                *problem = QStringLiteral("a malformed status line: %1")
                               .arg(QString::fromLatin1(line.left(80)));
                return Parsed::Malformed;
            }
            parsed.status = match.captured(1).toInt();
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.left(colon))) {
            *problem = QStringLiteral("a malformed header line: %1")
                           .arg(QString::fromLatin1(line.left(80)));
            return Parsed::Malformed;
        }
        parsed.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }

    qsizetype bodyStart = end + 4;
    const QByteArray contentType = parsed.header("Content-Type");
    parsed.head = head;
    if (head || parsed.status == 204 || parsed.status == 304 || parsed.status < 200) {
        at = bodyStart;
    } else if (contentType.startsWith("text/event-stream")) {
        parsed.stream = true; // the caller gathers the body
        at = bodyStart;
    } else {
        bool ok = false;
        const qsizetype length = parsed.header("Content-Length").toLongLong(&ok);
        if (!ok || length < 0) {
            *problem = QStringLiteral("an answer without a valid Content-Length");
            return Parsed::Malformed;
        }
        if (bytes.size() - bodyStart < length)
            return Parsed::NeedMore;
        parsed.body = bytes.mid(bodyStart, length);
        at = bodyStart + length;
    }
    *response = parsed;
    return Parsed::Complete;
}

inline QByteArray percentEncodedPath(const QByteArray &target)
{
    QByteArray path;
    if (!target.startsWith('/'))
        path += '/';
    for (const char c : target) {
        const auto byte = uchar(c);
        if (byte <= 0x20 || byte >= 0x7f || c == '#')
            path += '%' + QByteArray::number(byte, 16).rightJustified(2, '0').toUpper();
        else
            path += c;
    }
    return path;
}

// Framing, connection handling and the token are the probe's to set.
inline bool isReservedHeader(const QByteArray &name)
{
    static const QByteArrayList reserved{"authorization",
                                         "connection",
                                         "content-length",
                                         "expect",
                                         "host",
                                         "keep-alive",
                                         "te",
                                         "trailer",
                                         "transfer-encoding",
                                         "upgrade",
                                         "http2-settings"};
    return reserved.contains(name.toLower());
}

inline QByteArray fieldsRequest(const QByteArray &fields, const QByteArray &token)
{
    const qsizetype split = fields.indexOf("\n\n");
    const QByteArray head = split < 0 ? fields : fields.left(split);
    const QByteArray body = split < 0 ? QByteArray() : fields.mid(split + 2);
    const QByteArrayList lines = head.split('\n');

    const QByteArray first = lines.constFirst();
    const qsizetype space = first.indexOf(' ');
    QByteArray method = (space < 0 ? first : first.left(space)).trimmed().toUpper();
    static const QByteArrayList methods{"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"};
    if (!methods.contains(method))
        method = "GET";
    const QByteArray target = space < 0 ? QByteArray() : first.mid(space + 1).trimmed();

    QByteArray request = method + ' ' + percentEncodedPath(target)
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n";
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        if (!isToken(name) || isReservedHeader(name))
            continue;
        QByteArray value;
        for (const char c : line.mid(colon + 1).trimmed()) {
            if (uchar(c) >= 0x20 && uchar(c) != 0x7f)
                value += c;
        }
        request += name + ": " + value + "\r\n";
    }
    request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return request;
}

inline QString expectedErrorCode(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("bad_request");
    case 401:
        return QStringLiteral("unauthorized");
    case 404:
        return QStringLiteral("not_found");
    case 405:
        return QStringLiteral("method_not_allowed");
    case 408:
        return QStringLiteral("request_timeout");
    case 411:
        return QStringLiteral("length_required");
    case 413:
        return QStringLiteral("payload_too_large");
    case 422:
        return QStringLiteral("clock_skew");
    case 429:
        return QStringLiteral("rate_limited");
    case 431:
        return QStringLiteral("headers_too_large");
    case 503:
        return QStringLiteral("unavailable");
    default:
        return {};
    }
}

} // namespace detail

// The bytes to send for a fuzz input (see the top of this file); `limits` gets how many answers
// they must get (1 for a fields input, -1: unknown, for a raw one) and whether it is HEAD.
inline QByteArray requestFor(const QByteArray &input, const QByteArray &token, Limits *limits)
{
    if (input.startsWith('~')) {
        const QByteArray request = detail::fieldsRequest(input.mid(1), token);
        limits->expectedAnswers = 1;
        limits->head = request.startsWith("HEAD ");
        return request;
    }
    limits->expectedAnswers = -1;
    limits->unknownFraming = input.contains("HEAD");
    QByteArray raw = input;
    return raw.replace(kTokenPlaceholder, token);
}

// Empty when `response` is an answer docs/protocol.md allows, otherwise what is wrong with it.
inline QString checkResponse(const Response &response)
{
    const int status = response.status;
    const QString code = detail::expectedErrorCode(status);
    if (status != 200 && status != 204 && code.isEmpty())
        return QStringLiteral("status %1 is not one docs/protocol.md names").arg(status);
    if (status == 204 || response.head)
        return response.body.isEmpty() ? QString() : QStringLiteral("a %1 with a body").arg(status);
    const QByteArray contentType = response.header("Content-Type");
    if (response.stream) {
        if (status != 200)
            return QStringLiteral("an event stream with status %1").arg(status);
        // Only events and comments, whatever else the connection carried: a pipelined request
        // after GET /v1/events must not have its answer written into the stream.
        QByteArrayList lines = response.body.split('\n');
        lines.removeLast(); // the line still being written, if any
        for (const QByteArray &line : std::as_const(lines)) {
            if (line.isEmpty() || line.startsWith(':') || line.startsWith("event: "))
                continue;
            if (line.startsWith("data: ") && QJsonDocument::fromJson(line.mid(6)).isObject())
                continue;
            return QStringLiteral("an event stream carrying '%1'")
                .arg(QString::fromUtf8(line.left(80)));
        }
        return {};
    }
    if (contentType.startsWith("text/plain")) // /metrics
        return status == 200 ? QString()
                             : QStringLiteral("a text answer with status %1").arg(status);
    if (contentType != "application/json")
        return QStringLiteral("Content-Type %1 on a %2")
            .arg(QString::fromLatin1(contentType))
            .arg(status);
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return QStringLiteral("a JSON answer that is not a JSON object: %1")
            .arg(QString::fromUtf8(response.body.left(200)));
    const QJsonObject json = document.object();
    if (!json.value(QStringLiteral("server_time_ms")).isDouble())
        return QStringLiteral("a JSON answer without server_time_ms");
    if (status >= 400) {
        const QJsonObject object = json.value(QStringLiteral("error")).toObject();
        if (object.value(QStringLiteral("code")).toString() != code)
            return QStringLiteral("status %1 with error code '%2'")
                .arg(status)
                .arg(object.value(QStringLiteral("code")).toString());
        if (object.value(QStringLiteral("message")).toString().trimmed().isEmpty())
            return QStringLiteral("an error without a message");
        if (status == 405 && response.header("Allow").isEmpty())
            return QStringLiteral("a 405 without Allow");
        if (status == 429 && response.header("Retry-After").isEmpty())
            return QStringLiteral("a 429 without Retry-After");
    }
    return {};
}

// Sends `request` on a new connection to 127.0.0.1:`port`, reads what comes back until the
// expected answers are in, the server closes, the connection is quiet (raw input) or the
// deadline passes, then hangs up with a reset (so no TIME_WAIT is left per input).
inline Outcome exchange(quint16 port, const QByteArray &request, const Limits &limits)
{
    Outcome outcome;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    socket.write(request); // buffered until connected

    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    timer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);

    QByteArray received;
    qsizetype parsedUpTo = 0;
    QElapsedTimer total;
    total.start();
    QElapsedTimer quiet;
    quiet.start();
    for (;;) {
        if (socket.bytesAvailable() > 0) {
            received += socket.readAll();
            quiet.restart();
        }
        bool halfWritten = false;
        bool streaming = !outcome.responses.isEmpty() && outcome.responses.constLast().stream;
        while (
            !streaming && parsedUpTo < received.size()
            && (limits.expectedAnswers < 0 || outcome.responses.size() < limits.expectedAnswers)) {
            Response response;
            const detail::Parsed parsed = detail::parseResponse(received, parsedUpTo, limits.head,
                                                                &response, &outcome.problem);
            if (parsed == detail::Parsed::Malformed)
                break;
            if (parsed == detail::Parsed::NeedMore) {
                halfWritten = true;
                break;
            }
            outcome.responses.append(response);
            streaming = response.stream;
        }
        if (!outcome.problem.isEmpty())
            break;
        if (streaming) {
            // What follows belongs to the stream; a raw input watches it until it goes quiet.
            outcome.responses.last().body += received.mid(parsedUpTo);
            parsedUpTo = received.size();
            halfWritten = false;
            if (limits.expectedAnswers > 0)
                break;
        }
        if (limits.expectedAnswers > 0 && outcome.responses.size() >= limits.expectedAnswers)
            break;
        if (socket.state() == QAbstractSocket::UnconnectedState && socket.bytesAvailable() == 0) {
            outcome.closedByServer = true;
            break;
        }
        qint64 wait = limits.deadlineMs - total.elapsed();
        if (wait <= 0) {
            outcome.timedOut = true;
            break;
        }
        const bool awaiting = limits.awaitFirstAnswer && outcome.responses.isEmpty();
        if (limits.expectedAnswers < 0 && !halfWritten && !awaiting) {
            wait = qMin(wait, limits.quietMs - quiet.elapsed());
            if (wait <= 0)
                break;
        }
        timer.start(int(wait));
        loop.exec();
        timer.stop();
    }
    outcome.unparsed = received.mid(parsedUpTo);

    if (socket.state() == QAbstractSocket::ConnectedState) {
        const linger reset{1, 0};
        ::setsockopt(int(socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    socket.abort();
    // What the server deleted later (its sockets, after a hang-up) goes now, as an event loop
    // returning to its top would do.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return outcome;
}

// Empty when what came back for `request` is what the server owes it, otherwise what is wrong:
// every answer well-formed and one docs/protocol.md allows, none cut short, no more answers than
// requests, and for a fields input exactly one answer.
inline QString verdict(const QByteArray &request, const Limits &limits, const Outcome &outcome)
{
    if (!outcome.problem.isEmpty() && !limits.unknownFraming)
        return QStringLiteral("a malformed answer: ") + outcome.problem;
    for (const Response &response : outcome.responses) {
        if (const QString why = checkResponse(response); !why.isEmpty() && !limits.unknownFraming)
            return QStringLiteral("a wrong answer: ") + why;
    }
    if (outcome.closedByServer && !outcome.unparsed.isEmpty() && !limits.unknownFraming)
        return QStringLiteral("the server closed in the middle of an answer");
    // Every request line Qt accepts holds "HTTP" (then any byte, not only '/'): no more answers
    // than that, but for the one refusal the connection guard may make of any bytes before it
    // closes the connection.
    const bool refused = !outcome.responses.isEmpty()
        && outcome.responses.constLast().header("Connection").compare("close", Qt::CaseInsensitive)
            == 0;
    if (outcome.responses.size() - (refused ? 1 : 0) > request.count("HTTP"))
        return QStringLiteral("%1 answers to at most %2 requests")
            .arg(outcome.responses.size())
            .arg(request.count("HTTP"));
    if (limits.expectedAnswers < 0)
        return {};
    if (!outcome.unparsed.isEmpty())
        return QStringLiteral("bytes after the answer to one request: %1")
            .arg(QString::fromUtf8(outcome.unparsed.left(200)));
    if (outcome.responses.isEmpty())
        return outcome.timedOut
            ? QStringLiteral("a well-formed request got no answer in %1 ms").arg(limits.deadlineMs)
            : QStringLiteral("the server closed a well-formed request without an answer");
    return {};
}

// Whether the server still answers GET /healthz as it should.
inline QString checkAlive(quint16 port)
{
    Limits limits;
    limits.expectedAnswers = 1;
    limits.deadlineMs = 10000;
    const Outcome outcome =
        exchange(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", limits);
    if (!outcome.problem.isEmpty())
        return outcome.problem;
    if (outcome.responses.isEmpty())
        return QStringLiteral("GET /healthz got no answer");
    const Response &response = outcome.responses.constFirst();
    if (response.status != 200
        || QJsonDocument::fromJson(response.body)
                .object()
                .value(QStringLiteral("status"))
                .toString()
            != QStringLiteral("ok"))
        return QStringLiteral("GET /healthz answered %1").arg(response.status);
    return {};
}

// Stores a few records, so that inputs that read, list and delete find something. Empty when
// that worked.
inline QString storeSampleRecords(quint16 port, const QByteArray &token)
{
    const QByteArray observed = QByteArray::number(QDateTime::currentMSecsSinceEpoch() - 3600000);
    for (const char *id : {"movie-1", "show.s01e02", "pm1-0123456789abcdef0123456789abcdef"}) {
        Limits limits;
        const QByteArray request =
            requestFor("~PUT /v1/progress/" + QByteArray(id)
                           + "\n\n{\"position_ms\":1000,\"duration_ms\":5000,\"device_id\":\"tv\","
                             "\"observed_at_ms\":"
                           + observed + "}",
                       token, &limits);
        limits.deadlineMs = 10000;
        const Outcome outcome = exchange(port, request, limits);
        if (outcome.responses.isEmpty() || outcome.responses.constFirst().status != 200)
            return QStringLiteral("cannot store a record for %1").arg(QString::fromLatin1(id));
    }
    return {};
}

// One sample of GET /metrics (`series value`), -1 when it cannot be read.
inline double metric(quint16 port, const QByteArray &series)
{
    Limits limits;
    limits.expectedAnswers = 1;
    limits.deadlineMs = 10000;
    const Outcome outcome =
        exchange(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", limits);
    if (outcome.responses.isEmpty())
        return -1;
    for (const QByteArray &line : outcome.responses.constFirst().body.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace HttpProbe
