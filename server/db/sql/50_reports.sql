-- The service-standards report: the report_* tables kept in step by triggers, their
-- rebuild, and the report and checklist-failure queries over them.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/.

-- (report_visit_refresh: last defined in 0005_performance.sql)
-- ---- recomputing one row from the data ----

CREATE OR REPLACE FUNCTION report_visit_refresh(vid bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_visits AS r (visit_id, ticket_id, seq, starts_at, person_id, status,
        has_lead, arrived, arrived_late, work_done, resolved, consent_ok, repeat_fault, vip,
        kind, first_precall, earlier_completed, checklist_done, absent_notice)
    SELECT v.id, v.ticket_id, v.seq, v.starts_at, coalesce(v.engineer_id, v.lead_id), v.status,
           v.lead_id IS NOT NULL, v.arrived_at IS NOT NULL, v.arrived_late, v.work_done, v.resolved,
           coalesce(v.estimated_at IS NOT NULL AND v.consent_at IS NOT NULL
                    AND v.estimated_at <= v.consent_at AND v.consent_at <= v.completed_at, false),
           'repeat_fault' = ANY (t.escalations), 'vip' = ANY (t.escalations), d.kind,
           (SELECT p.outcome FROM precall_attempts p WHERE p.visit_id = v.id ORDER BY p.id LIMIT 1),
           EXISTS (SELECT 1 FROM visits e WHERE e.ticket_id = v.ticket_id AND e.seq < v.seq
                   AND e.status = 'completed'),
           EXISTS (SELECT 1 FROM checklist_runs c WHERE c.visit_id = v.id
                   AND c.completed_at IS NOT NULL),
           EXISTS (SELECT 1 FROM notifications n WHERE n.visit_id = v.id
                   AND n.template = 'absent_notice')
    FROM visits v JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    WHERE v.id = vid
    ON CONFLICT (visit_id) DO UPDATE SET
        ticket_id = EXCLUDED.ticket_id, seq = EXCLUDED.seq, starts_at = EXCLUDED.starts_at,
        person_id = EXCLUDED.person_id, status = EXCLUDED.status, has_lead = EXCLUDED.has_lead,
        arrived = EXCLUDED.arrived, arrived_late = EXCLUDED.arrived_late,
        work_done = EXCLUDED.work_done, resolved = EXCLUDED.resolved,
        consent_ok = EXCLUDED.consent_ok, repeat_fault = EXCLUDED.repeat_fault,
        vip = EXCLUDED.vip, kind = EXCLUDED.kind, first_precall = EXCLUDED.first_precall,
        earlier_completed = EXCLUDED.earlier_completed,
        checklist_done = EXCLUDED.checklist_done, absent_notice = EXCLUDED.absent_notice
    WHERE (r.*) IS DISTINCT FROM (EXCLUDED.*);
    IF NOT EXISTS (SELECT 1 FROM visits WHERE id = vid) THEN
        DELETE FROM report_visits WHERE visit_id = vid;
    END IF;
END
$$;

-- (report_ticket_refresh: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_ticket_refresh(tid bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_tickets AS r (ticket_id, created_at, due_at, resolved_at, promised_at,
        cancelled, first_contact_at, first_contact_target_min, notice_before_breach, person_id)
    SELECT t.id, t.created_at, t.due_at, t.resolved_at, p.promised_at, t.status = 'cancelled',
           t.first_contact_at, t.first_contact_target_min,
           EXISTS (SELECT 1 FROM delay_notices n WHERE n.ticket_id = t.id AND n.at <= p.promised_at),
           (SELECT coalesce(v.engineer_id, v.lead_id) FROM visits v WHERE v.ticket_id = t.id
            AND v.status <> 'cancelled' ORDER BY v.seq DESC LIMIT 1)
    FROM tickets t
    CROSS JOIN LATERAL (SELECT coalesce((SELECT n.old_due_at FROM delay_notices n
                                         WHERE n.ticket_id = t.id ORDER BY n.id LIMIT 1),
                                        t.due_at) AS promised_at) p
    WHERE t.id = tid
    ON CONFLICT (ticket_id) DO UPDATE SET
        created_at = EXCLUDED.created_at, due_at = EXCLUDED.due_at,
        resolved_at = EXCLUDED.resolved_at, promised_at = EXCLUDED.promised_at,
        cancelled = EXCLUDED.cancelled, first_contact_at = EXCLUDED.first_contact_at,
        first_contact_target_min = EXCLUDED.first_contact_target_min,
        notice_before_breach = EXCLUDED.notice_before_breach, person_id = EXCLUDED.person_id
    WHERE (r.*) IS DISTINCT FROM (EXCLUDED.*);
    IF NOT EXISTS (SELECT 1 FROM tickets WHERE id = tid) THEN
        DELETE FROM report_tickets WHERE ticket_id = tid;
    END IF;
END
$$;

-- (report_answers_refresh: last defined in 0005_performance.sql)
-- The pass/fail answers of a run (all of them when akey is NULL).
CREATE OR REPLACE FUNCTION report_answers_refresh(rid bigint, akey text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_checklist_answers f WHERE f.run_id = rid AND (akey IS NULL OR f.key = akey)
      AND NOT EXISTS (SELECT 1 FROM checklist_answers a JOIN checklist_runs r ON r.id = a.run_id
                      JOIN checklist_items i ON i.template_id = r.template_id AND i.key = a.key
                      WHERE a.run_id = f.run_id AND a.key = f.key AND i.type = 'pass_fail');
    INSERT INTO report_checklist_answers AS f (run_id, key, answered_at, person_id, kind, model,
                                               label, failed)
    SELECT a.run_id, a.key, a.answered_at, coalesce(v.engineer_id, v.lead_id), d.kind,
           coalesce(d.model, ''), i.label_ko, a.value = '"fail"'::jsonb
    FROM checklist_answers a
    JOIN checklist_runs r ON r.id = a.run_id
    JOIN checklist_items i ON i.template_id = r.template_id AND i.key = a.key
    JOIN visits v ON v.id = r.visit_id
    JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    WHERE a.run_id = rid AND (akey IS NULL OR a.key = akey) AND i.type = 'pass_fail'
    ON CONFLICT (run_id, key) DO UPDATE SET
        answered_at = EXCLUDED.answered_at, person_id = EXCLUDED.person_id,
        kind = EXCLUDED.kind, model = EXCLUDED.model, label = EXCLUDED.label,
        failed = EXCLUDED.failed
    WHERE (f.*) IS DISTINCT FROM (EXCLUDED.*);
END
$$;

-- (report_visits_sync: last defined in 0005_performance.sql)
-- ---- triggers ----

CREATE OR REPLACE FUNCTION report_visits_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM report_visit_refresh(NEW.id);
        PERFORM report_ticket_refresh(NEW.ticket_id);
        -- its own later visits count it as an earlier one (R6)
        FOR x IN SELECT id FROM visits WHERE ticket_id = NEW.ticket_id AND id <> NEW.id LOOP
            PERFORM report_visit_refresh(x.id);
        END LOOP;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM report_visit_refresh(OLD.id);
        FOR x IN SELECT id FROM visits WHERE ticket_id = OLD.ticket_id LOOP
            PERFORM report_visit_refresh(x.id);
        END LOOP;
        PERFORM report_ticket_refresh(OLD.ticket_id);
        RETURN NULL;
    END IF;
    PERFORM report_visit_refresh(NEW.id);
    IF OLD.status IS DISTINCT FROM NEW.status OR OLD.seq IS DISTINCT FROM NEW.seq
       OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id
       OR OLD.engineer_id IS DISTINCT FROM NEW.engineer_id
       OR OLD.lead_id IS DISTINCT FROM NEW.lead_id THEN
        FOR x IN SELECT id FROM visits WHERE ticket_id IN (OLD.ticket_id, NEW.ticket_id)
                 AND id <> NEW.id LOOP
            PERFORM report_visit_refresh(x.id);
        END LOOP;
        PERFORM report_ticket_refresh(NEW.ticket_id);
        IF OLD.ticket_id <> NEW.ticket_id THEN
            PERFORM report_ticket_refresh(OLD.ticket_id);
        END IF;
    END IF;
    IF OLD.engineer_id IS DISTINCT FROM NEW.engineer_id OR OLD.lead_id IS DISTINCT FROM NEW.lead_id
       OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id THEN
        FOR x IN SELECT id FROM checklist_runs WHERE visit_id = NEW.id LOOP
            PERFORM report_answers_refresh(x.id, NULL);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

-- (report_tickets_insert: last defined in 0005_performance.sql)
-- A new ticket has no visits or delay notices yet: its row needs no lookups, and
-- a plain insert (intake; no ON CONFLICT, whose arbiter check would take a
-- predicate lock on the index's newest page under serializable isolation).
-- Rows referring to the ticket come in later statements, or later in this one
-- with their own triggers firing after this.
CREATE OR REPLACE FUNCTION report_tickets_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_tickets (ticket_id, created_at, due_at, resolved_at, promised_at, cancelled,
        first_contact_at, first_contact_target_min, notice_before_breach, person_id)
    VALUES (NEW.id, NEW.created_at, NEW.due_at, NEW.resolved_at, NEW.due_at,
            NEW.status = 'cancelled', NEW.first_contact_at, NEW.first_contact_target_min,
            false, NULL);
    RETURN NULL;
END
$$;

-- (report_tickets_delete: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_tickets_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_tickets WHERE ticket_id = OLD.id;
    RETURN NULL;
END
$$;

-- (report_tickets_sync: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_tickets_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    PERFORM report_ticket_refresh(NEW.id);
    IF OLD.escalations IS DISTINCT FROM NEW.escalations OR OLD.device_id IS DISTINCT FROM NEW.device_id THEN
        FOR x IN SELECT v.id, r.id AS run_id FROM visits v
                 LEFT JOIN checklist_runs r ON r.visit_id = v.id WHERE v.ticket_id = NEW.id LOOP
            PERFORM report_visit_refresh(x.id);
            IF x.run_id IS NOT NULL THEN
                PERFORM report_answers_refresh(x.run_id, NULL);
            END IF;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

-- (report_devices_sync: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_devices_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    FOR x IN SELECT v.id, r.id AS run_id FROM tickets t JOIN visits v ON v.ticket_id = t.id
             LEFT JOIN checklist_runs r ON r.visit_id = v.id WHERE t.device_id = NEW.id LOOP
        PERFORM report_visit_refresh(x.id);
        IF x.run_id IS NOT NULL THEN
            PERFORM report_answers_refresh(x.run_id, NULL);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- (report_delay_sync: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_delay_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM report_ticket_refresh(OLD.ticket_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.ticket_id <> OLD.ticket_id) THEN
        PERFORM report_ticket_refresh(NEW.ticket_id);
    END IF;
    RETURN NULL;
END
$$;

-- (report_visit_child_sync: last defined in 0005_performance.sql)
-- pre-calls, checklist runs and absence notices change one visit's row
CREATE OR REPLACE FUNCTION report_visit_child_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.visit_id IS NOT NULL THEN
        PERFORM report_visit_refresh(OLD.visit_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.visit_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.visit_id IS DISTINCT FROM OLD.visit_id) THEN
        PERFORM report_visit_refresh(NEW.visit_id);
    END IF;
    RETURN NULL;
END
$$;

-- (report_runs_answers_sync: last defined in 0005_performance.sql)
-- a run's template or visit changes its answers' facts
CREATE OR REPLACE FUNCTION report_runs_answers_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_answers_refresh(NEW.id, NULL);
    RETURN NULL;
END
$$;

-- (report_answers_sync: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION report_answers_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.run_id <> NEW.run_id OR OLD.key <> NEW.key) THEN
        DELETE FROM report_checklist_answers WHERE run_id = OLD.run_id AND key = OLD.key;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM report_answers_refresh(NEW.run_id, NEW.key);
    END IF;
    RETURN NULL;
END
$$;

-- (report_items_sync: last defined in 0005_performance.sql)
-- items are not changed by the API (a new template is a new version); for completeness
CREATE OR REPLACE FUNCTION report_items_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    FOR x IN SELECT DISTINCT a.run_id, a.key FROM checklist_answers a
             JOIN checklist_runs r ON r.id = a.run_id
             WHERE r.template_id IN (OLD.template_id, NEW.template_id) AND a.key IN (OLD.key, NEW.key) LOOP
        PERFORM report_answers_refresh(x.run_id, x.key);
    END LOOP;
    RETURN NULL;
END
$$;

-- (report_days_sync: last defined in 0005_performance.sql)
-- the daily totals follow the per-answer facts
CREATE OR REPLACE FUNCTION report_days_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.answered_at = NEW.answered_at AND OLD.kind = NEW.kind
       AND OLD.model = NEW.model AND OLD.key = NEW.key AND OLD.label = NEW.label
       AND OLD.failed = NEW.failed THEN
        RETURN NULL; -- only the person changed
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE report_checklist_days SET answers = answers - 1,
            failures = failures - CASE WHEN OLD.failed THEN 1 ELSE 0 END
        WHERE day = (OLD.answered_at AT TIME ZONE 'UTC')::date AND kind = OLD.kind
          AND model = OLD.model AND key = OLD.key AND label = OLD.label;
        DELETE FROM report_checklist_days
        WHERE day = (OLD.answered_at AT TIME ZONE 'UTC')::date AND kind = OLD.kind
          AND model = OLD.model AND key = OLD.key AND label = OLD.label AND answers = 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_checklist_days AS s (day, kind, model, key, label, answers, failures)
        VALUES ((NEW.answered_at AT TIME ZONE 'UTC')::date, NEW.kind, NEW.model, NEW.key, NEW.label,
                1, CASE WHEN NEW.failed THEN 1 ELSE 0 END)
        ON CONFLICT (day, kind, model, key, label) DO UPDATE
        SET answers = s.answers + 1, failures = s.failures + EXCLUDED.failures;
    END IF;
    RETURN NULL;
END
$$;

-- (report_rebuild: last defined in 0005_performance.sql)
-- ---- everything again from the data (the backfill; bulk loads that ran without triggers) ----

CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE report_checklist_answers DISABLE TRIGGER report_days_sync;
    TRUNCATE report_visits, report_tickets, report_checklist_answers, report_checklist_days;

    INSERT INTO report_visits (visit_id, ticket_id, seq, starts_at, person_id, status, has_lead,
        arrived, arrived_late, work_done, resolved, consent_ok, repeat_fault, vip, kind,
        first_precall, earlier_completed, checklist_done, absent_notice)
    SELECT v.id, v.ticket_id, v.seq, v.starts_at, coalesce(v.engineer_id, v.lead_id), v.status,
           v.lead_id IS NOT NULL, v.arrived_at IS NOT NULL, v.arrived_late, v.work_done, v.resolved,
           coalesce(v.estimated_at IS NOT NULL AND v.consent_at IS NOT NULL
                    AND v.estimated_at <= v.consent_at AND v.consent_at <= v.completed_at, false),
           'repeat_fault' = ANY (t.escalations), 'vip' = ANY (t.escalations), d.kind,
           fp.outcome,
           coalesce(ec.first_completed_seq < v.seq, false),
           cr.visit_id IS NOT NULL, an.visit_id IS NOT NULL
    FROM visits v JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    LEFT JOIN (SELECT DISTINCT ON (visit_id) visit_id, outcome FROM precall_attempts
               ORDER BY visit_id, id) fp ON fp.visit_id = v.id
    LEFT JOIN (SELECT ticket_id, min(seq) AS first_completed_seq FROM visits
               WHERE status = 'completed' GROUP BY ticket_id) ec ON ec.ticket_id = v.ticket_id
    LEFT JOIN (SELECT DISTINCT visit_id FROM checklist_runs WHERE completed_at IS NOT NULL) cr
           ON cr.visit_id = v.id
    LEFT JOIN (SELECT DISTINCT visit_id FROM notifications
               WHERE template = 'absent_notice' AND visit_id IS NOT NULL) an ON an.visit_id = v.id;

    INSERT INTO report_tickets (ticket_id, created_at, due_at, resolved_at, promised_at, cancelled,
        first_contact_at, first_contact_target_min, notice_before_breach, person_id)
    SELECT t.id, t.created_at, t.due_at, t.resolved_at, coalesce(fd.old_due_at, t.due_at),
           t.status = 'cancelled', t.first_contact_at, t.first_contact_target_min,
           EXISTS (SELECT 1 FROM delay_notices n WHERE n.ticket_id = t.id
                   AND n.at <= coalesce(fd.old_due_at, t.due_at)),
           lv.person
    FROM tickets t
    LEFT JOIN (SELECT DISTINCT ON (ticket_id) ticket_id, old_due_at FROM delay_notices
               ORDER BY ticket_id, id) fd ON fd.ticket_id = t.id
    LEFT JOIN (SELECT DISTINCT ON (ticket_id) ticket_id, coalesce(engineer_id, lead_id) AS person
               FROM visits WHERE status <> 'cancelled' ORDER BY ticket_id, seq DESC) lv
           ON lv.ticket_id = t.id;

    INSERT INTO report_checklist_answers (run_id, key, answered_at, person_id, kind, model, label,
                                          failed)
    SELECT a.run_id, a.key, a.answered_at, coalesce(v.engineer_id, v.lead_id), d.kind,
           coalesce(d.model, ''), i.label_ko, a.value = '"fail"'::jsonb
    FROM checklist_answers a
    JOIN checklist_runs r ON r.id = a.run_id
    JOIN checklist_items i ON i.template_id = r.template_id AND i.key = a.key
    JOIN visits v ON v.id = r.visit_id
    JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    WHERE i.type = 'pass_fail';

    INSERT INTO report_checklist_days (day, kind, model, key, label, answers, failures)
    SELECT (answered_at AT TIME ZONE 'UTC')::date, kind, model, key, label, count(*),
           count(*) FILTER (WHERE failed)
    FROM report_checklist_answers GROUP BY 1, 2, 3, 4, 5;

    ALTER TABLE report_checklist_answers ENABLE TRIGGER report_days_sync;
    ANALYZE report_visits, report_tickets, report_checklist_answers, report_checklist_days;
END
$$;

-- (service_report: last defined in 0005_performance.sql)
-- ---- the report from the facts: the same rows as migration 0003's definition ----

CREATE OR REPLACE FUNCTION service_report(p_from timestamptz, p_to timestamptz, p_team bigint, p_person bigint)
RETURNS TABLE (scope text, team_id bigint, team_name text, person_id bigint, person_name text,
               metric text, numerator bigint, denominator bigint)
LANGUAGE sql STABLE AS $$
WITH templated AS (
    SELECT DISTINCT kind FROM checklist_templates
), groups_v AS (
    -- visits starting in the period, folded by person, kind and facts (report_visits.facts)
    SELECT r.person_id, r.kind, r.facts, count(*) AS n
    FROM report_visits r
    WHERE r.starts_at >= p_from AND r.starts_at < p_to AND r.status <> 'cancelled'
    GROUP BY r.person_id, r.kind, r.facts
), vis AS (
    -- per person, each promise's numerator and denominator; the bits: 1 completed,
    -- 2 absent, 4 an earlier visit completed, 8 resolved, 16 pre-called, 32 reached at
    -- the first call, 64 arrived, 128 arrived on time, 256 work done, 512 estimate and
    -- consent before the work, 1024 repeat fault, 2048 VIP, 4096 a lead on it,
    -- 8192 checklist complete, 16384 absence notice
    SELECT g.person_id AS person,
           sum(g.n) FILTER (WHERE g.facts & 5 = 1) AS fvr_d,
           sum(g.n) FILTER (WHERE g.facts & 13 = 9) AS fvr_n,
           sum(g.n) FILTER (WHERE g.facts & 16 <> 0) AS pc_d,
           sum(g.n) FILTER (WHERE g.facts & 32 <> 0) AS pc_n,
           sum(g.n) FILTER (WHERE g.facts & 64 <> 0) AS ota_d,
           sum(g.n) FILTER (WHERE g.facts & 128 <> 0) AS ota_n,
           sum(g.n) FILTER (WHERE g.facts & 257 = 257) AS cbw_d,
           sum(g.n) FILTER (WHERE g.facts & 769 = 769) AS cbw_n,
           sum(g.n) FILTER (WHERE g.facts & 1024 <> 0) AS rfl_d,
           sum(g.n) FILTER (WHERE g.facts & 5120 = 5120) AS rfl_n,
           sum(g.n) FILTER (WHERE g.facts & 2048 <> 0) AS vip_d,
           sum(g.n) FILTER (WHERE g.facts & 6144 = 6144) AS vip_n,
           sum(g.n) FILTER (WHERE g.facts & 1 <> 0 AND k.kind IS NOT NULL) AS ck_d,
           sum(g.n) FILTER (WHERE g.facts & 8193 = 8193 AND k.kind IS NOT NULL) AS ck_n,
           sum(g.n) FILTER (WHERE g.facts & 2 <> 0) AS abs_d,
           sum(g.n) FILTER (WHERE g.facts & 16386 = 16386) AS abs_n
    FROM groups_v g LEFT JOIN templated k ON k.kind = g.kind
    GROUP BY g.person_id
), visit_facts AS (
    SELECT vis.person, m.metric, m.num, m.den
    FROM vis CROSS JOIN LATERAL (VALUES
        ('first_visit_resolution', vis.fvr_n, vis.fvr_d),
        ('precall_first_attempt', vis.pc_n, vis.pc_d),
        ('on_time_arrival', vis.ota_n, vis.ota_d),
        ('consent_before_work', vis.cbw_n, vis.cbw_d),
        ('repeat_fault_with_lead', vis.rfl_n, vis.rfl_d),
        ('vip_with_lead', vis.vip_n, vis.vip_d),
        ('checklist_completion', vis.ck_n, vis.ck_d),
        ('absence_with_notice', vis.abs_n, vis.abs_d)
    ) AS m(metric, num, den)
    WHERE m.den > 0
), ticket_facts AS (
    -- tickets resolved in the period: resolved by the date first promised (R11)
    SELECT r.person_id AS person, 'sla_met' AS metric,
           count(*) FILTER (WHERE r.resolved_at <= r.promised_at) AS num, count(*) AS den
    FROM report_tickets r
    WHERE r.resolved_at >= p_from AND r.resolved_at < p_to
    GROUP BY r.person_id
    UNION ALL
    -- promises due in the period and broken: was the customer told before? (R11)
    SELECT r.person_id, 'delay_notice_before_breach',
           count(*) FILTER (WHERE r.notice_before_breach), count(*)
    FROM report_tickets r
    WHERE r.promised_at >= p_from AND r.promised_at < p_to AND NOT r.cancelled
      AND (r.resolved_at > r.promised_at OR (r.resolved_at IS NULL AND now() > r.promised_at))
      AND ((r.created_at >= p_from AND r.created_at < p_to)
           OR (r.resolved_at >= p_from AND r.resolved_at < p_to)
           OR (r.due_at >= p_from AND r.created_at < p_to))
    GROUP BY r.person_id
    UNION ALL
    -- tickets created in the period: the first contact within its target (R14)
    SELECT r.person_id, 'first_contact',
           count(*) FILTER (WHERE r.first_contact_at
                            <= r.created_at + make_interval(mins => r.first_contact_target_min)),
           count(*)
    FROM report_tickets r
    WHERE r.created_at >= p_from AND r.created_at < p_to
      AND (r.first_contact_at IS NOT NULL
           OR now() > r.created_at + make_interval(mins => r.first_contact_target_min))
    GROUP BY r.person_id
    UNION ALL
    -- surveys answered in the period: satisfied (4 or 5 of 5) / answered (R15)
    SELECT r.person_id, 'satisfaction',
           count(*) FILTER (WHERE s.rating >= 4), count(*)
    FROM surveys s LEFT JOIN report_tickets r ON r.ticket_id = s.ticket_id
    WHERE s.created_at >= p_from AND s.created_at < p_to
    GROUP BY r.person_id
), facts AS (
    SELECT f.person, u.team_id, f.metric, f.num, f.den
    FROM (SELECT * FROM visit_facts UNION ALL SELECT * FROM ticket_facts) f
    LEFT JOIN users u ON u.id = f.person
    WHERE f.den > 0
      AND (p_team IS NULL OR u.team_id = p_team)
      AND (p_person IS NULL OR f.person = p_person)
), metrics(metric, ord) AS (
    VALUES ('first_visit_resolution', 1), ('sla_met', 2), ('delay_notice_before_breach', 3),
           ('first_contact', 4), ('precall_first_attempt', 5), ('on_time_arrival', 6),
           ('consent_before_work', 7), ('repeat_fault_with_lead', 8), ('vip_with_lead', 9),
           ('checklist_completion', 10), ('absence_with_notice', 11), ('satisfaction', 12)
), agg AS (
    SELECT CASE WHEN GROUPING(f.team_id) = 1 THEN 'overall'
                WHEN GROUPING(f.person) = 1 THEN 'team' ELSE 'engineer' END AS scope,
           f.team_id, f.person, f.metric,
           sum(f.num)::bigint AS numerator, sum(f.den)::bigint AS denominator
    FROM facts f
    GROUP BY GROUPING SETS ((f.metric), (f.metric, f.team_id), (f.metric, f.team_id, f.person))
), groups AS (
    SELECT DISTINCT scope, team_id, person FROM agg
    UNION SELECT 'overall', NULL::bigint, NULL::bigint
)
SELECT g.scope, g.team_id, tm.name, g.person, u.name, m.metric,
       CASE WHEN m.metric = 'satisfaction' AND coalesce(a.denominator, 0) = 0 THEN NULL
            ELSE coalesce(a.numerator, 0) END,
       coalesce(a.denominator, 0)
FROM groups g CROSS JOIN metrics m
LEFT JOIN agg a ON a.scope = g.scope AND a.team_id IS NOT DISTINCT FROM g.team_id
     AND a.person IS NOT DISTINCT FROM g.person AND a.metric = m.metric
LEFT JOIN teams tm ON tm.id = g.team_id
LEFT JOIN users u ON u.id = g.person
ORDER BY CASE g.scope WHEN 'overall' THEN 0 WHEN 'team' THEN 1 ELSE 2 END,
         tm.name NULLS LAST, u.name NULLS LAST, g.person, m.ord
$$;

-- (checklist_failures: last defined in 0005_performance.sql)
-- The items that fail most, by device model, among answers given in the period:
-- whole UTC days from the daily totals when no team or engineer is asked for,
-- the rest from the per-answer facts.
CREATE OR REPLACE FUNCTION checklist_failures(p_from timestamptz, p_to timestamptz, p_team bigint,
                                              p_person bigint, p_limit int)
RETURNS TABLE (kind text, model text, key text, label text, failures bigint, answers bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d0 date := (p_from AT TIME ZONE 'UTC')::date; -- the first whole day
    d1 date := (p_to AT TIME ZONE 'UTC')::date;   -- the day after the last whole one
BEGIN
    IF (d0::timestamp AT TIME ZONE 'UTC') < p_from THEN
        d0 := d0 + 1;
    END IF;
    IF p_team IS NOT NULL OR p_person IS NOT NULL OR d0 >= d1 THEN
        RETURN QUERY
        SELECT a.kind, a.model, a.key, a.label, count(*) FILTER (WHERE a.failed), count(*)
        FROM report_checklist_answers a LEFT JOIN users u ON u.id = a.person_id
        WHERE a.answered_at >= p_from AND a.answered_at < p_to
          AND (p_team IS NULL OR u.team_id = p_team)
          AND (p_person IS NULL OR a.person_id = p_person)
        GROUP BY a.kind, a.model, a.key, a.label
        HAVING count(*) FILTER (WHERE a.failed) > 0
        ORDER BY 5 DESC, 6 DESC, 2, 3
        LIMIT p_limit;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT x.kind, x.model, x.key, x.label, sum(x.failures)::bigint, sum(x.answers)::bigint
    FROM (
        SELECT s.kind, s.model, s.key, s.label, s.failures, s.answers
        FROM report_checklist_days s WHERE s.day >= d0 AND s.day < d1
        UNION ALL
        SELECT a.kind, a.model, a.key, a.label, count(*) FILTER (WHERE a.failed), count(*)
        FROM report_checklist_answers a
        WHERE a.answered_at >= p_from AND a.answered_at < (d0::timestamp AT TIME ZONE 'UTC')
        GROUP BY a.kind, a.model, a.key, a.label
        UNION ALL
        SELECT a.kind, a.model, a.key, a.label, count(*) FILTER (WHERE a.failed), count(*)
        FROM report_checklist_answers a
        WHERE a.answered_at >= (d1::timestamp AT TIME ZONE 'UTC') AND a.answered_at < p_to
        GROUP BY a.kind, a.model, a.key, a.label
    ) x
    GROUP BY x.kind, x.model, x.key, x.label
    HAVING sum(x.failures) > 0
    ORDER BY 5 DESC, 6 DESC, 2, 3
    LIMIT p_limit;
END
$$;
