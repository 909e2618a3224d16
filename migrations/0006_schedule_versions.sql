-- Schedule versions: every intake proposes an engineer (SPEC §3) from the
-- busy time of every engineer and lead who could go, which is most of what an
-- intake reads. Their bookings change far less often than tickets arrive, so
-- fieldd keeps each person's busy intervals in memory
-- (server/db/schedule_cache.c) together with the version below, and an intake
-- reads only the versions: a person whose version is unchanged has exactly the
-- intervals fieldd already holds.
--
-- Each person's version changes, in the same transaction, with every change
-- to their rows of visit_people (which follows visits: migration 0002). The
-- values come from a sequence that starts at a random point in each database,
-- so a version read from one database never matches one from another (a
-- database dropped and made again under the same name, say).

CREATE SEQUENCE schedule_version_seq AS bigint;
SELECT setval('schedule_version_seq', 1 + (random() * 4e18)::bigint);

CREATE TABLE schedule_versions (
    person_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version   bigint NOT NULL
);

INSERT INTO schedule_versions (person_id, version)
    SELECT id, nextval('schedule_version_seq') FROM users;

CREATE FUNCTION schedule_version_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_versions (person_id, version)
    VALUES (NEW.id, nextval('schedule_version_seq'))
    ON CONFLICT (person_id) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_schedule_version AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION schedule_version_new();

CREATE FUNCTION schedule_version_bump(p bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO schedule_versions (person_id, version)
    VALUES (p, nextval('schedule_version_seq'))
    ON CONFLICT (person_id) DO UPDATE SET version = EXCLUDED.version
$$;

CREATE FUNCTION visit_people_bump() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER visit_people_bump_insert_delete AFTER INSERT OR DELETE ON visit_people
    FOR EACH ROW EXECUTE FUNCTION visit_people_bump();
CREATE TRIGGER visit_people_bump_update AFTER UPDATE ON visit_people
    FOR EACH ROW WHEN (OLD.person_id <> NEW.person_id OR OLD.during <> NEW.during
                       OR OLD.active <> NEW.active)
    EXECUTE FUNCTION visit_people_bump();

-- TRUNCATE fires no row triggers: every version changes instead.
CREATE FUNCTION visit_people_bump_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE schedule_versions SET version = nextval('schedule_version_seq');
    RETURN NULL;
END
$$;

CREATE TRIGGER visit_people_bump_truncate AFTER TRUNCATE ON visit_people
    FOR EACH STATEMENT EXECUTE FUNCTION visit_people_bump_all();
