-- Who may see which visit and ticket: an engineer their own, a lead their team's,
-- the desk everything. Queries filter with these; what a caller may not see is 404.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/.

-- (team_has_member: last defined in 0005_performance.sql)
-- A user among the two (a visit's engineer and lead) is in the team.
CREATE OR REPLACE FUNCTION team_has_member(team bigint, a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users u WHERE u.id IN (a, b) AND u.team_id = team);
END
$$;

-- (visit_visible: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION visit_visible(v visits, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT viewer_role IN ('admin', 'dispatcher')
        OR v.engineer_id = viewer OR v.lead_id = viewer
        OR (viewer_role = 'lead' AND viewer_team IS NOT NULL
            AND team_has_member(viewer_team, v.engineer_id, v.lead_id))
$$;

-- (ticket_visible_rows: last defined in 0005_performance.sql)
-- The ticket's own rows for ticket_visible(): filed by the viewer, or a visit the viewer sees.
CREATE OR REPLACE FUNCTION ticket_visible_rows(tid bigint, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM tickets t WHERE t.id = tid AND t.created_by = viewer)
        OR EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = tid
                   AND visit_visible(v, viewer, viewer_role, viewer_team));
END
$$;

-- (ticket_visible: last defined in 0005_performance.sql)
CREATE OR REPLACE FUNCTION ticket_visible(tid bigint, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT viewer_role IN ('admin', 'dispatcher')
        OR ticket_visible_rows(tid, viewer, viewer_role, viewer_team)
$$;
