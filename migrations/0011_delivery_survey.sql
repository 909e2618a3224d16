-- 0011: the customer's side — delivery of the notification outbox, the
-- tracking page and the post-visit survey.
--
-- surveys: one answer per ticket (R15 satisfaction comes from here).
-- notifications: the delivery state of each notice — when it is due next,
-- the lease of the process sending it, the last error, and a delivery id
-- that stays the same across retries so that a receiver can drop repeats.
-- A trigger NOTIFYs fieldd_outbox in the transaction that queues a notice,
-- so the delivery workers wake at once (docs/architecture.md).

CREATE TABLE surveys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL UNIQUE REFERENCES tickets (id),
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_created_idx ON surveys (created_at);

-- ---- the outbox's delivery state ----

ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
-- queued: waiting (or being sent under a lease); sent; dead: given up after
-- FIELDD_DELIVERY_ATTEMPTS tries (the older word 'failed' means the same);
-- skipped: nothing to send (the phone channel is a call a person makes)
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('queued', 'sent', 'dead', 'failed', 'skipped'));
ALTER TABLE notifications
    ADD COLUMN delivery_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN locked_until    timestamptz,
    ADD COLUMN last_error      text,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN sent_via        text;
UPDATE notifications SET status = 'dead', last_error = coalesce(last_error, 'gave up')
WHERE status = 'failed';
ALTER TABLE notifications ADD CONSTRAINT notifications_delivery_id_key UNIQUE (delivery_id);
DROP INDEX notifications_queued_idx;
-- the claim query's order: due first
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id) WHERE status = 'queued';

CREATE FUNCTION notifications_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one NOTIFY per transaction: PostgreSQL folds identical ones
    PERFORM pg_notify('fieldd_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER notifications_wake_insert AFTER INSERT ON notifications
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION notifications_wake();
CREATE TRIGGER notifications_wake_update AFTER UPDATE OF status, next_attempt_at ON notifications
    FOR EACH ROW WHEN (NEW.status = 'queued' AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notifications_wake();

-- ---- tracking codes: long and random ----
-- fieldd issues 43-character base64url codes (256 random bits); anything
-- shorter (hand-made or older data) is replaced by one of those.
UPDATE tickets
SET tracking = translate(rtrim(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
                                      'base64'), '='), '+/', '-_')
WHERE length(tracking) < 43;

-- ---- the report: satisfaction from the surveys ----

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
