-- The outbox's wake-up: a trigger NOTIFYs fieldd_outbox in the transaction that
-- queues a notice (or makes one due again), so the delivery workers
-- (server/jobs/delivery.c) start at once instead of polling.
--
-- Applied by every `fieldd migrate` after the versioned migrations, like every
-- file here (CREATE OR REPLACE). The bindings sit beside the function because
-- the function is newer than the migrations that may define one (0001-0008):
-- CREATE OR REPLACE TRIGGER keeps re-applying them idempotent.

CREATE OR REPLACE FUNCTION notifications_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one NOTIFY per transaction: PostgreSQL folds identical ones
    PERFORM pg_notify('fieldd_outbox', '');
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER notifications_wake_insert AFTER INSERT ON notifications
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION notifications_wake();
CREATE OR REPLACE TRIGGER notifications_wake_update AFTER UPDATE OF status, next_attempt_at ON notifications
    FOR EACH ROW WHEN (NEW.status = 'queued' AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notifications_wake();
