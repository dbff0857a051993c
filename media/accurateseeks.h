#pragma once

#include <QString>

// Makes every seek of this process's GStreamer pipelines into an MPEG transport stream (.ts,
// .m2ts: TV and DVB recordings) land where it was asked, Qt Multimedia's too. Qt 6.4 seeks with
// GST_SEEK_FLAG_FLUSH alone, and GStreamer 1.22's tsdemux then starts 2.5 s before the target
// (SEEK_TIMESTAMP_OFFSET) at the first packet it finds: measured, setPosition(3000) on ffmpeg's
// clips played from 0.6-1.7 s, so a resume landed a second or two early. With
// GST_SEEK_FLAG_ACCURATE the demuxer marks the target as the segment's start and nothing
// before it is shown: 3000 plays from 3000. Positions and seeks already share one time base
// (the stream's: 0 is its first PCR, so ffmpeg's clips start at about 740 ms), so only the
// landing needed fixing. The other demuxers measured (qtdemux, matroskademux, avidemux,
// flvdemux, oggdemux, psdemux, asfdemux) land within 100 ms and are left alone.
// Call once, before the first player exists; later calls do nothing. "" when in place, else why
// not, in words (the seeks then land as GStreamer puts them).
QString installAccurateSeeks();
