#pragma once

#include "protocol/progressrecord.h"
#include "resumepoint.h"

#include <QJsonObject>

#include <cstdio>

// --events: one JSON object a line on stdout, for scripts and tests (docs/protocol.md, `playmark`).
class EventPrinter final
{
public:
    explicit EventPrinter(FILE *stream = stdout) : m_stream(stream) { }

    void resumed(const QString &contentId, const ResumePoint &point) const;
    void reported(const ProgressRecord &record, bool delivered) const;
    void remote(const ProgressRecord &record) const;
    void quit(const QString &contentId, qint64 positionMs, int pending) const;

private:
    void print(const QJsonObject &event) const;

    FILE *m_stream;
};
