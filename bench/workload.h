#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <random>
#include <vector>

// What the simulated devices say: which video each one is playing, where it is, and the JSON of
// its next report; and which content ids have been written, for the reads to choose from.
//
// A device plays its videos one after another from a random video and position, advancing by
// the nominal interval per report, and sends `ended` at the end of each. Ids are
// `loadgen-dD-vK` (each device its own videos) or `loadgen-vK` (--shared-videos).
class Workload
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray path; // from /v1 on, without the URL's base path
        QByteArray body;
        int content = -1; // index into the content ids
        // The device that sends it (writes), or that wrote what is read; -1: none of this run's
        // (an id from --read-ids, or a shared video). With --tokens its token goes with it.
        int device = -1;
    };

    Workload(int devices, int videos, bool shared, qint64 intervalMs, quint32 seed);

    Request nextReport(int device, qint64 observedAtMs);
    // A random content id among those markWritten() was told of and those given to
    // addReadIds(); false while there is none.
    bool nextRead(Request *request);
    void markWritten(int content);
    // Ids stored before the run (--read-ids), for reads over a database filled beforehand.
    void addReadIds(const QList<QByteArray> &ids);
    // Reads a file of content ids, one a line (empty lines skipped). False, with the reason in
    // *error, if it cannot be read, a line is not a valid content id, or it has none.
    static bool loadContentIds(const QString &path, QList<QByteArray> *ids, QString *error);

    QByteArray contentId(int content) const;
    QByteArray deviceId(int device) const;
    qint64 writtenCount() const { return qint64(m_written.size()); }

private:
    struct Device
    {
        int video = 0;
        qint64 positionMs = 0;
    };

    int contentIndex(int device, int video) const;
    qint64 durationMs(int content) const;

    std::vector<Device> m_devices;
    std::vector<bool> m_isWritten;
    std::vector<int> m_written;
    QList<QByteArray> m_readIds;
    std::mt19937_64 m_random;
    int m_videos = 1;
    bool m_shared = false;
    qint64 m_intervalMs = 0;
};
