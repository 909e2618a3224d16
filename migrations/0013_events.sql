-- The change feed behind GET /api/v1/events: one row per change to a ticket,
-- visit, booking (visit_people), checklist run or answer, or notification,
-- written by a trigger in the same transaction as the change, which also
-- NOTIFYs channel fieldd_events with the row. A stream that reconnects with
-- Last-Event-ID reads what it missed from here. Rows are kept 24 hours (and
-- at most 100,000); housekeeping prunes older ones and raises
-- events_horizon, below which a Last-Event-ID is too old to be caught up.
--
-- The trigger functions and their bindings are in server/db/sql/60_events.sql:
-- the bindings need the functions, which are applied after the migrations.

CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL
                CHECK (kind IN ('ticket', 'visit', 'checklist', 'notification', 'schedule')),
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    ticket_id   bigint,
    visit_id    bigint,
    ref         bigint NOT NULL,
    status      text,
    -- who may see it: these people, and leads of these teams (the API's rules)
    people      bigint[] NOT NULL DEFAULT '{}',
    teams       bigint[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_created_idx ON events (created_at);

-- One row: events with id <= pruned_through may have been deleted.
CREATE TABLE events_horizon (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned_through  bigint NOT NULL DEFAULT 0
);
INSERT INTO events_horizon DEFAULT VALUES;
