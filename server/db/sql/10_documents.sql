-- The API documents PostgreSQL builds: every time as RFC 3339 in the session's zone
-- (api_time), customers, devices, people, tickets, visits, checklists.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/.

-- (api_time: last defined in 0002_dispatch.sql)
-- ---------------------------------------------------------------------------
-- Read shapes. The API's JSON documents for tickets and visits are built
-- here, in one place, so that a list is one round trip and every time is
-- RFC 3339 in the session's time zone (fieldd sets it to FIELDD_TZ).

CREATE OR REPLACE FUNCTION api_time(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_json(date_trunc('second', t)) #>> '{}'
$$;

-- (customer_doc: last defined in 0002_dispatch.sql)
CREATE OR REPLACE FUNCTION customer_doc(c customers) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'name', c.name, 'organisation', c.organisation,
        'department', c.department, 'division', c.division, 'title', c.title,
        'rank', c.rank, 'phone', c.phone, 'email', c.email,
        'preferred_channel', c.preferred_channel, 'vip', c.vip,
        'is_vip', c.vip OR c.rank IN ('dept_head', 'executive'),
        'created_at', api_time(c.created_at), 'updated_at', api_time(c.updated_at))
$$;

-- (device_doc: last defined in 0002_dispatch.sql)
CREATE OR REPLACE FUNCTION device_doc(d devices) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', d.id, 'asset_tag', d.asset_tag, 'kind', d.kind, 'model', d.model,
        'serial', d.serial, 'customer_id', d.customer_id,
        'location', jsonb_build_object('building', d.building, 'floor', d.floor, 'room', d.room),
        'created_at', api_time(d.created_at))
$$;

-- (person_doc: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION person_doc(uid bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object('id', u.id, 'name', u.name, 'phone', u.phone,
                                      'team_id', u.team_id)
            FROM users u WHERE u.id = uid);
END
$$;

-- (ticket_doc: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION ticket_doc(t tickets) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', t.id, 'number', t.number,
        'customer', (SELECT jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,
                        'department', c.department, 'title', c.title, 'rank', c.rank,
                        'preferred_channel', c.preferred_channel,
                        'vip', c.vip OR c.rank IN ('dept_head', 'executive'))
                     FROM customers c WHERE c.id = t.customer_id),
        'customer_id', t.customer_id,
        'device', (SELECT device_doc(d) FROM devices d WHERE d.id = t.device_id),
        'device_id', t.device_id,
        'fault_code', t.fault_code,
        'fault_name', (SELECT f.name_ko FROM fault_codes f WHERE f.code = t.fault_code),
        'symptom', t.symptom, 'channel', t.channel, 'verification', t.verification,
        'priority', t.priority, 'status', t.status, 'due_at', api_time(t.due_at),
        'overdue', t.due_at < now() AND t.status NOT IN ('resolved', 'closed', 'cancelled'),
        'repeat', jsonb_build_object('count', t.repeat_count, 'window_days', t.repeat_window_days),
        'escalations', to_jsonb(t.escalations), 'requires_lead', t.requires_lead, 'vip', t.vip,
        'tracking', t.tracking,
        'first_contact', jsonb_build_object(
            'at', api_time(t.first_contact_at), 'target_min', t.first_contact_target_min,
            'minutes', round(extract(epoch FROM t.first_contact_at - t.created_at) / 60.0, 1),
            'met', CASE WHEN t.first_contact_at IS NOT NULL
                        THEN t.first_contact_at <= t.created_at + make_interval(mins => t.first_contact_target_min)
                        WHEN now() > t.created_at + make_interval(mins => t.first_contact_target_min)
                        THEN false END),
        'delay_notices', coalesce((SELECT jsonb_agg(jsonb_build_object(
                'id', n.id, 'reason', n.reason, 'old_due_at', api_time(n.old_due_at),
                'new_due_at', api_time(n.new_due_at), 'at', api_time(n.at)) ORDER BY n.id)
            FROM delay_notices n WHERE n.ticket_id = t.id), '[]'),
        'cancel_reason', t.cancel_reason,
        'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at),
        'resolved_at', api_time(t.resolved_at));
END
$$;

-- (visit_doc: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION visit_doc(v visits) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', v.id, 'ticket_id', v.ticket_id, 'seq', v.seq,
        'engineer', person_doc(v.engineer_id), 'lead', person_doc(v.lead_id),
        'engineer_id', v.engineer_id, 'lead_id', v.lead_id,
        'start', api_time(v.starts_at), 'end', api_time(v.ends_at),
        'status', v.status, 'uid', v.uid, 'sequence', v.ical_sequence,
        'precall_attempts', coalesce((SELECT jsonb_agg(jsonb_build_object(
                'outcome', p.outcome, 'note', p.note, 'by', p.by_user, 'at', api_time(p.at))
                ORDER BY p.id) FROM precall_attempts p WHERE p.visit_id = v.id), '[]'),
        'departed_at', api_time(v.departed_at),
        'late_notice', CASE WHEN v.late_notice_at IS NOT NULL THEN jsonb_build_object(
            'minutes', v.late_minutes, 'at', api_time(v.late_notice_at)) END,
        'arrived_at', api_time(v.arrived_at), 'arrived_late', v.arrived_late,
        'estimate', CASE WHEN v.estimated_at IS NOT NULL THEN jsonb_build_object(
            'minutes', v.estimate_minutes, 'explanation', v.estimate_explanation,
            'at', api_time(v.estimated_at)) END,
        'consent', CASE WHEN v.consent_at IS NOT NULL THEN jsonb_build_object(
            'by', v.consent_by, 'at', api_time(v.consent_at)) END,
        'completed_at', api_time(v.completed_at), 'work_done', v.work_done,
        'resolved', v.resolved, 'resolution', v.resolution,
        'follow_up_reason', v.follow_up_reason,
        'absent', CASE WHEN v.status = 'absent' THEN jsonb_build_object(
            'memo_left', v.absent_memo_left, 'note', v.absent_note) END,
        'cancel_reason', v.cancel_reason,
        'ticket', (SELECT jsonb_build_object(
                'id', t.id, 'number', t.number, 'priority', t.priority, 'status', t.status,
                'fault_code', t.fault_code, 'symptom', t.symptom,
                'escalations', to_jsonb(t.escalations), 'requires_lead', t.requires_lead,
                'due_at', api_time(t.due_at),
                'customer', jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,
                    'department', c.department, 'title', c.title),
                'device', jsonb_build_object('id', d.id, 'asset_tag', d.asset_tag,
                    'kind', d.kind, 'model', d.model, 'location', jsonb_build_object(
                    'building', d.building, 'floor', d.floor, 'room', d.room)))
            FROM tickets t JOIN customers c ON c.id = t.customer_id
            JOIN devices d ON d.id = t.device_id WHERE t.id = v.ticket_id),
        'created_at', api_time(v.created_at), 'updated_at', api_time(v.updated_at));
END
$$;

-- (checklist_doc: last defined in 0005_performance.sql; received_at and
-- completed_received_at from migration 0014)
CREATE OR REPLACE FUNCTION checklist_doc(r checklist_runs) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
        'run_id', r.id, 'visit_id', r.visit_id,
        'template', jsonb_build_object('id', t.id, 'kind', t.kind, 'version', t.version,
                                       'title', t.title_ko, 'title_en', t.title_en),
        'items', coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'key', i.key, 'label', i.label_ko, 'label_en', i.label_en, 'type', i.type,
                'required', i.required, 'min', i.min, 'max', i.max, 'unit', i.unit,
                'options', to_jsonb(i.options))) || jsonb_build_object(
                'answer', (SELECT jsonb_build_object('value', a.value, 'note', a.note,
                        'by', a.answered_by, 'at', api_time(a.answered_at),
                        'received_at', api_time(coalesce(a.received_at, a.answered_at)))
                    FROM checklist_answers a WHERE a.run_id = r.id AND a.key = i.key))
                ORDER BY i.position)
            FROM checklist_items i WHERE i.template_id = t.id), '[]'),
        'complete', r.completed_at IS NOT NULL,
        'completed_at', api_time(r.completed_at), 'completed_by', r.completed_by,
        -- when fieldd received the completion (completed_at is when it was pressed)
        'completed_received_at', api_time(coalesce(r.completed_received_at, r.completed_at)))
    FROM checklist_templates t WHERE t.id = r.template_id);
END
$$;
