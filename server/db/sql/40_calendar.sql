-- Calendar feed marks: a change to what a feed shows bumps its version and time.
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/.

-- (calendar_touch: last defined in 0004_calendar.sql)
-- Bumps the feeds that show visits of these people: each person's own feed,
-- the team feed of a lead among them, and the team feed of each person's
-- team lead. Rows are taken in key order so concurrent bumps cannot deadlock.
CREATE OR REPLACE FUNCTION calendar_touch(people bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO calendar_marks AS m (scope, owner_id, version, changed_at)
    SELECT f.scope, f.owner_id, 1, date_trunc('second', clock_timestamp()) + interval '1 second'
    FROM (SELECT 'own'::text AS scope, p AS owner_id FROM unnest(people) AS p WHERE p IS NOT NULL
          UNION
          SELECT 'team', u.id FROM users u WHERE u.id = ANY (people) AND u.role = 'lead'
          UNION
          SELECT 'team', t.lead_id FROM users u JOIN teams t ON t.id = u.team_id
          WHERE u.id = ANY (people) AND t.lead_id IS NOT NULL) AS f
    ORDER BY f.scope, f.owner_id
    ON CONFLICT (scope, owner_id) DO UPDATE
    SET version = m.version + 1,
        changed_at = greatest(EXCLUDED.changed_at, m.changed_at + interval '1 second')
$$;

-- (calendar_people_of_tickets: last defined in 0004_calendar.sql)
-- The people on a ticket's visits that a feed can still show (the window
-- reaches 30 days back).
CREATE OR REPLACE FUNCTION calendar_people_of_tickets(tickets bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT p), '{}')
    FROM visits v, unnest(ARRAY[v.engineer_id, v.lead_id]) AS p
    WHERE v.ticket_id = ANY (tickets) AND v.ends_at > now() - interval '31 days'
      AND p IS NOT NULL
$$;

-- (visits_touch_calendar: last defined in 0004_calendar.sql)
-- A visit moved, changed state or changed hands: the old people's feeds lose
-- it (a reassigned visit leaves the old engineer's feed), the new ones'
-- gain it. Named to fire after visits_sync_people, so that a double booking
-- is refused before any mark row is locked.
CREATE OR REPLACE FUNCTION visits_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM calendar_touch(ARRAY[NEW.engineer_id, NEW.lead_id]);
    ELSE
        PERFORM calendar_touch(ARRAY[OLD.engineer_id, OLD.lead_id, NEW.engineer_id, NEW.lead_id]);
    END IF;
    RETURN NULL;
END
$$;

-- (tickets_touch_calendar: last defined in 0004_calendar.sql)
-- Tickets, customers and devices: what an event's summary, location and
-- description show.
CREATE OR REPLACE FUNCTION tickets_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(ARRAY[NEW.id]));
    RETURN NULL;
END
$$;

-- (customers_touch_calendar: last defined in 0004_calendar.sql)
CREATE OR REPLACE FUNCTION customers_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(
        ARRAY(SELECT t.id FROM tickets t WHERE t.customer_id = NEW.id)));
    RETURN NULL;
END
$$;

-- (devices_touch_calendar: last defined in 0004_calendar.sql)
CREATE OR REPLACE FUNCTION devices_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(
        ARRAY(SELECT t.id FROM tickets t WHERE t.device_id = NEW.id)));
    RETURN NULL;
END
$$;

-- (users_touch_calendar: last defined in 0004_calendar.sql)
-- People: a feed shows its owner's name (the calendar's name) and the names
-- of the others on each visit; a team feed follows team membership and roles.
CREATE OR REPLACE FUNCTION users_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(
        ARRAY[NEW.id, (SELECT t.lead_id FROM teams t WHERE t.id = OLD.team_id)]
        || coalesce((SELECT array_agg(DISTINCT p)
                     FROM visits v, unnest(ARRAY[v.engineer_id, v.lead_id]) AS p
                     WHERE NEW.id IN (v.engineer_id, v.lead_id)
                       AND v.ends_at > now() - interval '31 days'), '{}'));
    RETURN NULL;
END
$$;

-- (teams_touch_calendar: last defined in 0004_calendar.sql)
-- A team's name is its lead's team feed's name; a new lead takes the feed over.
CREATE OR REPLACE FUNCTION teams_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM calendar_touch(ARRAY[NEW.lead_id]);
    ELSE
        PERFORM calendar_touch(ARRAY[OLD.lead_id, NEW.lead_id]);
    END IF;
    RETURN NULL;
END
$$;
