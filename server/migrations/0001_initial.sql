-- Playmark server schema, version 1. Plain SQL that SQLite and PostgreSQL both accept.
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL
);

-- Only the SHA-256 of a token is kept; the token itself is shown once, when issued.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX tokens_by_user ON tokens (user_id);

-- The record that stands, one per user and video.
CREATE TABLE progress (
    user_id BIGINT NOT NULL,
    content_id TEXT NOT NULL,
    position_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    observed_at_ms BIGINT NOT NULL,
    state TEXT NOT NULL,
    title TEXT,
    show_id TEXT,
    episode_id TEXT,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, content_id)
);
CREATE INDEX progress_by_recency ON progress (user_id, observed_at_ms);

-- Every applied update, pruned to the newest few dozen per video.
CREATE TABLE history (
    user_id BIGINT NOT NULL,
    content_id TEXT NOT NULL,
    observed_at_ms BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    position_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    device_name TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT,
    show_id TEXT,
    episode_id TEXT,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, content_id, observed_at_ms, device_id)
);
