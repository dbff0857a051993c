#include "workload.h"

#include <QFile>
#include <QStringBuilder>

namespace {

constexpr qint64 kShortestVideoMs = 20 * 60 * 1000;
constexpr qint64 kVideoLengthSpreadMs = 40 * 60 * 1000;

} // namespace

Workload::Workload(int devices, int videos, bool shared, qint64 intervalMs, quint32 seed)
    : m_devices(size_t(devices)),
      m_isWritten(size_t(shared ? videos : qint64(devices) * videos), false),
      m_random(seed ^ 0x9e3779b97f4a7c15ULL),
      m_videos(videos),
      m_shared(shared),
      m_intervalMs(intervalMs)
{
    for (int device = 0; device < devices; ++device) {
        Device &state = m_devices[size_t(device)];
        state.video = int(m_random() % quint64(videos));
        state.positionMs =
            qint64(m_random() % quint64(durationMs(contentIndex(device, state.video))));
    }
}

int Workload::contentIndex(int device, int video) const
{
    return m_shared ? video : device * m_videos + video;
}

qint64 Workload::durationMs(int content) const
{
    // Fixed per content id, between 20 and 60 minutes, so every device agrees on it.
    const quint64 mixed = quint64(content) * 0x9e3779b97f4a7c15ULL;
    return kShortestVideoMs + qint64((mixed >> 33) % quint64(kVideoLengthSpreadMs));
}

QByteArray Workload::contentId(int content) const
{
    if (m_shared)
        return QByteArray("loadgen-v") + QByteArray::number(content);
    return QByteArray("loadgen-d") + QByteArray::number(content / m_videos) + "-v"
        + QByteArray::number(content % m_videos);
}

QByteArray Workload::deviceId(int device) const
{
    return QByteArray("loadgen-") + QByteArray::number(device);
}

Workload::Request Workload::nextReport(int device, qint64 observedAtMs)
{
    Device &state = m_devices[size_t(device)];
    int content = contentIndex(device, state.video);
    qint64 duration = durationMs(content);
    if (state.positionMs > duration) { // the last report said `ended`: on to the next video
        state.video = (state.video + 1) % m_videos;
        state.positionMs = 0;
        content = contentIndex(device, state.video);
        duration = durationMs(content);
    }
    const bool ended = state.positionMs >= duration;
    const qint64 position = ended ? duration : state.positionMs;
    state.positionMs = ended ? duration + 1 : state.positionMs + m_intervalMs;

    Request request;
    request.method = "PUT";
    request.content = content;
    request.device = device;
    request.path = QByteArray("/v1/progress/") + contentId(content);
    request.body.reserve(200);
    request.body += QByteArray("{\"position_ms\":") + QByteArray::number(position)
        + ",\"duration_ms\":" + QByteArray::number(duration) + ",\"device_id\":\""
        + deviceId(device) + "\",\"device_name\":\"loadgen device " + QByteArray::number(device)
        + "\",\"observed_at_ms\":" + QByteArray::number(observedAtMs) + ",\"state\":\""
        + (ended ? QByteArray("ended") : QByteArray("playing")) + "\"}";
    return request;
}

bool Workload::nextRead(Request *request)
{
    const quint64 choices = quint64(m_readIds.size()) + m_written.size();
    if (choices == 0)
        return false;
    const quint64 choice = m_random() % choices;
    request->method = "GET";
    request->body.clear();
    request->device = -1;
    if (choice < quint64(m_readIds.size())) {
        request->content = -1; // not one of this run's
        request->path = QByteArray("/v1/progress/") + m_readIds.at(qsizetype(choice));
        return true;
    }
    const int content = m_written[size_t(choice - quint64(m_readIds.size()))];
    request->content = content;
    request->device = m_shared ? -1 : content / m_videos; // its owner's token reads it
    request->path = QByteArray("/v1/progress/") + contentId(content);
    return true;
}

void Workload::addReadIds(const QList<QByteArray> &ids)
{
    m_readIds += ids;
}

bool Workload::loadContentIds(const QString &path, QList<QByteArray> *ids, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    // docs/protocol.md: ^[A-Za-z0-9._:-]{1,128}$, checked by hand: a million lines go by quickly.
    const auto isValid = [](const QByteArray &id) {
        if (id.isEmpty() || id.size() > 128)
            return false;
        for (const char c : id) {
            const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok)
                return false;
        }
        return true;
    };
    QList<QByteArray> result;
    qint64 lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray id = file.readLine().trimmed();
        ++lineNumber;
        if (id.isEmpty())
            continue;
        if (!isValid(id)) {
            *error = QStringLiteral("%1:%2: not a content id (1 to 128 of A-Z a-z 0-9 . _ : -)")
                         .arg(path)
                         .arg(lineNumber);
            return false;
        }
        result.append(id);
    }
    if (result.isEmpty()) {
        *error = QStringLiteral("%1 has no content ids").arg(path);
        return false;
    }
    *ids = std::move(result);
    return true;
}

void Workload::markWritten(int content)
{
    if (content < 0 || size_t(content) >= m_isWritten.size() || m_isWritten[size_t(content)])
        return;
    m_isWritten[size_t(content)] = true;
    m_written.push_back(content);
}
