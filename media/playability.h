#pragma once

#include <QString>

// Why GStreamer cannot play this file, in words for a person, or an empty string when nothing is
// missing (the caller then keeps the backend's own message): what the file or its video or audio
// is, and the Debian package that brings what is missing ("This file's video is AV1; install
// gstreamer1.0-plugins-bad"), or that this system cannot decode it when no Debian package does.
// Blocking, like probeMediaStreams (it runs the same discoverer): call it off the GUI thread.
QString explainUnplayable(const QString &path);
