-- Version 4: the record's `watched` (1/0, NULL when not said) and `finished_at_ms`, in the records
-- this device knows and in the updates waiting to be sent.
ALTER TABLE records ADD COLUMN watched INTEGER;
ALTER TABLE records ADD COLUMN finished_at_ms INTEGER;
ALTER TABLE outbox ADD COLUMN watched INTEGER;
ALTER TABLE outbox ADD COLUMN finished_at_ms INTEGER;
