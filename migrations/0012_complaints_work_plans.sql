-- Complaints (R13) and work plans for large jobs (R12).
--
-- A complaint moves received -> analysed -> resolved -> notified -> closed (the
-- customer's feedback closes it), one step at a time (server/domain/cases.c
-- decides; the CHECKs below only keep the stored facts coherent). A work plan
-- moves draft -> submitted -> approved | rejected, approved -> in_progress ->
-- completed, and a rejected plan may be submitted again. The tickets of a plan
-- carry its id; the plan's visits are the visits of those tickets.
--
-- Each step writes an audit event naming the complaint or the plan.

CREATE TABLE work_plans (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text NOT NULL CHECK (length(description) BETWEEN 1 AND 8000),
    team_id        bigint NOT NULL REFERENCES teams (id),
    division       text CHECK (length(division) <= 200),
    planned_start  timestamptz,
    planned_end    timestamptz,
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'submitted', 'approved', 'rejected',
                                     'in_progress', 'completed')),
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    submitted_at   timestamptz,
    submitted_by   bigint REFERENCES users (id),
    decided_at     timestamptz,
    decided_by     bigint REFERENCES users (id),
    reject_reason  text,
    started_at     timestamptz,
    started_by     bigint REFERENCES users (id),
    completed_at   timestamptz,
    completed_by   bigint REFERENCES users (id),
    report         text,
    CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start),
    CHECK (status <> 'rejected' OR reject_reason IS NOT NULL),
    CHECK (status <> 'completed' OR length(report) >= 1)
);
CREATE INDEX work_plans_team_idx ON work_plans (team_id, status);

ALTER TABLE tickets ADD COLUMN work_plan_id bigint REFERENCES work_plans (id);
CREATE INDEX tickets_work_plan_idx ON tickets (work_plan_id) WHERE work_plan_id IS NOT NULL;

CREATE TABLE complaints (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id        bigint NOT NULL REFERENCES customers (id),
    ticket_id          bigint REFERENCES tickets (id),
    -- how it reached the desk; 'survey' when a low survey rating opened it
    channel            text NOT NULL
                       CHECK (channel IN ('phone', 'web', 'email', 'walk_in', 'letter', 'app',
                                          'survey')),
    description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    -- where the customer wants the result (R13: "on the customer's chosen channel")
    result_channel     text NOT NULL CHECK (result_channel IN ('sms', 'email', 'phone')),
    status             text NOT NULL DEFAULT 'received'
                       CHECK (status IN ('received', 'analysed', 'resolved', 'notified',
                                         'closed')),
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    cause              text,
    analysed_at        timestamptz,
    analysed_by        bigint REFERENCES users (id),
    action             text,
    compensation_kind  text CHECK (compensation_kind IN ('voucher')),
    compensation_krw   integer CHECK (compensation_krw > 0),
    training_required  boolean,
    staff_ids          bigint[] NOT NULL DEFAULT '{}',
    resolved_at        timestamptz,
    resolved_by        bigint REFERENCES users (id),
    notified_at        timestamptz,
    notified_by        bigint REFERENCES users (id),
    notification_id    bigint REFERENCES notifications (id),
    feedback_rating    integer CHECK (feedback_rating BETWEEN 1 AND 5),
    feedback_comment   text,
    feedback_at        timestamptz,
    feedback_by        bigint REFERENCES users (id),
    CHECK ((compensation_kind IS NULL) = (compensation_krw IS NULL)),
    CHECK (status = 'received' OR analysed_at IS NOT NULL),
    CHECK (status IN ('received', 'analysed') OR resolved_at IS NOT NULL),
    CHECK (status NOT IN ('notified', 'closed') OR notified_at IS NOT NULL),
    CHECK (status <> 'closed' OR feedback_at IS NOT NULL)
);
CREATE INDEX complaints_created_idx ON complaints (created_at);
CREATE INDEX complaints_ticket_idx ON complaints (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX complaints_status_idx ON complaints (status, id);

ALTER TABLE audit_events ADD COLUMN complaint_id bigint REFERENCES complaints (id),
                         ADD COLUMN work_plan_id bigint REFERENCES work_plans (id);
CREATE INDEX audit_events_complaint_idx ON audit_events (complaint_id, id)
    WHERE complaint_id IS NOT NULL;
CREATE INDEX audit_events_work_plan_idx ON audit_events (work_plan_id, id)
    WHERE work_plan_id IS NOT NULL;

-- ---- who sees what ----

-- Desk (admins, dispatchers): every complaint. A lead: complaints about a ticket
-- their team worked on (ticket_visible) or naming one of their team's staff.
-- Engineers: none (the route table already refuses them).
-- complaint_visible(): server/db/sql/70_cases.sql

-- Desk: every plan. A lead: their team's plans (and any they wrote). Anyone
-- with a visit (as engineer or lead) on one of the plan's tickets.
-- work_plan_visible(): server/db/sql/70_cases.sql

-- ---- documents ----

-- complaint_doc(): server/db/sql/70_cases.sql

-- work_plan_doc(): server/db/sql/70_cases.sql

-- Who did what, for GET /complaints/{id} and /work-plans/{id}.
-- case_history(): server/db/sql/70_cases.sql

-- ---- the report (R13 figures beside R15's) ----
-- Complaints received in [p_from, p_to): per tickets taken in over the same
-- period (the charter's 민원비율), and how many were resolved within 7 days (the
-- charter's 7-day reply for a simple complaint), with the hours from receipt to
-- resolution. With a team or an engineer, only complaints about tickets that
-- count for them (report_tickets.person_id, as for the ticket figures).
-- complaint_report(): server/db/sql/70_cases.sql
