-- Version 3: whether an observation counts the video as watched (1/0; NULL when the update did not
-- say, as older players' do not: then `ended` means watched) and when that viewing became watched.
ALTER TABLE progress ADD COLUMN watched INTEGER;
ALTER TABLE progress ADD COLUMN finished_at_ms BIGINT;
ALTER TABLE history ADD COLUMN watched INTEGER;
ALTER TABLE history ADD COLUMN finished_at_ms BIGINT;
