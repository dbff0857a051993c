#pragma once

// A real SQLite file made to fail, for the tests of what the player does when its local copy
// does: a table whose first page is garbage, as a failing disk leaves it.
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

// Overwrites the root page of `table` in the SQLite file at `path`. The schema still reads, so the
// file opens as usual, but every statement that touches that table answers "database disk image
// is malformed". No connection may have the file open: what a WAL file holds is folded in first.
inline bool damageTable(const QString &path, const QString &table, QString *error)
{
    const QString connection = QStringLiteral("damage-") + table;
    qint64 rootPage = 0;
    qint64 pageSize = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (!db.open()) {
            *error = db.lastError().text();
            return false;
        }
        QSqlQuery query(db);
        // Back to a rollback journal: the file alone holds every page, and no WAL is replayed
        // over the damage at the next open.
        if (!query.exec(QStringLiteral("PRAGMA journal_mode=DELETE")) || !query.next()
            || query.value(0).toString() != QLatin1String("delete")) {
            *error = QStringLiteral("journal_mode=DELETE: ") + query.lastError().text();
            return false;
        }
        query.finish();
        if (!query.exec(QStringLiteral("PRAGMA page_size")) || !query.next()) {
            *error = query.lastError().text();
            return false;
        }
        pageSize = query.value(0).toLongLong();
        query.finish();
        query.prepare(QStringLiteral("SELECT rootpage FROM sqlite_master WHERE name = ?"));
        query.addBindValue(table);
        if (!query.exec() || !query.next()) {
            *error = QStringLiteral("no table %1").arg(table);
            return false;
        }
        rootPage = query.value(0).toLongLong();
        query.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);

    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.seek((rootPage - 1) * pageSize)
        || file.write(QByteArray(int(pageSize), char(0xA5))) != pageSize) {
        *error = file.errorString();
        return false;
    }
    return true;
}
