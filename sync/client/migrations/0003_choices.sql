-- Version 3: the record's `choices` (compact JSON, NULL when none), in the records this device
-- knows and in the updates waiting to be sent.
ALTER TABLE records ADD COLUMN choices TEXT;
ALTER TABLE outbox ADD COLUMN choices TEXT;
