-- Dispatch core: customers, devices, fault codes, tickets, visits and the
-- people on them, pre-call attempts, delay notices, the notification outbox
-- and the audit trail (SPEC R1-R8, R10, R11, R14).

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Per-user working hours (NULL = the default, Mon-Fri 09:00-18:00 in FIELDD_TZ).
ALTER TABLE users
    ADD COLUMN work_start time,
    ADD COLUMN work_end time,
    ADD COLUMN work_days smallint[] CHECK (work_days <@ '{1,2,3,4,5,6,7}'::smallint[]),
    ADD CONSTRAINT users_work_hours_ck CHECK (
        (work_start IS NULL) = (work_end IS NULL) AND (work_start IS NULL OR work_start < work_end));

CREATE TABLE customers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    organisation       text CHECK (length(organisation) <= 200),
    department         text CHECK (length(department) <= 200),
    division           text CHECK (length(division) <= 200),
    title              text CHECK (length(title) <= 100),
    rank               text NOT NULL DEFAULT 'staff'
                       CHECK (rank IN ('staff', 'manager', 'dept_head', 'executive')),
    phone              text CHECK (length(phone) <= 32),
    email              text CHECK (length(email) <= 254),
    preferred_channel  text NOT NULL DEFAULT 'sms' CHECK (preferred_channel IN ('sms', 'email', 'phone')),
    vip                boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_idx ON customers (name);

CREATE TABLE devices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_tag    text NOT NULL UNIQUE CHECK (length(asset_tag) BETWEEN 1 AND 64),
    kind         text NOT NULL CHECK (kind IN ('desktop', 'laptop', 'printer', 'monitor', 'network',
                                               'scanner', 'server', 'phone', 'other')),
    model        text CHECK (length(model) <= 200),
    serial       text CHECK (length(serial) <= 100),
    customer_id  bigint NOT NULL REFERENCES customers (id),
    building     text CHECK (length(building) <= 100),
    floor        text CHECK (length(floor) <= 20),
    room         text CHECK (length(room) <= 50),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_customer_idx ON devices (customer_id);

CREATE TABLE fault_codes (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
    name_ko  text NOT NULL,
    name_en  text NOT NULL
);
INSERT INTO fault_codes (code, name_ko, name_en) VALUES
    ('NO_BOOT',    '부팅 불가',           'Does not boot'),
    ('SLOW',       '속도 저하',           'Slow'),
    ('NETWORK',    '네트워크 장애',       'Network fault'),
    ('PRINT_JAM',  '용지 걸림',           'Paper jam'),
    ('PRINT_QUALITY', '인쇄 품질 불량',   'Poor print quality'),
    ('DISPLAY',    '화면 이상',           'Display fault'),
    ('OS_ERROR',   '운영체제 오류',       'Operating system error'),
    ('MALWARE',    '악성코드 감염',       'Malware'),
    ('PERIPHERAL', '주변기기 연결 불량',  'Peripheral fault'),
    ('POWER',      '전원 불량',           'Power fault'),
    ('SOFTWARE',   '소프트웨어 설치·오류', 'Software install or error'),
    ('ACCOUNT',    '계정·로그인 문제',    'Account or login problem'),
    ('HARDWARE',   '하드웨어 고장',       'Hardware failure');

CREATE SEQUENCE ticket_number_seq;

CREATE TABLE tickets (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number              text NOT NULL UNIQUE,
    customer_id         bigint NOT NULL REFERENCES customers (id),
    device_id           bigint NOT NULL REFERENCES devices (id),
    fault_code          text NOT NULL REFERENCES fault_codes (code),
    symptom             text NOT NULL CHECK (length(symptom) BETWEEN 1 AND 4000),
    channel             text NOT NULL CHECK (channel IN ('phone', 'web', 'email', 'walk_in', 'app')),
    verification        text NOT NULL CHECK (verification IN ('callback', 'employee_id', 'in_person', 'sso')),
    priority            text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    status              text NOT NULL DEFAULT 'new'
                        CHECK (status IN ('new', 'scheduled', 'in_progress', 'resolved', 'closed', 'cancelled')),
    due_at              timestamptz NOT NULL,
    repeat_count        integer NOT NULL CHECK (repeat_count >= 1),
    escalations         text[] NOT NULL DEFAULT '{}'
                        CHECK (escalations <@ '{repeat_fault,vip,next_repeat_escalates}'::text[]),
    requires_lead       boolean NOT NULL DEFAULT false,
    vip                 boolean NOT NULL DEFAULT false,
    tracking            text NOT NULL UNIQUE,
    first_contact_at    timestamptz,
    first_contact_target_min integer NOT NULL,
    repeat_window_days  integer NOT NULL DEFAULT 90,
    cancel_reason       text,
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    resolved_at         timestamptz
);
-- the repeat-fault count (R7) looks here
CREATE INDEX tickets_repeat_idx ON tickets (device_id, fault_code, created_at);
CREATE INDEX tickets_status_idx ON tickets (status, due_at);
CREATE INDEX tickets_created_idx ON tickets (created_at);

CREATE TABLE visits (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id             bigint NOT NULL REFERENCES tickets (id),
    seq                   integer NOT NULL,
    engineer_id           bigint REFERENCES users (id),
    lead_id               bigint REFERENCES users (id),
    starts_at             timestamptz NOT NULL,
    ends_at               timestamptz NOT NULL,
    status                text NOT NULL DEFAULT 'proposed'
                          CHECK (status IN ('proposed', 'confirmed', 'en_route', 'on_site',
                                            'completed', 'absent', 'cancelled')),
    uid                   uuid NOT NULL UNIQUE,
    ical_sequence         integer NOT NULL DEFAULT 0,
    departed_at           timestamptz,
    late_notice_at        timestamptz,
    late_minutes          integer,
    arrived_at            timestamptz,
    arrived_late          boolean,
    estimate_minutes      integer CHECK (estimate_minutes BETWEEN 1 AND 10080),
    estimate_explanation  text,
    estimated_at          timestamptz,
    consent_by            text,
    consent_at            timestamptz,
    completed_at          timestamptz,
    work_done             boolean,
    resolved              boolean,
    resolution            text,
    follow_up_reason      text,
    absent_memo_left      boolean,
    absent_note           text,
    cancel_reason         text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ticket_id, seq),
    CHECK (starts_at < ends_at),
    CHECK (engineer_id IS NOT NULL OR lead_id IS NOT NULL),
    CHECK (engineer_id IS DISTINCT FROM lead_id)
);
CREATE INDEX visits_ticket_idx ON visits (ticket_id);
CREATE INDEX visits_engineer_idx ON visits (engineer_id, starts_at);
CREATE INDEX visits_lead_idx ON visits (lead_id, starts_at);
CREATE INDEX visits_starts_idx ON visits (starts_at);

-- Who is booked when. PostgreSQL itself refuses a double booking: no person
-- may hold two overlapping active slots, as engineer or as lead.
CREATE TABLE visit_people (
    visit_id   bigint NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    person_id  bigint NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('engineer', 'lead')),
    during     tstzrange NOT NULL CHECK (NOT isempty(during)),
    active     boolean NOT NULL DEFAULT true,
    PRIMARY KEY (visit_id, person_id),
    CONSTRAINT no_double_booking EXCLUDE USING gist (person_id WITH =, during WITH &&) WHERE (active)
);
CREATE INDEX visit_people_during_idx ON visit_people USING gist (during) WHERE active;

CREATE TABLE precall_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visit_id    bigint NOT NULL REFERENCES visits (id),
    outcome     text NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'reschedule')),
    note        text,
    by_user     bigint REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX precall_attempts_visit_idx ON precall_attempts (visit_id);

-- Calls to the reporter before any visit (R14 callbacks).
CREATE TABLE ticket_contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    reached    boolean NOT NULL,
    note       text,
    by_user    bigint REFERENCES users (id),
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_contacts_ticket_idx ON ticket_contacts (ticket_id);

CREATE TABLE delay_notices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    old_due_at  timestamptz NOT NULL,
    new_due_at  timestamptz NOT NULL CHECK (new_due_at > old_due_at),
    by_user     bigint REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delay_notices_ticket_idx ON delay_notices (ticket_id);

-- The outbox: rows only; a delivery worker sends them later.
CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       bigint REFERENCES tickets (id),
    visit_id        bigint REFERENCES visits (id),
    recipient_kind  text NOT NULL CHECK (recipient_kind IN ('customer', 'user')),
    recipient_id    bigint NOT NULL,
    recipient       text,
    channel         text NOT NULL CHECK (channel IN ('sms', 'email', 'phone', 'push')),
    template        text NOT NULL,
    payload         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX notifications_ticket_idx ON notifications (ticket_id);
CREATE INDEX notifications_queued_idx ON notifications (created_at) WHERE status = 'queued';

CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  bigint REFERENCES tickets (id),
    visit_id   bigint REFERENCES visits (id),
    actor_id   bigint REFERENCES users (id),
    action     text NOT NULL,
    before     jsonb,
    after      jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_ticket_idx ON audit_events (ticket_id, at);

-- visit_people follows its visit: same people, same window, inactive once
-- the visit is cancelled. The exclusion constraint above then refuses any
-- change that would double-book someone (SQLSTATE 23P01).
CREATE FUNCTION visits_sync_people() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER visits_sync_people AFTER INSERT OR UPDATE ON visits
    FOR EACH ROW EXECUTE FUNCTION visits_sync_people();

-- ---------------------------------------------------------------------------
-- Read shapes. The API's JSON documents for tickets and visits are built
-- here, in one place, so that a list is one round trip and every time is
-- RFC 3339 in the session's time zone (fieldd sets it to FIELDD_TZ).

CREATE FUNCTION api_time(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_json(date_trunc('second', t)) #>> '{}'
$$;

CREATE FUNCTION person_doc(uid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', u.id, 'name', u.name, 'phone', u.phone, 'team_id', u.team_id)
    FROM users u WHERE u.id = uid
$$;

CREATE FUNCTION customer_doc(c customers) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'name', c.name, 'organisation', c.organisation,
        'department', c.department, 'division', c.division, 'title', c.title,
        'rank', c.rank, 'phone', c.phone, 'email', c.email,
        'preferred_channel', c.preferred_channel, 'vip', c.vip,
        'is_vip', c.vip OR c.rank IN ('dept_head', 'executive'),
        'created_at', api_time(c.created_at), 'updated_at', api_time(c.updated_at))
$$;

CREATE FUNCTION device_doc(d devices) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', d.id, 'asset_tag', d.asset_tag, 'kind', d.kind, 'model', d.model,
        'serial', d.serial, 'customer_id', d.customer_id,
        'location', jsonb_build_object('building', d.building, 'floor', d.floor, 'room', d.room),
        'created_at', api_time(d.created_at))
$$;

CREATE FUNCTION ticket_doc(t tickets) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
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
        'resolved_at', api_time(t.resolved_at))
$$;

CREATE FUNCTION visit_doc(v visits) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
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
        'created_at', api_time(v.created_at), 'updated_at', api_time(v.updated_at))
$$;

-- ---------------------------------------------------------------------------
-- Who may see what: admins and dispatchers everything; an engineer their own
-- visits and the tickets behind them; a lead also their team's; whoever
-- filed a ticket keeps seeing it.

CREATE FUNCTION visit_visible(v visits, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT viewer_role IN ('admin', 'dispatcher')
        OR v.engineer_id = viewer OR v.lead_id = viewer
        OR (viewer_role = 'lead' AND viewer_team IS NOT NULL AND EXISTS (
                SELECT 1 FROM users u WHERE u.id IN (v.engineer_id, v.lead_id)
                AND u.team_id = viewer_team))
$$;

CREATE FUNCTION ticket_visible(tid bigint, viewer bigint, viewer_role text, viewer_team bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT viewer_role IN ('admin', 'dispatcher')
        OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = tid AND t.created_by = viewer)
        OR EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = tid
                   AND visit_visible(v, viewer, viewer_role, viewer_team))
$$;
