#include "media/gstreamerinit.h"

#include <gst/gst.h>

QString initGStreamer()
{
    // A function-local static is initialised once, thread-safely.
    static const QString failure = [] {
        GError *error = nullptr;
        if (gst_init_check(nullptr, nullptr, &error))
            return QString();
        const QString message =
            error ? QString::fromUtf8(error->message) : QStringLiteral("unknown error");
        g_clear_error(&error);
        return QStringLiteral("GStreamer cannot start: %1").arg(message);
    }();
    return failure;
}
