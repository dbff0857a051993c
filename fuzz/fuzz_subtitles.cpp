// libFuzzer harness: subtitle files (media/subtitleparser.h, subtitletext.h, subtitletimeline.h).
// Every input is decoded (decodeSubtitleText), cleaned (plainSubtitleText), parsed as SubRip and
// as WebVTT, and each result put in a SubtitleTimeline and asked for the text at its cues' times
// with extreme delays; the caps hold, cue times are in order and bounded, the text is plain and
// at most two lines (subtitleproperties.h). A broken property aborts, which libFuzzer reports as
// a crash.
#include "subtitleproperties.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString broken = SubtitleProperties::check(bytes);
    if (!broken.isEmpty()) {
        std::fprintf(stderr, "fuzz_subtitles: property broken: %s\n", qUtf8Printable(broken));
        std::abort();
    }
    return 0;
}
