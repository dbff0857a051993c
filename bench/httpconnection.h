#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

// One request at a time to the server, over a connection kept alive between requests. Answers
// come back as signals from the event loop, never from inside send().
class HttpConnection : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)
public:
    using QObject::QObject;

    // Opens the connection ahead of the first request; emits openFinished().
    virtual void open() = 0;
    // Starts a request; only while none is in flight. `path` starts at /v1. `authorization`:
    // this request's Authorization value ("Bearer TOKEN"), for clients whose devices each have a
    // token of their own; empty: the connection's own, if it was given one.
    virtual void send(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                      const QByteArray &authorization) = 0;
    // Drops the request in flight, and with it the connection, without a signal.
    virtual void abort() = 0;

Q_SIGNALS:
    void openFinished(const QString &error); // empty on success
    void responded(int status);
    void failed(const QString &reason);
};
