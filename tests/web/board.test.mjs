// The dispatcher's board (/dispatch/) in a real browser against a real fieldd and
// PostgreSQL: intake at the desk with the proposal preview and an override refused by R7,
// the lanes, the day of people x time (a lead on a joint visit on both rows), the ticket
// page, the report's numbers against the API's, axe-core on every screen, and an
// engineer sent to their phone app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, ok, sql, axe, until, seoulDate, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

let runs = 0;
async function user(login, role, extra = {}) {
  const u = await ok('POST', '/users', { login, name: extra.name || login, role, password: PASSWORD, skills: ['desktop', 'laptop', 'printer'], ...extra });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
}

// A desk: a dispatcher, a team (lead + engineer), a customer with a printer that jammed
// twice already (the next intake is the third: R7), and a VIP with a laptop.
async function seed() {
  const tag = `${process.pid}_${++runs}`;
  const desk = await user(`desk_${tag}`, 'dispatcher', { name: '상황실 김' });
  const lead = await user(`blead_${tag}`, 'lead', { name: `오팀장${tag}` });
  const team = await ok('POST', '/teams', { name: `보드팀 ${tag}`, lead_id: lead.id });
  const eng = await user(`beng_${tag}`, 'engineer', { name: `강기사${tag}`, team_id: team.id });
  const cust = await ok('POST', '/customers', { name: `송주무관${tag}`, phone: `010-4444-${String(1000 + runs)}`, department: '민원과', title: '주무관' });
  const dev = await ok('POST', '/devices', { asset_tag: `BRD-${tag}`, kind: 'printer', model: 'LaserJet M404', customer_id: cust.id, location: { building: '본관', floor: '2층', room: '201호' } });
  for (let i = 0; i < 2; i++)
    await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'PRINT_JAM', symptom: `용지 걸림 ${i + 1}`, channel: 'phone', verification: 'callback' });
  return { tag, desk, lead, team, eng, cust, dev };
}

async function desk(loginName) {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' && !/Failed to load resource|net::ERR|EventSource/.test(t)) problems.push('console: ' + t);
    if (/Content.Security.Policy|Refused to/.test(t)) problems.push('csp: ' + t);
  });
  await page.goto(WEB + '/');
  await page.getByLabel('아이디', { exact: true }).fill(loginName);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(WEB + '/dispatch/');
  await page.getByRole('heading', { level: 1, name: '상황판' }).waitFor();
  return { ctx, page, problems };
}

test('intake at the desk: search, fault history, R1, the proposal preview, an override refused for R7, then booked', async () => {
  const s = await seed();
  const { ctx, page, problems } = await desk(s.desk.login);
  await page.getByRole('link', { name: '접수하기' }).click();
  await page.getByRole('heading', { level: 1, name: '접수' }).waitFor();
  await axe(page, 'intake form');

  // the customer found by part of the name as one types; the only device is taken
  await page.getByLabel('고객 찾기 (이름, 전화, 부서 또는 자산 번호)').pressSequentially('송주무관' + s.tag.slice(0, 3));
  await page.getByRole('button', { name: new RegExp('송주무관' + s.tag) }).click();
  await page.getByRole('heading', { name: '이 장비의 고장 이력 (2건)' }).waitFor();
  await page.getByLabel('고장 종류').selectOption('PRINT_JAM');
  const repeat = page.locator('#in-repeat');
  await until(async () => /같은 고장 3번째.*팀장 동행 \(R7\)/.test(await repeat.innerText()), 'the repeat count before saving');
  await axe(page, 'intake with fault history');

  // R1: without the identity check the form says so and nothing is made
  await page.getByLabel('증상').fill('양면 인쇄 때마다 용지가 걸림');
  const before = Number(sql(`SELECT count(*) FROM tickets WHERE device_id = ${s.dev.id}`));
  await page.getByRole('button', { name: '접수', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '본인 확인 (R1)' }).waitFor();
  assert.equal(Number(sql(`SELECT count(*) FROM tickets WHERE device_id = ${s.dev.id}`)), before);

  await page.getByLabel('본인 확인 (R1)').selectOption('employee_id');
  await page.getByRole('button', { name: '접수', exact: true }).click();
  await page.getByRole('heading', { name: '배정 제안 (아직 예약 전)' }).waitFor();
  const ticketId = Number(sql(`SELECT max(id) FROM tickets WHERE device_id = ${s.dev.id}`));
  // the preview books nothing; it names the lead R7 asks for
  assert.equal(Number(sql(`SELECT count(*) FROM visits WHERE ticket_id = ${ticketId}`)), 0);
  const previewText = await page.locator('section.panel').innerText();
  assert.doesNotMatch(previewText, /동행 팀장\s+없음/);
  assert.match(await page.locator('main').innerText(), /반복 고장/);
  await axe(page, 'proposal preview');

  // an override without the lead: the API refuses (R7) and the board says why in Korean
  await page.getByLabel('기사', { exact: true }).selectOption(String(s.eng.id));
  await page.getByLabel('동행 팀장').selectOption('');
  await page.getByLabel('배정 사유').fill('고객 요청');
  await page.getByRole('button', { name: '배정', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '팀장이 함께 가야 합니다' }).waitFor();
  assert.equal(Number(sql(`SELECT count(*) FROM visits WHERE ticket_id = ${ticketId}`)), 0);

  // accepting the proposal books it as previewed
  await page.getByRole('button', { name: '제안 수락' }).click();
  await page.getByRole('status').filter({ hasText: '방문을 예약했습니다' }).waitFor();
  const t = await ok('GET', `/tickets/${ticketId}`);
  assert.equal(t.visits.length, 1);
  // booked as previewed: the same engineer, lead and window
  const vis = t.visits[0];
  assert.ok(vis.lead_id, 'a lead on the repeat fault');
  assert.match(previewText, new RegExp(vis.engineer.name));
  assert.match(previewText, new RegExp(vis.lead.name));
  assert.deepEqual(t.escalations.includes('repeat_fault'), true);

  // the ticket page: its visit, timeline and the escalation notice
  await page.getByRole('link', { name: '접수 보기' }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(t.number) }).waitFor();
  await page.getByText('1차 방문').waitFor();
  assert.match(await page.locator('ol.timeline').innerText(), /접수/);
  await axe(page, 'ticket page');

  // a delay notice from the ticket page reaches the customer's outbox
  await page.getByLabel('지연 사유').fill('부품 입고 지연');
  await page.getByLabel('새 기한').fill(seoulDate(5) + 'T18:00');
  await page.getByRole('button', { name: '지연 안내', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '지연 안내를 보냈습니다' }).waitFor();
  const t2 = await ok('GET', `/tickets/${ticketId}`);
  assert.equal(t2.delay_notices.length, 1);
  assert.ok(t2.notifications.some((n) => n.template === 'delay_notice'));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('lanes and the day: a new ticket waits in its lane, a joint visit shows on both rows', async () => {
  const s = await seed();
  const vipc = await ok('POST', '/customers', { name: `도국장${s.tag}`, rank: 'executive', phone: '010-3333-0001', department: '기획국', title: '국장' });
  const lap = await ok('POST', '/devices', { asset_tag: `BRL-${s.tag}`, kind: 'laptop', customer_id: vipc.id, location: { building: '별관', floor: '5층', room: '국장실' } });
  const vipT = await ok('POST', '/tickets', { customer_id: vipc.id, device_id: lap.id, fault_code: 'NO_BOOT', symptom: '부팅 안 됨', channel: 'phone', verification: 'callback' });
  const date = seoulDate(1);
  const v = await ok('POST', `/tickets/${vipT.id}/visits`, { engineer_id: s.eng.id, lead_id: s.lead.id, start: `${date}T10:00:00+09:00`, end: `${date}T11:00:00+09:00` });
  const lone = await ok('POST', '/tickets', { customer_id: s.cust.id, device_id: s.dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'web', verification: 'sso' });

  const { ctx, page, problems } = await desk(s.desk.login);
  const lane = page.getByRole('region', { name: /새 접수 · 미배정/ });
  await lane.getByRole('link', { name: new RegExp(lone.number) }).waitFor();
  const esc = page.getByRole('region', { name: /에스컬레이션/ });
  await esc.getByRole('link', { name: new RegExp(vipT.number) }).waitFor();
  const pre = page.getByRole('region', { name: /사전 연락 필요/ });
  await pre.getByRole('link', { name: new RegExp(vipT.number) }).waitFor();
  await axe(page, 'lanes');

  await page.goto(`${WEB}/dispatch/#/day/${date}`);
  const engRow = page.getByRole('region', { name: s.eng.name, exact: true });
  const leadRow = page.getByRole('region', { name: s.lead.name, exact: true });
  await engRow.getByRole('link', { name: new RegExp(`10:00 도국장${s.tag}`) }).waitFor();
  await leadRow.getByRole('link', { name: new RegExp(`10:00 도국장${s.tag}.*동행`) }).waitFor();
  assert.match(await engRow.innerText(), /확인 전/);
  await axe(page, 'day view');

  // a step from elsewhere shows after the day is opened again (the status word follows)
  await ok('POST', `/visits/${v.id}/precall`, { outcome: 'reached', note: '확인' });
  await page.getByRole('link', { name: '다음날' }).click();
  await page.getByRole('link', { name: '전날' }).click();
  await until(async () => /확정/.test(await engRow.innerText()), 'the confirmed visit on the day');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the report's numbers are the API's; CSV download; axe", async () => {
  const s = await seed();
  const { ctx, page, problems } = await desk(s.desk.login);
  await page.getByRole('link', { name: '보고서' }).click();
  await page.getByRole('heading', { level: 1, name: '서비스 기준 보고서' }).waitFor();
  const from = await page.getByLabel('시작일').inputValue();
  const to = await page.getByLabel('종료일 (포함 안 함)').inputValue();
  const api = await ok('GET', `/reports/service-standards?from=${from}&to=${to}`);
  const rows = page.locator('#rp-table tbody tr');
  await rows.first().waitFor();
  for (const [metric, r] of Object.entries(api.overall)) {
    const cells = await page.locator(`#rp-table tr[data-metric=${metric}] td`).allInnerTexts();
    assert.equal(cells[0], r.numerator == null ? '—' : String(r.numerator), metric + ' numerator');
    assert.equal(cells[1], String(r.denominator), metric + ' denominator');
    const want = r.rate == null ? '—' : metric === 'satisfaction' ? r.rate.toFixed(1) : (r.rate * 100).toFixed(1) + '%';
    assert.equal(cells[2], want, metric + ' rate');
  }
  assert.ok(api.overall.first_contact.denominator >= 0);
  await page.locator('svg.chart').first().waitFor();
  const dl = page.getByRole('link', { name: 'CSV 내려받기' });
  const [download] = await Promise.all([page.waitForEvent('download'), dl.click()]);
  const csv = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  assert.match(csv.split('\n')[0], /^from,to,scope,team_id,team,engineer_id,engineer,metric,numerator,denominator,rate/);
  await axe(page, 'report');

  // a team's report: the page asks the API for that team and shows its figures
  await page.getByLabel('팀').selectOption(String(s.team.id));
  await page.getByRole('button', { name: '보고서 보기' }).click();
  const teamApi = await ok('GET', `/reports/service-standards?from=${from}&to=${to}&team_id=${s.team.id}`);
  await until(async () => (await page.locator('#rp-table tr[data-metric=first_contact] td').nth(1).innerText()) === String(teamApi.overall.first_contact.denominator), 'the team figures');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('an engineer opening /dispatch/ is sent to /m/; a stranger to the login', async () => {
  const s = await seed();
  const ctx = await b.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const page = await ctx.newPage();
  await page.goto(WEB + '/dispatch/');
  await page.waitForURL((u) => u.pathname === '/' && u.search.startsWith('?next='));
  await page.getByLabel('아이디', { exact: true }).fill(s.eng.login);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(WEB + '/m/');
  await page.goto(WEB + '/dispatch/');
  await page.waitForURL(WEB + '/m/');
  await ctx.close();
});

test('intake finds a device by part of its asset tag, with its owner and fault history', async () => {
  const s = await seed();
  const { ctx, page, problems } = await desk(s.desk.login);
  await page.getByRole('link', { name: '접수하기' }).click();
  await page.getByLabel('고객 찾기 (이름, 전화, 부서 또는 자산 번호)').pressSequentially(`brd-${s.tag}`.toLowerCase().slice(0, -1));
  await page.getByRole('button', { name: new RegExp(`장비 BRD-${s.tag}`) }).click();
  await page.getByText(`고객: ${s.cust.name}`).waitFor();
  await page.getByRole('heading', { name: '이 장비의 고장 이력 (2건)' }).waitFor();
  assert.equal(await page.getByRole('radio', { name: new RegExp(`BRD-${s.tag}`) }).isChecked(), true);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the ticket page: notices in Korean, and one that could not be delivered is sent again', async () => {
  const s = await seed();
  const t = await ok('POST', '/tickets', { customer_id: s.cust.id, device_id: s.dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
  await ok('POST', `/tickets/${t.id}/delay`, { reason: '부품 입고 지연', new_due_at: new Date(Date.now() + 5 * 86400000).toISOString() });
  const n = (await ok('GET', `/notifications?ticket_id=${t.id}`)).items.find((x) => x.template === 'delay_notice');
  sql(`UPDATE notifications SET status = 'dead' WHERE id = ${n.id}`);
  const { ctx, page, problems } = await desk(s.desk.login);
  await page.goto(`${WEB}/dispatch/#/tickets/${t.id}`);
  const row = page.getByRole('row', { name: /지연 안내/ });
  await row.getByText('보내지 못함').waitFor();
  await axe(page, 'ticket page with a dead notice');
  await row.getByRole('button', { name: '다시 보내기' }).click();
  await until(async () => !/보내지 못함/.test(await row.innerText()), 'the notice queued again');
  const after = (await ok('GET', `/notifications?ticket_id=${t.id}`)).items.find((x) => x.id === n.id);
  assert.notEqual(after.status, 'dead');
  assert.match(await page.locator('ol.timeline').innerText(), /지연 안내/);
  assert.deepEqual(problems, []);
  await ctx.close();
});
