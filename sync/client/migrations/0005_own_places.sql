-- Version 5: this device's own last place in each video (the place and observation of its own
-- last report). `records` keeps the newest record, which may be another device's: this is what
-- the resume notice offers to go back to when the newest place is far behind it.
CREATE TABLE own_places (
    content_id TEXT PRIMARY KEY,
    position_ms INTEGER NOT NULL,
    observed_at_ms INTEGER NOT NULL
);
