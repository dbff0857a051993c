#include "media/filediscovery.h"

#include "media/gstreamerinit.h"

#include <QFileInfo>
#include <QUrl>

namespace {

// A file the discoverer has not finished with by then is not one to play (a local file is read
// in well under a second; the sample takes about 20 ms). GStreamer's own default is 10 s.
constexpr GstClockTime kDiscoverTimeout = 5 * GST_SECOND;

QString resultInWords(GstDiscovererResult result, const GError *error)
{
    const QString detail = error ? QString::fromUtf8(error->message) : QString();
    switch (result) {
    case GST_DISCOVERER_OK:
        return {};
    case GST_DISCOVERER_URI_INVALID:
        return QStringLiteral("not a file GStreamer can open");
    case GST_DISCOVERER_TIMEOUT:
        return QStringLiteral("reading its tracks took longer than %1 s")
            .arg(kDiscoverTimeout / GST_SECOND);
    case GST_DISCOVERER_BUSY:
        return QStringLiteral("the discoverer was busy");
    case GST_DISCOVERER_MISSING_PLUGINS:
        return QStringLiteral("GStreamer lacks a plugin to read it")
            + (detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(detail));
    case GST_DISCOVERER_ERROR:
        break;
    }
    return detail.isEmpty() ? QStringLiteral("GStreamer cannot read it") : detail;
}

} // namespace

FileDiscovery::FileDiscovery(const QString &path)
{
    if (m_failure = initGStreamer(); !m_failure.isEmpty())
        return;
    const QFileInfo file(path);
    if (!file.exists()) {
        m_failure = QStringLiteral("no such file");
        return;
    }
    if (!file.isFile()) {
        m_failure = QStringLiteral("not a file");
        return;
    }
    if (!file.isReadable()) {
        m_failure = QStringLiteral("not readable");
        return;
    }

    GError *error = nullptr;
    GstDiscoverer *discoverer = gst_discoverer_new(kDiscoverTimeout, &error);
    if (!discoverer) {
        const QString why = error ? QString::fromUtf8(error->message) : QStringLiteral("?");
        g_clear_error(&error);
        m_failure = QStringLiteral("no discoverer: ") + why;
        return;
    }
    m_padTags.watch(discoverer);
    const QByteArray uri = QUrl::fromLocalFile(file.absoluteFilePath()).toEncoded();
    m_info = gst_discoverer_discover_uri(discoverer, uri.constData(), &error);
    m_result = m_info ? gst_discoverer_info_get_result(m_info) : GST_DISCOVERER_ERROR;
    m_failure = resultInWords(m_result, error);
    g_clear_error(&error);
    // Its pipeline, which calls m_padTags, ends here; the info stands on its own.
    g_object_unref(discoverer);
}

FileDiscovery::~FileDiscovery()
{
    if (m_info)
        g_object_unref(m_info);
}

QString codecDescription(const GstCaps *caps)
{
    gchar *text = gst_pb_utils_get_codec_description(caps);
    const QString result = QString::fromUtf8(text).trimmed();
    g_free(text);
    return result;
}
