#pragma once

#include <QByteArray>
#include <QList>

#include <limits>

// One sample of a Prometheus text page (/metrics): the value on the line `series value`, NaN if
// there is no such line. Shared by the tests that read /metrics.
inline double metricSample(const QByteArray &page, const QByteArray &series)
{
    const QList<QByteArray> lines = page.split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}
