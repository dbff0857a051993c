#pragma once

#include "media/padtags.h"

#include <QString>

#include <gst/pbutils/pbutils.h>

// One run of GStreamer's discoverer on a local file, its answer kept while it is read: the tracks
// (probeMediaStreams) and what GStreamer lacks to play the file (explainUnplayable) come from the
// same run of the same pipeline. Blocking, a few ms to a second and at most about five: run it off
// the GUI thread. Any thread may make one.
class FileDiscovery final
{
public:
    explicit FileDiscovery(const QString &path);
    ~FileDiscovery();
    Q_DISABLE_COPY_MOVE(FileDiscovery)

    // "" when the discoverer read the whole file, else why not, in words.
    const QString &failure() const { return m_failure; }
    // GST_DISCOVERER_ERROR also when the discoverer could not start or the file is not readable.
    GstDiscovererResult result() const { return m_result; }
    // What the discoverer found (also when it found something missing); null when it could not
    // start or the file is not readable.
    GstDiscovererInfo *info() const { return m_info; }
    const PadTags &padTags() const { return m_padTags; }

private:
    PadTags m_padTags;
    GstDiscovererInfo *m_info = nullptr;
    GstDiscovererResult m_result = GST_DISCOVERER_ERROR;
    QString m_failure;
};

// GStreamer's name for what `caps` carry ("AV1", "H.264 (High 4:2:2 Profile)"), trimmed; for caps
// it does not know, their media type.
QString codecDescription(const GstCaps *caps);
