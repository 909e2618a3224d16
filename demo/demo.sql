-- fieldd demo organisation (`fieldd demo`).
--
-- One plain SQL script, sent in one PQexec inside the caller's transaction,
-- after the caller has made
--     CREATE TEMP TABLE demo_secret (hash text NOT NULL, now timestamptz NOT NULL)
-- holding, in one row, the Argon2id hash every demo account gets and the
-- moment the demo is loaded at (the database's now(), or FIELDD_DEMO_NOW for
-- tests).  It loads, into a freshly
-- migrated and empty database:
--   3 teams, a dispatcher, 3 leads, 15 engineers with skills;
--   300 customers in 4 organisations (19 department heads / executives and
--   6 VIP overrides); 600 devices;
--   3,000 tickets over the last 90 days with their visits, pre-calls,
--   callbacks, delay notices, outbox notifications and audit trail;
--   visits today and tomorrow (Asia/Seoul) in every status;
--   the PC, printer and network checklists of the visits that reached the site.
--
-- Deterministic: no random(); everything comes from generate_series indexes
-- through md5 (pg_temp.dh).  Times are laid on the Seoul calendar (visits on
-- working days counted back from today), so two loads on the same day are
-- identical except for the 12 newest tickets, which came in minutes before
-- the load (their created_at, due_at, first contact and the times of their
-- audit events, callbacks and escalation notices follow "now").
-- Nothing happens after the moment of the load, whatever its hour: today's
-- visits whose time has come are on the way, on site, done or missed; those
-- still to come (and all of tomorrow's) are proposed or confirmed.  Loaded at
-- 01:00, today has nothing done yet; loaded at 23:30, today is over.
-- Nobody is double-booked: every person's visits come from a per-day grid of
-- one-hour slots, leads' joint visits have hours engineers never get
-- otherwise (17:00, and 16:00/17:00 today and tomorrow); the no_double_booking
-- constraint checks it anyway.
--
-- Mail addresses use the reserved .example domain and phone numbers the
-- unassigned 010-0xxx block, so an outbox worker cannot reach real people.

-- ---------------------------------------------------------------- helpers --

-- one-off queries over small temp tables: compiling them costs more than it
-- saves; and the server's 5 s statement_timeout is for requests, not this
SET LOCAL jit = off;
SET LOCAL statement_timeout = '2min';

CREATE OR REPLACE FUNCTION pg_temp.dh(k text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT ('x' || substr(md5(k), 1, 8))::bit(32)::integer & 2147483647 $$;

CREATE OR REPLACE FUNCTION pg_temp.pick(a text[], k text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT a[1 + pg_temp.dh(k) % cardinality(a)] $$;

-- minutes after local midnight of a Seoul calendar day
CREATE OR REPLACE FUNCTION pg_temp.kst(d date, mins integer) RETURNS timestamptz
LANGUAGE sql STABLE STRICT AS
$$ SELECT (d + make_interval(mins => mins)) AT TIME ZONE 'Asia/Seoul' $$;

CREATE OR REPLACE FUNCTION pg_temp.rfc(t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT AS
$$ SELECT to_char(t AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD"T"HH24:MI:SS') || '+09:00' $$;

CREATE OR REPLACE FUNCTION pg_temp.mins(n integer) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT make_interval(mins => n) $$;

-- a version-4-looking UUID from a key
CREATE OR REPLACE FUNCTION pg_temp.uid(k text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT (substr(h, 1, 12) || '4' || substr(h, 14, 3)
           || substr('89ab', 1 + pg_temp.dh(k || '/v') % 4, 1) || substr(h, 18, 15))::uuid
   FROM md5('fieldd-demo/visit/' || k) AS h $$;

DO $$
BEGIN
    IF (SELECT count(*) FROM demo_secret) <> 1 THEN
        RAISE EXCEPTION 'demo_secret must hold exactly one password hash';
    END IF;
    IF EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM devices)
       OR EXISTS (SELECT 1 FROM tickets) OR EXISTS (SELECT 1 FROM visits) THEN
        RAISE EXCEPTION 'the demo data set needs an empty database (customers, devices, tickets and visits must be empty)';
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE login = 'dispatcher' OR login ~ '^(lead[1-3]|eng(0[1-9]|1[0-5]))$')
       OR EXISTS (SELECT 1 FROM teams WHERE name IN ('본사지원팀', '강남지원팀', '판교지원팀')) THEN
        RAISE EXCEPTION 'demo accounts or teams already exist';
    END IF;
END
$$;

CREATE TEMP TABLE demo_cfg ON COMMIT DROP AS
SELECT ((SELECT now FROM demo_secret) AT TIME ZONE 'Asia/Seoul')::date AS today,
       (SELECT now FROM demo_secret) AS now,
       (SELECT hash FROM demo_secret) AS pw;

-- dix -1 = tomorrow, 0 = today, 1..60 = working days (Mon-Fri) back from yesterday
CREATE TEMP TABLE demo_days ON COMMIT DROP AS
SELECT -1 AS dix, today + 1 AS day FROM demo_cfg
UNION ALL
SELECT 0, today FROM demo_cfg
UNION ALL
SELECT dix, day FROM (
    SELECT row_number() OVER (ORDER BY k)::integer AS dix, today - k AS day
    FROM demo_cfg, generate_series(1, 100) AS k
    WHERE extract(isodow FROM today - k) < 6
) w WHERE dix <= 60;

-- ------------------------------------------------------------ staff, teams --

CREATE TEMP TABLE demo_staff (
    ord int, login text, name text, role text, team int, email text, skills text[]
) ON COMMIT DROP;
INSERT INTO demo_staff VALUES
 ( 1, 'dispatcher', '한지민', 'dispatcher', NULL, 'jimin.han', '{}'),
 ( 2, 'lead1', '박성호', 'lead', 1, 'sungho.park', '{desktop,laptop,printer,monitor,network,scanner,server,phone,other}'),
 ( 3, 'lead2', '최은영', 'lead', 2, 'eunyoung.choi', '{desktop,laptop,printer,monitor,network,scanner,server,phone,other}'),
 ( 4, 'lead3', '정우진', 'lead', 3, 'woojin.jung', '{desktop,laptop,printer,monitor,network,scanner,server,phone,other}'),
 ( 5, 'eng01', '김민수', 'engineer', 1, 'minsu.kim', '{desktop,laptop,monitor,printer,scanner}'),
 ( 6, 'eng02', '이서준', 'engineer', 1, 'seojun.lee', '{desktop,laptop,monitor,network,phone}'),
 ( 7, 'eng03', '박지훈', 'engineer', 1, 'jihun.park', '{desktop,laptop,printer,scanner,other}'),
 ( 8, 'eng04', '최유진', 'engineer', 1, 'yujin.choi', '{desktop,laptop,network,server,phone}'),
 ( 9, 'eng05', '정현우', 'engineer', 1, 'hyunwoo.jung', '{desktop,laptop,monitor,printer,other}'),
 (10, 'eng06', '강도윤', 'engineer', 2, 'doyun.kang', '{desktop,laptop,printer,scanner,monitor}'),
 (11, 'eng07', '조수아', 'engineer', 2, 'sua.cho', '{desktop,laptop,network,server,phone}'),
 (12, 'eng08', '윤재원', 'engineer', 2, 'jaewon.yoon', '{desktop,laptop,monitor,printer,other}'),
 (13, 'eng09', '장민재', 'engineer', 2, 'minjae.jang', '{desktop,laptop,network,phone,monitor}'),
 (14, 'eng10', '임하늘', 'engineer', 2, 'haneul.lim', '{desktop,laptop,scanner,printer,server}'),
 (15, 'eng11', '한승우', 'engineer', 3, 'seungwoo.han', '{desktop,laptop,network,server,phone}'),
 (16, 'eng12', '오지호', 'engineer', 3, 'jiho.oh', '{desktop,laptop,monitor,printer,scanner}'),
 (17, 'eng13', '서예린', 'engineer', 3, 'yerin.seo', '{desktop,laptop,server,network,other}'),
 (18, 'eng14', '신동혁', 'engineer', 3, 'donghyuk.shin', '{desktop,laptop,printer,monitor,phone}'),
 (19, 'eng15', '권나래', 'engineer', 3, 'narae.kwon', '{desktop,laptop,scanner,monitor,other}');

INSERT INTO users (login, name, role, password_hash, phone, email, skills, created_at, updated_at)
SELECT s.login, s.name, s.role, c.pw,
       '010-0' || lpad((100 + pg_temp.dh('uphone/' || s.login) % 900)::text, 3, '0') || '-'
               || lpad((pg_temp.dh('uphone2/' || s.login) % 10000)::text, 4, '0'),
       s.email || '@nuri-it.example', s.skills,
       pg_temp.kst(c.today - 400, 540), pg_temp.kst(c.today - 400, 540)
FROM demo_staff s, demo_cfg c ORDER BY s.ord;

INSERT INTO teams (name, lead_id, created_at)
SELECT t.name, u.id, (SELECT pg_temp.kst(today - 400, 540) FROM demo_cfg)
FROM (VALUES (1, '본사지원팀'), (2, '강남지원팀'), (3, '판교지원팀')) AS t(team, name)
JOIN users u ON u.login = 'lead' || t.team ORDER BY t.team;

UPDATE users u SET team_id = tm.id
FROM demo_staff s JOIN teams tm
  ON tm.name = (ARRAY['본사지원팀', '강남지원팀', '판교지원팀'])[s.team]
WHERE u.login = s.login;

-- e = engineer number 1..15, l = lead number 1..3
CREATE TEMP TABLE demo_uid ON COMMIT DROP AS
SELECT s.login, u.id, s.role, s.team, s.skills,
       CASE WHEN s.login LIKE 'eng%' THEN substr(s.login, 4)::int END AS e,
       CASE WHEN s.login LIKE 'lead%' THEN substr(s.login, 5)::int END AS l
FROM demo_staff s JOIN users u ON u.login = s.login;

-- ------------------------------------------------------------- customers --

CREATE TEMP TABLE demo_org (org int, name text, team int, kind text, domain text, buildings text[])
ON COMMIT DROP;
INSERT INTO demo_org VALUES
 (1, '누리시청', 1, 'public', 'nuricity.example', ARRAY['본관', '별관', '신관']),
 (2, '한빛전자 주식회사', 2, 'company', 'hanbit-elec.example', ARRAY['한빛타워', '한빛타워 별관']),
 (3, '한국디지털진흥원', 2, 'agency', 'kdpa.example', ARRAY['본관', '신관']),
 (4, '누리소프트 주식회사', 3, 'company', 'nurisoft.example', ARRAY['판교 R&D센터 A동', '판교 R&D센터 B동']);

-- idx 0: the office a VIP override sits in
CREATE TEMP TABLE demo_dept (org int, idx int, division text, department text, b int, floor int)
ON COMMIT DROP;
INSERT INTO demo_dept VALUES
 (1, 0, '시장실', '비서실', 1, 7),
 (1, 1, '행정지원국', '총무과', 1, 2), (1, 2, '행정지원국', '인사과', 1, 3),
 (1, 3, '행정지원국', '정보통신과', 2, 4), (1, 4, '복지국', '복지정책과', 3, 2),
 (1, 5, '복지국', '노인장애인과', 3, 3), (1, 6, '도시국', '도시계획과', 1, 5),
 (1, 7, '도시국', '건축과', 1, 6), (1, 8, '재정경제국', '세무과', 2, 2),
 (1, 9, '재정경제국', '회계과', 2, 3), (1, 10, '시민소통국', '민원여권과', 1, 1),
 (1, 11, '시민소통국', '홍보담당관', 3, 4),
 (2, 0, '대표이사실', '비서팀', 1, 15),
 (2, 1, '경영지원본부', '인사팀', 1, 12), (2, 2, '경영지원본부', '재무팀', 1, 12),
 (2, 3, '경영지원본부', '총무팀', 1, 11), (2, 4, '영업본부', '국내영업팀', 1, 9),
 (2, 5, '영업본부', '해외영업팀', 1, 9), (2, 6, '연구개발본부', '선행개발팀', 2, 4),
 (2, 7, '연구개발본부', '품질보증팀', 2, 3), (2, 8, '생산기술본부', '생산기술팀', 2, 2),
 (3, 0, '원장실', '비서팀', 1, 7),
 (3, 1, '기획조정실', '기획예산팀', 1, 3), (3, 2, '기획조정실', '경영혁신팀', 1, 3),
 (3, 3, '디지털사업본부', '플랫폼사업팀', 2, 5), (3, 4, '디지털사업본부', '데이터혁신팀', 2, 6),
 (3, 5, '정보보호본부', '보안관제팀', 2, 2), (3, 6, '정보보호본부', '침해대응팀', 2, 2),
 (4, 0, '대표이사실', '비서팀', 1, 8),
 (4, 1, '플랫폼개발실', '백엔드개발팀', 1, 5), (4, 2, '플랫폼개발실', '모바일개발팀', 1, 6),
 (4, 3, '플랫폼개발실', '인프라운영팀', 2, 3), (4, 4, '사업본부', 'B2B영업팀', 1, 3),
 (4, 5, '사업본부', '마케팅팀', 1, 4), (4, 6, '경영지원실', '재무회계팀', 2, 2),
 (4, 7, '경영지원실', '인사총무팀', 2, 2), (4, 8, 'AI연구소', 'AI연구팀', 2, 7);

CREATE TEMP TABLE demo_cust ON COMMIT DROP AS
WITH names AS (
    SELECT ARRAY['김','김','김','김','김','이','이','이','이','박','박','박','최','최','정','정',
                 '강','조','윤','장','임','한','오','서','신','권','황','안','송','전','홍','유',
                 '고','문','양','손','배','백','허','남'] AS sn_ko,
           ARRAY['kim','kim','kim','kim','kim','lee','lee','lee','lee','park','park','park',
                 'choi','choi','jung','jung','kang','cho','yoon','jang','lim','han','oh','seo',
                 'shin','kwon','hwang','ahn','song','jeon','hong','yoo','ko','moon','yang','son',
                 'bae','baek','heo','nam'] AS sn_en,
           ARRAY['민준','서연','지훈','수빈','현우','지은','동현','은지','성민','하은','영수','미경',
                 '정훈','혜진','상철','경희','준호','유나','태현','소영','재훈','다은','승현','민지',
                 '우진','서윤','건우','예은','도현','지아','시우','수아','주원','하린','영호','정숙',
                 '명수','영미','광수','은주','상훈','진영','현정','재민','나연','동욱','보람','세진',
                 '가은','형준','윤서','준혁','채원','기현','슬기','민석','아름','종민','선영','용준'] AS gn_ko,
           ARRAY['minjun','seoyeon','jihun','subin','hyunwoo','jieun','donghyun','eunji','sungmin',
                 'haeun','youngsoo','mikyung','junghoon','hyejin','sangcheol','kyunghee','junho',
                 'yuna','taehyun','soyoung','jaehoon','daeun','seunghyun','minji','woojin','seoyun',
                 'gunwoo','yeeun','dohyun','jia','siwoo','sua','juwon','harin','youngho','jungsook',
                 'myungsoo','youngmi','kwangsoo','eunju','sanghoon','jinyoung','hyunjung','jaemin',
                 'nayeon','dongwook','boram','sejin','gaeun','hyungjun','yunseo','junhyuk','chaewon',
                 'kihyun','seulgi','minseok','areum','jongmin','sunyoung','yongjun'] AS gn_en
), base AS (
    SELECT n, ((n - 1) % 3) + 1 AS team,
           CASE WHEN n % 16 = 5 AND ((n - 5) / 16) % 3 = 0 THEN 'executive'
                WHEN n % 16 = 5 THEN 'dept_head'
                WHEN n % 4 = 2 THEN 'manager' ELSE 'staff' END AS rank,
           n % 50 = 23 AS vip_override,
           1 + pg_temp.dh('sn/' || n) % 40 AS si, 1 + pg_temp.dh('gn/' || n) % 60 AS gi
    FROM generate_series(1, 300) AS n
), o AS (
    SELECT b.*, CASE b.team WHEN 1 THEN 1 WHEN 3 THEN 4
                ELSE CASE WHEN pg_temp.dh('org/' || b.n) % 100 < 55 THEN 2 ELSE 3 END END AS org
    FROM base b
), d AS (
    SELECT o.*,
           CASE WHEN o.vip_override THEN 0
                WHEN o.rank IN ('dept_head', 'executive') THEN
                    1 + (row_number() OVER (PARTITION BY o.org, o.rank IN ('dept_head', 'executive')
                                            ORDER BY o.n) - 1)::int
                        % (SELECT count(*) FROM demo_dept x WHERE x.org = o.org AND x.idx > 0)::int
                ELSE 1 + pg_temp.dh('dept/' || o.n)
                         % (SELECT count(*) FROM demo_dept x WHERE x.org = o.org AND x.idx > 0)::int
           END AS dept_idx
    FROM o
), full_ AS (
    SELECT d.n, d.team, d.org, d.rank, d.vip_override,
           d.rank IN ('dept_head', 'executive') OR d.vip_override AS is_vip,
           nm.sn_ko[d.si] || nm.gn_ko[d.gi] AS name,
           nm.gn_en[d.gi] || '.' || nm.sn_en[d.si] AS local_,
           og.name AS organisation, og.kind AS org_kind, og.domain, og.buildings,
           dp.division, dp.b, dp.floor,
           CASE WHEN d.rank = 'executive' THEN dp.division ELSE dp.department END AS department
    FROM d CROSS JOIN names nm
    JOIN demo_org og ON og.org = d.org
    JOIN demo_dept dp ON dp.org = d.org AND dp.idx = d.dept_idx
)
SELECT f.n AS id, f.team, f.org, f.rank, f.vip_override, f.is_vip, f.name, f.organisation,
       f.division, f.department,
       CASE f.org_kind
         WHEN 'public' THEN CASE
             WHEN f.vip_override THEN '주무관'
             WHEN f.rank = 'executive' THEN '국장'
             WHEN f.rank = 'dept_head' THEN CASE WHEN f.department LIKE '%담당관' THEN '담당관' ELSE '과장' END
             WHEN f.rank = 'manager' THEN '팀장' ELSE '주무관' END
         WHEN 'company' THEN CASE
             WHEN f.vip_override THEN '대리'
             WHEN f.rank = 'executive' THEN pg_temp.pick(ARRAY['상무', '전무', '본부장'], 'tt/' || f.n)
             WHEN f.rank = 'dept_head' THEN '팀장'
             WHEN f.rank = 'manager' THEN pg_temp.pick(ARRAY['과장', '차장'], 'tt/' || f.n)
             ELSE pg_temp.pick(ARRAY['사원', '주임', '대리', '대리'], 'tt/' || f.n) END
         ELSE CASE
             WHEN f.vip_override THEN '주임'
             WHEN f.rank = 'executive' THEN pg_temp.pick(ARRAY['본부장', '부원장'], 'tt/' || f.n)
             WHEN f.rank = 'dept_head' THEN '팀장'
             WHEN f.rank = 'manager' THEN '책임연구원'
             ELSE pg_temp.pick(ARRAY['연구원', '선임연구원', '주임'], 'tt/' || f.n) END
       END AS title,
       '010-0' || lpad((100 + pg_temp.dh('cphone/' || f.n) % 900)::text, 3, '0') || '-'
               || lpad((pg_temp.dh('cphone2/' || f.n) % 10000)::text, 4, '0') AS phone,
       f.local_ || CASE WHEN rn > 1 THEN rn::text ELSE '' END || '@' || f.domain AS email,
       CASE WHEN pg_temp.dh('chan/' || f.n) % 10 < 7 THEN 'sms'
            WHEN pg_temp.dh('chan/' || f.n) % 10 < 9 THEN 'email' ELSE 'phone' END AS channel,
       f.buildings[f.b] AS building, f.floor
FROM (SELECT full_.*, row_number() OVER (PARTITION BY org, local_ ORDER BY n) AS rn FROM full_) f;

INSERT INTO customers (id, name, organisation, department, division, title, rank, phone, email,
                       preferred_channel, vip, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT id, name, organisation, department, division, title, rank, phone, email, channel,
       vip_override, (SELECT pg_temp.kst(today - 200, 540) FROM demo_cfg), (SELECT pg_temp.kst(today - 200, 540) FROM demo_cfg)
FROM demo_cust ORDER BY id;

-- --------------------------------------------------------------- devices --

CREATE TEMP TABLE demo_dev ON COMMIT DROP AS
WITH vipc AS (SELECT id, row_number() OVER (ORDER BY id)::int AS vi FROM demo_cust WHERE is_vip),
plain AS (SELECT id, row_number() OVER (ORDER BY id)::int AS pi FROM demo_cust WHERE NOT is_vip),
prim AS (
    SELECT c.id AS n, c.id AS customer_id,
           CASE WHEN pg_temp.dh('pk/' || c.id) % 10 < 7 THEN 'desktop' ELSE 'laptop' END AS kind,
           'own' AS place
    FROM demo_cust c
), vx AS (
    SELECT 300 + 3 * (v.vi - 1) + x AS n, v.id AS customer_id,
           CASE x WHEN 1 THEN CASE p.kind WHEN 'desktop' THEN 'laptop' ELSE 'desktop' END
                  WHEN 2 THEN 'monitor' ELSE 'printer' END AS kind,
           'own' AS place
    FROM vipc v JOIN prim p ON p.customer_id = v.id CROSS JOIN generate_series(1, 3) AS x
), rest AS (
    SELECT 300 + 3 * (SELECT count(*) FROM vipc)::int + i AS n, pl.id AS customer_id,
           CASE WHEN i <= 55 THEN 'printer' WHEN i <= 100 THEN 'monitor' WHEN i <= 135 THEN 'network'
                WHEN i <= 155 THEN 'scanner' WHEN i <= 167 THEN 'server' WHEN i <= 189 THEN 'phone'
                WHEN i <= 205 THEN 'other' ELSE 'laptop' END AS kind,
           'shared' AS place
    FROM generate_series(1, 600 - 300 - 3 * (SELECT count(*) FROM vipc)::int) AS i
    JOIN plain pl ON pl.pi = 1 + (i * 37) % (SELECT count(*) FROM plain)::int
), alld AS (SELECT * FROM prim UNION ALL SELECT * FROM vx UNION ALL SELECT * FROM rest)
SELECT a.n AS id, a.kind, a.customer_id, c.team, c.is_vip AS vip,
       (CASE a.kind WHEN 'desktop' THEN 'PC' WHEN 'laptop' THEN 'NB' WHEN 'printer' THEN 'PR'
                    WHEN 'monitor' THEN 'MN' WHEN 'network' THEN 'NW' WHEN 'scanner' THEN 'SC'
                    WHEN 'server' THEN 'SV' WHEN 'phone' THEN 'TEL' ELSE 'ETC' END)
         || '-' || (2019 + pg_temp.dh('year/' || a.n) % 7) || '-' || lpad(a.n::text, 5, '0') AS asset_tag,
       pg_temp.pick(CASE a.kind
           WHEN 'desktop' THEN ARRAY['Samsung 데스크탑 DM500TFA', 'LG 울트라PC 데스크탑 B80GV',
                                     'HP ProDesk 400 G9 SFF', 'Dell OptiPlex 7010 SFF',
                                     'Lenovo ThinkCentre M70s Gen 4', 'Samsung 데스크탑 프로 DM700TFA']
           WHEN 'laptop' THEN ARRAY['LG 울트라PC 15U50R', 'LG 그램 16Z90S', 'Samsung 갤럭시북4 NT750XGR',
                                    'Samsung 갤럭시북4 Pro', 'Lenovo ThinkPad E14 Gen 5',
                                    'HP ProBook 450 G10', 'Dell Latitude 5440']
           WHEN 'printer' THEN ARRAY['HP LaserJet Pro M404dn', 'HP Color LaserJet Pro M479fdw',
                                     'Samsung SL-M4020ND', 'Canon imageRUNNER ADVANCE DX C3826',
                                     'Brother HL-L5100DN', 'Sindoh D410']
           WHEN 'monitor' THEN ARRAY['LG 27MP60G', 'Samsung S24C310', 'Dell P2422H', 'LG 32UN650',
                                     'Samsung S27A600U']
           WHEN 'network' THEN ARRAY['Cisco Catalyst 2960-X', 'Cisco Catalyst 9200L',
                                     'HPE Aruba 2930F', 'Aruba AP-515 무선 AP', 'Cisco Catalyst 9120 무선 AP']
           WHEN 'scanner' THEN ARRAY['Fujitsu fi-7160', 'Canon DR-C225 II', 'Epson DS-530 II']
           WHEN 'server' THEN ARRAY['Dell PowerEdge R650', 'HPE ProLiant DL380 Gen10',
                                    'Lenovo ThinkSystem SR630', 'Synology RS1221+ NAS']
           WHEN 'phone' THEN ARRAY['Cisco IP Phone 7821', 'Yealink SIP-T46U', 'Avaya J179']
           ELSE ARRAY['Epson EB-2250U 빔프로젝터', 'Logitech Rally 화상회의 장비',
                      'APC Smart-UPS 1500', 'Samsung 전자칠판 WM55B'] END, 'model/' || a.n) AS model,
       upper(substr(md5('fieldd-demo/serial/' || a.n), 1, 10)) AS serial,
       CASE WHEN a.kind = 'server' THEN og.buildings[1] ELSE c.building END AS building,
       CASE WHEN a.kind = 'server' THEN '지하 1층' ELSE c.floor || '층' END AS floor,
       CASE WHEN a.kind = 'server' THEN '전산실'
            WHEN a.kind = 'network' THEN pg_temp.pick(ARRAY['EPS실', '통신실'], 'room/' || a.n)
            WHEN a.kind = 'other' THEN '제' || (1 + pg_temp.dh('room/' || a.n) % 3) || '회의실'
            WHEN a.kind IN ('printer', 'scanner') AND a.place = 'shared' THEN c.department || ' 공용 출력공간'
            WHEN c.rank = 'executive' THEN c.title || '실'
            ELSE c.department || ' 사무실' END AS room
FROM alld a JOIN demo_cust c ON c.id = a.customer_id JOIN demo_org og ON og.org = c.org;

INSERT INTO devices (id, asset_tag, kind, model, serial, customer_id, building, floor, room, created_at)
OVERRIDING SYSTEM VALUE
SELECT id, asset_tag, kind, model, serial, customer_id, building, floor, room,
       (SELECT pg_temp.kst(today - 200, 600) FROM demo_cfg)
FROM demo_dev ORDER BY id;

-- ------------------------------------------------ fault codes, symptoms --

-- which fault codes fit which kind, and how often they occur
CREATE TEMP TABLE demo_codes (kind text, code text, w float8) ON COMMIT DROP;
INSERT INTO demo_codes
SELECT k, c, w FROM unnest(ARRAY['desktop', 'laptop']) AS k,
  (VALUES ('NO_BOOT', 8), ('SLOW', 14), ('NETWORK', 10), ('DISPLAY', 5), ('OS_ERROR', 10),
          ('MALWARE', 4), ('PERIPHERAL', 8), ('POWER', 4), ('SOFTWARE', 14), ('ACCOUNT', 10),
          ('HARDWARE', 5)) AS x(c, w)
UNION ALL SELECT 'server', c, w FROM (VALUES ('NO_BOOT', 3), ('SLOW', 5), ('NETWORK', 4),
          ('OS_ERROR', 3), ('HARDWARE', 5), ('POWER', 2), ('SOFTWARE', 5), ('ACCOUNT', 3)) AS x(c, w)
UNION ALL SELECT 'printer', c, w FROM (VALUES ('PRINT_JAM', 14), ('PRINT_QUALITY', 10),
          ('NETWORK', 6), ('POWER', 3), ('HARDWARE', 4), ('SOFTWARE', 5)) AS x(c, w)
UNION ALL SELECT 'monitor', c, w FROM (VALUES ('DISPLAY', 10), ('POWER', 4), ('HARDWARE', 3),
          ('PERIPHERAL', 4)) AS x(c, w)
UNION ALL SELECT 'network', c, w FROM (VALUES ('NETWORK', 10), ('POWER', 3), ('HARDWARE', 4),
          ('SOFTWARE', 3)) AS x(c, w)
UNION ALL SELECT 'scanner', c, w FROM (VALUES ('PERIPHERAL', 6), ('SOFTWARE', 5), ('HARDWARE', 4),
          ('NETWORK', 4), ('POWER', 2)) AS x(c, w)
UNION ALL SELECT 'phone', c, w FROM (VALUES ('NETWORK', 6), ('POWER', 3), ('HARDWARE', 4),
          ('ACCOUNT', 4)) AS x(c, w)
UNION ALL SELECT 'other', c, w FROM (VALUES ('PERIPHERAL', 5), ('POWER', 4), ('HARDWARE', 4)) AS x(c, w);

-- how often a ticket is about each kind (among the kinds an engineer handles)
CREATE TEMP TABLE demo_kindw (kind text, w int) ON COMMIT DROP;
INSERT INTO demo_kindw VALUES ('desktop', 36), ('laptop', 24), ('printer', 14), ('monitor', 6),
    ('network', 5), ('scanner', 3), ('server', 2), ('phone', 3), ('other', 1);

-- symptom texts; kinds NULL = any kind the code fits
CREATE TEMP TABLE demo_symptom (code text, kinds text[], txt text) ON COMMIT DROP;
INSERT INTO demo_symptom VALUES
 ('NO_BOOT', '{desktop,laptop}', '전원 버튼을 눌러도 화면이 켜지지 않고 팬 소리만 납니다.'),
 ('NO_BOOT', '{desktop,laptop}', '부팅 중 제조사 로고 화면에서 멈춘 뒤 더 진행되지 않습니다.'),
 ('NO_BOOT', '{desktop,laptop}', '아침에 켰더니 "부팅 장치를 찾을 수 없습니다" 메시지만 나옵니다.'),
 ('NO_BOOT', '{desktop,laptop}', '전원을 켜면 삐- 소리가 여러 번 나고 화면이 나오지 않습니다.'),
 ('NO_BOOT', '{server}', '정기 점검 후 재부팅했는데 서버가 올라오지 않습니다. 콘솔에 RAID 오류가 보입니다.'),
 ('NO_BOOT', '{server}', '정전 이후 서버가 부팅되지 않아 부서 공유 폴더에 접속할 수 없습니다.'),
 ('SLOW', '{desktop,laptop}', 'PC가 전반적으로 느려져 전자결재 창 하나 여는 데 1분 넘게 걸립니다.'),
 ('SLOW', '{desktop,laptop}', '엑셀 파일을 열 때마다 "응답 없음"이 뜨고 한참 멈춥니다.'),
 ('SLOW', '{desktop,laptop}', '부팅 후 바탕화면이 뜨기까지 5분 이상 걸립니다.'),
 ('SLOW', '{desktop,laptop}', '인터넷 브라우저가 자주 멈추고 본체 팬 소음이 심합니다.'),
 ('SLOW', '{server}', '업무 시스템 응답이 평소보다 크게 느려졌고 서버 디스크 사용률 경고가 옵니다.'),
 ('NETWORK', '{desktop,laptop}', '인터넷과 내부 업무망 모두 연결되지 않습니다(네트워크 아이콘에 느낌표).'),
 ('NETWORK', '{desktop,laptop}', '네트워크가 수시로 끊겨 메신저와 메일 접속이 자주 끊깁니다.'),
 ('NETWORK', '{desktop,laptop}', 'IP 주소 충돌 메시지가 뜨고 인터넷이 되지 않습니다.'),
 ('NETWORK', '{desktop,laptop}', '자리 이동 후 랜선을 연결했는데 네트워크가 잡히지 않습니다.'),
 ('NETWORK', '{printer}', '네트워크 프린터가 목록에 보이지 않아 인쇄가 되지 않습니다.'),
 ('NETWORK', '{printer}', '인쇄 명령을 보내면 프린터가 오프라인으로 표시됩니다.'),
 ('NETWORK', '{network}', '층 전체 인터넷이 끊겼습니다. 스위치 링크 램프가 주황색으로 깜박입니다.'),
 ('NETWORK', '{network}', '무선 AP 신호가 잡히지 않아 회의실에서 무선 인터넷을 쓸 수 없습니다.'),
 ('NETWORK', '{network}', '특정 구역 자리들만 네트워크가 자주 끊깁니다.'),
 ('NETWORK', '{scanner}', '스캔한 파일이 공유 폴더로 전송되지 않습니다.'),
 ('NETWORK', '{phone}', 'IP 전화기 화면에 "네트워크 연결 없음"이 표시되고 통화가 되지 않습니다.'),
 ('NETWORK', '{server}', '서버에 원격 접속이 되지 않고 ping 응답도 없습니다.'),
 ('PRINT_JAM', NULL, '인쇄할 때마다 용지가 걸려 "용지 걸림" 오류가 납니다.'),
 ('PRINT_JAM', NULL, '양면 인쇄 시 뒷면에서 종이가 구겨지며 걸립니다.'),
 ('PRINT_JAM', NULL, '2번 용지함에서 급지가 되지 않고 종이가 끼입니다.'),
 ('PRINT_QUALITY', NULL, '출력물에 세로 줄이 생기고 글자가 흐리게 나옵니다.'),
 ('PRINT_QUALITY', NULL, '컬러 출력 시 색이 번지고 얼룩이 묻어 나옵니다.'),
 ('PRINT_QUALITY', NULL, '토너를 교체했는데도 인쇄가 연하게 나옵니다.'),
 ('DISPLAY', '{desktop,laptop}', '화면이 깜빡이고 가로줄이 생깁니다.'),
 ('DISPLAY', '{desktop,laptop}', '노트북 화면이 어둡게 나와 잘 보이지 않습니다.'),
 ('DISPLAY', '{desktop,laptop}', '외부 모니터를 연결하면 화면이 나오지 않습니다.'),
 ('DISPLAY', '{monitor}', '모니터에 "신호 없음"이 표시되고 화면이 나오지 않습니다.'),
 ('DISPLAY', '{monitor}', '모니터 화면 일부에 멍 자국과 세로줄이 생겼습니다.'),
 ('DISPLAY', '{monitor}', '화면이 주기적으로 꺼졌다 켜집니다.'),
 ('OS_ERROR', NULL, '파란 화면(블루스크린)이 뜨면서 재부팅됩니다.'),
 ('OS_ERROR', NULL, 'Windows 업데이트 후 로그인 화면에서 더 진행되지 않습니다.'),
 ('OS_ERROR', NULL, '"사용자 프로필을 불러올 수 없습니다" 메시지가 뜨고 바탕화면이 초기화되었습니다.'),
 ('MALWARE', NULL, '백신 프로그램에서 악성코드 탐지 경고가 계속 뜹니다.'),
 ('MALWARE', NULL, '브라우저 시작 페이지가 바뀌고 광고 창이 계속 열립니다.'),
 ('MALWARE', NULL, '의심스러운 메일 첨부파일을 연 뒤로 PC가 이상하게 동작합니다.'),
 ('PERIPHERAL', '{desktop,laptop}', '키보드와 마우스가 간헐적으로 인식되지 않습니다.'),
 ('PERIPHERAL', '{desktop,laptop}', '도킹 스테이션에 연결하면 USB 장치가 작동하지 않습니다.'),
 ('PERIPHERAL', '{desktop,laptop}', '전자서명용 카드리더기가 인식되지 않습니다.'),
 ('PERIPHERAL', '{monitor}', 'HDMI 케이블을 연결해도 모니터 인식이 불안정합니다.'),
 ('PERIPHERAL', '{monitor}', '모니터의 USB 허브 포트가 작동하지 않습니다.'),
 ('PERIPHERAL', '{scanner}', '스캐너가 PC에서 인식되지 않아 스캔할 수 없습니다.'),
 ('PERIPHERAL', '{scanner}', '여러 장을 넣으면 두 장씩 급지되어 스캔이 중단됩니다.'),
 ('PERIPHERAL', '{other}', '회의실 빔프로젝터에 노트북을 연결해도 화면이 나오지 않습니다.'),
 ('PERIPHERAL', '{other}', '화상회의 카메라가 회의실 PC에서 인식되지 않습니다.'),
 ('POWER', '{desktop,laptop}', '사용 중에 전원이 갑자기 꺼집니다.'),
 ('POWER', '{desktop,laptop}', '노트북이 충전되지 않고 배터리가 0%에서 올라가지 않습니다.'),
 ('POWER', '{printer}', '복합기 전원이 켜지지 않습니다.'),
 ('POWER', '{printer}', '프린터가 절전 모드에서 깨어나지 않습니다.'),
 ('POWER', '{monitor}', '모니터 전원 램프가 깜빡이기만 하고 켜지지 않습니다.'),
 ('POWER', '{network}', '스위치 전원 램프가 꺼져 있고 연결된 자리 전체가 불통입니다.'),
 ('POWER', '{network}', 'PoE 전원이 공급되지 않아 무선 AP가 꺼져 있습니다.'),
 ('POWER', '{server}', '서버 전원 공급 장치(PSU) 경고등이 켜져 있습니다.'),
 ('POWER', '{scanner}', '스캐너 전원이 들어오지 않습니다.'),
 ('POWER', '{phone}', '전화기 화면이 꺼져 있고 전원이 들어오지 않습니다.'),
 ('POWER', '{other}', 'UPS에서 경고음이 계속 울립니다.'),
 ('POWER', '{other}', '빔프로젝터 전원이 켜졌다가 바로 꺼집니다.'),
 ('SOFTWARE', '{desktop,laptop}', '업무용 전자결재 프로그램 설치가 필요합니다.'),
 ('SOFTWARE', '{desktop,laptop}', '한글(HWP) 문서가 열리지 않고 오류가 납니다.'),
 ('SOFTWARE', '{desktop,laptop}', '보안 프로그램 업데이트 후 업무 프로그램이 실행되지 않습니다.'),
 ('SOFTWARE', '{desktop,laptop}', '오피스 라이선스 인증 오류가 뜹니다.'),
 ('SOFTWARE', '{printer}', '새 PC에 프린터 드라이버 설치가 필요합니다.'),
 ('SOFTWARE', '{printer}', '드라이버 업데이트 후 인쇄 설정이 초기화되어 양면 인쇄가 되지 않습니다.'),
 ('SOFTWARE', '{network}', '스위치 펌웨어 업데이트 후 일부 포트가 작동하지 않습니다.'),
 ('SOFTWARE', '{scanner}', '스캔 프로그램이 실행 직후 종료됩니다.'),
 ('SOFTWARE', '{server}', '야간 백업 작업이 매일 실패했다는 알림이 옵니다.'),
 ('ACCOUNT', '{desktop,laptop}', '비밀번호를 여러 번 틀려 계정이 잠겼습니다.'),
 ('ACCOUNT', '{desktop,laptop}', '비밀번호 변경 후 공유 폴더에 접속되지 않습니다.'),
 ('ACCOUNT', '{desktop,laptop}', '인사 이동 후 새 부서 공유 폴더 권한이 없습니다.'),
 ('ACCOUNT', '{server}', '신규 직원 계정으로 파일 서버에 로그인되지 않습니다.'),
 ('ACCOUNT', '{phone}', '전화기 내선 번호 등록이 풀려 발신이 되지 않습니다.'),
 ('HARDWARE', '{desktop,laptop}', '노트북 키보드 일부 키가 눌리지 않습니다.'),
 ('HARDWARE', '{desktop,laptop}', '하드디스크에서 딸깍거리는 소리가 납니다.'),
 ('HARDWARE', '{desktop,laptop}', 'PC 본체에서 타는 냄새가 나고 팬 소음이 큽니다.'),
 ('HARDWARE', '{printer}', '복합기에 "정착기 교체 필요" 오류가 표시됩니다.'),
 ('HARDWARE', '{printer}', '프린터에서 갈리는 소음이 나며 인쇄가 멈춥니다.'),
 ('HARDWARE', '{monitor}', '모니터 스탠드가 파손되어 화면이 고정되지 않습니다.'),
 ('HARDWARE', '{network}', '스위치 일부 포트의 링크 램프가 들어오지 않습니다.'),
 ('HARDWARE', '{server}', '서버 디스크 한 개에 오류 표시(주황색 LED)가 켜졌습니다.'),
 ('HARDWARE', '{scanner}', '스캐너 롤러가 마모되어 용지가 급지되지 않습니다.'),
 ('HARDWARE', '{phone}', '수화기에 잡음이 심해 상대방 목소리가 잘 들리지 않습니다.'),
 ('HARDWARE', '{other}', '빔프로젝터 램프 수명이 다해 화면이 어둡습니다.'),
 ('HARDWARE', '{other}', 'UPS 배터리 교체 경고가 표시됩니다.');

CREATE TEMP TABLE demo_symset ON COMMIT DROP AS
SELECT c.kind, c.code, array_agg(s.txt ORDER BY s.txt) AS txts
FROM demo_codes c JOIN demo_symptom s
  ON s.code = c.code AND (s.kinds IS NULL OR c.kind = ANY (s.kinds))
GROUP BY c.kind, c.code;

CREATE TEMP TABLE demo_resolution (code text, txts text[]) ON COMMIT DROP;
INSERT INTO demo_resolution VALUES
 ('NO_BOOT', ARRAY['SSD 연결 불량 확인, 재장착 후 정상 부팅 확인', '메모리 접촉 불량 — 재장착 및 단자 청소 후 정상 부팅',
                   'CMOS 초기화 및 부팅 순서 재설정, 정상 부팅 확인', '파워서플라이 교체 후 정상 부팅']),
 ('SLOW', ARRAY['시작 프로그램 정리, 디스크 정리 및 임시 파일 삭제 — 속도 정상화', 'HDD를 SSD로 교체하고 데이터 이전, 속도 정상',
                '메모리 8GB 증설 후 정상', '과다 백그라운드 프로세스 정리 및 Windows 업데이트 적용']),
 ('NETWORK', ARRAY['랜 케이블 불량으로 교체 후 정상 연결', 'IP 설정 재구성(DHCP) 후 정상 연결 확인',
                   '스위치 포트 변경 및 링크 확인 후 정상화', '네트워크 드라이버 재설치 후 정상']),
 ('PRINT_JAM', ARRAY['급지 롤러 청소 및 걸린 용지 제거, 시험 인쇄 정상', '분리 패드 교체 후 용지 걸림 해소',
                     '양면 인쇄 유닛 이물질 제거, 정상 출력 확인']),
 ('PRINT_QUALITY', ARRAY['토너 카트리지 교체 및 드럼 청소, 출력 품질 정상', '전사 벨트 청소 및 농도 보정, 정상 출력 확인',
                         '드럼 유닛 교체 후 세로줄 해소']),
 ('DISPLAY', ARRAY['영상 케이블 교체 후 화면 정상', '그래픽 드라이버 재설치 및 해상도 재설정, 정상',
                   '예비 모니터로 교체 후 정상 확인']),
 ('OS_ERROR', ARRAY['손상된 시스템 파일 복구(sfc/DISM) 후 정상 부팅', '문제 업데이트 제거 후 정상 로그인 확인',
                    '사용자 프로필 재생성 및 데이터 이전']),
 ('MALWARE', ARRAY['백신 정밀 검사로 악성코드 치료, 브라우저 설정 초기화', '네트워크 격리 후 악성코드 제거, 비밀번호 변경 안내',
                   '데이터 백업 후 OS 재설치 및 보안 패치 적용']),
 ('PERIPHERAL', ARRAY['USB 장치 드라이버 재설치 후 정상 인식', '케이블 교체 후 정상 인식',
                      '도킹 스테이션 펌웨어 업데이트 후 정상']),
 ('POWER', ARRAY['전원 케이블 및 멀티탭 교체 후 정상', '전원 어댑터 교체 후 정상 충전 확인', '전원부 부품 교체 후 정상 동작']),
 ('SOFTWARE', ARRAY['프로그램 설치 및 초기 설정 완료, 사용자 확인', '프로그램 재설치 및 설정 복원 후 정상',
                    '드라이버 최신 버전 설치 후 정상 동작']),
 ('ACCOUNT', ARRAY['계정 잠금 해제 및 비밀번호 재설정 안내', '공유 폴더 권한 재설정 후 접속 확인',
                   '계정 정보 재등록 후 정상 로그인']),
 ('HARDWARE', ARRAY['불량 부품 교체 후 정상 동작 확인', '고장 부품 교체 및 점검 완료, 정상', '예비 장비로 교체 후 정상 동작']);

-- ------------------------------------------------------------ the grid --
--
-- Every active visit is a slot: a person (or an engineer and a lead), a
-- working day (dix) and an hour h (start 09:00 + h).  Engineers' own visits
-- use h in {0,1,2,4,5,6,7} (history) or {0,1,2,4,5,6} (today, tomorrow);
-- leads' own visits the same sets; joint engineer+lead visits h = 8 (history)
-- or h = 7, 8 (today, tomorrow), which nobody else is given that day.

-- repeat faults reaching a 3rd time (R7): the 3rd ticket is a joint visit on
-- day d3, the 1st and 2nd are engineer e's 2nd slot on days d3+12 and d3+21
CREATE TEMP TABLE demo_triple (i int, team int, kind text, e int, d3 int) ON COMMIT DROP;
INSERT INTO demo_triple VALUES
 (1, 1, 'desktop', 3, 3), (2, 2, 'laptop', 9, 9), (3, 3, 'desktop', 15, 15),
 (4, 1, 'laptop', 1, 22), (5, 2, 'desktop', 7, 30), (6, 3, 'laptop', 13, 38),
 (7, 1, 'desktop', 3, 0), (8, 2, 'laptop', 6, -1);

-- engineer-days: n visits; fu = slot 0 is the follow-up of (e, dix+2)'s last slot
CREATE TEMP TABLE demo_eday ON COMMIT DROP AS
WITH base AS (
    SELECT e, d.dix,
           CASE WHEN d.dix = 0 THEN 5 WHEN d.dix = -1 THEN 4
                WHEN pg_temp.dh('n/' || e || '/' || d.dix) % 100 < 30 THEN 2
                WHEN pg_temp.dh('n/' || e || '/' || d.dix) % 100 < 78 THEN 3 ELSE 4 END AS n0,
           pg_temp.dh('o/' || e || '/' || d.dix) % 7 AS o
    FROM generate_series(1, 15) AS e, demo_days d
)
SELECT b.e, b.dix, b.o,
       CASE WHEN b.dix >= 1 AND (
                 EXISTS (SELECT 1 FROM demo_triple t WHERE t.e = b.e AND b.dix IN (t.d3 + 12, t.d3 + 21))
              OR (b.dix = 2 AND b.e % 4 = 0) OR (b.dix = 1 AND b.e % 4 = 3))
            THEN greatest(b.n0, 3) ELSE b.n0 END AS n,
       false AS fu
FROM base b;

UPDATE demo_eday a SET fu = CASE
    WHEN a.dix = 0 THEN a.e % 4 = 0
    WHEN a.dix = -1 THEN a.e % 4 = 3
    ELSE a.dix <= 58 AND pg_temp.dh('fu/' || a.e || '/' || a.dix) % 5 = 0
         AND (SELECT b.n FROM demo_eday b WHERE b.e = a.e AND b.dix = a.dix + 2) >= 3 END;

CREATE TEMP TABLE demo_slot (
    vkey text PRIMARY KEY, kind text, e int, l int, team int, dix int, h int, s int, n int,
    role text, tkey text, status text, tri int, shift boolean DEFAULT false
) ON COMMIT DROP;

INSERT INTO demo_slot (vkey, kind, e, team, dix, h, s, n)
SELECT 'E/' || e || '/' || dix || '/' || s, 'eng', e, (e - 1) / 5 + 1, dix, h, s, n
FROM (
    SELECT ed.e, ed.dix, ed.n, hh.h,
           (row_number() OVER (PARTITION BY ed.e, ed.dix ORDER BY hh.h) - 1)::int AS s
    FROM demo_eday ed
    CROSS JOIN LATERAL (
        SELECT (ARRAY[0, 1, 2, 4, 5, 6, 7])[1 + (ed.o + 2 * k) % 7] AS h
        FROM generate_series(0, ed.n - 1) AS k WHERE ed.dix >= 1
        UNION ALL
        SELECT h FROM unnest(ARRAY[0, 1, 2, 4, 5, 6]) AS h
        WHERE ed.dix <= 0 AND h <> (ARRAY[0, 1, 2, 4, 5, 6])[1 + ed.e % 6]
          AND (ed.dix = 0 OR h <> (ARRAY[0, 1, 2, 4, 5, 6])[1 + (ed.e + 3) % 6])
    ) hh
) x;

-- roles: follow-up (slot 0 of a fu day), first of two (last slot two days before)
UPDATE demo_slot s SET role = CASE
        WHEN s.s = 0 AND ed.fu THEN 'follow'
        WHEN s.s = s.n - 1 AND EXISTS (SELECT 1 FROM demo_eday p
                                       WHERE p.e = s.e AND p.dix = s.dix - 2 AND p.fu) THEN 'first'
        ELSE 'single' END
FROM demo_eday ed WHERE ed.e = s.e AND ed.dix = s.dix;

UPDATE demo_slot s SET tkey = CASE WHEN s.role = 'follow'
        THEN 'E/' || s.e || '/' || (s.dix + 2) || '/' || (src.n - 1) ELSE s.vkey END
FROM demo_eday src WHERE src.e = s.e AND src.dix = s.dix + 2;
UPDATE demo_slot SET tkey = vkey WHERE tkey IS NULL;

UPDATE demo_slot s SET tri = t.i
FROM demo_triple t
WHERE s.kind = 'eng' AND s.e = t.e AND s.s = 1 AND s.dix IN (t.d3 + 12, t.d3 + 21);

-- leads alone (VIP tickets)
INSERT INTO demo_slot (vkey, kind, l, team, dix, h, s, role)
SELECT 'L/' || l || '/' || dix || '/' || h, 'lead', l, l, dix, h,
       (row_number() OVER (PARTITION BY l, dix ORDER BY h) - 1)::int, 'single'
FROM (
    SELECT l, d.dix, (ARRAY[0, 1, 2, 4, 5, 6, 7])[1 + (pg_temp.dh('lo/' || l || '/' || d.dix) % 7 + 3 * k) % 7] AS h
    FROM generate_series(1, 3) AS l
    JOIN demo_days d ON d.dix >= 1
    CROSS JOIN LATERAL generate_series(0, (ARRAY[0, 1, 1, 2])[1 + pg_temp.dh('ln/' || l || '/' || d.dix) % 4] - 1) AS k
    UNION ALL
    SELECT l, 0, h FROM generate_series(1, 3) AS l, unnest(ARRAY[0, 2, 4]) AS h
    UNION ALL
    SELECT l, -1, h FROM generate_series(1, 3) AS l, unnest(ARRAY[1, 4]) AS h
) x;

-- engineer + lead: the 3rd repeat fault in history at 17:00; today and
-- tomorrow two per team at 16:00 and 17:00 (VIP tickets, and two 3rd repeats)
INSERT INTO demo_slot (vkey, kind, e, l, team, dix, h, s, role, tri)
SELECT 'J/' || t.i, 'joint', t.e, t.team, t.team, t.d3, 8, 0, 'single', t.i
FROM demo_triple t WHERE t.d3 >= 1
UNION ALL
SELECT 'J/' || tm || '/' || dix || '/' || h, 'joint',
       (tm - 1) * 5 + CASE WHEN dix = 0 THEN h - 5 ELSE h - 7 END + 1, tm, tm, dix, h, 0, 'single',
       (SELECT t.i FROM demo_triple t WHERE t.team = tm AND t.d3 = dix AND h = 7)
FROM generate_series(1, 3) AS tm, unnest(ARRAY[0, -1]) AS dix, unnest(ARRAY[7, 8]) AS h;
UPDATE demo_slot SET tkey = vkey WHERE tkey IS NULL;

-- statuses; history visits are done (first-of-two ones decided per visit below)
UPDATE demo_slot SET status = CASE
    WHEN dix >= 1 THEN 'completed'
    WHEN kind = 'eng' AND dix = 0 THEN (ARRAY['completed',
                                              CASE WHEN e % 2 = 1 THEN 'absent' ELSE 'completed' END,
                                              CASE WHEN e % 3 = 0 THEN 'en_route' ELSE 'on_site' END,
                                              'confirmed', 'proposed'])[s + 1]
    WHEN kind = 'eng' AND e IN (2, 9, 14) THEN (ARRAY['completed', 'absent', 'en_route', 'on_site'])[s + 1]
    WHEN kind = 'eng' THEN CASE WHEN e % 2 = 0 THEN (ARRAY['confirmed', 'confirmed', 'proposed', 'proposed'])[s + 1]
                                ELSE (ARRAY['confirmed', 'proposed', 'confirmed', 'proposed'])[s + 1] END
    WHEN kind = 'lead' AND dix = 0 THEN (ARRAY['completed', 'on_site', 'confirmed'])[s + 1]
    WHEN kind = 'lead' THEN (ARRAY['confirmed', 'proposed'])[s + 1]
    WHEN dix = 0 THEN CASE WHEN h = 7 THEN 'confirmed' ELSE 'proposed' END
    ELSE CASE WHEN h = 7 THEN 'proposed' ELSE 'confirmed' END END;

-- a half-hour later start where the person's next hour is free
UPDATE demo_slot s SET shift = true
WHERE s.kind <> 'joint' AND s.h <= 7 AND pg_temp.dh('shift/' || s.vkey) % 3 = 0
  AND NOT EXISTS (SELECT 1 FROM demo_slot o
                  WHERE o.dix = s.dix AND o.h = s.h + 1
                    AND ((s.e IS NOT NULL AND o.e = s.e) OR (s.l IS NOT NULL AND o.l = s.l)));

ANALYZE demo_slot;

-- --------------------------------------------------------------- tickets --

CREATE TEMP TABLE demo_tk (
    tkey text PRIMARY KEY, cat text, team int, e int, tri int, kind text,
    device_id int, code text, customer_id int, vip boolean, nk int, cdix int,
    first_dix int, first_start timestamptz, priority text, nominal timestamptz, id int,
    created timestamptz, contact timestamptz, due0 timestamptz, status text,
    resolved_at timestamptz, end_ref timestamptz, first_end timestamptz, cancel_at timestamptz,
    cancel_reason text, delay_at timestamptz, new_due timestamptz, delay_reason text,
    repeat_count int, channel text, verification text, res_dix int
) ON COMMIT DROP;

INSERT INTO demo_tk (tkey, cat, team, e, tri)
SELECT tkey,
       CASE kind WHEN 'eng' THEN CASE WHEN tri IS NULL THEN 'eng' ELSE 'tri12' END
                 WHEN 'lead' THEN 'vip'
                 ELSE CASE WHEN tri IS NULL THEN 'vipj' ELSE 'tri3' END END,
       team, e, tri
FROM demo_slot WHERE role <> 'follow';

-- the 12 newest tickets (no visit yet; 3 and 9 from VIP customers), and the
-- cancelled ones that make up 3,000
INSERT INTO demo_tk (tkey, cat, team, nk)
SELECT 'N/' || k, CASE WHEN k IN (3, 9) THEN 'newvip' ELSE 'new' END,
       1 + pg_temp.dh('nteam/' || k) % 3, k
FROM generate_series(1, 12) AS k;

DO $$
DECLARE c int := 3000 - (SELECT count(*) FROM demo_tk);
BEGIN
    IF c NOT BETWEEN 60 AND 250 THEN
        RAISE EXCEPTION 'demo: % cancelled tickets would be needed to reach 3000', c;
    END IF;
    INSERT INTO demo_tk (tkey, cat, team, nk, cdix)
    SELECT 'C/' || k, 'cancel', 1 + pg_temp.dh('cteam/' || k) % 3, k,
           1 + pg_temp.dh('cday/' || k) % 60
    FROM generate_series(1, c) AS k;
END
$$;

-- kind: engineers' tickets follow their skills; the rest any kind
UPDATE demo_tk t SET kind = (
    SELECT w.kind FROM (
        SELECT kw.kind, sum(kw.w) OVER (ORDER BY kw.kind) AS cum, sum(kw.w) OVER () AS tot
        FROM demo_kindw kw
        WHERE t.cat <> 'eng'
           OR kw.kind = ANY ((SELECT u.skills FROM demo_uid u WHERE u.e = t.e)::text[])
    ) w
    WHERE w.cum > pg_temp.dh('kind/' || t.tkey) % w.tot ORDER BY w.cum LIMIT 1)
WHERE t.cat IN ('eng', 'new', 'cancel');
UPDATE demo_tk t SET kind = x.kind FROM demo_triple x WHERE x.i = t.tri;

-- (device, fault code) pairs, weighted shuffle per team and kind
CREATE TEMP TABLE demo_pair ON COMMIT DROP AS
SELECT d.team, d.kind, d.vip, d.id AS device_id, c.code,
       row_number() OVER (PARTITION BY d.team, d.kind, d.vip
                          ORDER BY -ln((pg_temp.dh('pair/' || d.id || '/' || c.code) + 1)::float8 / 2147483649.0) / c.w,
                                   d.id, c.code)::int AS pr
FROM demo_dev d JOIN demo_codes c ON c.kind = d.kind;

-- each 3rd-repeat series owns a pair of its own
CREATE TEMP TABLE demo_tripair ON COMMIT DROP AS
SELECT t.i, p.device_id, p.code
FROM (SELECT t.*, row_number() OVER (PARTITION BY team, kind ORDER BY i)::int AS ti FROM demo_triple t) t
JOIN demo_pair p ON p.team = t.team AND p.kind = t.kind AND NOT p.vip AND p.pr = t.ti;

UPDATE demo_tk t SET device_id = p.device_id, code = p.code
FROM demo_tripair p WHERE p.i = t.tri;

-- ordinary customers: a few pairs come twice (R7 2nd occurrence), the rest once
CREATE TEMP TABLE demo_occ ON COMMIT DROP AS
WITH ntri AS (SELECT team, kind, count(*)::int AS c FROM demo_triple GROUP BY team, kind),
dem AS (SELECT team, kind, count(*)::int AS demand FROM demo_tk
        WHERE cat IN ('eng', 'new', 'cancel') GROUP BY team, kind),
lst AS (
    SELECT p.team, p.kind, p.device_id, p.code, p.pr - coalesce(n.c, 0) AS pr2,
           floor(coalesce(d.demand, 0) * 0.035)::int AS dbl
    FROM demo_pair p
    LEFT JOIN ntri n ON n.team = p.team AND n.kind = p.kind
    LEFT JOIN dem d ON d.team = p.team AND d.kind = p.kind
    WHERE NOT p.vip AND p.pr > coalesce(n.c, 0)
)
SELECT team, kind, device_id, code, o FROM (
    SELECT team, kind, device_id, code, 2 * pr2 - 1 AS o FROM lst WHERE pr2 <= dbl
    UNION ALL SELECT team, kind, device_id, code, 2 * pr2 FROM lst WHERE pr2 <= dbl
    UNION ALL SELECT team, kind, device_id, code, pr2 + dbl FROM lst WHERE pr2 > dbl
) x;

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT t.team, t.kind, count(*) AS demand,
                    (SELECT count(*) FROM demo_occ o WHERE o.team = t.team AND o.kind = t.kind) AS supply
             FROM demo_tk t WHERE t.cat IN ('eng', 'new', 'cancel') GROUP BY t.team, t.kind LOOP
        IF r.demand > r.supply THEN
            RAISE EXCEPTION 'demo: team % needs % % tickets but has % fault pairs', r.team, r.demand, r.kind, r.supply;
        END IF;
    END LOOP;
END
$$;

UPDATE demo_tk t SET device_id = o.device_id, code = o.code
FROM (SELECT tkey, team, kind,
             row_number() OVER (PARTITION BY team, kind ORDER BY pg_temp.dh('tn/' || tkey), tkey)::int AS tn
      FROM demo_tk WHERE cat IN ('eng', 'new', 'cancel')) x
JOIN demo_occ o ON o.team = x.team AND o.kind = x.kind AND o.o = x.tn
WHERE t.tkey = x.tkey;

-- VIP customers' devices: joint visits take PCs, the lead alone anything
WITH vp AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.team ORDER BY pg_temp.dh('vp/' || p.device_id || '/' || p.code), p.device_id, p.code)::int AS r_all
    FROM demo_pair p WHERE p.vip
), vpc AS (
    SELECT vp.*, row_number() OVER (PARTITION BY team ORDER BY r_all)::int AS r_pc
    FROM vp WHERE kind IN ('desktop', 'laptop')
), jt AS (
    SELECT tkey, team, row_number() OVER (PARTITION BY team ORDER BY tkey)::int AS jn
    FROM demo_tk WHERE cat = 'vipj'
), jcount AS (SELECT team, count(*)::int AS c FROM jt GROUP BY team),
jpick AS (
    SELECT jt.tkey, vpc.device_id, vpc.code FROM jt JOIN vpc ON vpc.team = jt.team AND vpc.r_pc = jt.jn
), rest AS (
    SELECT vp.*, row_number() OVER (PARTITION BY vp.team ORDER BY vp.r_all)::int AS r_alone
    FROM vp LEFT JOIN jcount j ON j.team = vp.team
    WHERE NOT EXISTS (SELECT 1 FROM vpc WHERE vpc.team = vp.team AND vpc.device_id = vp.device_id
                        AND vpc.code = vp.code AND vpc.r_pc <= coalesce(j.c, 0))
), at_ AS (
    SELECT tkey, team, row_number() OVER (PARTITION BY team ORDER BY pg_temp.dh('an/' || tkey), tkey)::int AS an
    FROM demo_tk WHERE cat IN ('vip', 'newvip')
), apick AS (
    SELECT at_.tkey, rest.device_id, rest.code FROM at_ JOIN rest ON rest.team = at_.team AND rest.r_alone = at_.an
), allpick AS (SELECT * FROM jpick UNION ALL SELECT * FROM apick)
UPDATE demo_tk t SET device_id = a.device_id, code = a.code FROM allpick a WHERE a.tkey = t.tkey;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM demo_tk WHERE device_id IS NULL) THEN
        RAISE EXCEPTION 'demo: % tickets found no device', (SELECT count(*) FROM demo_tk WHERE device_id IS NULL);
    END IF;
END
$$;

UPDATE demo_tk t SET customer_id = d.customer_id, vip = c.is_vip, kind = d.kind
FROM demo_dev d JOIN demo_cust c ON c.id = d.customer_id WHERE d.id = t.device_id;

-- ---------------------------------------------------------------- visits --

CREATE TEMP TABLE demo_v (
    vkey text PRIMARY KEY, tkey text, ord int, e int, l int, dix int, h int, shift boolean,
    slot_kind text, status text, resolved boolean, st timestamptz, en timestamptz,
    seq int, id int
) ON COMMIT DROP;

-- the planned ones (ord 1: first or only visit, ord 2: follow-up)
INSERT INTO demo_v (vkey, tkey, ord, e, l, dix, h, shift, slot_kind, status, resolved)
SELECT s.vkey, s.tkey, CASE WHEN s.role = 'follow' THEN 2 ELSE 1 END, s.e,
       CASE WHEN s.kind = 'eng' THEN NULL ELSE s.l END, s.dix, s.h, s.shift, s.kind,
       CASE WHEN s.role = 'first' AND pg_temp.dh('abs/' || s.vkey) % 5 < 2 THEN 'absent' ELSE s.status END,
       CASE WHEN s.role = 'first' THEN false END
FROM demo_slot s;
UPDATE demo_v SET resolved = true WHERE status = 'completed' AND resolved IS NULL;

-- ord 0: an earlier booking of the same ticket, cancelled when the customer
-- asked for another time (today, tomorrow and now and then in history)
INSERT INTO demo_v (vkey, tkey, ord, e, l, dix, h, shift, slot_kind, status)
SELECT s.vkey || '/x', s.tkey, 0, s.e, NULL, s.dix, CASE WHEN s.h + 2 <= 8 THEN s.h + 2 ELSE s.h - 2 END,
       false, 'eng', 'cancelled'
FROM demo_slot s
WHERE s.kind = 'eng' AND s.role = 'single' AND s.tri IS NULL
  AND ((s.dix >= 1 AND pg_temp.dh('cx/' || s.vkey) % 30 = 0)
       OR (s.dix <= 0 AND (s.e + s.dix) % 2 = 0
           AND s.s = (SELECT min(o.s) FROM demo_slot o
                      WHERE o.kind = 'eng' AND o.e = s.e AND o.dix = s.dix AND o.role = 'single'
                        AND o.status IN ('confirmed', 'proposed'))));

-- a third of the cancelled tickets had a visit booked already
INSERT INTO demo_v (vkey, tkey, ord, e, l, dix, h, shift, slot_kind, status)
SELECT t.tkey || '/v', t.tkey, 1, eng.e, NULL, t.cdix - 1,
       (ARRAY[0, 1, 2, 4, 5, 6, 7])[1 + pg_temp.dh('ch/' || t.tkey) % 7], false, 'eng', 'cancelled'
FROM demo_tk t
CROSS JOIN LATERAL (
    SELECT u.e FROM demo_uid u
    WHERE u.role = 'engineer' AND u.team = t.team AND t.kind = ANY (u.skills)
    ORDER BY pg_temp.dh('ce/' || t.tkey || '/' || u.e), u.e LIMIT 1
) eng
WHERE t.cat = 'cancel' AND t.nk % 3 = 0;

UPDATE demo_v v SET st = pg_temp.kst(d.day, 540 + 60 * v.h + CASE WHEN v.shift THEN 30 ELSE 0 END),
                    en = pg_temp.kst(d.day, 600 + 60 * v.h + CASE WHEN v.shift THEN 30 ELSE 0 END)
FROM demo_days d WHERE d.dix = v.dix;

-- The truth about time.  The statuses above are a plan for a load around
-- midday; the clock decides.  Each step a status records falls between 30
-- minutes before the visit's start and 75 minutes after it (below), so a
-- visit of today or tomorrow keeps a status only when all of them lie before
-- "now", and is otherwise as far along as the clock allows: on site, on the
-- way, or confirmed (the pre-call was made the working day before).  A visit
-- planned as on the way or on site whose hour is long past is done.
UPDATE demo_v v SET status = x.status,
                    resolved = CASE WHEN x.status = 'completed' THEN coalesce(v.resolved, true) END
FROM (SELECT vkey, CASE
        WHEN c.now >= st + interval '80 min' THEN
            CASE WHEN status = 'absent' THEN 'absent' ELSE 'completed' END
        WHEN status = 'absent' AND c.now >= st + interval '40 min' THEN 'absent'
        WHEN c.now >= st + interval '45 min' THEN 'on_site'
        WHEN c.now >= st - interval '5 min' THEN 'en_route'
        ELSE 'confirmed' END AS status
      FROM demo_v, demo_cfg c
      WHERE dix <= 0 AND status IN ('completed', 'absent', 'on_site', 'en_route')) x
WHERE x.vkey = v.vkey;

UPDATE demo_v v SET seq = x.seq
FROM (SELECT vkey, row_number() OVER (PARTITION BY tkey ORDER BY ord, st)::int AS seq FROM demo_v) x
WHERE x.vkey = v.vkey;

CREATE INDEX ON demo_v (tkey);
ANALYZE demo_v;
ANALYZE demo_tk;

-- ------------------------------------------------------- ticket timeline --

UPDATE demo_tk t SET first_start = x.fs, first_dix = x.fd
FROM (SELECT DISTINCT ON (tkey) tkey, st AS fs, dix AS fd FROM demo_v ORDER BY tkey, st) x
WHERE x.tkey = t.tkey AND t.cat NOT IN ('cancel');

-- priority: VIP at least P2; today's and tomorrow's ordinary tickets P3/P4
UPDATE demo_tk SET priority = CASE
    WHEN vip THEN CASE WHEN first_dix >= 1 AND pg_temp.dh('prio/' || tkey) % 4 = 0 THEN 'P1' ELSE 'P2' END
    WHEN first_dix <= 0 THEN CASE WHEN first_dix = 0 THEN 'P3' ELSE 'P4' END
    WHEN pg_temp.dh('prio/' || tkey) % 100 < 4 THEN 'P1'
    WHEN pg_temp.dh('prio/' || tkey) % 100 < 20 THEN 'P2'
    WHEN pg_temp.dh('prio/' || tkey) % 100 < 70 THEN 'P3' ELSE 'P4' END;

-- when it came in: in office hours (07:50-18:40), early enough for a pre-call
-- and late enough that the visit ends (about 80 minutes after its start)
-- within the priority's time: on the day of the first visit, or one or two
-- working days before.  Today's and tomorrow's tickets came in on the
-- previous working day.
UPDATE demo_tk t SET nominal = CASE
    WHEN t.cat = 'cancel' THEN
        pg_temp.kst((SELECT day FROM demo_days WHERE dix = t.cdix), 510 + pg_temp.dh('cmin/' || t.tkey) % 540)
    WHEN t.cat IN ('new', 'newvip') THEN NULL
    WHEN t.first_dix <= 0 THEN
        pg_temp.kst((SELECT day FROM demo_days WHERE dix = 1), 520 + pg_temp.dh('pmin/' || t.tkey) % 410)
    ELSE (
        SELECT CASE
            WHEN t.priority = 'P3' AND r % 100 >= 40 AND p1_ok THEN c_prev
            WHEN t.priority = 'P4' AND r % 100 < 60 AND p1_ok THEN c_prev
            WHEN t.priority = 'P4' AND p2_ok THEN c_prev2
            WHEN t.priority = 'P4' AND p1_ok THEN c_prev
            ELSE pg_temp.kst(d0, lo + r % (hi - lo + 1)) END
        FROM (
            SELECT r, d0, lo, hi,
                   greatest(pg_temp.kst(dp1, 520 + r % 600), lb) AS c_prev,
                   greatest(pg_temp.kst(dp2, 520 + r % 600), lb) AS c_prev2,
                   dp1 IS NOT NULL AND lb <= pg_temp.kst(dp1, 1120) AS p1_ok,
                   dp2 IS NOT NULL AND lb <= pg_temp.kst(dp2, 1120) AS p2_ok
            FROM (
                SELECT pg_temp.dh('cr/' || t.tkey) AS r,
                       (SELECT day FROM demo_days WHERE dix = t.first_dix) AS d0,
                       (SELECT day FROM demo_days WHERE dix = t.first_dix + 1) AS dp1,
                       (SELECT day FROM demo_days WHERE dix = t.first_dix + 2) AS dp2,
                       t.first_start + pg_temp.mins(80 - g) AS lb,
                       greatest(470, tm + 80 - g) AS lo, tm - 60 AS hi
                FROM (SELECT (extract(epoch FROM (t.first_start AT TIME ZONE 'Asia/Seoul')::time) / 60)::int AS tm,
                             CASE t.priority WHEN 'P1' THEN 240 WHEN 'P2' THEN 480
                                             WHEN 'P3' THEN 1440 ELSE 4200 END AS g) m
            ) a
        ) b)
END + make_interval(secs => pg_temp.dh('sec/' || t.tkey) % 60);

UPDATE demo_tk t SET id = x.id
FROM (SELECT tkey, row_number() OVER (ORDER BY cat IN ('new', 'newvip'), nominal, nk DESC, tkey)::int AS id
      FROM demo_tk) x
WHERE x.tkey = t.tkey;

UPDATE demo_tk SET created = CASE WHEN cat IN ('new', 'newvip')
        THEN (SELECT now FROM demo_cfg) - pg_temp.mins(nk * 4) - make_interval(secs => pg_temp.dh('sec/' || tkey) % 60)
        ELSE nominal END;

-- R14: a callback that reached the customer, mostly within the target
UPDATE demo_tk SET contact = created + make_interval(secs => 20 + pg_temp.dh('csec/' || tkey) % 40)
    + pg_temp.mins(least(CASE
        WHEN vip THEN CASE WHEN pg_temp.dh('cm/' || tkey) % 100 < 92 THEN pg_temp.dh('cm2/' || tkey) % 4
                           ELSE 6 + pg_temp.dh('cm2/' || tkey) % 7 END
        WHEN pg_temp.dh('cm/' || tkey) % 100 >= 93 THEN 31 + pg_temp.dh('cm2/' || tkey) % 40
        ELSE 1 + pg_temp.dh('cm2/' || tkey) % 24 END,
        -- leave room for the pre-call before the first visit
        coalesce(extract(epoch FROM first_start - created)::int / 60 - 40, 1000)))
WHERE cat NOT IN ('new', 'newvip');
UPDATE demo_tk SET contact = created + pg_temp.mins(2 + nk % 3)
WHERE cat IN ('new', 'newvip') AND nk >= 3 AND nk NOT IN (9, 10);

UPDATE demo_tk SET due0 = created + make_interval(hours => CASE priority
        WHEN 'P1' THEN 4 WHEN 'P2' THEN 8 WHEN 'P3' THEN 24 ELSE 72 END);

UPDATE demo_tk SET
    channel = CASE WHEN pg_temp.dh('chn/' || tkey) % 100 < 48 THEN 'phone'
                   WHEN pg_temp.dh('chn/' || tkey) % 100 < 66 THEN 'web'
                   WHEN pg_temp.dh('chn/' || tkey) % 100 < 76 THEN 'app'
                   WHEN pg_temp.dh('chn/' || tkey) % 100 < 88 THEN 'email' ELSE 'walk_in' END;
UPDATE demo_tk SET verification = CASE channel
    WHEN 'phone' THEN CASE WHEN pg_temp.dh('ver/' || tkey) % 10 < 7 THEN 'callback' ELSE 'employee_id' END
    WHEN 'web' THEN 'sso' WHEN 'app' THEN 'sso' WHEN 'email' THEN 'employee_id' ELSE 'in_person' END;

-- cancelled tickets: when and why
UPDATE demo_tk SET cancel_at = greatest(created, contact) + pg_temp.mins(20 + pg_temp.dh('cat/' || tkey) % 220),
                   cancel_reason = pg_temp.pick(ARRAY['고객이 재부팅 후 자체 해결', '중복 접수(기존 건으로 처리)',
                                                      '고객 요청으로 접수 취소', '원격 지원으로 해결되어 방문 불필요',
                                                      '장비 교체 예정으로 수리 취소'], 'cr/' || tkey)
WHERE cat = 'cancel';

-- -------------------------------------------------------- visit details --

CREATE TEMP TABLE demo_vd ON COMMIT DROP AS
SELECT v.*, t.id AS ticket_id, t.created, t.contact, t.code, t.customer_id, t.cat,
       t.cancel_at AS t_cancel_at, t.cancel_reason AS t_cancel_reason,
       c.name AS customer_name,
       coalesce(ue.id, ul.id) AS actor_id, ue.id AS engineer_id, ul.id AS lead_id,
       pg_temp.dh('late/' || v.vkey) % 100 AS lc,
       NULL::timestamptz AS vcreated, NULL::timestamptz AS na_at, NULL::timestamptz AS pc_at,
       NULL::timestamptz AS dep_at, NULL::timestamptz AS late_at, NULL::int AS late_min,
       NULL::timestamptz AS arr_at, NULL::boolean AS arr_late, NULL::timestamptz AS est_at,
       NULL::int AS est_min, NULL::text AS est_text, NULL::timestamptz AS con_at,
       NULL::timestamptz AS done_at, NULL::timestamptz AS abs_at, NULL::timestamptz AS cx_at,
       NULL::text AS resolution, NULL::text AS follow_up, NULL::boolean AS memo_left,
       NULL::text AS absent_note, NULL::text AS cx_reason, false AS confirmed
FROM demo_v v
JOIN demo_tk t ON t.tkey = v.tkey
JOIN demo_cust c ON c.id = t.customer_id
LEFT JOIN demo_uid ue ON ue.e = v.e
LEFT JOIN demo_uid ul ON ul.l = v.l;
ALTER TABLE demo_vd ADD PRIMARY KEY (vkey);
CREATE INDEX ON demo_vd (tkey, ord);
ANALYZE demo_vd;

-- on the way, on site, done
UPDATE demo_vd SET
    dep_at = st - pg_temp.mins(10 + pg_temp.dh('dep/' || vkey) % 21),
    late_at = CASE WHEN lc BETWEEN 5 AND 8 THEN st - pg_temp.mins(5 + pg_temp.dh('lt/' || vkey) % 10) END,
    late_min = CASE WHEN lc BETWEEN 5 AND 8 THEN 10 + 5 * (pg_temp.dh('lm/' || vkey) % 3) END
WHERE status IN ('en_route', 'on_site', 'completed', 'absent');

UPDATE demo_vd SET
    arr_at = st + pg_temp.mins(CASE WHEN lc < 9 THEN 11 + pg_temp.dh('arr/' || vkey) % 15
                                    ELSE -8 + pg_temp.dh('arr/' || vkey) % 17 END),
    arr_late = lc < 5
WHERE status IN ('on_site', 'completed', 'absent');

UPDATE demo_vd SET
    est_at = arr_at + pg_temp.mins(4 + pg_temp.dh('est/' || vkey) % 10),
    est_min = 15 + 5 * (pg_temp.dh('estm/' || vkey) % 4)
WHERE status = 'completed' OR (status = 'on_site' AND pg_temp.dh('ose/' || vkey) % 2 = 0);

UPDATE demo_vd v SET
    est_text = f.name_ko || ' 점검 및 조치에 약 ' || v.est_min || '분 소요 예상',
    con_at = CASE WHEN v.status = 'completed' OR pg_temp.dh('osc/' || v.vkey) % 2 = 0
                  THEN v.est_at + pg_temp.mins(1 + pg_temp.dh('con/' || v.vkey) % 3) END
FROM fault_codes f WHERE f.code = v.code AND v.est_at IS NOT NULL;

UPDATE demo_vd v SET
    done_at = v.con_at + pg_temp.mins(v.est_min - 3 + pg_temp.dh('done/' || v.vkey) % 8),
    resolution = CASE WHEN v.resolved THEN pg_temp.pick(r.txts, 'res/' || v.vkey)
                      ELSE '현장 진단 완료, 추가 조치 필요' END,
    follow_up = CASE WHEN NOT v.resolved THEN pg_temp.pick(ARRAY[
                    '교체 부품(메인보드) 주문 — 입고 후 재방문',
                    'SSD 교체 필요, 고객 데이터 백업 일정 협의 후 재방문',
                    '제조사 AS 부품 수급 대기, 입고 즉시 재방문',
                    '현장 진단 결과 부품 교체 필요 — 부품 입고 후 재방문'], 'fu/' || v.vkey) END
FROM demo_resolution r WHERE r.code = v.code AND v.status = 'completed';

UPDATE demo_vd SET
    abs_at = arr_at + pg_temp.mins(5 + pg_temp.dh('abs/' || vkey) % 6),
    memo_left = pg_temp.dh('memo/' || vkey) % 10 <> 0,
    absent_note = pg_temp.pick(ARRAY[
        '약속 시간에 방문했으나 자리 비움, 전화 2회 시도 후 메모와 명함 남김',
        '회의 중으로 부재, 문자 안내 후 책상에 메모 부착',
        '외근으로 부재 — 부서 직원에게 메모 전달'], 'an/' || vkey)
WHERE status = 'absent';

-- booked: at intake; a rebooking right after the cancellation; a follow-up
-- after the first visit ended
UPDATE demo_vd SET vcreated = created + interval '2 min' WHERE ord = 0 OR (ord = 1 AND cat <> 'cancel');
UPDATE demo_vd SET vcreated = created + interval '2 min', cx_at = t_cancel_at, cx_reason = t_cancel_reason
WHERE cat = 'cancel';
UPDATE demo_vd SET cx_at = contact + interval '10 min',
                   cx_reason = pg_temp.pick(ARRAY['고객 요청으로 방문 시간 변경',
                                                  '고객 회의 일정과 겹쳐 시간 조정'], 'vcr/' || vkey)
WHERE ord = 0;
UPDATE demo_vd v SET vcreated = p.cx_at + interval '1 min'
FROM demo_vd p WHERE p.tkey = v.tkey AND p.ord = 0 AND v.ord = 1;
UPDATE demo_vd v SET vcreated = coalesce(p.done_at, p.abs_at) + interval '15 min'
FROM demo_vd p WHERE p.tkey = v.tkey AND p.ord = 1 AND v.ord = 2;

-- R3 pre-calls: confirmed ones reached the customer (some after a first
-- unanswered call); some proposed ones were not answered yet
UPDATE demo_vd SET confirmed = status NOT IN ('proposed', 'cancelled')
    OR (status = 'cancelled' AND pg_temp.dh('cxc/' || vkey) % 2 = 0);
UPDATE demo_vd SET pc_at = CASE
    WHEN ord = 0 THEN contact + interval '1 min'
    WHEN cat = 'cancel' THEN greatest(contact, vcreated) + interval '3 min'
    ELSE greatest(vcreated + interval '5 min', contact + interval '5 min',
                  CASE WHEN dix >= 1 THEN st - pg_temp.mins(25 + pg_temp.dh('pc/' || vkey) % 95)
                       ELSE pg_temp.kst((SELECT day FROM demo_days WHERE dix = 1), 960 + pg_temp.dh('pc/' || vkey) % 90) END)
    END
WHERE confirmed OR (status = 'proposed' AND pg_temp.dh('na/' || vkey) % 5 < 2);
UPDATE demo_vd SET na_at = CASE WHEN confirmed
        THEN greatest(pc_at - pg_temp.mins(8 + pg_temp.dh('nat/' || vkey) % 15), vcreated + interval '1 min')
        ELSE pc_at END,
    pc_at = CASE WHEN confirmed THEN pc_at END
WHERE pc_at IS NOT NULL AND (NOT confirmed OR (ord > 0 AND pg_temp.dh('na/' || vkey) % 5 = 0));

-- nobody leaves before the visit is confirmed (R3)
UPDATE demo_vd SET dep_at = greatest(dep_at, pc_at + interval '2 min'),
                   late_at = CASE WHEN late_at IS NOT NULL THEN greatest(late_at, pc_at + interval '1 min') END
WHERE pc_at IS NOT NULL AND dep_at IS NOT NULL;

-- ---------------------------------------------------- ticket outcomes --

UPDATE demo_tk t SET status = CASE
        WHEN t.cat = 'cancel' THEN 'cancelled'
        WHEN t.cat IN ('new', 'newvip') THEN 'new'
        WHEN x.status IN ('en_route', 'on_site') THEN 'in_progress'
        WHEN x.status IN ('proposed', 'confirmed') THEN CASE WHEN x.unresolved_before THEN 'in_progress' ELSE 'scheduled' END
        WHEN x.status = 'absent' THEN 'new'
        WHEN x.status = 'completed' AND x.resolved THEN CASE WHEN x.dix >= 4 THEN 'closed' ELSE 'resolved' END
        ELSE 'in_progress' END,
    resolved_at = CASE WHEN x.status = 'completed' AND x.resolved THEN x.done_at END,
    res_dix = CASE WHEN x.status = 'completed' AND x.resolved THEN x.dix END,
    end_ref = CASE WHEN x.status = 'completed' AND x.resolved THEN x.done_at
                   WHEN x.status IN ('proposed', 'confirmed', 'en_route', 'on_site') THEN x.en END,
    first_end = (SELECT coalesce(f.done_at, f.abs_at, f.en) FROM demo_vd f
                 WHERE f.tkey = t.tkey AND f.status <> 'cancelled' ORDER BY f.ord LIMIT 1)
FROM (SELECT DISTINCT ON (tkey) tkey, status, resolved, dix, done_at, en,
             EXISTS (SELECT 1 FROM demo_vd p WHERE p.tkey = v.tkey AND p.ord < v.ord
                       AND p.status = 'completed' AND NOT p.resolved) AS unresolved_before
      FROM demo_vd v WHERE status <> 'cancelled' ORDER BY tkey, ord DESC) x
WHERE x.tkey = t.tkey;
UPDATE demo_tk SET status = CASE cat WHEN 'cancel' THEN 'cancelled' ELSE 'new' END WHERE status IS NULL;

-- R11: most tickets that will miss or missed their due time told the
-- customer first, with the reason and a new date
UPDATE demo_tk SET
    delay_at = greatest(created + interval '10 min',
                        least(due0 - interval '15 min',
                              CASE WHEN first_dix <= 0 THEN created + interval '40 min'
                                   ELSE first_end + interval '10 min' END)),
    new_due = date_trunc('hour', end_ref) + interval '2 hours',
    delay_reason = CASE WHEN first_dix <= 0 THEN '고객 요청 일정으로 방문일 조정'
                        ELSE pg_temp.pick(ARRAY['교체 부품 수급 지연으로 처리 기한 연장',
                                                '고객 일정 요청으로 방문일 조정',
                                                '제조사 AS 일정에 맞춰 처리 기한 연장'], 'dr/' || tkey) END
WHERE end_ref > due0 AND pg_temp.dh('delay/' || tkey) % 5 <> 0;

-- R7 repeat count: earlier tickets with the same fault on the same device,
-- cancelled ones excluded (all of them lie within the 90-day window)
UPDATE demo_tk t SET repeat_count = x.rc
FROM (SELECT tkey, 1 + count(*) FILTER (WHERE status <> 'cancelled')
                 OVER (PARTITION BY device_id, code ORDER BY created, id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS rc
      FROM demo_tk) x
WHERE x.tkey = t.tkey;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM demo_tk t WHERE (t.repeat_count >= 3 OR t.vip)
               AND EXISTS (SELECT 1 FROM demo_v v WHERE v.tkey = t.tkey AND v.status <> 'cancelled' AND v.l IS NULL)) THEN
        RAISE EXCEPTION 'demo: a ticket that needs its lead has a visit without one';
    END IF;
END
$$;

INSERT INTO tickets (id, number, customer_id, device_id, fault_code, symptom, channel, verification,
                     priority, status, due_at, repeat_count, escalations, requires_lead, vip, tracking,
                     first_contact_at, first_contact_target_min, cancel_reason, created_by,
                     created_at, updated_at, resolved_at)
OVERRIDING SYSTEM VALUE
SELECT t.id,
       'T-' || to_char(t.created AT TIME ZONE 'Asia/Seoul', 'YYYY') || '-'
            || lpad(nextval('ticket_number_seq')::text, 6, '0'),
       t.customer_id, t.device_id, t.code,
       coalesce(pg_temp.pick(s.txts, 'sym/' || t.tkey), f.name_ko || ' 증상으로 점검을 요청합니다.')
         || CASE WHEN t.vip AND pg_temp.dh('symv/' || t.tkey) % 2 = 0 THEN ' 오늘 중 처리 부탁드립니다.' ELSE '' END,
       t.channel, t.verification, t.priority, t.status, coalesce(t.new_due, t.due0), t.repeat_count,
       array_remove(ARRAY[CASE WHEN t.repeat_count >= 3 THEN 'repeat_fault' END,
                          CASE WHEN t.vip THEN 'vip' END,
                          CASE WHEN t.repeat_count = 2 THEN 'next_repeat_escalates' END], NULL),
       t.repeat_count >= 3 OR t.vip, t.vip,
       translate(rtrim(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64'), '='), '+/', '-_'), t.contact, CASE WHEN t.vip THEN 5 ELSE 30 END,
       t.cancel_reason, (SELECT id FROM demo_uid WHERE login = 'dispatcher'),
       t.created, t.created, t.resolved_at
FROM (SELECT * FROM demo_tk ORDER BY id) t
JOIN fault_codes f ON f.code = t.code
LEFT JOIN demo_symset s ON s.kind = t.kind AND s.code = t.code
ORDER BY t.id;

-- visit ids follow ticket and sequence
UPDATE demo_vd v SET id = x.id
FROM (SELECT vkey, row_number() OVER (ORDER BY ticket_id, seq)::int AS id FROM demo_vd) x
WHERE x.vkey = v.vkey;

-- ----------------------------------------------------------- visit steps --

CREATE TEMP TABLE demo_step ON COMMIT DROP AS
SELECT x.*, lag(x.st_after, 1, 'new') OVER (PARTITION BY x.vkey ORDER BY x.at, x.n) AS st_before
FROM (
    SELECT vkey, 0 AS n, 'visit.created' AS step, vcreated AS at,
           (SELECT id FROM demo_uid WHERE login = 'dispatcher') AS actor, 'proposed' AS st_after,
           NULL::jsonb AS after
    FROM demo_vd
    UNION ALL
    SELECT vkey, 1, 'visit.precall', na_at, actor_id, 'proposed', '{"attempt": "no_answer"}'
    FROM demo_vd WHERE na_at IS NOT NULL
    UNION ALL
    SELECT vkey, 2, 'visit.precall', pc_at, actor_id, 'confirmed', '{"status": "confirmed"}'
    FROM demo_vd WHERE pc_at IS NOT NULL
    UNION ALL
    SELECT vkey, 3, 'visit.depart', dep_at, actor_id, 'en_route', '{"status": "en_route", "departed_now": true}'
    FROM demo_vd WHERE dep_at IS NOT NULL
    UNION ALL
    SELECT vkey, 4, 'visit.late', late_at, actor_id,
           CASE WHEN late_at < dep_at THEN 'confirmed' ELSE 'en_route' END,
           jsonb_build_object('late_minutes', late_min)
    FROM demo_vd WHERE late_at IS NOT NULL
    UNION ALL
    SELECT vkey, 5, 'visit.arrive', arr_at, actor_id, 'on_site',
           jsonb_build_object('status', 'on_site', 'arrived_now', true, 'arrived_late', arr_late)
    FROM demo_vd WHERE arr_at IS NOT NULL
    UNION ALL
    SELECT vkey, 6, 'visit.estimate', est_at, actor_id, 'on_site',
           jsonb_build_object('estimate_minutes', est_min, 'estimate_explanation', est_text)
    FROM demo_vd WHERE est_at IS NOT NULL
    UNION ALL
    SELECT vkey, 7, 'visit.consent', con_at, actor_id, 'on_site', jsonb_build_object('consent_by', customer_name)
    FROM demo_vd WHERE con_at IS NOT NULL
    UNION ALL
    SELECT vkey, 8, 'visit.complete', done_at, actor_id, 'completed',
           jsonb_strip_nulls(jsonb_build_object('status', 'completed', 'completed_now', true,
               'resolved', resolved, 'work_done', true, 'resolution', resolution,
               'follow_up_reason', follow_up))
    FROM demo_vd WHERE done_at IS NOT NULL
    UNION ALL
    SELECT vkey, 9, 'visit.absent', abs_at, actor_id, 'absent',
           jsonb_build_object('status', 'absent', 'memo_left', memo_left, 'absent_note', absent_note)
    FROM demo_vd WHERE abs_at IS NOT NULL
    UNION ALL
    SELECT vkey, 10, 'visit.cancel', cx_at,
           CASE WHEN ord = 0 THEN actor_id ELSE (SELECT id FROM demo_uid WHERE login = 'dispatcher') END,
           'cancelled', jsonb_build_object('status', 'cancelled', 'cancel_reason', cx_reason)
    FROM demo_vd WHERE cx_at IS NOT NULL
) x;

INSERT INTO visits (id, ticket_id, seq, engineer_id, lead_id, starts_at, ends_at, status, uid,
                    ical_sequence, departed_at, late_notice_at, late_minutes, arrived_at, arrived_late,
                    estimate_minutes, estimate_explanation, estimated_at, consent_by, consent_at,
                    completed_at, work_done, resolved, resolution, follow_up_reason,
                    absent_memo_left, absent_note, cancel_reason, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT v.id, v.ticket_id, v.seq, v.engineer_id, v.lead_id, v.st, v.en, v.status, pg_temp.uid(v.vkey),
       agg.steps, v.dep_at, v.late_at, v.late_min, v.arr_at, v.arr_late,
       v.est_min, v.est_text, v.est_at, CASE WHEN v.con_at IS NOT NULL THEN v.customer_name END, v.con_at,
       v.done_at, CASE WHEN v.done_at IS NOT NULL THEN true END, v.resolved, v.resolution, v.follow_up,
       v.memo_left, v.absent_note, v.cx_reason, v.vcreated, agg.last_at
FROM demo_vd v
JOIN (SELECT vkey, count(*) - 1 AS steps, max(at) AS last_at FROM demo_step GROUP BY vkey) agg
  ON agg.vkey = v.vkey
ORDER BY v.id;

INSERT INTO precall_attempts (visit_id, outcome, note, by_user, at)
SELECT v.id, CASE WHEN s.n = 1 THEN 'no_answer' ELSE 'reached' END,
       CASE WHEN s.n = 1 THEN '통화 연결 안 됨, 방문 예정 문자 남김' ELSE '방문 목적과 시간 안내, 고객 확인' END,
       s.actor, s.at
FROM demo_step s JOIN demo_vd v ON v.vkey = s.vkey
WHERE s.step = 'visit.precall'
ORDER BY v.id, s.at, s.n;

INSERT INTO ticket_contacts (ticket_id, reached, note, by_user, at)
SELECT id, true, '접수 확인 콜백 — 증상과 방문 가능 시간 확인',
       (SELECT id FROM demo_uid WHERE login = 'dispatcher'), contact
FROM demo_tk WHERE contact IS NOT NULL ORDER BY demo_tk.id;

INSERT INTO delay_notices (ticket_id, reason, old_due_at, new_due_at, by_user, at)
SELECT id, delay_reason, due0, new_due, (SELECT id FROM demo_uid WHERE login = 'dispatcher'), delay_at
FROM demo_tk WHERE new_due IS NOT NULL ORDER BY demo_tk.id;

-- ------------------------------------------------------------- outbox --

INSERT INTO notifications (ticket_id, visit_id, recipient_kind, recipient_id, recipient, channel,
                           template, payload, status, attempts, created_at, sent_at)
SELECT n.ticket_id, n.visit_id, n.rkind, n.rid, n.recipient, n.channel, n.template, n.payload,
       CASE WHEN n.queued OR n.at >= pg_temp.kst((SELECT today FROM demo_cfg), 0) THEN 'queued'
            WHEN pg_temp.dh('fail/' || n.template || '/' || n.ticket_id || '/' || coalesce(n.visit_id, 0)) % 60 = 0
                 AND n.channel <> 'phone' THEN 'dead'
            ELSE 'sent' END,
       CASE WHEN n.queued OR n.at >= pg_temp.kst((SELECT today FROM demo_cfg), 0) THEN 0
            WHEN pg_temp.dh('fail/' || n.template || '/' || n.ticket_id || '/' || coalesce(n.visit_id, 0)) % 60 = 0
                 AND n.channel <> 'phone' THEN 3
            ELSE 1 END,
       n.at,
       CASE WHEN n.queued OR n.at >= pg_temp.kst((SELECT today FROM demo_cfg), 0) THEN NULL
            WHEN pg_temp.dh('fail/' || n.template || '/' || n.ticket_id || '/' || coalesce(n.visit_id, 0)) % 60 = 0
                 AND n.channel <> 'phone' THEN NULL
            ELSE n.at + make_interval(secs => 2 + pg_temp.dh('sent/' || n.template || '/' || n.ticket_id) % 20) END
FROM (
    -- to the customer, on their preferred channel
    SELECT v.ticket_id, v.id AS visit_id, 'customer' AS rkind, c.id AS rid,
           CASE c.channel WHEN 'email' THEN c.email ELSE c.phone END AS recipient, c.channel,
           CASE s.step WHEN 'visit.precall' THEN 'appointment_confirmed' WHEN 'visit.late' THEN 'late_notice'
                       WHEN 'visit.absent' THEN 'absent_notice' ELSE 'visit_cancelled' END AS template,
           CASE s.step
               WHEN 'visit.precall' THEN jsonb_build_object('start', pg_temp.rfc(v.st), 'end', pg_temp.rfc(v.en),
                                                            'rescheduled', false, 'visit_id', v.id)
               WHEN 'visit.late' THEN jsonb_build_object('minutes', v.late_min,
                                                         'note', '앞선 현장 작업이 길어져 ' || v.late_min || '분가량 늦어집니다',
                                                         'visit_id', v.id)
               WHEN 'visit.absent' THEN jsonb_build_object('memo_left', v.memo_left, 'note', v.absent_note,
                                                           'visit_id', v.id)
               ELSE jsonb_build_object('reason', v.cx_reason, 'visit_id', v.id) END AS payload,
           s.at, false AS queued, v.id AS o1, s.n AS o2
    FROM demo_step s JOIN demo_vd v ON v.vkey = s.vkey JOIN demo_cust c ON c.id = v.customer_id
    WHERE (s.step = 'visit.precall' AND s.n = 2) OR s.step IN ('visit.late', 'visit.absent')
       OR (s.step = 'visit.cancel' AND s.st_before = 'confirmed' AND v.ord = 0)
    UNION ALL
    SELECT t.id, NULL, 'customer', c.id, CASE c.channel WHEN 'email' THEN c.email ELSE c.phone END, c.channel,
           'delay_notice',
           jsonb_build_object('number', tk.number, 'reason', t.delay_reason,
                              'old_due_at', pg_temp.rfc(t.due0), 'new_due_at', pg_temp.rfc(t.new_due)),
           t.delay_at, false, 0, 20
    FROM demo_tk t JOIN tickets tk ON tk.id = t.id JOIN demo_cust c ON c.id = t.customer_id
    WHERE t.new_due IS NOT NULL
    UNION ALL
    -- R7/R8: the team lead hears of an escalated ticket at intake
    SELECT t.id, NULL, 'user', u.id, uu.phone, 'sms', 'escalation',
           jsonb_build_object('number', tk.number, 'escalations', array_to_string(tk.escalations, ','),
                              'repeat_count', tk.repeat_count),
           t.created + interval '1 second', t.cat IN ('new', 'newvip'), 0, 0
    FROM demo_tk t JOIN tickets tk ON tk.id = t.id
    JOIN demo_uid u ON u.l = t.team JOIN users uu ON uu.id = u.id
    WHERE tk.requires_lead
) n
ORDER BY n.ticket_id, n.o1, n.o2;

-- ---------------------------------------------------------- audit trail --

INSERT INTO audit_events (ticket_id, visit_id, actor_id, action, before, after, at)
SELECT a.ticket_id, a.visit_id, a.actor, a.action, a.before, a.after, a.at
FROM (
    SELECT t.id AS ticket_id, NULL::int AS visit_id, (SELECT id FROM demo_uid WHERE login = 'dispatcher') AS actor,
           'ticket.created' AS action, NULL::jsonb AS before,
           jsonb_build_object('id', t.id, 'number', tk.number, 'customer_id', t.customer_id,
                              'device_id', t.device_id, 'fault_code', t.code, 'symptom', tk.symptom,
                              'channel', t.channel, 'verification', t.verification,
                              'priority', t.priority, 'status', 'new', 'due_at', pg_temp.rfc(t.due0),
                              'repeat', jsonb_build_object('count', t.repeat_count, 'window_days', 90),
                              'escalations', to_jsonb(tk.escalations), 'requires_lead', tk.requires_lead,
                              'vip', t.vip) AS after,
           t.created AS at, 0 AS o1, 0 AS o2
    FROM demo_tk t JOIN tickets tk ON tk.id = t.id
    UNION ALL
    SELECT t.id, NULL, (SELECT id FROM demo_uid WHERE login = 'dispatcher'), 'ticket.callback', NULL,
           '{"reached": true}', t.contact, 0, 1
    FROM demo_tk t WHERE t.contact IS NOT NULL
    UNION ALL
    SELECT v.ticket_id, v.id, s.actor, s.step,
           CASE WHEN s.step = 'visit.created' THEN NULL ELSE jsonb_build_object('status', s.st_before) END,
           CASE WHEN s.step = 'visit.created' THEN
               jsonb_build_object('id', v.id, 'ticket_id', v.ticket_id, 'seq', v.seq,
                                  'engineer_id', v.engineer_id, 'lead_id', v.lead_id,
                                  'start', pg_temp.rfc(v.st), 'end', pg_temp.rfc(v.en), 'status', 'proposed')
                ELSE s.after END,
           s.at, v.id, s.n + 2
    FROM demo_step s JOIN demo_vd v ON v.vkey = s.vkey
    UNION ALL
    SELECT t.id, NULL, (SELECT id FROM demo_uid WHERE login = 'dispatcher'), 'ticket.delayed', NULL,
           jsonb_build_object('number', tk.number, 'reason', t.delay_reason,
                              'old_due_at', pg_temp.rfc(t.due0), 'new_due_at', pg_temp.rfc(t.new_due)),
           t.delay_at, 0, 30
    FROM demo_tk t JOIN tickets tk ON tk.id = t.id WHERE t.new_due IS NOT NULL
    UNION ALL
    SELECT t.id, NULL, (SELECT id FROM demo_uid WHERE login = 'dispatcher'), 'ticket.cancelled', NULL,
           jsonb_build_object('status', 'cancelled', 'reason', t.cancel_reason), t.cancel_at, 0, 40
    FROM demo_tk t WHERE t.cat = 'cancel'
    UNION ALL
    -- the ticket's own status, as the steps moved it
    SELECT ts.ticket_id, ts.visit_id, ts.actor, 'ticket.status',
           jsonb_build_object('status', ts.prev), jsonb_build_object('status', ts.next), ts.at, ts.visit_id, 50
    FROM (
        SELECT z.*, lag(z.next, 1, 'new') OVER (PARTITION BY z.ticket_id ORDER BY z.at, z.o) AS prev
        FROM (
            SELECT v.ticket_id, v.id AS visit_id, s.actor, s.at, s.n AS o,
                   CASE s.step
                       WHEN 'visit.created' THEN CASE WHEN EXISTS (
                               SELECT 1 FROM demo_vd p WHERE p.tkey = v.tkey AND p.ord < v.ord
                                 AND p.status = 'completed' AND NOT p.resolved) THEN 'in_progress' ELSE 'scheduled' END
                       WHEN 'visit.depart' THEN 'in_progress'
                       WHEN 'visit.arrive' THEN 'in_progress'
                       WHEN 'visit.complete' THEN CASE WHEN v.resolved THEN 'resolved' ELSE 'in_progress' END
                       WHEN 'visit.absent' THEN 'new'
                       WHEN 'visit.cancel' THEN CASE WHEN v.cat = 'cancel' THEN 'cancelled' ELSE 'new' END
                   END AS next
            FROM demo_step s JOIN demo_vd v ON v.vkey = s.vkey
            WHERE s.step IN ('visit.created', 'visit.depart', 'visit.arrive', 'visit.complete',
                             'visit.absent', 'visit.cancel')
        ) z
    ) ts
    WHERE ts.next IS DISTINCT FROM ts.prev AND ts.next <> 'cancelled'
    UNION ALL
    SELECT t.id, NULL, (SELECT id FROM demo_uid WHERE login = 'dispatcher'), 'ticket.status',
           '{"status": "resolved"}', '{"status": "closed"}',
           pg_temp.kst(d.day, 1050 + pg_temp.dh('close/' || t.tkey) % 60), 0, 60
    FROM demo_tk t JOIN demo_days d ON d.dix = t.res_dix - 2 WHERE t.status = 'closed'
) a
ORDER BY a.ticket_id, a.o1, a.o2, a.at;

-- ------------------------------------------------------ checklists (R9) --
-- Every visit to a device whose kind has a checklist and that reached the
-- site has a run of the template's current version: completed with the
-- visit (the completion gate allows nothing else), in progress while the
-- engineer is on site (about half the items answered).  Required items are
-- all answered on completed runs, optional ones about half the time; about
-- one pass/fail answer in eighteen is a fail, with the engineer's note.

CREATE TEMP TABLE demo_run ON COMMIT DROP AS
SELECT v.id AS visit_id, tp.id AS template_id, v.status,
       coalesce(v.engineer_id, v.lead_id) AS person,
       coalesce(v.arrived_at, v.starts_at) AS began,
       v.completed_at
FROM visits v
JOIN tickets t ON t.id = v.ticket_id
JOIN devices d ON d.id = t.device_id
JOIN LATERAL (SELECT id FROM checklist_templates ct WHERE ct.kind = d.kind
              ORDER BY ct.version DESC LIMIT 1) tp ON true
WHERE v.status IN ('completed', 'on_site');

INSERT INTO checklist_runs (visit_id, template_id, completed_at, completed_by, created_at)
SELECT visit_id, template_id,
       CASE WHEN status = 'completed' THEN completed_at - interval '1 minute' END,
       CASE WHEN status = 'completed' THEN person END,
       began
FROM demo_run ORDER BY visit_id;

CREATE TEMP TABLE demo_answer ON COMMIT DROP AS
SELECT r.id AS run_id, i.key, i.type, i.min, i.max, i.options, dr.person, dr.status,
       dr.began, dr.completed_at, i.position,
       (SELECT count(*) FROM checklist_items x WHERE x.template_id = i.template_id) AS nitems,
       pg_temp.dh('answer/' || r.id || '/' || i.key) AS h
FROM checklist_runs r
JOIN demo_run dr ON dr.visit_id = r.visit_id
JOIN checklist_items i ON i.template_id = r.template_id
WHERE (i.required OR pg_temp.dh('optional/' || r.id || '/' || i.key) % 2 = 0);

-- on site: the first half of the list so far, no answer after "now"
DELETE FROM demo_answer WHERE status = 'on_site'
    AND (position > (nitems + 1) / 2
         OR began + make_interval(mins => 3 * position) > (SELECT now FROM demo_cfg));

INSERT INTO checklist_answers (run_id, key, value, note, answered_by, answered_at)
SELECT a.run_id, a.key,
       CASE a.type
           WHEN 'pass_fail' THEN CASE WHEN a.h % 18 = 0 THEN '"fail"'::jsonb ELSE '"pass"'::jsonb END
           WHEN 'check' THEN 'true'::jsonb
           WHEN 'choice' THEN to_jsonb(CASE WHEN a.h % 9 = 0 THEN a.options[2] ELSE a.options[1] END)
           WHEN 'number' THEN to_jsonb(CASE a.key
               WHEN 'memory' THEN (ARRAY[8, 16, 16, 32])[1 + a.h % 4]
               WHEN 'page_count' THEN 1200 + a.h % 88000
               WHEN 'temperature' THEN 28 + a.h % 25
               ELSE (coalesce(a.min, 0) + (coalesce(a.max, 100) - coalesce(a.min, 0))
                     * (8 + a.h % 80) / 100)::integer END)
           ELSE to_jsonb(CASE a.key
               WHEN 'av_definitions' THEN to_char((a.began AT TIME ZONE 'Asia/Seoul')::date
                                                  - (a.h % 4), 'YYYY-MM-DD')
               WHEN 'firmware' THEN pg_temp.pick(ARRAY['15.2(7)E8', '17.9.4a', 'V200R021C10',
                                                       '6.4.14'], 'fw/' || a.run_id)
               ELSE pg_temp.pick(ARRAY['이상 없음', '사용자 요청으로 바탕화면 정리',
                                       '먼지가 많아 다음 방문 때 내부 청소 권장',
                                       '보증 기간 만료 예정 안내'], 'remark/' || a.run_id) END)
       END,
       CASE WHEN a.type = 'pass_fail' AND a.h % 18 = 0
            THEN pg_temp.pick(ARRAY['현장 조치 불가, 부품 교체 필요', '재부팅 후에도 증상 반복',
                                    '사용자에게 안내하고 후속 방문 예약'], 'note/' || a.run_id || a.key) END,
       a.person,
       CASE WHEN a.completed_at IS NULL THEN a.began + make_interval(mins => 3 * a.position)
            ELSE least(a.completed_at - interval '2 minutes',
                       a.began + make_interval(mins => 3 * a.position)) END
FROM demo_answer a
ORDER BY a.run_id, a.position;

INSERT INTO audit_events (ticket_id, visit_id, actor_id, action, at)
SELECT v.ticket_id, v.id, r.completed_by, 'checklist.completed', r.completed_at
FROM checklist_runs r JOIN visits v ON v.id = r.visit_id
WHERE r.completed_at IS NOT NULL
ORDER BY r.completed_at, r.id;

-- ticket.updated_at: its last change
UPDATE tickets tk SET updated_at = x.last_at
FROM (SELECT ticket_id, max(at) AS last_at FROM audit_events GROUP BY ticket_id) x
WHERE x.ticket_id = tk.id AND x.last_at > tk.updated_at;

-- later inserts continue after the demo's ids
SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers));
SELECT setval(pg_get_serial_sequence('devices', 'id'), (SELECT max(id) FROM devices));
SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets));
SELECT setval(pg_get_serial_sequence('visits', 'id'), (SELECT max(id) FROM visits));

DROP FUNCTION pg_temp.uid(text);
DROP FUNCTION pg_temp.mins(integer);
DROP FUNCTION pg_temp.rfc(timestamptz);
DROP FUNCTION pg_temp.kst(date, integer);
DROP FUNCTION pg_temp.pick(text[], text);
DROP FUNCTION pg_temp.dh(text);
