-- Version 6: history that stays small (docs/protocol.md, "History").
--
-- History no longer repeats the record that stands: progress holds the newest applied update of
-- a video, history the ones it superseded, and GET .../history reads both.
--
-- The newest 50 applied updates of a video are kept as they came; older than those, only what a
-- person would jump back to. Whether an entry is such a place (kept = 1) is decided once, when
-- it goes to history, against the entry before it and the update that superseded it
-- (ProgressStore): the video's first, not `playing`, another device than before, the first
-- report of its minute, the landing of a seek or the place a seek jumped from.
--
-- device_id is ordered by bytes (COLLATE "C"), as the server orders it, whatever PostgreSQL's
-- database collation is; the server defines "C" on its SQLite connections as byte order too.
ALTER TABLE history ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;

-- The entries older servers wrote (the record's copy among them), judged by the same rule. The
-- oldest entry they kept has none before it: it is kept, as a video's first is.
UPDATE history SET kept = 1
FROM (
    SELECT user_id, content_id, observed_at_ms, device_id FROM (
        SELECT user_id, content_id, observed_at_ms, device_id, position_ms, state,
               lag(observed_at_ms) OVER w AS before_observed,
               lag(device_id) OVER w AS before_device,
               lag(position_ms) OVER w AS before_position,
               lag(state) OVER w AS before_state,
               lead(observed_at_ms) OVER w AS after_observed,
               lead(position_ms) OVER w AS after_position
        FROM history
        WINDOW w AS (PARTITION BY user_id, content_id
                     ORDER BY observed_at_ms, device_id COLLATE "C")
    ) AS entries
    WHERE before_observed IS NULL OR state <> 'playing' OR device_id <> before_device
       OR observed_at_ms / 60000 <> before_observed / 60000
       OR abs(position_ms - before_position
              - CASE WHEN before_state = 'playing' THEN observed_at_ms - before_observed
                     ELSE 0 END) > 10000
       OR abs(after_position - position_ms
              - CASE WHEN state = 'playing' THEN after_observed - observed_at_ms
                     ELSE 0 END) > 10000
) AS judged
WHERE history.user_id = judged.user_id AND history.content_id = judged.content_id
  AND history.observed_at_ms = judged.observed_at_ms AND history.device_id = judged.device_id;

-- The copies of the records that stand.
DELETE FROM history
WHERE (user_id, content_id, observed_at_ms, device_id) IN (
    SELECT user_id, content_id, observed_at_ms, device_id FROM progress
);

-- Older than the newest 50 (the record and 49 entries), what the rule does not keep goes now.
-- The older servers kept 64 entries, far below the 150 at most.
DELETE FROM history
WHERE kept = 0 AND (user_id, content_id, observed_at_ms, device_id) IN (
    SELECT user_id, content_id, observed_at_ms, device_id FROM (
        SELECT user_id, content_id, observed_at_ms, device_id,
               row_number() OVER (PARTITION BY user_id, content_id
                                  ORDER BY observed_at_ms DESC,
                                           device_id COLLATE "C" DESC) AS place
        FROM history
    ) AS ranked
    WHERE place > 49
);
