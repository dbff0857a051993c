#pragma once

#include "protocol/progressrecord.h"

#include <QList>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariant>

// How both databases (the server's and the player's local copy) store a ProgressRecord. The field
// table below is the one description of the record's columns: every column list, placeholder
// list, update clause and column index of both stores is made from it, so a new field is one
// line here (and a migration per database), never a count to keep in step by hand.
namespace SqlRecord {

// The two SQL engines Playmark runs on. Their SQL is the same but for the text comparison of
// device_id: SQLite compares bytes, PostgreSQL the database's collation unless told otherwise.
enum class Dialect { SQLite, PostgreSQL };

// One column of a stored record.
struct Field
{
    const char *column;
    // Part of every record table's key (content_id): written on insert, never updated.
    bool key;
    QVariant (*value)(const ProgressRecord &record);
    void (*assign)(ProgressRecord &record, const QVariant &value);
};

// The field table: the record's columns, in the order Row puts them.
const QList<Field> &fields();

// The record's field values, in the field table's order. A record written to two tables (the
// server's progress and history) takes them once: `choices` is encoded to JSON on the way.
QVariantList values(const ProgressRecord &record);

// The columns of one table that stores records: the table's own `leading` columns (the server's
// user_id), the record's fields, then its own `trailing` columns (received_at_ms, offset_ms).
// Bind and read in that order with bind() and read(); find a table's own column with index().
class Row
{
public:
    Row(QStringList leading, QStringList trailing);

    QStringList names() const;
    // "user_id, content_id, ..., received_at_ms"
    QString columns() const;
    // "?, ?, ..." : one per column.
    QString placeholders() const;
    // "INSERT INTO table (columns) VALUES (placeholders)"
    QString insertInto(const QString &table) const;
    // " DO UPDATE SET" every column that is not a key (not leading, not content_id) from the new
    // row, for an INSERT ... ON CONFLICT of this row.
    QString updateAll() const;
    // Where `column` is in columns() (and so in a SELECT of them); asserts that it is there.
    int index(const QString &column) const;
    int count() const { return int(m_names.size()); }

    // Binds a whole row, in columns() order; `fields` as values() gives them.
    void bind(QSqlQuery &query, const QVariantList &leading, const QVariantList &fields,
              const QVariantList &trailing) const;
    void bind(QSqlQuery &query, const QVariantList &leading, const ProgressRecord &record,
              const QVariantList &trailing) const
    {
        bind(query, leading, values(record), trailing);
    }
    // The record's fields of a row selected as columns(); the table's own columns are the
    // caller's to read (index()).
    ProgressRecord read(const QSqlQuery &query) const;

private:
    int m_leading;
    int m_trailing;
    QStringList m_names;
};

// ... WHERE the new row wins by docs/protocol.md's ordering rule over the row stored in `table`.
QString whereNewer(const QString &table, Dialect dialect = Dialect::SQLite);
// "ORDER BY" terms for newest first by the same rule.
QString newestFirst(Dialect dialect = Dialect::SQLite);

} // namespace SqlRecord
