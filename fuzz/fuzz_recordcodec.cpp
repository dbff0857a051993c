// libFuzzer harness: the JSON codec and validator (sync/protocol/recordcodec.h). Every input goes
// through parseObject and, when that gives an object, fromJson with both sources and with and
// without a URL content id; every record accepted must obey the record table, come back equal
// through toJson, and be written by toCompactJson exactly as QJsonDocument writes toJson's object.
// A broken property aborts, which libFuzzer reports as a crash.
#include "codecproperties.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString broken = CodecProperties::check(bytes);
    if (!broken.isEmpty()) {
        std::fprintf(stderr, "fuzz_recordcodec: property broken: %s\n", qUtf8Printable(broken));
        std::abort();
    }
    return 0;
}
