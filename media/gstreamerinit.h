#pragma once

#include <QString>

// gst_init_check once for the process, from whichever thread comes first; every later call gives
// the same answer. "" when GStreamer runs, else why not, in words. Qt Multimedia's own gst_init
// in the player is harmless.
QString initGStreamer();
