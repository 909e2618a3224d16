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
