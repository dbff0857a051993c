#include "media/padtags.h"

namespace {

// A string tag of `tags`, trimmed; "" when it has none.
QString tagString(const GstTagList *tags, const char *tag)
{
    gchar *value = nullptr;
    if (!tags || !gst_tag_list_get_string(tags, tag, &value))
        return {};
    const QString text = QString::fromUtf8(value).trimmed();
    g_free(value);
    return text;
}

} // namespace

PadTags::~PadTags()
{
    for (GstTagList *tags : std::as_const(m_tags))
        gst_tag_list_unref(tags);
}

void PadTags::watch(GstDiscoverer *discoverer)
{
    g_signal_connect(discoverer, "source-setup", G_CALLBACK(&PadTags::sourceSetUp), this);
}

QString PadTags::tagOf(GstDiscovererStreamInfo *stream, const char *tag) const
{
    const QString value = tagString(gst_discoverer_stream_info_get_tags(stream), tag);
    if (!value.isEmpty())
        return value;
    const std::lock_guard lock(m_mutex);
    return tagString(m_tags.value(QByteArray(gst_discoverer_stream_info_get_stream_id(stream))),
                     tag);
}

void PadTags::sourceSetUp(GstDiscoverer *, GstElement *source, PadTags *self)
{
    GstObject *decodeBin = gst_object_get_parent(GST_OBJECT(source));
    if (!decodeBin)
        return;
    g_signal_connect(decodeBin, "pad-added", G_CALLBACK(&PadTags::padAdded), self);
    gst_object_unref(decodeBin);
}

void PadTags::padAdded(GstElement *, GstPad *pad, PadTags *self)
{
    self->record(pad);
    gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM),
                      GstPadProbeCallback(&PadTags::passed), self, nullptr);
}

// Runs on the streaming thread before the data goes on to the discoverer's queue.
GstPadProbeReturn PadTags::passed(GstPad *pad, GstPadProbeInfo *info, PadTags *self)
{
    self->record(pad);
    const bool event = GST_IS_EVENT(info->data);
    return event && GST_EVENT_TYPE(GST_EVENT(info->data)) != GST_EVENT_GAP
            && GST_EVENT_TYPE(GST_EVENT(info->data)) != GST_EVENT_EOS
        ? GST_PAD_PROBE_OK
        : GST_PAD_PROBE_REMOVE; // data: every tag before it is sticky on the pad now
}

void PadTags::record(GstPad *pad)
{
    gchar *streamId = gst_pad_get_stream_id(pad);
    if (!streamId)
        return;
    GstTagList *merged = nullptr;
    for (guint i = 0;; ++i) {
        GstEvent *event = gst_pad_get_sticky_event(pad, GST_EVENT_TAG, i);
        if (!event)
            break;
        GstTagList *tags = nullptr;
        gst_event_parse_tag(event, &tags);
        if (gst_tag_list_get_scope(tags) == GST_TAG_SCOPE_STREAM) {
            GstTagList *next = gst_tag_list_merge(merged, tags, GST_TAG_MERGE_REPLACE);
            if (merged)
                gst_tag_list_unref(merged);
            merged = next;
        }
        gst_event_unref(event);
    }
    const QByteArray key(streamId);
    g_free(streamId);
    if (!merged)
        return;
    const std::lock_guard lock(m_mutex);
    if (GstTagList *old = m_tags.take(key))
        gst_tag_list_unref(old);
    m_tags.insert(key, merged);
}
