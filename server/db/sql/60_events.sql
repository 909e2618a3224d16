-- The change feed (GET /api/v1/events): trigger bodies that write a row into
-- events and NOTIFY fieldd_events with it in the same transaction, and their
-- bindings (CREATE OR REPLACE TRIGGER, so this file can run again: the
-- bindings cannot live in migration 0013 because these functions do not
-- exist yet when the migrations run).
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction.
--
-- Visibility (the API's rules, 20_visibility.sql): an event carries the
-- people it concerns (a visit's engineer and lead; for a ticket also whoever
-- filed it) and the teams of the visit people; a lead sees events whose teams
-- hold their team, the desk sees all. The C side filters per stream.

-- The JSON a stream's data: line is made from, plus people and teams (the
-- listener strips those). Also the NOTIFY payload (well under 8000 bytes).
CREATE OR REPLACE FUNCTION events_payload(e events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'kind', e.kind, 'op', e.op, 'ticket_id', e.ticket_id,
        'visit_id', e.visit_id, 'ref', e.ref, 'status', e.status,
        'at', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'people', e.people, 'teams', e.teams)::text
$$;

-- Writes one event and notifies. visit_people: the people whose teams count for leads.
CREATE OR REPLACE FUNCTION events_emit(p_kind text, p_op text, p_ticket bigint, p_visit bigint,
                                       p_ref bigint, p_status text, p_people bigint[],
                                       p_team_people bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e events;
BEGIN
    INSERT INTO events (kind, op, ticket_id, visit_id, ref, status, people, teams)
    VALUES (p_kind, p_op, p_ticket, p_visit, p_ref, p_status,
            COALESCE((SELECT array_agg(DISTINCT x) FROM unnest(p_people) x WHERE x IS NOT NULL),
                     '{}'),
            COALESCE((SELECT array_agg(DISTINCT u.team_id) FROM users u
                      WHERE u.id = ANY (p_team_people) AND u.team_id IS NOT NULL), '{}'))
    RETURNING * INTO e;
    PERFORM pg_notify('fieldd_events', events_payload(e));
END
$$;

-- The engineers and leads of a ticket's visits.
CREATE OR REPLACE FUNCTION events_ticket_people(tid bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT p) FILTER (WHERE p IS NOT NULL), '{}')
    FROM visits v, LATERAL (VALUES (v.engineer_id), (v.lead_id)) AS x(p)
    WHERE v.ticket_id = tid
$$;

CREATE OR REPLACE FUNCTION events_on_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    vp bigint[] := events_ticket_people(NEW.id);
BEGIN
    PERFORM events_emit('ticket', lower(TG_OP), NEW.id, NULL, NEW.id, NEW.status,
                        vp || NEW.created_by, vp);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION events_on_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p bigint[] := ARRAY[NEW.engineer_id, NEW.lead_id];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        p := p || ARRAY[OLD.engineer_id, OLD.lead_id]; -- a reassignment tells both
    END IF;
    PERFORM events_emit('visit', lower(TG_OP), NEW.ticket_id, NEW.id, NEW.id, NEW.status, p, p);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION events_on_visit_people() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r visit_people := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    PERFORM events_emit('schedule', lower(TG_OP),
                        (SELECT v.ticket_id FROM visits v WHERE v.id = r.visit_id),
                        r.visit_id, r.person_id, NULL, ARRAY[r.person_id], ARRAY[r.person_id]);
    RETURN NULL;
END
$$;

-- A checklist run changed (ref: the run).
CREATE OR REPLACE FUNCTION events_checklist(p_op text, p_run bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v visits;
    done boolean;
BEGIN
    SELECT vi.* INTO v FROM checklist_runs c JOIN visits vi ON vi.id = c.visit_id
    WHERE c.id = p_run;
    SELECT c.completed_at IS NOT NULL INTO done FROM checklist_runs c WHERE c.id = p_run;
    PERFORM events_emit('checklist', p_op, v.ticket_id, v.id, p_run,
                        CASE WHEN done THEN 'completed' ELSE 'open' END,
                        ARRAY[v.engineer_id, v.lead_id], ARRAY[v.engineer_id, v.lead_id]);
END
$$;

CREATE OR REPLACE FUNCTION events_on_checklist_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM events_checklist(lower(TG_OP), NEW.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION events_on_checklist_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM events_checklist('update', NEW.run_id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION events_on_notification() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p bigint[];
    tp bigint[];
BEGIN
    -- delivery claims and retries touch the row often; the board cares about its status
    -- (and its last error: a failed attempt makes it "retrying" on the board's outbox panel)
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status
       AND OLD.last_error IS NOT DISTINCT FROM NEW.last_error THEN
        RETURN NULL;
    END IF;
    IF NEW.visit_id IS NOT NULL THEN
        SELECT ARRAY[v.engineer_id, v.lead_id] INTO p FROM visits v WHERE v.id = NEW.visit_id;
        tp := p;
    ELSIF NEW.ticket_id IS NOT NULL THEN
        tp := events_ticket_people(NEW.ticket_id);
        p := tp || (SELECT t.created_by FROM tickets t WHERE t.id = NEW.ticket_id);
    END IF;
    PERFORM events_emit('notification', lower(TG_OP), NEW.ticket_id, NEW.visit_id, NEW.id,
                        NEW.status, COALESCE(p, '{}'), COALESCE(tp, '{}'));
    RETURN NULL;
END
$$;

-- A replay refused on a phone, reported (insert) or marked handled (update): ref is
-- the report; the reporter sees it, and the lead of the reporter's team.
CREATE OR REPLACE FUNCTION events_on_replay_failure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM events_emit('replay_failure', lower(TG_OP), NEW.ticket_id, NEW.visit_id, NEW.id,
                        CASE WHEN NEW.handled_at IS NULL THEN 'open' ELSE 'handled' END,
                        ARRAY[NEW.engineer_id], ARRAY[NEW.engineer_id]);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER events_tickets AFTER INSERT OR UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION events_on_ticket();
CREATE OR REPLACE TRIGGER events_visits AFTER INSERT OR UPDATE ON visits
    FOR EACH ROW EXECUTE FUNCTION events_on_visit();
CREATE OR REPLACE TRIGGER events_visit_people AFTER INSERT OR UPDATE OR DELETE ON visit_people
    FOR EACH ROW EXECUTE FUNCTION events_on_visit_people();
CREATE OR REPLACE TRIGGER events_checklist_runs AFTER INSERT OR UPDATE ON checklist_runs
    FOR EACH ROW EXECUTE FUNCTION events_on_checklist_run();
CREATE OR REPLACE TRIGGER events_checklist_answers AFTER INSERT OR UPDATE ON checklist_answers
    FOR EACH ROW EXECUTE FUNCTION events_on_checklist_answer();
CREATE OR REPLACE TRIGGER events_notifications AFTER INSERT OR UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION events_on_notification();

-- Writes one event whose teams are given as teams (not as people whose teams count).
CREATE OR REPLACE FUNCTION events_emit_teams(p_kind text, p_op text, p_ticket bigint,
                                             p_ref bigint, p_status text, p_people bigint[],
                                             p_teams bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e events;
BEGIN
    INSERT INTO events (kind, op, ticket_id, visit_id, ref, status, people, teams)
    VALUES (p_kind, p_op, p_ticket, NULL, p_ref, p_status,
            COALESCE((SELECT array_agg(DISTINCT x) FROM unnest(p_people) x WHERE x IS NOT NULL),
                     '{}'),
            COALESCE((SELECT array_agg(DISTINCT x) FROM unnest(p_teams) x WHERE x IS NOT NULL),
                     '{}'))
    RETURNING * INTO e;
    PERFORM pg_notify('fieldd_events', events_payload(e));
END
$$;

-- A complaint made or stepped (ref: the complaint). complaint_visible(): the desk; a
-- lead whose team worked on the ticket or is named among the staff; whoever wrote it.
-- Engineers never (they are not among the people: only its writer, who is staff).
CREATE OR REPLACE FUNCTION events_on_complaint() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tp bigint[] := '{}';
BEGIN
    IF NEW.ticket_id IS NOT NULL THEN
        tp := events_ticket_people(NEW.ticket_id);
    END IF;
    PERFORM events_emit('complaint', lower(TG_OP), NEW.ticket_id, NULL, NEW.id, NEW.status,
                        ARRAY[NEW.created_by], tp || NEW.staff_ids);
    RETURN NULL;
END
$$;

-- A work plan made or stepped, or its tickets changed (ref: the plan).
-- work_plan_visible(): the desk; the leads of its team; whoever wrote it; the people
-- on its tickets' visits.
CREATE OR REPLACE FUNCTION events_on_work_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM events_emit_teams('work_plan', lower(TG_OP), NULL, NEW.id, NEW.status,
        ARRAY[NEW.created_by]
          || (SELECT t.lead_id FROM teams t WHERE t.id = NEW.team_id)
          || COALESCE((SELECT array_agg(p) FROM tickets t JOIN visits v ON v.ticket_id = t.id,
                              LATERAL (VALUES (v.engineer_id), (v.lead_id)) AS x(p)
                       WHERE t.work_plan_id = NEW.id AND v.status <> 'cancelled'), '{}'),
        ARRAY[NEW.team_id]);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER events_complaints AFTER INSERT OR UPDATE ON complaints
    FOR EACH ROW EXECUTE FUNCTION events_on_complaint();
CREATE OR REPLACE TRIGGER events_work_plans AFTER INSERT OR UPDATE ON work_plans
    FOR EACH ROW EXECUTE FUNCTION events_on_work_plan();
CREATE OR REPLACE TRIGGER events_replay_failures AFTER INSERT OR UPDATE ON replay_failures
    FOR EACH ROW EXECUTE FUNCTION events_on_replay_failure();
