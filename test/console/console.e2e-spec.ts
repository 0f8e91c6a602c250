/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { ARTIFACTS, check, CHROMIUM_ARGS } from './browser';

/**
 * The staff console in a real browser (Debian's Chromium driven by playwright-core) against the
 * real API on a socket: the three journeys of the issue, a screenshot of each main page (saved in
 * test-artifacts/console/), Vietnamese glyphs checked in the page's own font, and axe-core with no
 * serious or critical violation on every page.
 */
describe('staff console in a browser', () => {
  // Each journey walks many pages in a real browser; a loaded 2-core machine needs the room.
  jest.setTimeout(300_000);
  let api: Api;
  let p: Province;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await startApi();
    p = await buildProvince(api);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
  });

  async function signIn(username: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'vi-VN' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', username);
    await page.fill('#password', `${username === 'otherclerk' ? 'otherClerk' : username}-password`);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    return page;
  }

  async function act(page: Page, summary: string, fill: (page: Page) => Promise<void> = async () => undefined) {
    const details = page.locator('details.action', { has: page.locator('summary', { hasText: summary }) });
    await details.locator('summary').click();
    await fill(page);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/actions/') && r.request().method() === 'POST'),
      details.locator('button[type=submit]').click(),
    ]);
    await page.waitForLoadState('load');
  }

  let code = '';
  let dossierUrl = '';

  it('journey 1: a clerk receives a dossier, sees the appointment before saving, and prints the receipt', async () => {
    const page = await signIn('clerk');
    expect(new URL(page.url()).pathname).toBe('/console/queue');
    await page.goto(`${base}/console/intake`);
    await check(page, 'intake');
    // Keyboard only: type the procedure code, fill the applicant, submit with Enter.
    await page.focus('#procedureCode');
    await page.keyboard.type('1.004227');
    await page.fill('#fullName', 'Trần Thị Ngọc Ánh');
    await page.fill('#idNumber', '079190001234');
    await page.fill('#phone', '0905123456');
    await page.fill('#address', 'Số 5 đường Hùng Vương, phường Phú Hội');
    await page.focus('#summary');
    await page.keyboard.type('Xin cấp phép xây dựng nhà ở');
    // The 766 facts known at the counter: digitised components, population data used.
    await page.check('#intake-digitised');
    await page.check('#intake-usedPopulationData');
    await Promise.all([page.waitForLoadState('load'), page.click('button[value=preview]')]);
    // The preview keeps what was ticked.
    expect(await page.isChecked('#intake-digitised')).toBe(true);
    expect(await page.isChecked('#intake-eCertifiedCopies')).toBe(false);
    const appointment = await page.textContent('#appointment');
    expect(appointment).toContain('Hẹn trả kết quả:');
    expect(appointment).toMatch(/\d{2}\/\d{2}\/\d{4}/);
    await check(page, 'intake-appointment');
    await Promise.all([page.waitForLoadState('load'), page.click('button[value=save]')]);
    code = (await page.textContent('#dossier-code'))!.trim();
    expect(code).toMatch(/^H15\.50-\d{6}-\d{4}$/);
    const lookupKey = (await page.textContent('#lookup-key'))!.trim();
    expect(lookupKey.length).toBeGreaterThan(6);
    await check(page, 'intake-done');
    // "In" opens the receipt as a page that prints itself; the PDF is one click away on it.
    await page.context().addInitScript('window.print = () => undefined;');
    const [printed] = await Promise.all([page.context().waitForEvent('page'), page.click('#print-receipt')]);
    await printed.waitForLoadState('load');
    expect(await printed.textContent('#receipt-code')).toBe(code);
    expect(await printed.textContent('#receipt-key')).toBe(lookupKey);
    const [download] = await Promise.all([printed.waitForEvent('download'), printed.click('#receipt-pdf')]);
    const file = join(ARTIFACTS, 'receipt.pdf');
    await download.saveAs(file);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('%PDF');
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(code);
    expect(text.normalize('NFC')).toContain('Trần Thị Ngọc Ánh');
    // The dossier is in the clerk's queue, colour-coded, and findable by its code.
    await page.goto(`${base}/console/queue?code=${encodeURIComponent(code)}`);
    await check(page, 'queue');
    const row = page.locator('tbody tr', { hasText: code });
    await expect(row.count()).resolves.toBe(1);
    expect(await row.getAttribute('class')).toMatch(/within|due_soon|overdue/);
    await row.locator('a').click();
    dossierUrl = page.url();
    await check(page, 'dossier');
    // One click answers why the appointment is what it is.
    await page.locator('#deadline-why summary').click();
    const why = ((await page.textContent('#deadline-why')) ?? '').replace(/\s+/g, ' ');
    expect(why).toContain('Thời hạn giải quyết: 3 ngày làm việc');
    expect(why).toContain('bắt đầu tính từ');
    expect(why).toContain('Thời gian làm việc được tính');
    expect(await page.locator('#deadline-why tbody tr').count()).toBeGreaterThan(0);
    await check(page, 'dossier-deadline');
  });

  it('journey 2: an officer forwards and resolves it and the clerk returns it; a stale page gets a clear conflict', async () => {
    const clerk = await signIn('clerk');
    await clerk.goto(dossierUrl);
    // A second tab of the same clerk, left open on the old version.
    const stale = await clerk.context().newPage();
    await stale.goto(dossierUrl);
    await act(clerk, 'Chuyển bước xử lý');
    expect(await clerk.textContent('.flash')).toContain('Đã thực hiện');
    await act(stale, 'Công dân rút hồ sơ');
    expect(await stale.textContent('.flash.error')).toContain('Người khác vừa thay đổi hồ sơ này');
    await check(stale, 'dossier-conflict');

    const officer = await signIn('officer');
    await officer.goto(`${base}/console/queue?code=${encodeURIComponent(code)}`);
    await officer.locator('tbody tr a', { hasText: code }).click();
    await act(officer, 'Chuyển bước xử lý');
    expect(await officer.textContent('.flash')).toContain('Đã thực hiện');
    // The officer's unit no longer holds the current step: no more action for it here.
    const signer = await signIn('signer');
    await signer.goto(dossierUrl);
    await act(signer, 'Có kết quả giải quyết', async (pg) => {
      await pg.fill('#resolve-resultSummary', 'Đã cấp giấy phép xây dựng số 15/GPXD');
      // The electronic-result box is not ticked by default; the facts show what the dossier has.
      expect(await pg.isChecked('#resolve-electronicResult')).toBe(false);
      expect(await pg.isChecked('#resolve-digitised')).toBe(true);
      expect(await pg.isChecked('#resolve-linkedToPersonalDataStore')).toBe(false);
      await pg.check('#resolve-electronicResult');
      await pg.fill('#resolve-resultFileUrl', 'https://ketqua.example.gov.vn/15-GPXD.pdf');
      await pg.check('#resolve-linkedToPersonalDataStore');
    });
    expect(await signer.textContent('.flash')).toContain('Đã thực hiện');
    await clerk.goto(dossierUrl);
    await act(clerk, 'Trả kết quả');
    expect(await clerk.textContent('.badge')).toContain('Đã trả kết quả');
    await check(clerk, 'dossier-returned');
    const events = await api.request('GET', `/dossiers/${dossierUrl.split('/').pop()}/events`, { token: p.admin });
    expect(events.body.map((e: { action: string }) => e.action)).toEqual([
      'intake',
      'forward',
      'forward',
      'resolve',
      'return',
    ]);
    // The facts recorded at intake and with the result, and the result's file link.
    const dossier = await api.request('GET', `/dossiers/${dossierUrl.split('/').pop()}`, { token: p.admin });
    expect(dossier.body.flags).toEqual({
      digitised: true,
      usedPopulationData: true,
      reusedDigitisedData: false,
      linkedToPersonalDataStore: true,
      eCertifiedCopies: false,
      electronicResult: true,
      resultFileUrl: 'https://ketqua.example.gov.vn/15-GPXD.pdf',
    });
  });

  it('journey 3: a head acknowledges an overdue alert and the board downloads the quarter as xlsx', async () => {
    // A dossier received in January, never handled: overdue by now.
    const clock = api.app.get(Clock);
    const real = clock.now.bind(clock);
    clock.now = () => new Date('2026-01-05T08:00:00+07:00');
    const old = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    clock.now = real;
    expect(old.status).toBe(201);
    expect((await api.request('POST', '/sla/scan', { token: p.admin })).status).toBe(200);

    const head = await signIn('head');
    expect(new URL(head.url()).pathname).toBe('/console/alerts');
    await check(head, 'alerts');
    const row = head
      .locator('tbody tr', { hasText: old.body.code })
      .filter({ has: head.locator('td:first-child', { hasText: /^Quá hạn$/ }) });
    expect(await row.count()).toBe(1);
    await Promise.all([
      head.waitForResponse((r) => r.url().includes('/acknowledge') && r.request().method() === 'POST'),
      row.locator('button').click(),
    ]);
    await head.waitForLoadState('load');
    const alerts = await api.request('GET', `/alerts?dossierId=${old.body.id}&kind=overdue`, { token: p.tokens.head });
    expect(alerts.body.items[0].acknowledgedAt).not.toBeNull();
    // The apology-and-extension letter for a dossier still within time.
    const fresh = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    await head.goto(`${base}/console/dossiers/${fresh.body.id}`);
    const promised = new Date(Date.now() + 20 * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
    await act(head, 'Xin lỗi và gia hạn', async (pg) => {
      await pg.fill('#extend-newPromisedAt', `${promised}T16:00`);
      await pg.fill('#extend-reason', 'Cần lấy ý kiến phối hợp của Sở Tài nguyên và Môi trường');
    });
    expect(await head.textContent('.flash')).toContain('Đã thực hiện');
    expect(await head.textContent('main')).toContain('Hẹn mới sau gia hạn');
    const [letter] = await Promise.all([
      head.waitForEvent('download'),
      head.locator('a', { hasText: 'Văn bản xin lỗi và gia hạn số 1' }).click(),
    ]);
    const letterFile = join(ARTIFACTS, 'extension-letter.pdf');
    await letter.saveAs(letterFile);
    const letterText = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', letterFile, '-'], { encoding: 'utf8' });
    expect(letterText.normalize('NFC')).toContain(fresh.body.code);
    await check(head, 'dossier-extended');

    await head.goto(`${base}/console/boards`);
    await expect(head.locator('tbody tr', { hasText: old.body.code }).count()).resolves.toBeGreaterThan(0);
    await check(head, 'boards');

    const board = await signIn('board');
    expect(new URL(board.url()).pathname).toBe('/console/reports');
    await board.goto(`${base}/console/reports?period=2026-Q1`);
    await check(board, 'reports');
    const [download] = await Promise.all([
      board.waitForEvent('download'),
      board.locator('a[href*="report=processing"][href*="format=xlsx"]').click(),
    ]);
    const file = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe('bao-cao-06a_H15_2026-01-01_2026-03-31.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const json = await api.request('GET', '/reports/processing?period=2026-Q1', { token: p.tokens.board });
    let found: unknown[] | null = null;
    wb.worksheets[0].eachRow((r) => {
      const values = (r.values as unknown[]).slice(1);
      if (values.includes('H15.50')) found = values.slice(-12);
    });
    const h1550 = json.body.rows.find((r: { unitCode: string }) => r.unitCode === 'H15.50');
    expect(found).toEqual([
      h1550.receivedTotal,
      h1550.receivedOnline,
      h1550.receivedDirect,
      h1550.carriedOver,
      h1550.resolvedTotal,
      h1550.resolvedEarly,
      h1550.resolvedOnTime,
      h1550.resolvedLate,
      h1550.withdrawn,
      h1550.inProgressTotal,
      h1550.inProgressWithin,
      h1550.inProgressOverdue,
    ]);
    expect(h1550.inProgressOverdue).toBeGreaterThanOrEqual(1);
  });

  it('serves the citizens lookup on a phone, and keeps every page to its roles', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      locale: 'vi-VN',
    });
    contexts.push(context);
    const phone = await context.newPage();
    await phone.goto(`${base}/tra-cuu?code=${encodeURIComponent(code)}`);
    expect(await phone.textContent('main')).toContain('Đã trả kết quả');
    await check(phone, 'public-lookup');
    const noScroll = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    expect(noScroll).toBe(true);

    // Roles: an officer may not open the reports or the intake; nobody signed out sees a page.
    const officer = await signIn('officer');
    for (const path of ['/console/reports', '/console/intake', '/console/boards']) {
      const res = await officer.goto(`${base}${path}`);
      expect([path, res!.status()]).toEqual([path, 403]);
    }
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(`${base}/console/queue`);
    expect(new URL(anon.url()).pathname).toBe('/console/login');
    await check(anon, 'login');
    await anon.context().close();
    // Unit scoping: another unit's clerk gets 404 for this dossier, as from the API.
    const other = await signIn('otherclerk');
    const res = await other.goto(dossierUrl);
    expect(res!.status()).toBe(404);
  });
});
