#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

// A process's resident memory in KiB (VmRSS of /proc/PID/status; Linux), or -1 if it cannot be
// read. Header-only so that the tests measuring a server's memory read it the same way as the
// bench does without linking the bench library.
inline qint64 residentKiB(qint64 pid)
{
    if (pid <= 0)
        return -1;
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}
