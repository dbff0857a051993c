#pragma once

#include "loadoptions.h"
#include "loadstats.h"

#include <QJsonObject>
#include <QString>

// The results of a run, for people (text()) and for benchmark scripts (json(): the same numbers).
class LoadReport
{
public:
    struct Run
    {
        double measuredSeconds = 0; // the window the rates are over
        double wallSeconds = 0; // warm-up, measured time and the wait for the last answers
        double cpuSeconds = -1; // the generator's own user + system time; < 0 when unknown
    };

    LoadReport(const LoadOptions &options, const LoadStats &stats, const Run &run);

    QString text() const;
    QJsonObject json() const;

private:
    QJsonObject kindJson(RequestKind kind, double target) const;
    QString errorsText(RequestKind kind) const;

    const LoadOptions &m_options;
    const LoadStats &m_stats;
    Run m_run;
};
