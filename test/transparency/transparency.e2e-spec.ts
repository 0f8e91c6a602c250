/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, clockOf, intake, Intaken } from '../public/support';
import { ARTIFACTS, check, CHROMIUM_ARGS } from '../console/browser';

/**
 * Transparency: the public statistics and the lobby board (API and pages), their figures, the
 * shared per-interval cache, and that nothing of section 1 carries personal data. The pages are
 * checked in Debian's Chromium: the board at 1920×1080 refreshing itself and showing a lost
 * connection, the statistics on a phone.
 *
 * Monday 2026-03-02 (building permit, 3 working days, handled by H15.50):
 *  A received 08:00, resolved 10:00 (early), not returned       -> ready for collection
 *  B received 08:30, resolved 09:30, returned 11:00              -> returned today
 *  C received 02/02, still open (due 05/02)                      -> overdue now
 *  D received 09:00, open                                         -> within time
 */
describe('transparency: public statistics and the lobby board', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let browser: Browser;
  let base: string;
  const d: Record<string, Intaken> = {};
  const personal = new Set<string>();
  const applicant = (name: string, id: string, phone: string, email: string) => ({
    applicant: { kind: 'citizen', fullName: name, idNumber: id, phone, email, address: 'Số 5 Hùng Vương, Huế' },
  });
  // A different client address per call (the public rate limit is per address), deterministic.
  let caller = 0;
  const get = (url: string) => api.request('GET', url, { remoteAddress: `127.0.${caller++ % 200}.9` });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await startApi({ TRANSPARENCY_CACHE_SECONDS: '30' });
    setNow = clockOf(api);
    setNow('2026-02-02T08:00:00');
    p = await buildProvince(api);
    const people = [
      ['C', 'Phan Thị Cúc', '001185000003', '0903000003', 'cuc@example.vn'],
      ['A', 'Nguyễn Văn An', '001085000001', '0901000001', 'an@example.vn'],
      ['B', 'Trần Thị Bích', '001185000002', '0902000002', 'bich@example.vn'],
      ['D', 'Lý Văn Đức', '001085000004', '0904000004', 'duc@example.vn'],
    ] as const;
    for (const [key, name, id, phone, email] of people) {
      setNow(
        key === 'C'
          ? '2026-02-02T08:00:00'
          : key === 'A'
            ? '2026-03-02T08:00:00'
            : key === 'B'
              ? '2026-03-02T08:30:00'
              : '2026-03-02T09:00:00',
      );
      d[key] = await intake(api, p, applicant(name, id, phone, email));
      for (const s of [name, id, phone, email, d[key].lookupKey]) personal.add(s);
    }
    const resolve = { resultSummary: 'Đã cấp phép', electronicResult: true };
    setNow('2026-03-02T09:30:00');
    const b1 = await act(api, d.B.id, 'resolve', p.tokens.head, { expectedVersion: 1, ...resolve });
    setNow('2026-03-02T10:00:00');
    await act(api, d.A.id, 'resolve', p.tokens.head, { expectedVersion: 1, ...resolve });
    setNow('2026-03-02T11:00:00');
    await act(api, d.B.id, 'return', p.tokens.clerk, { expectedVersion: b1.version });
    setNow('2026-03-02T11:30:00');
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const scan = (what: string, text: string) =>
    expect({ what, leaked: [...personal].filter((s) => text.includes(s)) }).toEqual({ what, leaked: [] });

  it('publishes per-unit statistics of a period, with shares, overdue now, and the computing time', async () => {
    const res = await get('/public/stats?period=2026-03');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      period: '2026-03',
      groupBy: 'unit',
      computedAt: '2026-03-02T11:30:00+07:00',
      frozen: false,
    });
    const row = res.body.rows.find((r: { unitCode: string }) => r.unitCode === 'H15.50');
    expect(row).toEqual({
      unitCode: 'H15.50',
      unitName: 'Sở Xây dựng',
      received: 3,
      resolved: 2,
      resolvedEarly: 2,
      resolvedOnTime: 0,
      resolvedLate: 0,
      overdueNow: 1,
      onTimeRate: 1,
      satisfaction: null,
      indexRank: expect.any(Number),
    });
    const other = res.body.rows.find((r: { unitCode: string }) => r.unitCode === 'H15.60');
    expect(other).toMatchObject({ received: 0, resolved: 0, onTimeRate: null });
    const byField = await get('/public/stats?period=2026-03&groupBy=field');
    expect(byField.body.rows).toEqual([expect.objectContaining({ field: 'Xây dựng', received: 3, overdueNow: 1 })]);
    const csv = await get('/public/stats?period=2026-03&format=csv');
    expect(csv.status).toBe(200);
    const lines = String(csv.body)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0].split(',').slice(0, 4)).toEqual(['Kỳ', 'Thời điểm tính', 'Mã đơn vị', 'Tên đơn vị']);
    expect(lines.find((l) => l.includes('H15.50,'))).toContain(
      '2026-03,2026-03-02T11:30:00+07:00,H15.50,Sở Xây dựng,3,2,2,0,0,1,1',
    );
    const bad = await get('/public/stats?period=2026-13');
    expect(bad.status).toBe(400);
    const unknown = await get('/public/stats?unitCode=NOPE');
    expect(unknown.status).toBe(404);
  });

  it("answers the board with today's counts, the month's rate and the masked ready list", async () => {
    const res = await get('/public/board?unitCode=H15.50');
    expect(res.status).toBe(200);
    expect(res.body.computedAt).toBe('2026-03-02T11:30:00+07:00');
    const all = res.body.today.reduce(
      (s: Record<string, number>, u: Record<string, number>) => {
        for (const k of ['received', 'inProgressWithin', 'inProgressOverdue', 'readyForCollection', 'returned'])
          s[k] += u[k];
        return s;
      },
      { received: 0, inProgressWithin: 0, inProgressOverdue: 0, readyForCollection: 0, returned: 0 },
    );
    expect(all).toEqual({ received: 3, inProgressWithin: 1, inProgressOverdue: 1, readyForCollection: 1, returned: 1 });
    expect(res.body.monthOnTimeRate).toBe(1);
    expect(res.body.ready).toEqual([
      { code: d.A.code, procedureName: 'Cấp giấy phép xây dựng', applicantMasked: 'Nguyễn V. A.' },
    ]);
  });

  it('computes once per interval and key: later answers within the interval are the shared one', async () => {
    const before = await get('/public/board?unitCode=H15.50');
    const e = await intake(api, p, applicant('Đào Văn Em', '001085000005', '0905000005', 'em@example.vn'));
    for (const s of ['Đào Văn Em', '001085000005', '0905000005', 'em@example.vn', e.lookupKey]) personal.add(s);
    setNow('2026-03-02T11:30:20');
    const cached = await get('/public/board?unitCode=H15.50');
    expect(cached.body).toEqual(before.body);
    setNow('2026-03-02T11:30:31');
    const fresh = await get('/public/board?unitCode=H15.50');
    expect(fresh.body.computedAt).toBe('2026-03-02T11:30:31+07:00');
    const received = fresh.body.today.reduce((s: number, u: { received: number }) => s + u.received, 0);
    expect(received).toBe(4);
  });

  it('shows the board at Full HD, refreshes it without reloading, and says when the connection is lost', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'vi-VN' });
    const page = await context.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${base}/bang-tin?unit=H15.50&refresh=2`);
    await check(page, 'bang-tin-1920x1080');
    expect(await page.locator('h1').innerText()).toBe('Bảng thông tin giải quyết thủ tục hành chính');
    expect(await page.locator('#ready').innerText()).toContain('Nguyễn V. A.');
    // Nothing overflows the screen: the board is read from afar, without scrolling.
    const size = await page.evaluate(() => ({
      w: document.documentElement.scrollWidth,
      h: document.documentElement.scrollHeight,
    }));
    expect(size.w).toBeLessThanOrEqual(1920);
    expect(size.h).toBeLessThanOrEqual(1080);
    const fontPx = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('td')!).fontSize));
    expect(fontPx).toBeGreaterThanOrEqual(28);
    scan('/bang-tin', await page.content());

    // A dossier resolved now shows up at the next refresh, without a reload.
    const e = (await api.request('GET', '/dossiers?limit=10', { token: p.admin })).body.items.find(
      (x: { status: string; code: string }) => x.status === 'received' && x.code !== d.D.code && x.code !== d.C.code,
    );
    setNow('2026-03-02T11:40:00');
    await act(api, e.id, 'resolve', p.tokens.head, {
      expectedVersion: e.version,
      resultSummary: 'x',
      electronicResult: false,
    });
    setNow('2026-03-02T11:41:00');
    // The board polls on its own: a poll between the resolve and the clock's move shows the dossier
    // at 11:40, so wait for the refresh that carries both.
    await page.waitForFunction(
      (code) =>
        document.getElementById('ready')!.innerText.includes(code) &&
        document.getElementById('updated')!.innerText === '11:41 02/03/2026',
      e.code,
      { timeout: 15_000 },
    );
    expect(await page.locator('#ready').innerText()).toContain('Đào V. E.');
    expect(await page.locator('#updated').innerText()).toBe('11:41 02/03/2026');

    // The connection is lost: the banner says so; it goes once the server answers again.
    await page.route('**/api/v1/public/board**', (r) => r.abort());
    await page.waitForSelector('#offline', { state: 'visible', timeout: 15_000 });
    expect(await page.locator('#offline').innerText()).toContain('Mất kết nối');
    await check(page, 'bang-tin-offline');
    await page.unroute('**/api/v1/public/board**');
    await page.waitForSelector('#offline', { state: 'hidden', timeout: 15_000 });
    expect(loads).toBe(1);
    await context.close();
  });

  it('shows the statistics on a phone, with the downloads', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'vi-VN',
      isMobile: true,
    });
    const page = await context.newPage();
    await page.goto(`${base}/thong-ke?period=2026-03`);
    await check(page, 'thong-ke-phone');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    expect(await page.locator('table').innerText()).toContain('Sở Xây dựng');
    expect(await page.locator('a', { hasText: 'CSV' }).getAttribute('href')).toBe(
      '/api/v1/public/stats?period=2026-03&groupBy=unit&format=csv',
    );
    scan('/thong-ke', await page.content());
    await page.selectOption('#groupBy', 'field');
    await Promise.all([page.waitForURL(/groupBy=field/), page.click('button[type=submit]')]);
    expect(await page.locator('table').innerText()).toContain('Xây dựng');
    await context.close();
  });

  it('carries no name, id number, phone, e-mail or lookup key in any answer or page of section 1', async () => {
    for (const url of [
      '/public/board',
      '/public/board?unitCode=H15.50',
      '/public/stats?period=2026-03',
      '/public/stats?period=2026-03&groupBy=field',
      '/public/stats?period=2026-03&format=csv',
      '/public/stats?period=2026-02&unitCode=H15.50',
    ]) {
      const res = await get(url);
      expect(res.status).toBe(200);
      scan(url, typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    }
    for (const path of ['/bang-tin', '/bang-tin?unitCode=H15.50', '/thong-ke', '/thong-ke?groupBy=field']) {
      const res = await api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: path });
      expect(res.statusCode).toBe(200);
      scan(path, res.body);
    }
  });
});
