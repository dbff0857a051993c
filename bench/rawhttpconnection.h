#pragma once

#include "httpconnection.h"
#include "httpresponseparser.h"

#include <QAbstractSocket>
#include <QHostAddress>

class QTcpSocket;

// HTTP/1.1 over a QTcpSocket: a request is one write() of bytes built here, its answer is parsed
// by HttpResponseParser on readyRead, with no objects per request. Reconnects by itself when the
// server closed the connection.
class RawHttpConnection final : public HttpConnection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RawHttpConnection)
public:
    // `basePath` is the URL's path ("" or "/prefix"); `headers` are the lines every request
    // carries (Host, Authorization, ...), each ending in \r\n; without Authorization when each
    // request brings its own.
    RawHttpConnection(const QHostAddress &address, quint16 port, const QByteArray &basePath,
                      const QByteArray &headers, QObject *parent = nullptr);

    void open() override;
    void send(const QByteArray &method, const QByteArray &path, const QByteArray &body,
              const QByteArray &authorization) override;
    void abort() override;

private:
    void connectSocket();
    void onConnected();
    void onReadyRead();
    void onDisconnected();
    void onError(QAbstractSocket::SocketError error);
    void failRequest(const QString &reason);
    void finishOpening(const QString &error);
    void dropConnection();

    QTcpSocket *m_socket = nullptr;
    HttpResponseParser m_parser;
    QHostAddress m_address;
    quint16 m_port = 0;
    QByteArray m_basePath;
    QByteArray m_headers;
    QByteArray m_unsent; // the request waiting for the connection to open
    bool m_busy = false;
    bool m_opening = false;
};
