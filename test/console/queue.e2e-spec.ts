/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { ARTIFACTS, check, CHROMIUM_ARGS } from './browser';

/**
 * The counter's queue as the clerks use it (issue 19), in Chromium against the real API: a busy
 * counter's queue over three pages in urgency order, every filter (the same dossiers as the API
 * gives the same user), the filters remembered on a fresh visit and per user, and how late an
 * overdue dossier is in working time. The app's Clock is fixed, so every figure is exact.
 */
const at = (local: string) => new Date(`${local}+07:00`);
// Wed 11/03/2026 11:00; working hours 07:30-11:30 and 13:00-17:00 (8 h = 1 working day).
const NOW = at('2026-03-11T11:00:00');
const SHORT = {
  code: '2.000123',
  name: 'Cấp bản sao văn bằng',
  field: 'Xây dựng',
  unitCode: 'H15.50',
  timeLimit: { amount: 1, unit: 'working_days' },
  steps: [
    { name: 'Tiếp nhận', unitCode: 'H15.50', workingHours: 2 },
    { name: 'Giải quyết', unitCode: 'H15.50.01', workingHours: 6 },
  ],
  onlineLevel: 'full',
  feeBearing: false,
  paperResultRequired: false,
};

describe('the counter queue in a browser', () => {
  let api: Api;
  let p: Province;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let now = NOW;
  // Codes by what the tests expect of them.
  const within: string[] = [];
  const assigned: string[] = [];
  const short: string[] = [];
  let lateCode = '';
  let lateId = '';
  let late45 = '';
  let pausedLate = '';

  async function intake(when: Date, body = intakeBody()): Promise<{ id: string; code: string; version: number }> {
    now = when;
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
    if (res.status !== 201) throw new Error(`intake: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function act(id: string, action: string, when: Date, body: Record<string, unknown>, token = p.tokens.clerk) {
    now = when;
    const d = await api.request('GET', `/dossiers/${id}`, { token: p.tokens.clerk });
    const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, {
      token,
      body: { expectedVersion: d.body.version, ...body },
    });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await startApi();
    p = await buildProvince(api);
    const admin = p.admin;
    const created = await api.request('POST', '/procedures', { token: admin, body: SHORT });
    if (created.status !== 201) throw new Error(`procedure: ${created.status} ${JSON.stringify(created.body)}`);
    api.app.get(Clock).now = () => now;
    // 105 building permits received Tue 10/03 from 08:00, one a minute: due Fri 13/03, within time.
    // Every fifth is forwarded to appraisal (H15.50.01) and assigned to the officer.
    for (let i = 0; i < 105; i++) {
      const d = await intake(new Date(at('2026-03-10T08:00:00').getTime() + i * 60_000));
      within.push(d.code);
      if (i % 5 === 0) {
        await act(d.id, 'forward', at('2026-03-10T10:00:00'), { assigneeUserId: p.userIds.officer });
        assigned.push(d.code);
      }
    }
    // Received Wed 04/03 08:00, 3 working days: due Mon 09/03 08:00; at Wed 11/03 11:00 it is
    // 2 working days (Mon, Tue) and 3 hours (Wed 08:00-11:00) late.
    const late = await intake(at('2026-03-04T08:00:00'));
    lateCode = late.code;
    lateId = late.id;
    // 1 working day from Tue 10/03 10:15: due Wed 11/03 10:15, 45 working minutes late at 11:00.
    late45 = (await intake(at('2026-03-10T10:15:00'), intakeBody({ procedureCode: SHORT.code }))).code;
    short.push(late45);
    // Due Tue 10/03 08:00, paused Tue 09:30 for a supplement: 1 h 30 late, and it stays so.
    const paused = await intake(at('2026-03-09T08:00:00'), intakeBody({ procedureCode: SHORT.code }));
    await act(
      paused.id,
      'request_supplement',
      at('2026-03-10T09:30:00'),
      { reason: 'Thiếu bản sao', items: ['CCCD'] },
      p.tokens.head,
    );
    pausedLate = paused.code;
    short.push(pausedLate);
    // Six more of the short procedure, received Mon 09/03 14:00: due Tue 14:00, 6 h 30 late.
    for (let i = 0; i < 6; i++)
      short.push((await intake(at('2026-03-09T14:00:00'), intakeBody({ procedureCode: SHORT.code }))).code);
    now = NOW;
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 300_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
  });

  async function signIn(username: string, context?: BrowserContext): Promise<Page> {
    if (!context) {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
      contexts.push(context);
    }
    const page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', username);
    await page.fill('#password', `${username === 'otherclerk' ? 'otherClerk' : username}-password`);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    return page;
  }

  const codes = (page: Page) => page.locator('tbody tr td:first-child a').allTextContents();
  const rowText = async (page: Page, code: string) =>
    (await page.locator('tbody tr', { hasText: code }).locator('td.n').textContent())?.trim();

  /** Clicks and waits for the next document (a marker on the old one must be gone). */
  async function navigate(page: Page, click: () => Promise<void>) {
    await page.evaluate(() => ((window as unknown as { old?: boolean }).old = true));
    await click();
    await page.waitForFunction(() => !(window as unknown as { old?: boolean }).old);
    await page.waitForLoadState('load');
  }

  const follow = (page: Page, link: string) =>
    navigate(page, () => page.locator('nav.pager').first().getByText(link).click());

  /** Chooses filters; with `open`, among every open dossier (a clerk's default queue is the counter's own work). */
  async function filter(page: Page, choices: Record<string, string>, open = true) {
    const all = open && (await page.locator('#status option[value=open]').count()) > 0 ? { status: 'open' } : {};
    for (const [id, value] of Object.entries({ ...all, ...choices })) await page.selectOption(`#${id}`, value);
    await navigate(page, () => page.click('form[role=search] button[type=submit]'));
  }

  /** Every code of the queue as filtered now, walking its pages forward. */
  async function allPages(page: Page): Promise<string[]> {
    const out = await codes(page);
    while ((await page.locator('nav.pager a[rel=next]').count()) > 0) {
      await follow(page, 'Trang sau →');
      out.push(...(await codes(page)));
    }
    return out;
  }

  /** The same list from the API for the clerk (the console must scope and filter as it does). */
  async function fromApi(
    query: string,
  ): Promise<{ code: string; currentStep: { unitCode: string; assigneeUserId: string } | null }[]> {
    const out = [];
    let cursor = '';
    do {
      const res = await api.request(
        'GET',
        `/dossiers?status=received,in_progress,awaiting_supplement,awaiting_payment&limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`,
        { token: p.tokens.clerk },
      );
      out.push(...res.body.items);
      cursor = res.body.nextCursor ?? '';
    } while (cursor);
    return out;
  }

  it('pages a busy counter queue 50 at a time, most overdue first, and shows how late each overdue dossier is', async () => {
    const page = await signIn('clerk');
    expect(new URL(page.url()).pathname).toBe('/console/queue');
    // Every open dossier of the unit (the default is the counter's own work, issue 22).
    await filter(page, {});
    const first = await codes(page);
    expect(first).toHaveLength(50);
    // Most overdue first, by due instant: Mon 08:00, the paused one (Tue 08:00), the six due
    // Tue 14:00, the 45-minute one (Wed 10:15); then the rest by the time left.
    expect(first[0]).toBe(lateCode);
    expect(first[1]).toBe(pausedLate);
    expect(first.slice(2, 8).sort()).toEqual(short.slice(2).sort());
    expect(first[8]).toBe(late45);
    expect(await rowText(page, lateCode)).toBe('quá hạn 2 ngày 3 giờ');
    expect(await rowText(page, late45)).toBe('quá hạn 45 phút');
    expect(await rowText(page, short[2])).toBe('quá hạn 6 giờ 30 phút');
    expect(await rowText(page, pausedLate)).toBe('tạm dừng · quá hạn 1 giờ 30 phút');
    // Within time: received Tue 08:01, due Fri 08:01: Wed 4 h 30, Thu 8 h, Fri 31 min left.
    expect(await rowText(page, within[1])).toBe('còn 1 ngày 5 giờ 1 phút');
    expect(await page.locator('tbody tr.overdue').count()).toBe(9);
    expect(await page.textContent('nav.pager')).toContain('Trang 1');
    expect(await page.locator('nav.pager a[rel=prev]').count()).toBe(0);
    await check(page, 'queue-page-1');

    await follow(page, 'Trang sau →');
    const second = await codes(page);
    expect(second).toHaveLength(50);
    expect(await page.textContent('nav.pager')).toContain('Trang 2');
    await follow(page, 'Trang sau →');
    const third = await codes(page);
    expect(third).toHaveLength(114 - 100);
    expect(await page.locator('nav.pager a[rel=next]').count()).toBe(0);
    await check(page, 'queue-page-3');
    const all = [...first, ...second, ...third];
    expect(new Set(all).size).toBe(114);
    expect(new Set(all)).toEqual(new Set((await fromApi('')).map((d) => d.code)));
    // Back: the same pages again.
    await follow(page, '← Trang trước');
    expect(await codes(page)).toEqual(second);
    await follow(page, '← Trang trước');
    expect(await codes(page)).toEqual(first);
    expect(await page.locator('nav.pager a[rel=prev]').count()).toBe(0);

    // The dossier page says it the same way.
    await page.goto(`${base}/console/dossiers/${lateId}`);
    expect((await page.textContent('#time-left'))?.trim()).toBe('quá hạn 2 ngày 3 giờ');
    await check(page, 'dossier-overdue');
  });

  it('filters by timeliness, procedure, step unit and assignee, as the API scopes and filters', async () => {
    const page = await signIn('clerk');
    await filter(page, { timeliness: 'overdue' });
    const overdue = await allPages(page);
    expect(overdue.sort()).toEqual([lateCode, ...short].sort());
    expect(overdue.sort()).toEqual((await fromApi('&timeliness=overdue')).map((d) => d.code).sort());
    await check(page, 'queue-overdue');

    await page.goto(`${base}/console/queue?clear`);
    await filter(page, { timeliness: 'within' });
    expect((await allPages(page)).sort()).toEqual([...within].sort());

    await page.goto(`${base}/console/queue?clear`);
    await filter(page, { procedure: SHORT.code });
    expect((await allPages(page)).sort()).toEqual([...short].sort());

    await page.goto(`${base}/console/queue?clear`);
    await filter(page, { stepUnit: 'H15.50.01' });
    const atAppraisal = await allPages(page);
    expect(atAppraisal.sort()).toEqual([...assigned].sort());
    const listed = await fromApi('');
    expect(atAppraisal.sort()).toEqual(
      listed
        .filter((d) => d.currentStep?.unitCode === 'H15.50.01')
        .map((d) => d.code)
        .sort(),
    );

    await page.goto(`${base}/console/queue?clear`);
    await filter(page, { assignee: p.userIds.officer });
    expect((await allPages(page)).sort()).toEqual([...assigned].sort());

    // Combined: the short procedure at the counter step, overdue.
    await page.goto(`${base}/console/queue?clear`);
    await filter(page, { stepUnit: 'H15.50', procedure: SHORT.code, timeliness: 'overdue' });
    expect((await allPages(page)).sort()).toEqual([...short].sort());
    await check(page, 'queue-filters-combined');

    // Another department's clerk: the same filters find none of these (404 scope, as the API).
    const other = await signIn('otherclerk');
    await filter(other, { stepUnit: 'H15.50.01' });
    expect(await codes(other)).toEqual([]);
    expect(await other.textContent('main')).toContain('Không có hồ sơ nào.');
  });

  it('remembers the filters for the signed-in user on a fresh visit, and "Bỏ lọc" clears them', async () => {
    const page = await signIn('clerk');
    await filter(page, { procedure: SHORT.code, timeliness: 'overdue' }, false);
    // A fresh visit: a new tab opened on the bare queue, and a new sign-in of the same user.
    const tab = await page.context().newPage();
    await tab.goto(`${base}/console/queue`);
    expect(new URL(tab.url()).search).toBe(`?procedure=${SHORT.code}&timeliness=overdue`);
    expect(await tab.inputValue('#procedure')).toBe(SHORT.code);
    expect(await tab.inputValue('#timeliness')).toBe('overdue');
    expect((await codes(tab)).sort()).toEqual([...short].sort());
    await check(tab, 'queue-remembered');
    await Promise.all([tab.waitForURL(/\/login$/), tab.click('header form button')]);
    const again = await signIn('clerk', page.context());
    expect(new URL(again.url()).search).toBe(`?procedure=${SHORT.code}&timeliness=overdue`);
    // Another user signing in on the same browser does not get them.
    await Promise.all([again.waitForURL(/\/login$/), again.click('header form button')]);
    const officer = await signIn('officer', page.context());
    expect(new URL(officer.url()).pathname).toBe('/console/queue');
    expect(new URL(officer.url()).search).toBe('');
    await Promise.all([officer.waitForURL(/\/login$/), officer.click('header form button')]);

    const clerk = await signIn('clerk', page.context());
    expect(await clerk.inputValue('#timeliness')).toBe('overdue');
    await navigate(clerk, () => clerk.click('#clear-filters'));
    expect(new URL(clerk.url()).search).toBe('');
    expect(await clerk.inputValue('#timeliness')).toBe('');
    expect(await codes(clerk)).toHaveLength(50);
    expect(await clerk.locator('#clear-filters').count()).toBe(0);
    await clerk.goto(`${base}/console/queue`);
    expect(new URL(clerk.url()).search).toBe('');
  });
});
