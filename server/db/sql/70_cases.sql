-- Complaints (R13) and work plans (R12): who may see them, their documents, their
-- history and the report's complaint figures.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/ (0012_complaints_work_plans.sql).

CREATE OR REPLACE FUNCTION complaint_visible(c complaints, viewer bigint, viewer_role text, viewer_team bigint)
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

CREATE OR REPLACE FUNCTION work_plan_visible(p work_plans, viewer bigint, viewer_role text, viewer_team bigint)
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

CREATE OR REPLACE FUNCTION complaint_doc(c complaints) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
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

CREATE OR REPLACE FUNCTION work_plan_doc(p work_plans) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
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

CREATE OR REPLACE FUNCTION case_history(p_complaint bigint, p_plan bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('action', e.action,
               'actor', person_doc(e.actor_id) - 'phone', 'before', e.before,
               'after', e.after, 'at', api_time(e.at)) ORDER BY e.id), '[]')
    FROM audit_events e
    WHERE (p_complaint IS NOT NULL AND e.complaint_id = p_complaint)
       OR (p_plan IS NOT NULL AND e.work_plan_id = p_plan)
$$;

CREATE OR REPLACE FUNCTION complaint_report(p_from timestamptz, p_to timestamptz, p_team bigint,
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

