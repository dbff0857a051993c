-- Version 2: the tracks, subtitles and speed a record was played with (the record's `choices`,
-- compact JSON as docs/protocol.md gives it), NULL when the record has none. A plain ADD COLUMN
-- that SQLite and PostgreSQL both accept; existing rows keep theirs as NULL.
ALTER TABLE progress ADD COLUMN choices TEXT;
ALTER TABLE history ADD COLUMN choices TEXT;
