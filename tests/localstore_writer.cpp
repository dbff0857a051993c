// Helper for tst_localstore: writes updates into a LocalStore as fast as it can until it is
// killed, printing each one only after save() returned, that is after its commit.
//
//   localstore_writer PATH FIRST_OBSERVED_AT_MS VIDEOS
//
// Prints `CONTENT_ID OBSERVED_AT_MS POSITION_MS` a line. Exits by itself only on an error (1) or
// after a safety limit, so a test that dies cannot leave it running for long.

#include "client/localstore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QStringList>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    bool okObserved = false;
    bool okVideos = false;
    const qint64 firstObservedAt = args.value(2).toLongLong(&okObserved);
    const int videos = args.value(3).toInt(&okVideos);
    if (args.size() != 4 || !okObserved || !okVideos || videos < 1) {
        std::fprintf(stderr, "usage: localstore_writer PATH FIRST_OBSERVED_AT_MS VIDEOS\n");
        return 2;
    }

    LocalStore store;
    if (const StoreResult<void> opened = store.open(args.at(1)); !opened.ok()) {
        std::fprintf(stderr, "open: %s\n", qPrintable(opened.error()));
        return 1;
    }

    const QDeadlineTimer safety(120000);
    for (qint64 i = 0; !safety.hasExpired(); ++i) {
        ProgressRecord record;
        record.contentId = QStringLiteral("video-%1").arg(i % videos);
        record.positionMs = i * 250;
        record.durationMs = 0;
        record.deviceId = QStringLiteral("writer");
        record.deviceName = QStringLiteral("Crash test");
        record.observedAtMs = firstObservedAt + i;
        record.title = QStringLiteral("Episode %1").arg(i % videos);
        if (const StoreResult<void> saved = store.save(record, true, i); !saved.ok()) {
            std::fprintf(stderr, "save: %s\n", qPrintable(saved.error()));
            return 1;
        }
        // Every few writes the location table is written as well, so a kill can land there too.
        if (i % 5 == 0) {
            const StoreResult<void> located =
                store.setLocation(record.contentId, QStringLiteral("/media/%1.mkv").arg(i));
            if (!located.ok()) {
                std::fprintf(stderr, "setLocation: %s\n", qPrintable(located.error()));
                return 1;
            }
        }
        std::printf("%s %lld %lld\n", qPrintable(record.contentId), record.observedAtMs,
                    record.positionMs);
        std::fflush(stdout);
    }
    return 0;
}
