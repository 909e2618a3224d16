-- Replays refused on an engineer's phone (issue 12): who may see a report, and
-- its document. The table is in migrations/0015_event_order_replay_failures.sql,
-- its event trigger in 60_events.sql.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: every
-- statement must be safe to run again (CREATE OR REPLACE).

-- The desk sees every report; whoever reported it, theirs; a lead those of the
-- people in their team (the reporter's team now, as the event stream decides).
CREATE OR REPLACE FUNCTION replay_failure_visible(f replay_failures, viewer bigint,
                                                  viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT viewer_role IN ('admin', 'dispatcher')
        OR f.engineer_id = viewer
        OR (viewer_role = 'lead' AND viewer_team IS NOT NULL
            AND EXISTS (SELECT 1 FROM users u WHERE u.id = f.engineer_id
                        AND u.team_id = viewer_team))
$$;

-- The visit a replayed request was about (/api/v1/visits/{id}/...), if it exists.
CREATE OR REPLACE FUNCTION replay_failure_visit(p text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT v.id FROM visits v
    WHERE v.id = (SELECT (regexp_match(p, '^/api/v1/visits/([0-9]{1,18})(/|$)'))[1]::bigint)
$$;

-- The ticket: the visit's, or the one named by /api/v1/tickets/{id}/....
CREATE OR REPLACE FUNCTION replay_failure_ticket(p text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT v.ticket_id FROM visits v WHERE v.id = replay_failure_visit(p)),
        (SELECT t.id FROM tickets t
         WHERE t.id = (SELECT (regexp_match(p, '^/api/v1/tickets/([0-9]{1,18})(/|$)'))[1]::bigint)))
$$;

CREATE OR REPLACE FUNCTION replay_failure_doc(f replay_failures) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', f.id,
        'state', CASE WHEN f.handled_at IS NULL THEN 'open' ELSE 'handled' END,
        'engineer', person_doc(f.engineer_id) - 'phone',
        'method', f.method,
        'path', f.path,
        'status', f.status,
        'code', f.code,
        'detail', f.detail,
        'idempotency_key', f.idempotency_key,
        'at', api_time(f.failed_at),
        'received_at', api_time(f.received_at),
        'ticket', (SELECT jsonb_build_object('id', t.id, 'number', t.number, 'status', t.status)
                   FROM tickets t WHERE t.id = f.ticket_id),
        'visit_id', f.visit_id,
        'handled', CASE WHEN f.handled_at IS NULL THEN NULL
                   ELSE jsonb_build_object('at', api_time(f.handled_at),
                                           'by', person_doc(f.handled_by) - 'phone',
                                           'note', f.handled_note) END)
$$;
