// Prints explainUnplayable() of each file given, one line each ("FILE: EXPLANATION", nothing
// after the colon when nothing is missing): tst_playability runs it in a child process whose
// GStreamer sees fewer plugins (GST_PLUGIN_SYSTEM_PATH_1_0), as on a machine without a package.
#include "media/playability.h"

#include <QCoreApplication>
#include <QStringList>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList files = app.arguments().mid(1);
    for (const QString &file : files)
        std::printf("%s: %s\n", qPrintable(file), qPrintable(explainUnplayable(file)));
    return 0;
}
