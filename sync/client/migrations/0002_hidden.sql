-- Version 2: videos the person hid from Continue Watching on this device. The position is kept;
-- an entry comes back once it is watched again (an observation newer than the one hidden).
CREATE TABLE hidden (
    content_id TEXT PRIMARY KEY,
    observed_at_ms INTEGER NOT NULL
);
