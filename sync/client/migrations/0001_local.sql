-- The player's local copy (one per profile), version 1.

-- The newest record this device knows per video, by the ordering rule: its own reports and what
-- the server answered.
CREATE TABLE records (
    content_id TEXT PRIMARY KEY,
    position_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    observed_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    title TEXT,
    show_id TEXT,
    episode_id TEXT,
    received_at_ms INTEGER NOT NULL
);

-- Updates not yet delivered to the server: only the newest per video, so it cannot grow without
-- bound. offset_ms is the clock offset the update was stamped with.
CREATE TABLE outbox (
    content_id TEXT PRIMARY KEY,
    position_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    observed_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    title TEXT,
    show_id TEXT,
    episode_id TEXT,
    offset_ms INTEGER NOT NULL
);

-- Where each video lives on this device.
CREATE TABLE locations (
    content_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    seen_at_ms INTEGER NOT NULL
);
