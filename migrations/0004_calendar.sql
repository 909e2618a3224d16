-- Calendar feeds (SPEC §5): the capability tokens behind /cal/{token}.ics and
-- the marks that tell, cheaply and exactly, when a feed's content changed.
--
-- A feed is a function of (the rows it shows, the day) only: the window is
-- 30 days back to 90 days ahead of today in FIELDD_TZ. So a feed's version
-- number plus today's date is a complete validator, and fieldd can answer
-- If-None-Match with 304 (and serve a cached body) without reading a single
-- visit. The triggers below bump the version of every feed an UPDATE or
-- INSERT could change. Whoever adds a column that the feed or the invitation
-- shows must make sure a change to it goes through one of these triggers.

-- Only the SHA-256 of a token is kept: the URL is shown once, when issued.
-- 'own' is a person's feed (visits as engineer or lead); 'team' is a lead's
-- feed of every visit of the teams they lead. Rotation replaces both.
CREATE TABLE calendar_tokens (
    token_hash  text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope       text NOT NULL CHECK (scope IN ('own', 'team')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, scope)
);

-- One row per feed (owner, scope). version goes up by one with every change
-- to what the feed shows; changed_at is a whole second that strictly grows
-- with version, so an HTTP Last-Modified built from it never repeats for
-- different content (If-Modified-Since has one-second resolution).
CREATE TABLE calendar_marks (
    scope       text NOT NULL CHECK (scope IN ('own', 'team')),
    owner_id    bigint NOT NULL,
    version     bigint NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, owner_id)
);

-- Bumps the feeds that show visits of these people: each person's own feed,
-- the team feed of a lead among them, and the team feed of each person's
-- team lead. Rows are taken in key order so concurrent bumps cannot deadlock.
CREATE FUNCTION calendar_touch(people bigint[]) RETURNS void LANGUAGE sql AS $$
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

-- The people on a ticket's visits that a feed can still show (the window
-- reaches 30 days back).
CREATE FUNCTION calendar_people_of_tickets(tickets bigint[]) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT p), '{}')
    FROM visits v, unnest(ARRAY[v.engineer_id, v.lead_id]) AS p
    WHERE v.ticket_id = ANY (tickets) AND v.ends_at > now() - interval '31 days'
      AND p IS NOT NULL
$$;

-- A visit moved, changed state or changed hands: the old people's feeds lose
-- it (a reassigned visit leaves the old engineer's feed), the new ones'
-- gain it. Named to fire after visits_sync_people, so that a double booking
-- is refused before any mark row is locked.
CREATE FUNCTION visits_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM calendar_touch(ARRAY[NEW.engineer_id, NEW.lead_id]);
    ELSE
        PERFORM calendar_touch(ARRAY[OLD.engineer_id, OLD.lead_id, NEW.engineer_id, NEW.lead_id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER visits_touch_calendar AFTER INSERT OR UPDATE ON visits
    FOR EACH ROW EXECUTE FUNCTION visits_touch_calendar();

-- Tickets, customers and devices: what an event's summary, location and
-- description show.
CREATE FUNCTION tickets_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(ARRAY[NEW.id]));
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_touch_calendar AFTER UPDATE ON tickets
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION tickets_touch_calendar();

-- A customer's or device's tickets are found through these indexes.
CREATE INDEX IF NOT EXISTS tickets_customer_idx ON tickets (customer_id);

CREATE FUNCTION customers_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(
        ARRAY(SELECT t.id FROM tickets t WHERE t.customer_id = NEW.id)));
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_touch_calendar AFTER UPDATE ON customers
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION customers_touch_calendar();

CREATE FUNCTION devices_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_touch(calendar_people_of_tickets(
        ARRAY(SELECT t.id FROM tickets t WHERE t.device_id = NEW.id)));
    RETURN NULL;
END
$$;
CREATE TRIGGER devices_touch_calendar AFTER UPDATE ON devices
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION devices_touch_calendar();

-- People: a feed shows its owner's name (the calendar's name) and the names
-- of the others on each visit; a team feed follows team membership and roles.
CREATE FUNCTION users_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER users_touch_calendar AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.team_id IS DISTINCT FROM NEW.team_id
                       OR OLD.role IS DISTINCT FROM NEW.role
                       OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION users_touch_calendar();

-- A team's name is its lead's team feed's name; a new lead takes the feed over.
CREATE FUNCTION teams_touch_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM calendar_touch(ARRAY[NEW.lead_id]);
    ELSE
        PERFORM calendar_touch(ARRAY[OLD.lead_id, NEW.lead_id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER teams_touch_calendar AFTER INSERT OR UPDATE ON teams
    FOR EACH ROW EXECUTE FUNCTION teams_touch_calendar();
