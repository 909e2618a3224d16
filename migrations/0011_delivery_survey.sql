-- 0011: the customer's side — delivery of the notification outbox, the
-- tracking page and the post-visit survey.
--
-- surveys: one answer per ticket (R15 satisfaction comes from here).
-- notifications: the delivery state of each notice — when it is due next,
-- the lease of the process sending it, the last error, and a delivery id
-- that stays the same across retries so that a receiver can drop repeats.
-- A trigger NOTIFYs fieldd_outbox in the transaction that queues a notice,
-- so the delivery workers wake at once (docs/architecture.md).

CREATE TABLE surveys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL UNIQUE REFERENCES tickets (id),
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_created_idx ON surveys (created_at);

-- ---- the outbox's delivery state ----

ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
-- queued: waiting (or being sent under a lease); sent; dead: given up after
-- FIELDD_DELIVERY_ATTEMPTS tries (the older word 'failed' means the same);
-- skipped: nothing to send (the phone channel is a call a person makes)
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('queued', 'sent', 'dead', 'failed', 'skipped'));
ALTER TABLE notifications
    ADD COLUMN delivery_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN locked_until    timestamptz,
    ADD COLUMN last_error      text,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN sent_via        text;
UPDATE notifications SET status = 'dead', last_error = coalesce(last_error, 'gave up')
WHERE status = 'failed';
ALTER TABLE notifications ADD CONSTRAINT notifications_delivery_id_key UNIQUE (delivery_id);
DROP INDEX notifications_queued_idx;
-- the claim query's order: due first
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id) WHERE status = 'queued';

-- notifications_wake() and its two trigger bindings: server/db/sql/60_outbox.sql

-- ---- tracking codes: long and random ----
-- fieldd issues 43-character base64url codes (256 random bits); anything
-- shorter (hand-made or older data) is replaced by one of those.
UPDATE tickets
SET tracking = translate(rtrim(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
                                      'base64'), '='), '+/', '-_')
WHERE length(tracking) < 43;

-- ---- the report: satisfaction from the surveys ----

-- service_report() with satisfaction: server/db/sql/50_reports.sql
