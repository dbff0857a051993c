-- Version 4: plays (every finish of a video, counted once) and forgets (tombstones).
--
-- A finish is (video, finished_at_ms): every later report of the same viewing repeats it, so the
-- key keeps it once, also when another device carries it on (a device that opens a watched video
-- reports the finish it was told of until its own viewing has started); device_id is the device
-- that reported it first. reported_at_ms is the newest observation that reported it: a
-- forget observed at N drops the finishes reported at or before N, whatever order the forget and
-- the reports arrive in.
CREATE TABLE plays (
    user_id BIGINT NOT NULL,
    content_id TEXT NOT NULL,
    finished_at_ms BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    reported_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, content_id, finished_at_ms)
);

-- What a record's answers carry, kept with the record (changed only when a finish is new, so an
-- update that is not a finish reads them with the record and counts nothing).
ALTER TABLE progress ADD COLUMN play_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE progress ADD COLUMN last_finished_ms BIGINT NOT NULL DEFAULT 0;

-- The newest forget of a video (DELETE /v1/progress/{id}): an update observed at or before it is
-- stale. Dropped 90 days after forgotten_at_ms.
CREATE TABLE forgotten (
    user_id BIGINT NOT NULL,
    content_id TEXT NOT NULL,
    forgotten_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, content_id)
);
CREATE INDEX forgotten_by_age ON forgotten (forgotten_at_ms);

-- What older servers stored: every observation counting the video as watched (`ended`, or
-- watched = 1) that history or the record still holds is a finish, as the server counts them
-- from now on (finished_at_ms absent: the observation's own time).
INSERT INTO plays (user_id, content_id, finished_at_ms, device_id, reported_at_ms)
SELECT user_id, content_id, finished, MIN(device_id), MAX(observed_at_ms) FROM (
    SELECT user_id, content_id, COALESCE(finished_at_ms, observed_at_ms) AS finished, device_id,
           observed_at_ms
    FROM history WHERE watched = 1 OR (watched IS NULL AND state = 'ended')
    UNION
    SELECT user_id, content_id, COALESCE(finished_at_ms, observed_at_ms) AS finished, device_id,
           observed_at_ms
    FROM progress WHERE watched = 1 OR (watched IS NULL AND state = 'ended')
) AS finishes
GROUP BY user_id, content_id, finished;

UPDATE progress SET
    play_count = (SELECT COUNT(*) FROM plays
                  WHERE plays.user_id = progress.user_id AND plays.content_id = progress.content_id),
    last_finished_ms = COALESCE((SELECT MAX(finished_at_ms) FROM plays
                                 WHERE plays.user_id = progress.user_id
                                   AND plays.content_id = progress.content_id), 0);
