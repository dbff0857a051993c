#pragma once

#include "httpconnection.h"

#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

// The same through QNetworkAccessManager, which keeps at most 6 connections per host: the
// generator gives each manager at most 6 of these. Kept to compare with RawHttpConnection (see
// loadgenerator.cpp) and as a cross-check that the raw client measures the same latencies.
class QnamHttpConnection final : public HttpConnection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QnamHttpConnection)
public:
    QnamHttpConnection(QNetworkAccessManager *manager, const QUrl &base,
                       const QByteArray &authorization, QObject *parent = nullptr);
    ~QnamHttpConnection() override;

    void open() override;
    void send(const QByteArray &method, const QByteArray &path, const QByteArray &body,
              const QByteArray &authorization) override;
    void abort() override;

private:
    void onFinished();

    QNetworkAccessManager *m_manager = nullptr;
    QUrl m_base;
    QByteArray m_authorization;
    QPointer<QNetworkReply> m_reply;
};
