#pragma once

#include <QString>

class FileDiscovery;

// Why GStreamer cannot play this file, in words for a person, or an empty string when nothing is
// missing (the caller then keeps the backend's own message): what the file or its video or audio
// is, and the Debian package that brings what is missing ("This file's video is AV1; install
// gstreamer1.0-plugins-bad"), or that this system cannot decode it when no Debian package does.
// Blocking, like probeMediaStreams (it runs the same discoverer): call it off the GUI thread.
QString explainUnplayable(const QString &path);

// The same words for the file's video alone, from a discovery already made (probeMediaStreams
// makes one on every open): "" when it has none or it decodes. A file whose picture cannot be
// decoded is not played for its sound alone (with an audio output attached it otherwise was).
QString explainUndecodableVideo(const FileDiscovery &discovery);
