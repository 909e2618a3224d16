-- PC inspection checklists (R9): versioned templates per device kind, one run
-- per visit to a device of that kind, answers per item with who and when.

CREATE TABLE checklist_templates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('desktop', 'laptop', 'printer', 'monitor', 'network',
                                              'scanner', 'server', 'phone', 'other')),
    version     integer NOT NULL CHECK (version >= 1),
    title_ko    text NOT NULL,
    title_en    text NOT NULL,
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, version)
);

CREATE TABLE checklist_items (
    template_id  bigint NOT NULL REFERENCES checklist_templates (id),
    position     integer NOT NULL,
    key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,47}$'),
    label_ko     text NOT NULL CHECK (length(label_ko) BETWEEN 1 AND 200),
    label_en     text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 200),
    type         text NOT NULL CHECK (type IN ('check', 'pass_fail', 'number', 'text', 'choice')),
    required     boolean NOT NULL DEFAULT true,
    min          double precision,
    max          double precision,
    unit         text,
    options      text[],
    PRIMARY KEY (template_id, key),
    UNIQUE (template_id, position),
    CHECK (type = 'choice' OR options IS NULL),
    CHECK (type <> 'choice' OR cardinality(options) >= 2),
    CHECK (type = 'number' OR (min IS NULL AND max IS NULL AND unit IS NULL)),
    CHECK (min IS NULL OR max IS NULL OR min <= max)
);

CREATE TABLE checklist_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visit_id      bigint NOT NULL UNIQUE REFERENCES visits (id),
    template_id   bigint NOT NULL REFERENCES checklist_templates (id),
    completed_at  timestamptz,
    completed_by  bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checklist_runs_completed_idx ON checklist_runs (completed_at);

CREATE TABLE checklist_answers (
    run_id       bigint NOT NULL REFERENCES checklist_runs (id),
    key          text NOT NULL,
    value        jsonb NOT NULL,
    note         text CHECK (length(note) <= 2000),
    answered_by  bigint REFERENCES users (id),
    answered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, key)
);

-- Seed templates (version 1). Items a maintenance engineer actually checks.
WITH t AS (
    INSERT INTO checklist_templates (kind, version, title_ko, title_en) VALUES
        ('desktop', 1, 'PC 점검표', 'PC inspection checklist'),
        ('laptop', 1, '노트북 점검표', 'Laptop inspection checklist'),
        ('printer', 1, '프린터 점검표', 'Printer inspection checklist'),
        ('network', 1, '네트워크 장비 점검표', 'Network equipment checklist')
    RETURNING id, kind
), pc_items (position, key, label_ko, label_en, type, required, min, max, unit, options) AS (
    VALUES
    (1,  'power_boot',     '전원 및 부팅 정상',              'Powers on and boots normally',          'pass_fail', true,  NULL, NULL, NULL, NULL),
    (2,  'os_updates',     '운영체제 최신 업데이트 적용',      'Operating system updates applied',      'check',     true,  NULL, NULL, NULL, NULL),
    (3,  'antivirus',      '백신 실시간 감시 동작',           'Antivirus real-time protection on',     'pass_fail', true,  NULL, NULL, NULL, NULL),
    (4,  'av_definitions', '백신 엔진 업데이트 일자',          'Antivirus definitions date',            'text',      true,  NULL, NULL, NULL, NULL),
    (5,  'disk_free',      '시스템 디스크 여유 공간',          'System disk free space',                'number',    true,  0,    100,  '%',  NULL),
    (6,  'disk_smart',     '디스크 SMART 상태',               'Disk SMART health',                     'choice',    true,  NULL, NULL, NULL, ARRAY['양호', '주의', '불량']),
    (7,  'memory',         '메모리 인식 용량',                'Installed memory recognised',           'number',    true,  1,    1024, 'GB', NULL),
    (8,  'network_ip',     '네트워크 연결 및 IP 정상',        'Network connected, IP address valid',   'pass_fail', true,  NULL, NULL, NULL, NULL),
    (9,  'peripherals',    '프린터·주변기기 연결 확인',        'Printer and peripherals connected',     'pass_fail', false, NULL, NULL, NULL, NULL),
    (10, 'cables_tidy',    '케이블 정리',                    'Cables tidied',                         'check',     false, NULL, NULL, NULL, NULL),
    (11, 'dust_cleaned',   '내부·외부 먼지 제거',             'Dust cleaned inside and out',           'check',     false, NULL, NULL, NULL, NULL),
    (12, 'backup_confirmed', '사용자 자료 백업 확인',          'User data backup confirmed',            'check',     true,  NULL, NULL, NULL, NULL),
    (13, 'user_confirms',  '사용자 정상 동작 확인',            'User confirms it works',                'check',     true,  NULL, NULL, NULL, NULL),
    (14, 'remarks',        '특이사항',                        'Remarks',                               'text',      false, NULL, NULL, NULL, NULL)
), printer_items (position, key, label_ko, label_en, type, required, min, max, unit, options) AS (
    VALUES
    (1, 'power_selftest', '전원 및 자가진단 정상',            'Powers on, self-test passes',           'pass_fail', true,  NULL, NULL, NULL, NULL),
    (2, 'paper_path',     '급지·배지 경로 점검(용지 걸림 제거)', 'Paper path checked, jams cleared',     'pass_fail', true,  NULL, NULL, NULL, NULL),
    (3, 'toner_level',    '토너 잔량',                       'Toner level',                           'number',    true,  0,    100,  '%',  NULL),
    (4, 'print_quality',  '테스트 인쇄 품질',                 'Test print quality',                    'choice',    true,  NULL, NULL, NULL, ARRAY['양호', '번짐', '줄무늬', '흐림']),
    (5, 'network_queue',  '네트워크·인쇄 대기열 정상',         'Network and print queue working',       'pass_fail', true,  NULL, NULL, NULL, NULL),
    (6, 'page_count',     '누적 인쇄 매수',                   'Total page count',                      'number',    false, 0,    NULL, '매', NULL),
    (7, 'dust_cleaned',   '내부 청소',                       'Inside cleaned',                        'check',     false, NULL, NULL, NULL, NULL),
    (8, 'user_confirms',  '사용자 정상 동작 확인',            'User confirms it works',                'check',     true,  NULL, NULL, NULL, NULL)
), network_items (position, key, label_ko, label_en, type, required, min, max, unit, options) AS (
    VALUES
    (1, 'power_leds',     '전원 및 상태 표시등 정상',          'Power and status LEDs normal',          'pass_fail', true,  NULL, NULL, NULL, NULL),
    (2, 'uplink',         '상위 링크 연결',                  'Uplink connected',                      'pass_fail', true,  NULL, NULL, NULL, NULL),
    (3, 'port_errors',    '포트 오류 카운터 확인',             'Port error counters checked',           'pass_fail', true,  NULL, NULL, NULL, NULL),
    (4, 'firmware',       '펌웨어 버전',                     'Firmware version',                      'text',      true,  NULL, NULL, NULL, NULL),
    (5, 'temperature',    '장비 온도',                       'Device temperature',                    'number',    false, -10,  90,   '°C', NULL),
    (6, 'config_backup',  '설정 백업 확인',                   'Configuration backup confirmed',        'check',     true,  NULL, NULL, NULL, NULL),
    (7, 'cables_labelled','케이블 라벨 및 정리',               'Cables labelled and tidy',              'check',     false, NULL, NULL, NULL, NULL)
)
INSERT INTO checklist_items (template_id, position, key, label_ko, label_en, type, required, min, max, unit, options)
SELECT t.id, i.position, i.key, i.label_ko, i.label_en, i.type, i.required, i.min::float8, i.max::float8, i.unit::text, i.options::text[]
FROM t JOIN pc_items i ON t.kind IN ('desktop', 'laptop')
UNION ALL
SELECT t.id, i.position, i.key, i.label_ko, i.label_en, i.type, i.required, i.min::float8, i.max::float8, i.unit::text, i.options::text[]
FROM t JOIN printer_items i ON t.kind = 'printer'
UNION ALL
SELECT t.id, i.position, i.key, i.label_ko, i.label_en, i.type, i.required, i.min::float8, i.max::float8, i.unit::text, i.options::text[]
FROM t JOIN network_items i ON t.kind = 'network';

-- A run's items with their answers, as the API shows them.
CREATE FUNCTION checklist_doc(r checklist_runs) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'run_id', r.id, 'visit_id', r.visit_id,
        'template', jsonb_build_object('id', t.id, 'kind', t.kind, 'version', t.version,
                                       'title', t.title_ko, 'title_en', t.title_en),
        'items', coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'key', i.key, 'label', i.label_ko, 'label_en', i.label_en, 'type', i.type,
                'required', i.required, 'min', i.min, 'max', i.max, 'unit', i.unit,
                'options', to_jsonb(i.options))) || jsonb_build_object(
                'answer', (SELECT jsonb_build_object('value', a.value, 'note', a.note,
                        'by', a.answered_by, 'at', api_time(a.answered_at))
                    FROM checklist_answers a WHERE a.run_id = r.id AND a.key = i.key))
                ORDER BY i.position)
            FROM checklist_items i WHERE i.template_id = t.id), '[]'),
        'complete', r.completed_at IS NOT NULL,
        'completed_at', api_time(r.completed_at), 'completed_by', r.completed_by)
    FROM checklist_templates t WHERE t.id = r.template_id
$$;

-- ---------------------------------------------------------------------------
-- The service-standards report (R15): each promise as numerator and
-- denominator, overall, per team and per engineer, for visits starting and
-- tickets created/resolved/due in [p_from, p_to). A visit counts for its
-- engineer (its lead when it has no engineer); a ticket for the person of its
-- latest non-cancelled visit. Satisfaction has no data until surveys exist.

CREATE INDEX tickets_resolved_idx ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_due_idx ON tickets (due_at);
CREATE INDEX notifications_visit_idx ON notifications (visit_id, template) WHERE visit_id IS NOT NULL;

CREATE FUNCTION service_report(p_from timestamptz, p_to timestamptz, p_team bigint, p_person bigint)
RETURNS TABLE (scope text, team_id bigint, team_name text, person_id bigint, person_name text,
               metric text, numerator bigint, denominator bigint)
LANGUAGE sql STABLE AS $$
WITH vis AS MATERIALIZED (
    SELECT v.id, v.seq, v.ticket_id, v.status, v.lead_id, v.arrived_at, v.arrived_late,
           v.work_done, v.resolved, v.estimated_at, v.consent_at, v.completed_at,
           coalesce(v.engineer_id, v.lead_id) AS person, t.escalations, d.kind
    FROM visits v JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    WHERE v.starts_at >= p_from AND v.starts_at < p_to AND v.status <> 'cancelled'
), visit_facts AS (
    SELECT vis.person, m.metric, m.num, m.den
    FROM vis
    LEFT JOIN LATERAL (SELECT p.outcome FROM precall_attempts p WHERE p.visit_id = vis.id
                       ORDER BY p.id LIMIT 1) first_call ON true
    CROSS JOIN LATERAL (VALUES
        ('first_visit_resolution',
         vis.status = 'completed' AND vis.resolved IS TRUE,
         vis.status = 'completed' AND NOT EXISTS (SELECT 1 FROM visits e
             WHERE e.ticket_id = vis.ticket_id AND e.seq < vis.seq AND e.status = 'completed')),
        ('precall_first_attempt', first_call.outcome IN ('reached', 'reschedule'),
         first_call.outcome IS NOT NULL),
        ('on_time_arrival', vis.arrived_at IS NOT NULL AND vis.arrived_late IS NOT TRUE,
         vis.arrived_at IS NOT NULL),
        ('consent_before_work',
         vis.estimated_at IS NOT NULL AND vis.consent_at IS NOT NULL
             AND vis.estimated_at <= vis.consent_at AND vis.consent_at <= vis.completed_at,
         vis.status = 'completed' AND vis.work_done IS TRUE),
        ('repeat_fault_with_lead', vis.lead_id IS NOT NULL, 'repeat_fault' = ANY (vis.escalations)),
        ('vip_with_lead', vis.lead_id IS NOT NULL, 'vip' = ANY (vis.escalations)),
        ('checklist_completion',
         EXISTS (SELECT 1 FROM checklist_runs r WHERE r.visit_id = vis.id
                 AND r.completed_at IS NOT NULL),
         vis.status = 'completed'
             AND EXISTS (SELECT 1 FROM checklist_templates c WHERE c.kind = vis.kind)),
        ('absence_with_notice',
         EXISTS (SELECT 1 FROM notifications n WHERE n.visit_id = vis.id
                 AND n.template = 'absent_notice'),
         vis.status = 'absent')
    ) AS m(metric, num, den)
), tix AS MATERIALIZED (
    SELECT t.id, t.created_at, t.resolved_at, t.status, t.first_contact_at,
           t.first_contact_target_min,
           coalesce((SELECT n.old_due_at FROM delay_notices n WHERE n.ticket_id = t.id
                     ORDER BY n.id LIMIT 1), t.due_at) AS promised_at,
           (SELECT coalesce(v.engineer_id, v.lead_id) FROM visits v WHERE v.ticket_id = t.id
            AND v.status <> 'cancelled' ORDER BY v.seq DESC LIMIT 1) AS person
    FROM tickets t
    WHERE (t.created_at >= p_from AND t.created_at < p_to)
       OR (t.resolved_at >= p_from AND t.resolved_at < p_to)
       OR (t.due_at >= p_from AND t.created_at < p_to AND t.status <> 'cancelled')
), ticket_facts AS (
    SELECT tix.person, m.metric, m.num, m.den
    FROM tix CROSS JOIN LATERAL (VALUES
        ('sla_met', tix.resolved_at <= tix.promised_at,
         tix.resolved_at >= p_from AND tix.resolved_at < p_to),
        ('delay_notice_before_breach',
         EXISTS (SELECT 1 FROM delay_notices n WHERE n.ticket_id = tix.id
                 AND n.at <= tix.promised_at),
         tix.promised_at >= p_from AND tix.promised_at < p_to AND tix.status <> 'cancelled'
             AND (tix.resolved_at > tix.promised_at
                  OR (tix.resolved_at IS NULL AND now() > tix.promised_at))),
        ('first_contact',
         tix.first_contact_at <= tix.created_at + make_interval(mins => tix.first_contact_target_min),
         tix.created_at >= p_from AND tix.created_at < p_to
             AND (tix.first_contact_at IS NOT NULL
                  OR now() > tix.created_at + make_interval(mins => tix.first_contact_target_min)))
    ) AS m(metric, num, den)
), facts AS (
    SELECT f.person, u.team_id, f.metric, f.num, f.den
    FROM (SELECT * FROM visit_facts UNION ALL SELECT * FROM ticket_facts) f
    LEFT JOIN users u ON u.id = f.person
    WHERE f.den
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
           count(*) FILTER (WHERE f.num) AS numerator, count(*) AS denominator
    FROM facts f
    GROUP BY GROUPING SETS ((f.metric), (f.metric, f.team_id), (f.metric, f.team_id, f.person))
), groups AS (
    SELECT DISTINCT scope, team_id, person FROM agg
    UNION SELECT 'overall', NULL::bigint, NULL::bigint
)
SELECT g.scope, g.team_id, tm.name, g.person, u.name, m.metric,
       CASE WHEN m.metric = 'satisfaction' THEN NULL ELSE coalesce(a.numerator, 0) END,
       coalesce(a.denominator, 0)
FROM groups g CROSS JOIN metrics m
LEFT JOIN agg a ON a.scope = g.scope AND a.team_id IS NOT DISTINCT FROM g.team_id
     AND a.person IS NOT DISTINCT FROM g.person AND a.metric = m.metric
LEFT JOIN teams tm ON tm.id = g.team_id
LEFT JOIN users u ON u.id = g.person
ORDER BY CASE g.scope WHEN 'overall' THEN 0 WHEN 'team' THEN 1 ELSE 2 END,
         tm.name NULLS LAST, u.name NULLS LAST, g.person, m.ord
$$;

-- The items that fail most, by device model, among answers given in the period.
CREATE FUNCTION checklist_failures(p_from timestamptz, p_to timestamptz, p_team bigint,
                                   p_person bigint, p_limit int)
RETURNS TABLE (kind text, model text, key text, label text, failures bigint, answers bigint)
LANGUAGE sql STABLE AS $$
    SELECT d.kind, coalesce(d.model, ''), a.key, i.label_ko,
           count(*) FILTER (WHERE a.value = '"fail"'::jsonb), count(*)
    FROM checklist_answers a
    JOIN checklist_runs r ON r.id = a.run_id
    JOIN checklist_items i ON i.template_id = r.template_id AND i.key = a.key
    JOIN visits v ON v.id = r.visit_id
    JOIN tickets t ON t.id = v.ticket_id JOIN devices d ON d.id = t.device_id
    LEFT JOIN users u ON u.id = coalesce(v.engineer_id, v.lead_id)
    WHERE a.answered_at >= p_from AND a.answered_at < p_to AND i.type = 'pass_fail'
      AND (p_team IS NULL OR u.team_id = p_team)
      AND (p_person IS NULL OR u.id = p_person)
    GROUP BY d.kind, coalesce(d.model, ''), a.key, i.label_ko
    HAVING count(*) FILTER (WHERE a.value = '"fail"'::jsonb) > 0
    ORDER BY 5 DESC, 6 DESC, 2, 3
    LIMIT p_limit
$$;
