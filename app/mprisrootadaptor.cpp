#include "mprisrootadaptor.h"

#include "desktopmimetypes.h"

#include "mprisservice.h"

MprisRootAdaptor::MprisRootAdaptor(MprisService *service)
    : QDBusAbstractAdaptor(service), m_service(service)
{
}

QStringList MprisRootAdaptor::supportedMimeTypes() const
{
    // The MimeType line of resources/playmark.desktop, read from it at build time.
    return QStringLiteral(PLAYMARK_MIME_TYPES).split(u';', Qt::SkipEmptyParts);
}

void MprisRootAdaptor::Raise()
{
    m_service->raise();
}

void MprisRootAdaptor::Quit()
{
    m_service->quit();
}
