-- bench/scale-fill.sql: fills a database made by `playmark-server user add` (so the schema is the
-- server's own, migrations included) with @records progress records of user @user_id, exactly as
-- if every record had been PUT once: since schema 6 one applied update leaves its record alone
-- (history holds only records a newer update superseded). bench/run sets the parameters:
--   sqlite3 DB -cmd ".parameter set @records 1000000" -cmd ".parameter set @user_id 1" \
--              -cmd ".parameter set @now_ms $(date +%s%3N)" < bench/scale-fill.sql
--
-- The rows look like the player's: a fingerprint content id ("pm1-" and 32 hex digits, random, so
-- they arrive in random key order as real ones do), four devices, a device name, a title of about
-- 20 characters, observed over the past days, one record in ten `ended`. synchronous=OFF only
-- while filling: the server opens the file with synchronous=FULL as always.
-- The column lists are the server's (ProgressStore::progressRow()); tst_sqlrecord checks them.
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;

BEGIN;
CREATE TEMP TABLE fill AS
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @records)
SELECT i,
       'pm1-' || lower(hex(randomblob(16))) AS content_id,
       1200000 + abs(random()) % 2400000 AS duration_ms
FROM n;

INSERT INTO progress (user_id, content_id, position_ms, duration_ms, device_id, device_name,
                      observed_at_ms, state, title, show_id, episode_id, choices, watched,
                      finished_at_ms, received_at_ms)
SELECT @user_id, content_id,
       CASE WHEN i % 10 = 0 THEN duration_ms ELSE abs(random()) % duration_ms END,
       duration_ms,
       printf('dev-%016x', 81985529216486895 + (i % 4) * 4099),
       CASE i % 4 WHEN 0 THEN 'Living-room TV' WHEN 1 THEN 'Phone'
                  WHEN 2 THEN 'Laptop' ELSE 'Bedroom TV' END,
       @now_ms - (@records - i) * 500,
       CASE WHEN i % 10 = 0 THEN 'ended' WHEN i % 3 = 0 THEN 'stopped' ELSE 'paused' END,
       printf('Some.Show.S%02dE%02d.1080p', i % 9 + 1, i % 24 + 1),
       NULL, NULL, NULL, NULL, NULL,
       @now_ms - (@records - i) * 500 + 12
FROM fill ORDER BY i;

-- An `ended` report is a finish: the server keeps it in plays and counts it in the record.
INSERT INTO plays (user_id, content_id, finished_at_ms, device_id, reported_at_ms)
SELECT user_id, content_id, observed_at_ms, device_id, observed_at_ms
FROM progress WHERE user_id = @user_id AND state = 'ended';
UPDATE progress SET play_count = 1, last_finished_ms = observed_at_ms
WHERE user_id = @user_id AND state = 'ended';

COMMIT;

DROP TABLE fill;
-- Everything into the main file, so its size is the database's size.
PRAGMA wal_checkpoint(TRUNCATE);
