#pragma once

#include "protocol/progressrecord.h"

#include <QSqlQuery>
#include <QString>

// How both databases (the server's and the player's local copy) store a ProgressRecord: one
// list of columns, one way to bind and read them, and the ordering rule as an upsert condition.
namespace SqlRecord {

// The two SQL engines Playmark runs on. Their SQL is the same but for the text comparison of
// device_id: SQLite compares bytes, PostgreSQL the database's collation unless told otherwise.
enum class Dialect { SQLite, PostgreSQL };

// "content_id, position_ms, ..., episode_id": the columns bind() and read() use, in order.
QString columns();
void bind(QSqlQuery &query, const ProgressRecord &record);
ProgressRecord read(const QSqlQuery &query, int firstColumn = 0);
// Number of columns in columns().
constexpr int kColumnCount = 10;

// ON CONFLICT ... DO UPDATE SET every column (and `extraColumn`) from the new row...
QString updateAll(const QString &extraColumn);
// ... WHERE the new row wins by PROTOCOL.md's ordering rule over the row stored in `table`.
QString whereNewer(const QString &table, Dialect dialect = Dialect::SQLite);
// "ORDER BY" terms for newest first by the same rule.
QString newestFirst(Dialect dialect = Dialect::SQLite);

} // namespace SqlRecord
