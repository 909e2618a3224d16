-- Bookings and schedule versions: visit_people follows visits, and every change to a
-- person's bookings gives them a new schedule version (the schedule cache reads it).
--
-- Re-applied by `fieldd migrate` on every run, after the versioned migrations,
-- with the other files of server/db/sql in name order, in one transaction: edit
-- the function here, never in a new migration. Every statement must be safe to
-- run again (CREATE OR REPLACE). Tables, constraints and trigger bindings stay in
-- migrations/.

-- (visits_sync_people: last defined in 0002_dispatch.sql)
-- visit_people follows its visit: same people, same window, inactive once
-- the visit is cancelled. The exclusion constraint on visit_people (0002) refuses any
-- change that would double-book someone (SQLSTATE 23P01).
CREATE OR REPLACE FUNCTION visits_sync_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.engineer_id IS NOT DISTINCT FROM NEW.engineer_id
       AND OLD.lead_id IS NOT DISTINCT FROM NEW.lead_id
       AND OLD.starts_at = NEW.starts_at AND OLD.ends_at = NEW.ends_at
       AND (OLD.status = 'cancelled') = (NEW.status = 'cancelled') THEN
        RETURN NULL;
    END IF;
    DELETE FROM visit_people WHERE visit_id = NEW.id;
    IF NEW.engineer_id IS NOT NULL THEN
        INSERT INTO visit_people (visit_id, person_id, role, during, active)
        VALUES (NEW.id, NEW.engineer_id, 'engineer', tstzrange(NEW.starts_at, NEW.ends_at),
                NEW.status <> 'cancelled');
    END IF;
    IF NEW.lead_id IS NOT NULL THEN
        INSERT INTO visit_people (visit_id, person_id, role, during, active)
        VALUES (NEW.id, NEW.lead_id, 'lead', tstzrange(NEW.starts_at, NEW.ends_at),
                NEW.status <> 'cancelled');
    END IF;
    RETURN NULL;
END
$$;

-- (schedule_version_new: last defined in 0006_schedule_versions.sql)
CREATE OR REPLACE FUNCTION schedule_version_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_versions (person_id, version)
    VALUES (NEW.id, nextval('schedule_version_seq'))
    ON CONFLICT (person_id) DO NOTHING;
    RETURN NULL;
END
$$;

-- (schedule_version_bump: last defined in 0006_schedule_versions.sql)
CREATE OR REPLACE FUNCTION schedule_version_bump(p bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO schedule_versions (person_id, version)
    VALUES (p, nextval('schedule_version_seq'))
    ON CONFLICT (person_id) DO UPDATE SET version = EXCLUDED.version
$$;

-- (visit_people_bump: last defined in 0006_schedule_versions.sql)
CREATE OR REPLACE FUNCTION visit_people_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM schedule_version_bump(OLD.person_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.person_id <> OLD.person_id) THEN
        PERFORM schedule_version_bump(NEW.person_id);
    END IF;
    RETURN NULL;
END
$$;

-- (visit_people_bump_all: last defined in 0006_schedule_versions.sql)
-- TRUNCATE fires no row triggers: every version changes instead.
CREATE OR REPLACE FUNCTION visit_people_bump_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE schedule_versions SET version = nextval('schedule_version_seq');
    RETURN NULL;
END
$$;
