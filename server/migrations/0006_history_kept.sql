-- Version 6: history that stays small (docs/protocol.md, "History"). The newest 50 applied updates
-- of a video are kept as they came; older than those, only what a person would jump back to.
-- Whether an entry is such a place is decided once, when it is written, against the update
-- before it (ProgressStore): kept is 0 for a plain periodic `playing` report, 1 for an entry kept
-- (not `playing`, another device, the first report of a minute), 2 for the landing of a seek
-- (kept, and the entry before it is the place jumped from, kept too).
ALTER TABLE history ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;

-- The entries older servers wrote, judged by the same rule against the entry before each.
UPDATE history SET kept = judged.kept
FROM (
    SELECT user_id, content_id, observed_at_ms, device_id,
           CASE
               WHEN before_observed IS NULL THEN 1
               WHEN abs(position_ms - before_position
                        - CASE WHEN before_state = 'playing'
                               THEN observed_at_ms - before_observed ELSE 0 END) > 10000 THEN 2
               WHEN state <> 'playing' THEN 1
               WHEN device_id <> before_device THEN 1
               WHEN observed_at_ms / 60000 <> before_observed / 60000 THEN 1
               ELSE 0
           END AS kept
    FROM (
        SELECT user_id, content_id, observed_at_ms, device_id, position_ms, state,
               lag(observed_at_ms) OVER w AS before_observed,
               lag(device_id) OVER w AS before_device,
               lag(position_ms) OVER w AS before_position,
               lag(state) OVER w AS before_state
        FROM history
        WINDOW w AS (PARTITION BY user_id, content_id ORDER BY observed_at_ms, device_id)
    ) AS entries
) AS judged
WHERE history.user_id = judged.user_id AND history.content_id = judged.content_id
  AND history.observed_at_ms = judged.observed_at_ms AND history.device_id = judged.device_id
  AND judged.kept <> 0;

-- Older than the newest 50, what the rule does not keep goes now (the older servers kept 64).
DELETE FROM history
WHERE (user_id, content_id, observed_at_ms, device_id) IN (
    SELECT user_id, content_id, observed_at_ms, device_id FROM (
        SELECT user_id, content_id, observed_at_ms, device_id, kept,
               row_number() OVER w AS place,
               lag(kept) OVER w AS newer_kept
        FROM history
        WINDOW w AS (PARTITION BY user_id, content_id ORDER BY observed_at_ms DESC, device_id DESC)
    ) AS ranked
    WHERE place > 50 AND kept = 0 AND COALESCE(newer_kept, 0) <> 2
);
