// What the engineer sees before going: tomorrow's list and the date picker, VIP and
// repeat-fault marks, the lead of a joint visit with a tel: link, the calendar
// subscription; on a 320 px phone and in dark mode, axe-clean, nothing too small to tap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, ok, sql, axe, until, touchTargets, noHorizontalScroll, seoulDate, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

let runs = 0;
async function user(login, role, extra = {}) {
  const u = await ok('POST', '/users', { login, name: extra.name || login, role, password: PASSWORD, skills: ['desktop', 'laptop', 'printer'], ...extra });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
}
const win = (date, h) => ({ start: `${date}T${String(h).padStart(2, '0')}:00:00+09:00`, end: `${date}T${String(h + 1).padStart(2, '0')}:00:00+09:00` });

async function seed() {
  const tag = `${process.pid}_${++runs}`;
  const lead = await user(`lead_${tag}`, 'lead', { name: '최팀장', phone: '010-5555-0001' });
  const team = await ok('POST', '/teams', { name: `3팀 ${tag}`, lead_id: lead.id });
  const eng = await user(`scr_${tag}`, 'engineer', { name: '정기사', team_id: team.id });
  const boss = await ok('POST', '/customers', { name: '윤국장', rank: 'executive', phone: '010-7777-0001', department: '기획국', title: '국장' });
  const staff = await ok('POST', '/customers', { name: '한주무관', phone: '010-7777-0002' });
  const d1 = await ok('POST', '/devices', { asset_tag: `SCR-${tag}-1`, kind: 'laptop', customer_id: boss.id, location: { building: '별관', floor: '5층', room: '국장실' } });
  const d2 = await ok('POST', '/devices', { asset_tag: `SCR-${tag}-2`, kind: 'printer', customer_id: staff.id, location: { building: '본관', floor: '1층', room: '민원실' } });
  const ticket = (c, d, f) => ok('POST', '/tickets', { customer_id: c.id, device_id: d.id, fault_code: f, symptom: '용지가 자주 걸림', channel: 'phone', verification: 'callback' });
  // a printer with the same fault twice: the second is flagged, the next one escalates
  const old = await ticket(staff, d2, 'PRINT_JAM');
  await ok('POST', `/tickets/${old.id}/cancel`, { reason: '중복 접수' }).catch(() => null);
  const t1 = await ticket(staff, d2, 'PRINT_JAM');
  const t2 = await ticket(staff, d2, 'PRINT_JAM');
  const vip = await ticket(boss, d1, 'NO_BOOT');
  const today = seoulDate(), tomorrow = seoulDate(1);
  const vToday = await ok('POST', `/tickets/${t2.id}/visits`, { engineer_id: eng.id, ...win(today, 13) });
  const vTomorrow = await ok('POST', `/tickets/${vip.id}/visits`, { engineer_id: eng.id, lead_id: lead.id, ...win(tomorrow, 10) });
  return { eng, lead, vToday, vTomorrow, t1, t2 };
}

for (const [width, scheme] of [[320, 'light'], [360, 'dark']]) {
  test(`lists, marks and the joint visit on a ${width} px phone (${scheme})`, async () => {
    const s = await seed();
    const { ctx, page, problems } = await phone(b, { width });
    await page.emulateMedia({ colorScheme: scheme });
    await signIn(page, s.eng.login);

    // today: the repeat mark
    const card = page.getByRole('link', { name: /한주무관/ });
    await card.waitFor();
    await until(async () => /같은 고장 \d+회째/.test(await card.innerText()), 'repeat count shown');
    assert.match(await card.innerText(), /용지 걸림/);
    await axe(page, `day list ${width}px ${scheme}`);
    await touchTargets(page, `day list ${width}px`);
    await noHorizontalScroll(page, `day list ${width}px`);

    // tomorrow: the VIP visit with its lead
    await page.getByRole('button', { name: '내일', exact: true }).click();
    await page.getByRole('heading', { name: '내일 방문' }).waitFor();
    const vipCard = page.getByRole('link', { name: /윤국장/ });
    await vipCard.waitFor();
    assert.match(await vipCard.innerText(), /VIP/);
    assert.match(await vipCard.innerText(), /확인 전/);
    assert.equal(await page.getByRole('link', { name: /한주무관/ }).count(), 0);
    await vipCard.click();
    await page.getByText('최팀장').waitFor();
    assert.equal(await page.getByRole('link', { name: '010-5555-0001 전화' }).getAttribute('href'), 'tel:010-5555-0001');
    assert.equal(await page.getByRole('link', { name: '010-7777-0001 전화' }).first().getAttribute('href'), 'tel:010-7777-0001');
    await axe(page, `joint visit ${width}px ${scheme}`);
    await touchTargets(page, `visit page ${width}px`);
    await noHorizontalScroll(page, `visit page ${width}px`);

    // the date picker: a day with nothing
    await page.getByRole('link', { name: '방문 목록' }).click();
    await page.getByLabel('날짜 선택').fill(seoulDate(5));
    await page.getByText('이 날은 방문이 없습니다.').waitFor();

    // the calendar: a webcal:// link to the engineer's own feed, which answers
    await page.getByRole('button', { name: '캘린더 구독' }).click();
    const link = page.getByRole('link', { name: '휴대폰 캘린더에 추가' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.match(href, /^webcal:\/\/.*\/cal\/.+\.ics$/);
    const feed = await ctx.request.get(WEB + href.slice(href.indexOf('/cal/')));
    assert.equal(feed.status(), 200);
    assert.match(await feed.text(), /윤국장|한주무관/);
    await axe(page, `calendar link ${width}px ${scheme}`);
    assert.deepEqual(problems, []);
  });
}

test('a link to a visit (as in the calendar feed) opens that visit after logging in', async () => {
  const s = await seed();
  const { page, problems } = await phone(b);
  await page.goto(`${WEB}/m/#/visits/${s.vTomorrow.id}`);
  await page.waitForURL((u) => u.pathname === '/' && u.search.startsWith('?next='));
  await page.getByLabel('아이디', { exact: true }).fill(s.eng.login);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(`${WEB}/m/#/visits/${s.vTomorrow.id}`);
  await page.getByRole('heading', { name: /윤국장/ }).waitFor();
  // only the person's own app: a next that leaves it is ignored
  await page.goto(`${WEB}/?next=${encodeURIComponent('//example.com/m/')}`);
  await page.waitForURL(`${WEB}/m/`);
  assert.deepEqual(problems, []);
});
