#include "walcheckpointer.h"

#include "protocol/crossthread.h"

#include <QLoggingCategory>

#include <sqlite3.h>

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

namespace {
constexpr int kBusyTimeoutMs = 5000;
constexpr int kSqliteCheckpointFrames = 1000; // SQLite's default wal_autocheckpoint
} // namespace

WalCheckpointer::WalCheckpointer() : m_context(new QObject)
{
    m_thread.setObjectName(QStringLiteral("playmark-wal"));
    m_context->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

WalCheckpointer::~WalCheckpointer()
{
    m_thread.quit();
    m_thread.wait();
    if (m_db)
        sqlite3_close(m_db);
}

bool WalCheckpointer::attach(sqlite3 *writer, QString *error)
{
    const QByteArray file = sqlite3_db_filename(writer, "main");
    if (file.isEmpty()) {
        *error = QStringLiteral("the writer's database has no file to checkpoint");
        return false;
    }
    bool ok = false;
    runAndWait(m_context, [&] {
        if (sqlite3_open_v2(file.constData(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr)
            != SQLITE_OK) {
            *error = QStringLiteral("cannot open %1 for checkpoints: %2")
                         .arg(QString::fromUtf8(file), QString::fromUtf8(sqlite3_errmsg(m_db)));
            sqlite3_close(m_db);
            m_db = nullptr;
            return;
        }
        // Opening reads the schema, which may wait a moment for a lock; the PASSIVE checkpoints
        // themselves never wait (SQLite does not call the busy handler for them).
        sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
        // A connection looks at the file only when first used: until then it does not know the
        // database is in WAL mode, and a checkpoint on it does nothing (reports -1 pages).
        sqlite3_stmt *mode = nullptr;
        if (sqlite3_prepare_v2(m_db, "PRAGMA journal_mode", -1, &mode, nullptr) == SQLITE_OK
            && sqlite3_step(mode) == SQLITE_ROW
            && qstricmp(reinterpret_cast<const char *>(sqlite3_column_text(mode, 0)), "wal") == 0)
            ok = true;
        else
            *error = QStringLiteral("%1 is not in WAL mode").arg(QString::fromUtf8(file));
        sqlite3_finalize(mode);
    });
    if (!ok)
        return false;
    m_writer = writer;
    // After the WAL starts afresh, its file is cut back to this (SQLite keeps it at its largest).
    const QByteArray limit = "PRAGMA journal_size_limit=" + QByteArray::number(kWalSizeLimitBytes);
    sqlite3_exec(m_writer, limit.constData(), nullptr, nullptr, nullptr);
    sqlite3_wal_hook(m_writer, &WalCheckpointer::onCommit, this);
    return true;
}

void WalCheckpointer::detach()
{
    if (m_writer) {
        // SQLite's own hook back, at its default of 1,000 pages, as the connection had it.
        sqlite3_wal_autocheckpoint(m_writer, kSqliteCheckpointFrames);
        m_writer = nullptr;
    }
    // After the checkpoint under way, if any.
    runAndWait(m_context, [this] {
        if (m_db)
            sqlite3_close(m_db);
        m_db = nullptr;
    });
}

// On the writer's thread, after each commit, with the WAL's size in pages.
int WalCheckpointer::onCommit(void *self, sqlite3 *db, const char *schema, int frames)
{
    auto *checkpointer = static_cast<WalCheckpointer *>(self);
    checkpointer->m_walFrames.store(frames, std::memory_order_relaxed);
    if (frames >= kWriterCheckpointFrames) {
        // What the background passes left, here, so that the WAL starts afresh (see the header).
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        checkpointer->m_writerCheckpoints.fetch_add(1, std::memory_order_relaxed);
        qCDebug(lcStorage) << "the WAL reached" << frames << "pages: the writer copied the rest";
        return SQLITE_OK;
    }
    if (frames >= kCheckpointFrames && !checkpointer->m_scheduled.exchange(true))
        QMetaObject::invokeMethod(
            checkpointer->m_context, [checkpointer] { checkpointer->checkpoint(); },
            Qt::QueuedConnection);
    return SQLITE_OK;
}

void WalCheckpointer::checkpoint()
{
    m_scheduled.store(false);
    if (!m_db)
        return;
    int walPages = 0;
    int copied = 0;
    const int result =
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied);
    // SQLITE_BUSY: another checkpoint was running (the writer's, far behind); not counted.
    if (result == SQLITE_BUSY)
        return;
    if (result != SQLITE_OK) {
        qCWarning(lcStorage).noquote()
            << "WAL checkpoint failed:" << QString::fromUtf8(sqlite3_errmsg(m_db));
        return;
    }
    m_checkpoints.fetch_add(1, std::memory_order_relaxed);
}
