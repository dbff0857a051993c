#include "mprisrootadaptor.h"

#include "mprisservice.h"

MprisRootAdaptor::MprisRootAdaptor(MprisService *service)
    : QDBusAbstractAdaptor(service), m_service(service)
{
}

QStringList MprisRootAdaptor::supportedMimeTypes() const
{
    // The MimeType line of resources/playmark.desktop (tst_mpris compares the two).
    return {QStringLiteral("video/mp4"),       QStringLiteral("video/x-matroska"),
            QStringLiteral("video/webm"),      QStringLiteral("video/quicktime"),
            QStringLiteral("video/x-msvideo"), QStringLiteral("video/mp2t")};
}

void MprisRootAdaptor::Raise()
{
    m_service->raise();
}

void MprisRootAdaptor::Quit()
{
    m_service->quit();
}
