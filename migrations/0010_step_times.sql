-- The time of a step, not the time of its replay (issue 11). An engineer
-- offline in a basement presses "arrive"; the phone sends the step an hour
-- later with "at", the moment of the press. The step's own columns
-- (visits.departed_at ... completed_at, precall_attempts.at, audit_events.at,
-- tickets.first_contact_at) hold that moment, so the timeline and the
-- service-standards report (R4, R14, R15) count what the engineer did when
-- they did it; the *received_at columns beside them hold when fieldd heard of
-- it. Rows from before this migration have NULL there: received when done.

ALTER TABLE visits
    ADD COLUMN departed_received_at    timestamptz,
    ADD COLUMN late_notice_received_at timestamptz,
    ADD COLUMN arrived_received_at     timestamptz,
    ADD COLUMN estimated_received_at   timestamptz,
    ADD COLUMN consent_received_at     timestamptz,
    ADD COLUMN completed_received_at   timestamptz,
    -- absence and cancellation had no time of their own (only their audit rows)
    ADD COLUMN absent_at               timestamptz,
    ADD COLUMN absent_received_at      timestamptz,
    ADD COLUMN cancelled_at            timestamptz,
    ADD COLUMN cancelled_received_at   timestamptz;

-- added without a default first, so existing rows stay NULL instead of taking
-- the migration's time; new rows get their receipt time
ALTER TABLE precall_attempts ADD COLUMN received_at timestamptz;
ALTER TABLE precall_attempts ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE audit_events ADD COLUMN received_at timestamptz;
ALTER TABLE audit_events ALTER COLUMN received_at SET DEFAULT now();
