#include "storageservice.h"

#include "changefeed.h"
#include "sqlitestatement.h"
#include "walcheckpointer.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>
#include <memory>

StorageService::StorageService(QObject *parent)
    : QObject(parent),
      m_writer(std::make_unique<ServerStorage>()),
      m_reader(std::make_unique<ServerStorage>()),
      m_writerContext(new QObject),
      m_readerContext(new QObject)
{
    m_writerThread.setObjectName(QStringLiteral("playmark-writer"));
    m_readerThread.setObjectName(QStringLiteral("playmark-reader"));
    m_writerContext->moveToThread(&m_writerThread);
    m_readerContext->moveToThread(&m_readerThread);
    connect(&m_writerThread, &QThread::finished, m_writerContext, &QObject::deleteLater);
    connect(&m_readerThread, &QThread::finished, m_readerContext, &QObject::deleteLater);
    m_writerThread.start();
    m_readerThread.start();
    m_homes.add(this);
}

StorageService::~StorageService()
{
    close();
    m_writerThread.quit();
    m_readerThread.quit();
    m_writerThread.wait();
    m_readerThread.wait();
}

void StorageService::announceChanges(const QString &channel, const QString &origin)
{
    m_channel = channel;
    m_origin = origin;
}

bool StorageService::open(const QString &location, CommitMode mode, QString *error)
{
    m_mode = mode;
    bool ok = false;
    // The writer migrates the database first; the reader then opens it as it is.
    runAndWait(m_writerContext, [&] {
        ok = m_writer->open(location, error);
        // SQLite: checkpoints on a thread of their own, not inside a commit (WalCheckpointer).
        if (ok && m_writer->dialect() == SqlRecord::Dialect::SQLite) {
            m_checkpointer = std::make_unique<WalCheckpointer>();
            ok = m_checkpointer->attach(SqliteStatement::handleOf(m_writer->database()), error);
        }
        // The first sweep of old forgets, before serving (the server's timer does the next ones):
        // a write now could only meet other writers, such as administration, mid-transaction.
        int dropped = 0;
        QString sweepError;
        if (ok
            && !m_writer->progress().dropForgottenBefore(QDateTime::currentMSecsSinceEpoch()
                                                             - ProgressStore::kKeepForgottenMs,
                                                         &dropped, &sweepError))
            qCWarning(lcStorage).noquote() << "could not drop old forgets:" << sweepError;
        else if (dropped > 0)
            qCInfo(lcStorage) << "dropped" << dropped << "forgets older than 90 days";
        if (ok && !m_channel.isEmpty())
            m_writer->progress().announceChanges(
                m_channel, [origin = m_origin](const QList<CommittedChange> &changes) {
                    return ChangeNotice::encode(origin, changes);
                });
    });
    if (ok)
        runAndWait(m_readerContext, [&] { ok = m_reader->open(location, error); });
    if (!ok)
        close();
    return ok;
}

void StorageService::close()
{
    // Queued after every write already posted, so those land first.
    runAndWait(m_writerContext, [this] {
        drain();
        if (m_checkpointer)
            m_checkpointer->detach();
        m_writer->close();
    });
    runAndWait(m_readerContext, [this] { m_reader->close(); });
    m_checkpointer.reset();
}

void StorageService::write(const WriteOp &op, QObject *context, WriteDone done)
{
    QMutexLocker lock(&m_mutex);
    m_queue.push_back({op, QPointer<QObject>(context), QThread::currentThread(), std::move(done)});
    if (m_drainScheduled)
        return;
    m_drainScheduled = true;
    QMetaObject::invokeMethod(
        m_writerContext, [this] { drain(); }, Qt::QueuedConnection);
}

void StorageService::drain()
{
    std::vector<Pending> batch;
    {
        QMutexLocker lock(&m_mutex);
        batch.swap(m_queue);
        m_drainScheduled = false;
    }
    if (batch.empty())
        return;

    struct Answer
    {
        bool ok;
        ApplyOutcome outcome;
        QString error;
    };
    std::vector<Answer> answers(batch.size());
    quint64 transactions = 0;
    const auto commit = [&](size_t from, size_t to) {
        QList<WriteOp> ops;
        for (size_t i = from; i < to; ++i)
            ops.append(batch[i].op);
        QList<ApplyOutcome> outcomes;
        QString error;
        bool ok =
            m_writer->reconnectIfLost() && m_writer->progress().applyBatch(ops, &outcomes, &error);
        // The connection died under this group (a database restart): once more on a new one.
        // Safe even if the lost commit did land: a replayed update changes nothing.
        bool reconnected = false;
        if (!ok && m_writer->reconnectIfLost(&reconnected) && reconnected)
            ok = m_writer->progress().applyBatch(ops, &outcomes, &error);
        if (!ok && !m_writer->isOpen())
            error = QStringLiteral("the database is closed");
        for (size_t i = from; i < to; ++i)
            answers[i] = {ok, ok ? outcomes.at(qsizetype(i - from)) : ApplyOutcome(), error};
        ++transactions;
    };
    const size_t step = m_mode == CommitMode::Group ? size_t(kMaxGroup) : 1;
    for (size_t from = 0; from < batch.size(); from += step)
        commit(from, std::min(batch.size(), from + step));

    m_transactions.fetch_add(transactions, std::memory_order_relaxed);
    m_groupedWrites.fetch_add(batch.size(), std::memory_order_relaxed);
    // One answer event per asking thread, with its writes in the order they came. Each thread's
    // share is moved to it whole, so what its answers hold is released there.
    struct Due
    {
        QThread *caller;
        std::vector<Pending> pending;
        std::vector<Answer> answers;
    };
    std::vector<Due> dues;
    for (size_t i = 0; i < batch.size(); ++i) {
        auto due = std::find_if(dues.begin(), dues.end(),
                                [&](const Due &d) { return d.caller == batch[i].caller; });
        if (due == dues.end())
            due = dues.insert(dues.end(), Due{batch[i].caller, {}, {}});
        due->pending.push_back(std::move(batch[i]));
        due->answers.push_back(std::move(answers[i]));
    }
    for (Due &due : dues) {
        QThread *caller = due.caller;
        m_homes.post(caller, [due = std::make_shared<Due>(std::move(due))] {
            for (size_t i = 0; i < due->pending.size(); ++i) {
                const Pending &pending = due->pending[i];
                const Answer &answer = due->answers[i];
                if (pending.context)
                    pending.done(answer.ok, answer.outcome, answer.error);
            }
        });
    }
}
