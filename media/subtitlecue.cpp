#include "media/subtitlecue.h"

#include <QDebug>

QDebug operator<<(QDebug debug, const SubtitleCue &cue)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "SubtitleCue(" << cue.startMs << ".." << cue.endMs << ' ' << cue.text << ')';
    return debug;
}
