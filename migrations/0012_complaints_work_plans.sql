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
CREATE FUNCTION complaint_visible(c complaints, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF viewer_role IN ('admin', 'dispatcher') THEN
        RETURN true;
    END IF;
    IF viewer_role <> 'lead' THEN
        RETURN false;
    END IF;
    RETURN (c.ticket_id IS NOT NULL AND ticket_visible(c.ticket_id, viewer, viewer_role, viewer_team))
        OR c.created_by = viewer
        OR EXISTS (SELECT 1 FROM users u WHERE u.id = ANY (c.staff_ids)
                   AND u.team_id = viewer_team);
END
$$;

-- Desk: every plan. A lead: their team's plans (and any they wrote). Anyone
-- with a visit (as engineer or lead) on one of the plan's tickets.
CREATE FUNCTION work_plan_visible(p work_plans, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF viewer_role IN ('admin', 'dispatcher') OR p.created_by = viewer THEN
        RETURN true;
    END IF;
    IF viewer_role = 'lead' AND (p.team_id = viewer_team
            OR EXISTS (SELECT 1 FROM teams t WHERE t.id = p.team_id AND t.lead_id = viewer)) THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT 1 FROM tickets t JOIN visits v ON v.ticket_id = t.id
                   WHERE t.work_plan_id = p.id AND v.status <> 'cancelled'
                     AND (v.engineer_id = viewer OR v.lead_id = viewer));
END
$$;

-- ---- documents ----

CREATE FUNCTION complaint_doc(c complaints) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', c.id,
        'status', c.status,
        'customer', (SELECT jsonb_build_object('id', cu.id, 'name', cu.name)
                     FROM customers cu WHERE cu.id = c.customer_id),
        'ticket', (SELECT jsonb_build_object('id', t.id, 'number', t.number)
                   FROM tickets t WHERE t.id = c.ticket_id),
        'channel', c.channel,
        'description', c.description,
        'result_channel', c.result_channel,
        'received_at', api_time(c.created_at),
        'received_by', person_doc(c.created_by) - 'phone',
        'cause', c.cause,
        'analysed_at', api_time(c.analysed_at),
        'analysed_by', person_doc(c.analysed_by) - 'phone',
        'action', c.action,
        'compensation', CASE WHEN c.compensation_kind IS NULL THEN NULL
                        ELSE jsonb_build_object('kind', c.compensation_kind,
                                                'amount_krw', c.compensation_krw) END,
        'training_required', c.training_required,
        'staff', coalesce((SELECT jsonb_agg(jsonb_build_object('id', u.id, 'name', u.name)
                                            ORDER BY u.id)
                           FROM users u WHERE u.id = ANY (c.staff_ids)), '[]'),
        'resolved_at', api_time(c.resolved_at),
        'resolved_by', person_doc(c.resolved_by) - 'phone',
        'notified_at', api_time(c.notified_at),
        'notified_by', person_doc(c.notified_by) - 'phone',
        'notification_id', c.notification_id,
        'feedback', CASE WHEN c.feedback_at IS NULL THEN NULL
                    ELSE jsonb_build_object('rating', c.feedback_rating,
                                            'comment', c.feedback_comment,
                                            'at', api_time(c.feedback_at),
                                            'by', person_doc(c.feedback_by) - 'phone') END,
        'updated_at', api_time(c.updated_at));
END
$$;

CREATE FUNCTION work_plan_doc(p work_plans) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', p.id,
        'title', p.title,
        'description', p.description,
        'team', (SELECT jsonb_build_object('id', t.id, 'name', t.name, 'lead_id', t.lead_id)
                 FROM teams t WHERE t.id = p.team_id),
        'division', p.division,
        'planned_start', api_time(p.planned_start),
        'planned_end', api_time(p.planned_end),
        'status', p.status,
        'created_at', api_time(p.created_at),
        'created_by', person_doc(p.created_by) - 'phone',
        'submitted_at', api_time(p.submitted_at),
        'submitted_by', person_doc(p.submitted_by) - 'phone',
        'decided_at', api_time(p.decided_at),
        'decided_by', person_doc(p.decided_by) - 'phone',
        'reject_reason', p.reject_reason,
        'started_at', api_time(p.started_at),
        'started_by', person_doc(p.started_by) - 'phone',
        'completed_at', api_time(p.completed_at),
        'completed_by', person_doc(p.completed_by) - 'phone',
        'report', p.report,
        'tickets', coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'number', t.number,
                                                                 'status', t.status)
                                              ORDER BY t.id)
                             FROM tickets t WHERE t.work_plan_id = p.id), '[]'),
        'visits', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'id', v.id, 'ticket_id', v.ticket_id, 'status', v.status,
                                'engineer_id', v.engineer_id, 'lead_id', v.lead_id,
                                'start', api_time(v.starts_at), 'end', api_time(v.ends_at))
                                ORDER BY v.starts_at, v.id)
                            FROM tickets t JOIN visits v ON v.ticket_id = t.id
                            WHERE t.work_plan_id = p.id), '[]'),
        'updated_at', api_time(p.updated_at));
END
$$;

-- Who did what, for GET /complaints/{id} and /work-plans/{id}.
CREATE FUNCTION case_history(p_complaint bigint, p_plan bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('action', e.action,
               'actor', person_doc(e.actor_id) - 'phone', 'before', e.before,
               'after', e.after, 'at', api_time(e.at)) ORDER BY e.id), '[]')
    FROM audit_events e
    WHERE (p_complaint IS NOT NULL AND e.complaint_id = p_complaint)
       OR (p_plan IS NOT NULL AND e.work_plan_id = p_plan)
$$;

-- ---- the report (R13 figures beside R15's) ----
-- Complaints received in [p_from, p_to): per tickets taken in over the same
-- period (the charter's 민원비율), and how many were resolved within 7 days (the
-- charter's 7-day reply for a simple complaint), with the hours from receipt to
-- resolution. With a team or an engineer, only complaints about tickets that
-- count for them (report_tickets.person_id, as for the ticket figures).
CREATE FUNCTION complaint_report(p_from timestamptz, p_to timestamptz, p_team bigint,
                                 p_person bigint)
RETURNS TABLE (received bigint, tickets bigint, resolved bigint, resolved_in_7_days bigint,
               due_in_7_days bigint, mean_minutes bigint, median_minutes bigint,
               max_minutes bigint, compensated bigint, training bigint)
LANGUAGE sql STABLE AS $$
WITH c AS (
    SELECT c.*, extract(epoch FROM c.resolved_at - c.created_at) / 60 AS minutes
    FROM complaints c
    LEFT JOIN report_tickets r ON r.ticket_id = c.ticket_id
    LEFT JOIN users u ON u.id = r.person_id
    WHERE c.created_at >= p_from AND c.created_at < p_to
      AND (p_team IS NULL OR u.team_id = p_team)
      AND (p_person IS NULL OR r.person_id = p_person)
), t AS (
    SELECT count(*) AS n FROM report_tickets r LEFT JOIN users u ON u.id = r.person_id
    WHERE r.created_at >= p_from AND r.created_at < p_to
      AND (p_team IS NULL OR u.team_id = p_team)
      AND (p_person IS NULL OR r.person_id = p_person)
)
SELECT count(*),
       (SELECT n FROM t),
       count(*) FILTER (WHERE resolved_at IS NOT NULL),
       count(*) FILTER (WHERE resolved_at <= created_at + interval '7 days'),
       count(*) FILTER (WHERE resolved_at IS NOT NULL OR now() > created_at + interval '7 days'),
       round(avg(minutes))::bigint,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes))::bigint,
       round(max(minutes))::bigint,
       count(*) FILTER (WHERE compensation_kind IS NOT NULL),
       count(*) FILTER (WHERE training_required)
FROM c
$$;
