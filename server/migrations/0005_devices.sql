-- Version 5: devices and pairing (docs/protocol.md, "Devices and pairing").
--
-- Every token belongs to one device of one user. `id` is the server's own name for it (the
-- player's `device_id` is bound to it by the device's updates, and may change when a copied
-- profile makes itself a new one). device_name is '' until the device says its name (a token
-- from before devices: its first report names it).
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    device_name TEXT NOT NULL,
    device_id TEXT,
    created_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    last_content_id TEXT,
    removed_at_ms BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id, last_seen_ms);
-- Two active devices of one user never share a device_id (the later one is told 409).
CREATE UNIQUE INDEX devices_by_device_id ON devices (user_id, device_id)
    WHERE removed_at_ms IS NULL AND device_id IS NOT NULL;

ALTER TABLE tokens ADD COLUMN device_key TEXT;

-- The tokens issued so far: one device each, removed if the token was revoked.
INSERT INTO devices (id, user_id, device_name, device_id, created_at_ms, last_seen_ms,
                     last_content_id, removed_at_ms)
SELECT 'd-' || substr(token_hash, 1, 16), user_id, '', NULL, created_at_ms, created_at_ms, NULL,
       revoked_at_ms
FROM tokens;
UPDATE tokens SET device_key = 'd-' || substr(token_hash, 1, 16);

-- A device waiting to be approved (POST /v1/pairings). Only the secret's SHA-256 is kept; the
-- token is made when the secret's holder collects it, and the row goes then. Expired rows stay a
-- while so that their holder hears 410 rather than 404.
CREATE TABLE pairings (
    secret_hash TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    approved_user_id BIGINT,
    approved_at_ms BIGINT
);
CREATE INDEX pairings_by_expiry ON pairings (expires_at_ms);
CREATE INDEX pairings_by_address ON pairings (address, expires_at_ms);

-- Wrong codes given to POST /v1/pairings/approve, one row each, by subject ("user:ID" or
-- "address:IP"): shared by every server of one database, so the limit holds for the service.
CREATE TABLE pairing_failures (
    subject TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX pairing_failures_by_subject ON pairing_failures (subject, at_ms);

-- Every removal of devices, in order: each server reads the rows after the last one it applied
-- (at once on PostgreSQL's NOTIFY, by polling on SQLite, where `playmark-server user` is another
-- process) and stops serving their tokens and their event streams. device_key NULL: all of the
-- user's devices.
CREATE TABLE revocations (
    seq BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    device_key TEXT,
    at_ms BIGINT NOT NULL
);
