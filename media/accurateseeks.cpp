#include "media/accurateseeks.h"

#include "media/gstreamerinit.h"

#include <gst/gst.h>

#include <cstring>

namespace {

bool landsEarly(GstElement *element)
{
    GstElementFactory *factory = gst_element_get_factory(element);
    return factory
        && std::strcmp(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "tsdemux") == 0;
}

// On the demuxer's source pads, where the sinks' seek arrives: the same seek (its seqnum too, so
// the copies from the audio and the video branch still count as one), made accurate.
GstPadProbeReturn makeAccurate(GstPad *, GstPadProbeInfo *info, gpointer)
{
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_SEEK)
        return GST_PAD_PROBE_OK;
    gdouble rate = 1.0;
    GstFormat format = GST_FORMAT_UNDEFINED;
    GstSeekFlags flags = GST_SEEK_FLAG_NONE;
    GstSeekType startType = GST_SEEK_TYPE_NONE;
    GstSeekType stopType = GST_SEEK_TYPE_NONE;
    gint64 start = 0;
    gint64 stop = 0;
    gst_event_parse_seek(event, &rate, &format, &flags, &startType, &start, &stopType, &stop);
    if (format != GST_FORMAT_TIME || (flags & GST_SEEK_FLAG_ACCURATE) != 0)
        return GST_PAD_PROBE_OK;
    GstEvent *accurate =
        gst_event_new_seek(rate, format, GstSeekFlags(flags | GST_SEEK_FLAG_ACCURATE), startType,
                           start, stopType, stop);
    gst_event_set_seqnum(accurate, gst_event_get_seqnum(event));
    gst_event_unref(event);
    GST_PAD_PROBE_INFO_DATA(info) = accurate;
    return GST_PAD_PROBE_OK;
}

void padAdded(GstElement *, GstPad *pad, gpointer)
{
    if (GST_PAD_IS_SRC(pad))
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, makeAccurate, nullptr, nullptr);
}

// GStreamer's tracer hook for every element made in the process: the only way in, since Qt 6.4
// keeps its pipeline in a plugin and exports none of it.
void elementMade(GObject *, GstClockTime, GstElement *element)
{
    if (landsEarly(element))
        g_signal_connect(element, "pad-added", G_CALLBACK(padAdded), nullptr);
}

} // namespace

QString installAccurateSeeks()
{
    static const QString failure = [] {
        if (QString error = initGStreamer(); !error.isEmpty())
            return error;
        // A tracer of our own (GstTracer is abstract); GStreamer keeps its hooks for the
        // process's life, and so does this object.
        const GType type = g_type_register_static_simple(GST_TYPE_TRACER, "PlaymarkAccurateSeeks",
                                                         sizeof(GstTracerClass), nullptr,
                                                         sizeof(GstTracer), nullptr, GTypeFlags(0));
        if (type == 0)
            return QStringLiteral("cannot register a GStreamer tracer");
        auto *tracer = static_cast<GstTracer *>(g_object_new(type, nullptr));
        gst_tracing_register_hook(tracer, "element-new", G_CALLBACK(elementMade));
        return QString();
    }();
    return failure;
}
