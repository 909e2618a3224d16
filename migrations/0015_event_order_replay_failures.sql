-- Two things of the dispatcher's board (issue 12).
--
-- 1. Event ids and commit order. An event's id comes from a sequence when its
-- row is written, but clients hear events in commit order, so a transaction
-- that commits later can carry a smaller id than one a client already has.
-- Each event row now also keeps the writing transaction (xid) and the
-- snapshot its INSERT ran under (snap): every transaction that had not
-- committed by then is invisible in that snapshot. A client reconnecting
-- with Last-Event-ID N is replayed the events with id > N and also those
-- with id < N whose transaction was not yet visible in N's snapshot (they
-- may have committed after N reached the client). The replay query is in
-- server/db/pg_events.c; the reasoning in docs/architecture.md.
--
-- 2. Replays refused on an engineer's phone. The phone app keeps an outbox
-- of steps made offline and replays them later; a step the server refuses
-- (409 out of order, 422 rule, 403, 404) used to stay on that phone only.
-- The phone now reports it (POST /api/v1/me/replay-failures), the board
-- shows it in a lane of its own until someone marks it handled (audited),
-- and it travels on the event stream as kind replay_failure.

ALTER TABLE events
    ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    ADD COLUMN snap pg_snapshot NOT NULL DEFAULT pg_current_snapshot();
-- the replay's second half looks for transactions at or after a snapshot's xmin
CREATE INDEX events_xid_idx ON events (xid);

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('ticket', 'visit', 'checklist', 'notification', 'schedule',
                    'replay_failure'));

CREATE TABLE replay_failures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- who reported it (the phone's user: an engineer or a lead on a visit)
    engineer_id     bigint NOT NULL REFERENCES users (id),
    -- the outbox entry's Idempotency-Key: a report sent twice is one row
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    method          text NOT NULL CHECK (method IN ('POST', 'PUT', 'PATCH', 'DELETE')),
    path            text NOT NULL CHECK (path LIKE '/api/v1/%' AND length(path) <= 300),
    status          integer NOT NULL CHECK (status BETWEEN 400 AND 499),
    code            text CHECK (length(code) <= 100),
    detail          text CHECK (length(detail) <= 2000),
    -- when the phone got the refusal, and when fieldd heard of it
    failed_at       timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    -- what it concerns, worked out from path (/api/v1/visits/{id}/..., /tickets/{id}/...)
    ticket_id       bigint REFERENCES tickets (id),
    visit_id        bigint REFERENCES visits (id),
    handled_at      timestamptz,
    handled_by      bigint REFERENCES users (id),
    handled_note    text CHECK (length(handled_note) <= 2000),
    UNIQUE (engineer_id, idempotency_key),
    CHECK ((handled_at IS NULL) = (handled_by IS NULL))
);
CREATE INDEX replay_failures_open_idx ON replay_failures (id) WHERE handled_at IS NULL;
CREATE INDEX replay_failures_engineer_idx ON replay_failures (engineer_id, id);

ALTER TABLE audit_events ADD COLUMN replay_failure_id bigint REFERENCES replay_failures (id);
