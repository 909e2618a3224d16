-- A replayed answer carries the Location header of the first one (a 201's
-- new resource), not only its status and body.
ALTER TABLE idempotency_keys ADD COLUMN location text;
