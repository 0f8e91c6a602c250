/// <reference lib="dom" />
import * as jwt from 'jsonwebtoken';
import jsQR from 'jsqr';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { TEST_JWT_SECRET } from '../support/test-env';
import { ARTIFACTS, check, CHROMIUM_ARGS } from './browser';

/**
 * The console as a busy one-stop counter uses it (issue 22), in Chromium against the real API,
 * each point of the issue at a desk's 1366×768 and, where a phone is used, at 390 pixels. The
 * app's Clock is fixed (Wed 11/03/2026 09:00) so every appointment is exact.
 */
const at = (local: string) => new Date(`${local}+07:00`);
const DESK = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const SHORT = {
  code: '2.000123',
  name: 'Cấp bản sao văn bằng, chứng chỉ',
  field: 'Giáo dục',
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('the console at a busy one-stop counter', () => {
  // Each test walks several pages in a real browser; a loaded 2-core machine needs the room.
  jest.setTimeout(300_000);
  let api: Api;
  let p: Province;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let now = at('2026-03-11T09:00:00');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The QR code of the receipt must point at a page this service answers.
    api = await startApi({ PUBLIC_BASE_URL: base });
    p = await buildProvince(api);
    const created = await api.request('POST', '/procedures', { token: p.admin, body: SHORT });
    if (created.status !== 201) throw new Error(`procedure: ${created.status}`);
    api.app.get(Clock).now = () => now;
    await api.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
  });

  async function newPage(viewport = DESK, init?: string): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', isMobile: viewport.width < 600 });
    contexts.push(context);
    if (init) await context.addInitScript(init);
    return context.newPage();
  }

  async function signIn(username: string, viewport = DESK): Promise<Page> {
    const page = await newPage(viewport);
    await page.goto(`${base}/console/login`);
    await page.fill('#username', username);
    await page.fill('#password', `${username === 'otherclerk' ? 'otherClerk' : username}-password`);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    return page;
  }

  /** Submits with a click (or Enter) and waits for the next document. */
  async function submit(page: Page, how: () => Promise<void>) {
    await page.evaluate(() => ((window as unknown as { old?: boolean }).old = true));
    await how();
    await page.waitForFunction(() => !(window as unknown as { old?: boolean }).old);
    await page.waitForLoadState('load');
  }

  async function apiIntake(body: Record<string, unknown> = intakeBody()) {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
    if (res.status !== 201) throw new Error(`intake: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; code: string; version: number };
  }

  async function apiAct(id: string, action: string, body: Record<string, unknown>, token: string) {
    const d = await api.request('GET', `/dossiers/${id}`, { token: p.admin });
    const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, {
      token,
      body: { expectedVersion: d.body.version, ...body },
    });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  const count = async () =>
    (await api.request('GET', '/dossiers?limit=500', { token: p.admin })).body.items.length as number;
  const listed = (page: Page) => page.locator('tbody tr td:first-child a').allTextContents();

  it('1. the default queue is the counter’s own work, and a code is found in every status', async () => {
    const waiting = await apiIntake();
    const atDepartment = await apiIntake();
    await apiAct(atDepartment.id, 'forward', {}, p.tokens.clerk);
    const toReturn = await apiIntake();
    await apiAct(toReturn.id, 'forward', {}, p.tokens.clerk);
    await apiAct(toReturn.id, 'forward', {}, p.tokens.officer);
    await apiAct(
      toReturn.id,
      'resolve',
      { resultSummary: 'Giấy phép số 12', electronicResult: false },
      p.tokens.signer,
    );
    const supplement = await apiIntake();
    await apiAct(supplement.id, 'forward', {}, p.tokens.clerk);
    await apiAct(supplement.id, 'request_supplement', { reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] }, p.tokens.officer);
    const returned = await apiIntake();
    await apiAct(returned.id, 'forward', {}, p.tokens.clerk);
    await apiAct(returned.id, 'forward', {}, p.tokens.officer);
    await apiAct(
      returned.id,
      'resolve',
      { resultSummary: 'Giấy phép số 13', electronicResult: false },
      p.tokens.signer,
    );
    await apiAct(returned.id, 'return', {}, p.tokens.clerk);

    const clerk = await signIn('clerk');
    expect(new URL(clerk.url()).pathname).toBe('/console/queue');
    const queue = await listed(clerk);
    expect(queue).toEqual(expect.arrayContaining([waiting.code, toReturn.code, supplement.code]));
    expect(queue).not.toContain(atDepartment.code);
    expect(queue).not.toContain(returned.code);
    expect(await clerk.textContent('#queue-summary')).toContain('Việc của Bộ phận Một cửa');
    await check(clerk, 'counter-queue');
    // "Đang giải quyết (tất cả)" still lists what sits at the departments.
    await clerk.selectOption('#status', 'open');
    await submit(clerk, () => clerk.click('form[role=search] button[type=submit]'));
    expect(await listed(clerk)).toContain(atDepartment.code);
    await clerk.goto(`${base}/console/queue?clear`);
    // A citizen collecting a result: the code finds it whatever its status.
    for (const d of [toReturn, returned]) {
      await clerk.fill('#code', d.code);
      await submit(clerk, () => clerk.press('#code', 'Enter'));
      expect(await listed(clerk)).toEqual([d.code]);
    }
    expect(await clerk.textContent('tbody')).toContain('Đã trả kết quả');
    // On a phone the queue scrolls inside its own box, not the page.
    const phone = await signIn('clerk', PHONE);
    expect(await listed(phone)).toContain(toReturn.code);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await check(phone, 'counter-queue-phone');
  });

  it('2. finds a dossier by part of its code, the name with or without diacritics, the id number or the phone', async () => {
    const d = await apiIntake(
      intakeBody({
        applicant: { kind: 'citizen', fullName: 'Đặng Thị Ngọc Ánh', idNumber: '046190007788', phone: '0935 246 810' },
      }),
    );
    const other = await apiIntake();
    const clerk = await signIn('clerk');
    const search = async (text: string) => {
      await clerk.goto(`${base}/console/queue?clear`);
      await clerk.fill('#code', text);
      await submit(clerk, () => clerk.press('#code', 'Enter'));
      return listed(clerk);
    };
    expect(await search('dang thi ngoc anh')).toEqual([d.code]);
    expect(await search('NGỌC ÁNH')).toEqual([d.code]);
    expect(await search('ngoc   anh')).toEqual([d.code]);
    expect(await search('190007788')).toEqual([d.code]);
    expect(await search('0935246810')).toEqual([d.code]);
    expect(await search('0935.246.810')).toEqual([d.code]);
    expect(await search(d.code.slice(-9).toLowerCase())).toEqual([d.code]);
    expect(await search('Nguyen Van Binh')).toContain(other.code);
    // The list shows who and where: the applicant and the current step.
    await search('ngoc anh');
    const row = clerk.locator('tbody tr', { hasText: d.code });
    expect(await row.locator('td.applicant').textContent()).toBe('Đặng Thị Ngọc Ánh');
    expect(await row.textContent()).toContain('Tiếp nhận (H15.50)');
    expect(await row.textContent()).toContain('Cấp giấy phép xây dựng');
    await check(clerk, 'counter-search');
    // Too short to search: a clear message, not a scan.
    expect(await search('an')).toEqual([]);
    expect(await clerk.textContent('main')).toContain('ít nhất 3 ký tự');
    // Another department's clerk finds nothing of it.
    const otherClerk = await signIn('otherclerk');
    await otherClerk.goto(`${base}/console/queue?code=${encodeURIComponent('ngoc anh')}`);
    expect(await listed(otherClerk)).toEqual([]);
  });

  it('3–5. intake: the procedure found by its name without accents, saved only as previewed, and a reload makes no second dossier', async () => {
    now = at('2026-03-11T09:00:00');
    const clerk = await signIn('clerk');
    await clerk.goto(`${base}/console/intake`);
    expect(await clerk.evaluate(() => document.activeElement?.id)).toBe('procedureCode');
    expect(await clerk.locator('label[for=procedureCode] .req').count()).toBe(1);
    expect(await clerk.locator('label[for=fullName] .req').count()).toBe(1);
    await clerk.keyboard.type('cap giay phep xay dung');
    await clerk.fill('#fullName', 'Hồ Văn Tâm');
    await clerk.fill('#idNumber', '046085001122');
    await clerk.fill('#phone', '0905111222');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    // What was typed stays as typed; the appointment is that of the building permit.
    expect(await clerk.inputValue('#procedureCode')).toBe('cap giay phep xay dung');
    expect(await clerk.textContent('#appointment')).toContain('1.004227 — Cấp giấy phép xây dựng');
    // 3 working days from Wed 09:00: Mon 16/03 09:00.
    expect(await clerk.textContent('#appointment')).toMatch(
      /Hẹn trả kết quả: (09:00 16\/03\/2026|16\/03\/2026,? 09:00)/,
    );
    // The save button has the focus, and is in view without scrolling.
    expect(await clerk.evaluate(() => (document.activeElement as HTMLButtonElement | null)?.value)).toBe('save');
    const box = await clerk.locator('button[value=save]').boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(DESK.height);
    await check(clerk, 'counter-intake-preview');

    // The procedure changed after the preview, then Enter: nothing is saved, the new day is shown.
    const before = await count();
    await clerk.fill('#procedureCode', '2.000123');
    await submit(clerk, () => clerk.press('#procedureCode', 'Enter'));
    expect(await count()).toBe(before);
    expect(await clerk.textContent('#intake-errors')).toContain('hồ sơ chưa được lưu');
    expect(await clerk.textContent('#appointment')).toContain('2.000123 — Cấp bản sao văn bằng, chứng chỉ');
    expect(await clerk.textContent('#appointment')).toMatch(
      /Hẹn trả kết quả: (09:00 12\/03\/2026|12\/03\/2026,? 09:00)/,
    );
    await check(clerk, 'counter-intake-changed');

    // Saved as now shown; the page after saving is a GET that a reload shows again.
    await submit(clerk, () => clerk.click('button[value=save]'));
    expect(new URL(clerk.url()).pathname).toMatch(/^\/console\/intake\/xong\/[0-9a-f-]{36}$/);
    const code = (await clerk.textContent('#dossier-code'))!.trim();
    const key = (await clerk.textContent('#lookup-key'))!.trim();
    expect(await count()).toBe(before + 1);
    await submit(clerk, () => clerk.reload().then(() => undefined));
    expect((await clerk.textContent('#dossier-code'))!.trim()).toBe(code);
    expect((await clerk.textContent('#lookup-key'))!.trim()).toBe(key);
    // The same form sent again (a resent POST): the same dossier, no second one.
    const resent = await clerk.evaluate(async () => {
      const key = location.pathname.split('/').pop()!;
      const body = new URLSearchParams({
        formKey: key,
        procedureCode: '2.000123',
        channel: 'direct',
        kind: 'citizen',
        fullName: 'Hồ Văn Tâm',
        idNumber: '046085001122',
        phone: '0905111222',
        previewProcedure: '2.000123',
        previewDue: '2026-03-12',
        step: 'save',
      });
      const r = await fetch('/console/intake', { method: 'POST', body });
      return r.url;
    });
    expect(new URL(resent).pathname).toBe(new URL(clerk.url()).pathname);
    expect(await count()).toBe(before + 1);
    await check(clerk, 'counter-intake-done');
  });

  it('intake asks which channels the applicant consents to be messaged on, and a landline cannot take SMS', async () => {
    now = at('2026-03-11T09:10:00');
    const clerk = await signIn('clerk');
    await clerk.goto(`${base}/console/intake`);
    // Nothing is ticked until the citizen says yes.
    for (const c of ['sms', 'zalo', 'email']) expect(await clerk.isChecked(`#notify-${c}`)).toBe(false);
    await clerk.fill('#procedureCode', '2.000123');
    await clerk.fill('#fullName', 'Trương Thị Lan');
    await clerk.fill('#phone', '0234 3822 123');
    await clerk.fill('#email', 'lan.truong@example.vn');
    await clerk.check('#notify-sms');
    await clerk.check('#notify-email');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    // A landline with SMS ticked: refused before the appointment is shown, the ticks kept.
    const errors = (await clerk.textContent('#intake-errors'))!;
    expect(errors).toContain('Điện thoại: không phải số di động Việt Nam');
    expect(await clerk.getAttribute('#phone', 'aria-invalid')).toBe('true');
    expect(await clerk.locator('#appointment').count()).toBe(0);
    expect(await clerk.isChecked('#notify-sms')).toBe(true);
    expect(await clerk.isChecked('#notify-email')).toBe(true);
    expect(await clerk.isChecked('#notify-zalo')).toBe(false);
    await check(clerk, 'counter-intake-notify-error');
    await clerk.fill('#phone', '+84 912 345 678');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    expect(await clerk.textContent('#appointment')).toContain('2.000123');
    expect(await clerk.isChecked('#notify-sms')).toBe(true);
    await submit(clerk, () => clerk.click('button[value=save]'));
    const code = (await clerk.textContent('#dossier-code'))!.trim();
    const lookupKey = (await clerk.textContent('#lookup-key'))!.trim();
    const id = (await clerk.getAttribute('.card a[href^="/console/dossiers/"]', 'href'))!.split('/').pop()!;
    // The consent stored is what was ticked (read back with the citizen's key, changing nothing)…
    const consent = await api.request('POST', `/public/dossiers/${code}/notifications`, { body: { lookupKey } });
    expect(consent.status).toBe(200);
    expect(consent.body).toEqual({ code, sms: true, zalo: false, email: true });
    // …and the `received` milestone has one message per consented channel, to the numbers typed.
    const messages = await api.request('GET', `/dossiers/${id}/messages`, { token: p.tokens.clerk });
    expect(
      messages.body.items
        .map((m: { milestone: string; channel: string; to: string }) => [m.milestone, m.channel, m.to])
        .sort(),
    ).toEqual([
      ['received', 'email', 'la…@example.vn'],
      ['received', 'sms', '0912…678'],
    ]);

    // Nothing ticked: no consent, no message.
    await clerk.goto(`${base}/console/intake`);
    await clerk.fill('#procedureCode', '2.000123');
    await clerk.fill('#fullName', 'Phan Văn Đức');
    await clerk.fill('#phone', '0912 000 111');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    await submit(clerk, () => clerk.click('button[value=save]'));
    const quiet = (await clerk.getAttribute('.card a[href^="/console/dossiers/"]', 'href'))!.split('/').pop()!;
    const none = await api.request('GET', `/dossiers/${quiet}/messages`, { token: p.tokens.clerk });
    expect(none.body.items).toEqual([]);
  });

  it('6. the receipt prints itself, is reprinted from the dossier page, and its QR code opens the lookup page', async () => {
    now = at('2026-03-11T09:30:00');
    // window.print is recorded rather than opening the dialog headless Chromium cannot show.
    const clerk = await newPage(DESK, `window.__printed = 0; window.print = () => { window.__printed++; };`);
    await clerk.goto(`${base}/console/login`);
    await clerk.fill('#username', 'clerk');
    await clerk.fill('#password', 'clerk-password');
    await Promise.all([clerk.waitForURL((u) => !u.pathname.endsWith('/login')), clerk.click('button[type=submit]')]);
    await clerk.goto(`${base}/console/intake`);
    await clerk.fill('#procedureCode', '1.004227');
    await clerk.fill('#fullName', 'Lương Thị Thu');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    await submit(clerk, () => clerk.click('button[value=save]'));
    const code = (await clerk.textContent('#dossier-code'))!.trim();
    const key = (await clerk.textContent('#lookup-key'))!.trim();
    const [receipt] = await Promise.all([clerk.context().waitForEvent('page'), clerk.click('#print-receipt')]);
    await receipt.waitForLoadState('load');
    await receipt.waitForFunction(() => (window as unknown as { __printed: number }).__printed === 1);
    expect(await receipt.textContent('#receipt-code')).toBe(code);
    expect(await receipt.textContent('#receipt-key')).toBe(key);
    expect(await receipt.textContent('#receipt-appointment')).toBe('09 giờ 30 phút, ngày 16/03/2026');
    expect((await receipt.textContent('#receipt'))!).toContain('Ông/Bà Lương Thị Thu');
    await receipt.evaluate(() => document.fonts.ready);
    await receipt.screenshot({ path: join(ARTIFACTS, 'counter-receipt.png'), fullPage: true });
    // The QR code, read from the picture as a phone's camera would.
    const qr = PNG.sync.read(await receipt.locator('.lookup svg').screenshot());
    const decoded = jsQR(
      new Uint8ClampedArray(qr.data.buffer, qr.data.byteOffset, qr.data.length),
      qr.width,
      qr.height,
    );
    expect(decoded?.data).toBe(`${base}/tra-cuu/${encodeURIComponent(code)}`);
    const phone = await newPage(PHONE);
    const res = await phone.goto(decoded!.data);
    expect(res!.status()).toBe(200);
    expect(await phone.textContent('#result-h')).toContain(code);
    expect(await phone.textContent('main')).not.toContain('Lương Thị Thu');
    await check(phone, 'counter-qr-lookup-phone');

    // Reprint from the dossier page, without the key; then a new key, and the old one stops working.
    await clerk.goto(`${base}/console/queue?code=${encodeURIComponent(code)}`);
    await submit(clerk, () => clerk.locator('tbody tr a', { hasText: code }).click());
    const [reprint] = await Promise.all([clerk.context().waitForEvent('page'), clerk.click('#reprint-receipt')]);
    await reprint.waitForFunction(() => (window as unknown as { __printed: number }).__printed === 1);
    expect(await reprint.textContent('#receipt-code')).toBe(code);
    expect(await reprint.locator('#receipt-key').count()).toBe(0);
    expect(await reprint.textContent('.lookup')).toContain('đã cấp một lần khi tiếp nhận hồ sơ');
    const [reissued] = await Promise.all([clerk.context().waitForEvent('page'), clerk.click('#reissue-key')]);
    await reissued.waitForFunction(() => (window as unknown as { __printed: number }).__printed === 1);
    const newKey = (await reissued.textContent('#receipt-key'))!.trim();
    expect(newKey).not.toBe(key);
    const byKey = async (k: string) =>
      (
        await api.request('POST', `/public/dossiers/${code}/feedback`, {
          body: { lookupKey: k, kind: 'other', content: 'Hỏi tiến độ' },
        })
      ).status;
    expect(await byKey(key)).toBe(404);
    expect(await byKey(newKey)).toBe(201);
  });

  it('7–8. the dossier page: applicant and procedure, only the allowed actions, the supplement asked for shown to the clerk and the citizen', async () => {
    now = at('2026-03-11T10:00:00');
    const d = await apiIntake(
      intakeBody({
        applicant: { kind: 'citizen', fullName: 'Phan Văn Đức', idNumber: '046080003344', phone: '0914000111' },
      }),
    );
    const clerk = await signIn('clerk');
    await clerk.goto(`${base}/console/dossiers/${d.id}`);
    expect(await clerk.textContent('#applicant-name')).toContain('Phan Văn Đức');
    expect(await clerk.textContent('#applicant-id')).toBe('046080003344');
    expect(await clerk.textContent('#applicant-phone')).toBe('0914000111');
    expect(await clerk.textContent('#procedure-name')).toBe('1.004227 — Cấp giấy phép xây dựng');
    await submit(clerk, async () => {
      await clerk.locator('details.action summary', { hasText: 'Chuyển bước xử lý' }).click();
      await clerk.fill('#forward-note', 'Hồ sơ đủ thành phần');
      await clerk.locator('details.action[open] button[type=submit]').click();
    });
    expect(await clerk.textContent('.flash.ok')).toBe('Đã thực hiện: Chuyển bước xử lý.');
    expect(await clerk.textContent('ol.timeline')).toContain('Ghi chú: Hồ sơ đủ thành phần');
    // At the department now: no "forward again" to be refused; only what the counter may still do.
    expect(await clerk.locator('details.action summary').allTextContents()).toEqual(['Công dân rút hồ sơ']);
    await check(clerk, 'counter-dossier-forwarded');

    // The officer asks for papers from a phone.
    const officer = await signIn('officer', PHONE);
    await officer.goto(`${base}/console/dossiers/${d.id}`);
    expect(await officer.locator('details.action summary').allTextContents()).toEqual([
      'Chuyển bước xử lý',
      'Yêu cầu bổ sung hồ sơ',
      'Yêu cầu thực hiện nghĩa vụ tài chính',
      'Có kết quả giải quyết',
      'Từ chối giải quyết',
      'Dừng giải quyết',
    ]);
    await submit(officer, async () => {
      await officer.locator('details.action summary', { hasText: 'Yêu cầu bổ sung hồ sơ' }).click();
      await officer.fill('#request_supplement-reason', 'Bản vẽ chưa đúng tỷ lệ');
      await officer.fill(
        '#request_supplement-items',
        'Bản vẽ mặt bằng tỷ lệ 1/100\nBản sao giấy chứng nhận quyền sử dụng đất',
      );
      await officer.locator('details.action[open] button[type=submit]').click();
    });
    expect(await officer.textContent('ol.timeline')).toContain('Lý do: Bản vẽ chưa đúng tỷ lệ');
    await check(officer, 'counter-dossier-supplement-phone');
    const wide = await officer.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    expect(wide).toBe(true);

    // The clerk receiving the papers sees what was asked.
    await clerk.goto(`${base}/console/dossiers/${d.id}`);
    await clerk.locator('details.action summary', { hasText: 'Nhận hồ sơ bổ sung' }).click();
    const asked = (await clerk.textContent('#supplement-asked'))!;
    expect(asked).toContain('Bản vẽ chưa đúng tỷ lệ');
    expect(asked).toContain('Bản sao giấy chứng nhận quyền sử dụng đất');
    expect(await clerk.textContent('ol.timeline')).toContain(
      'Giấy tờ cần bổ sung: Bản vẽ mặt bằng tỷ lệ 1/100; Bản sao giấy chứng nhận quyền sử dụng đất',
    );
    await check(clerk, 'counter-dossier-receive-supplement');

    // The citizen's lookup says what to bring, and no personal data.
    const citizen = await newPage(PHONE);
    await citizen.goto(`${base}/tra-cuu/${encodeURIComponent(d.code)}`);
    const request = (await citizen.textContent('#supplement-request'))!;
    expect(request).toContain('Bản vẽ chưa đúng tỷ lệ');
    expect(request).toContain('Bản vẽ mặt bằng tỷ lệ 1/100');
    expect(await citizen.textContent('#appointment-paused')).toContain('tạm dừng tính thời gian');
    const main = (await citizen.textContent('main'))!;
    for (const secret of ['Phan Văn Đức', '046080003344', '0914000111']) expect(main).not.toContain(secret);
    await check(citizen, 'counter-lookup-supplement-phone');
  });

  it('8. an overdue dossier is not offered an extension, and the late step’s unit answers by default', async () => {
    now = at('2026-03-02T08:00:00');
    const late = await apiIntake();
    await apiAct(late.id, 'forward', {}, p.tokens.clerk);
    now = at('2026-03-09T08:00:00');
    const fresh = await apiIntake();
    await apiAct(fresh.id, 'forward', {}, p.tokens.clerk);
    now = at('2026-03-11T10:00:00');
    const head = await signIn('head');
    await head.goto(`${base}/console/dossiers/${late.id}`);
    expect(await head.locator('details.action summary', { hasText: 'Xin lỗi và gia hạn' }).count()).toBe(0);
    expect(await head.textContent('.refused')).toContain('hồ sơ đã quá hạn');
    await head.goto(`${base}/console/dossiers/${fresh.id}`);
    await head.locator('details.action summary', { hasText: 'Xin lỗi và gia hạn' }).click();
    expect(await head.inputValue('#extend-responsibleUnitCode')).toBe('H15.50.01');
    await check(head, 'counter-dossier-extend');
  });

  it('9. errors in Vietnamese, an id number checked, nothing typed lost on an error or a version conflict', async () => {
    now = at('2026-03-11T10:30:00');
    const clerk = await signIn('clerk');
    await clerk.goto(`${base}/console/intake`);
    await clerk.fill('#procedureCode', '1.004227');
    await clerk.fill('#fullName', 'Mai Văn Hải');
    await clerk.fill('#idNumber', '12345');
    await clerk.fill('#phone', '09-abc');
    await clerk.fill('#address', 'Thôn 3, xã Phú Mậu');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    const errors = (await clerk.textContent('#intake-errors'))!;
    expect(errors).toContain('Điện thoại: phải gồm 6–20 chữ số');
    expect(errors).not.toMatch(/applicant|digits|must/);
    expect(await clerk.getAttribute('#phone', 'aria-invalid')).toBe('true');
    expect(await clerk.inputValue('#address')).toBe('Thôn 3, xã Phú Mậu');
    await clerk.fill('#phone', '0905 333 444');
    await submit(clerk, () => clerk.press('#fullName', 'Enter'));
    expect(await clerk.textContent('#intake-errors')).toContain(
      'Số định danh: số định danh cá nhân (CCCD) gồm 12 chữ số',
    );
    expect(await clerk.getAttribute('#idNumber', 'aria-invalid')).toBe('true');
    await check(clerk, 'counter-intake-errors');

    const officer = await signIn('officer');
    // A version conflict (the dossier moved meanwhile): the reason typed stays, in the open form.
    const e = await apiIntake();
    await apiAct(e.id, 'forward', {}, p.tokens.clerk);
    await officer.goto(`${base}/console/dossiers/${e.id}`);
    await apiAct(e.id, 'request_payment', { amount: 50000 }, p.tokens.officer);
    await apiAct(e.id, 'confirm_payment', { paidOnline: false }, p.tokens.clerk);
    await officer.locator('details.action summary', { hasText: 'Từ chối giải quyết' }).click();
    await officer.fill('#reject-reason', 'Thiếu ý kiến của cơ quan phòng cháy');
    await submit(officer, () => officer.locator('details.action[open] button[type=submit]').click());
    expect(await officer.textContent('.flash.error')).toContain('nội dung bạn vừa nhập vẫn được giữ');
    expect(await officer.inputValue('#reject-reason')).toBe('Thiếu ý kiến của cơ quan phòng cháy');
    await submit(officer, () => officer.locator('details.action[open] button[type=submit]').click());
    expect(await officer.textContent('.flash.ok')).toBe('Đã thực hiện: Từ chối giải quyết.');
    await check(officer, 'counter-conflict-kept');

    // On a phone, a wrong lookup key keeps the nine answers and says what is wrong.
    const ended = await apiIntake();
    await apiAct(ended.id, 'withdraw', {}, p.tokens.clerk);
    const citizen = await newPage(PHONE);
    await citizen.goto(`${base}/tra-cuu/${encodeURIComponent(ended.code)}`);
    for (let i = 0; i < 9; i++) await citizen.check(`input[name=c${i}][value="${i % 3}"]`);
    await citizen.selectOption('#verdict', 'satisfied');
    await citizen.fill('#comment', 'Cán bộ hướng dẫn tận tình');
    await citizen.fill('#rate-key', 'SAIMATRACUU1');
    await submit(citizen, () => citizen.click('form[action$="/danh-gia"] button[type=submit]'));
    expect(await citizen.textContent('.flash.error')).toContain('Mã tra cứu không đúng với hồ sơ này');
    expect(await citizen.textContent('.flash.error')).not.toContain('Không tìm thấy hồ sơ');
    for (let i = 0; i < 9; i++) expect(await citizen.isChecked(`input[name=c${i}][value="${i % 3}"]`)).toBe(true);
    expect(await citizen.inputValue('#verdict')).toBe('satisfied');
    expect(await citizen.inputValue('#comment')).toBe('Cán bộ hướng dẫn tận tình');
    await check(citizen, 'counter-rating-wrong-key-phone');
  });

  it('an unknown address, a malformed link and a form sent to a malformed id answer as pages in Vietnamese, never JSON or a 500', async () => {
    const clerk = await signIn('clerk');
    const expectPage = async (status: number | undefined, title: string, home: string) => {
      expect(status).toBe(404);
      expect(await clerk.textContent('h1')).toBe(title);
      expect(await clerk.getAttribute(`main a[href="${home}"]`, 'href')).toBe(home);
      expect(await clerk.textContent('main code')).toMatch(/^[0-9a-f-]{36}$/); // the request id, for the administrator
      expect(await clerk.content()).not.toContain('"statusCode"');
    };
    let res = await clerk.goto(`${base}/console/khong-co-trang-nay`);
    await expectPage(res?.status(), 'Không tìm thấy', '/console');
    expect(await clerk.textContent('main .card')).toContain('đường dẫn có thể bị gõ sai hoặc thiếu một phần');
    await check(clerk, 'counter-unknown-page');
    // A mistyped or cut link to a dossier: these answered 500 (the id reached PostgreSQL as a uuid).
    for (const path of [
      '/console/dossiers/abc',
      '/console/dossiers/abc/giay-tiep-nhan',
      '/console/dossiers/abc/receipt.pdf',
      '/console/dossiers/abc/control-slip.pdf',
      '/console/dossiers/abc/extension-letter/1',
    ]) {
      res = await clerk.goto(`${base}${path}`);
      await expectPage(res?.status(), 'Không tìm thấy', '/console');
    }
    // Forms posted to a malformed id, as the browser posts them.
    for (const action of [
      '/console/dossiers/abc/actions/forward',
      '/console/dossiers/abc/cap-lai-ma-tra-cuu',
      '/console/dossiers/abc/receipt',
      '/console/alerts/abc/acknowledge',
    ]) {
      const [answer] = await Promise.all([
        clerk.waitForNavigation(),
        clerk.evaluate((url) => {
          const f = document.createElement('form');
          f.method = 'post';
          f.action = url;
          const i = document.createElement('input');
          i.name = 'expectedVersion';
          i.value = '1';
          f.append(i);
          document.body.append(f);
          f.submit();
        }, action),
      ]);
      await expectPage(answer?.status(), 'Không tìm thấy', '/console');
    }
    // The citizens' pages lead back to the lookup.
    res = await clerk.goto(`${base}/tra-cuu/a/b`);
    await expectPage(res?.status(), 'Không tìm thấy', '/tra-cuu');
    // An API client (no text/html in Accept) still gets the error shape.
    const json = await api.app.inject({
      method: 'GET',
      url: '/console/khong-co-trang-nay',
      headers: { accept: 'application/json' },
    });
    expect(json.statusCode).toBe(404);
    expect(JSON.parse(json.body)).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('10. an active session is renewed before it ends, and sign-in returns to the page asked for', async () => {
    const d = await apiIntake();
    // A token issued at 07:30 that would end at 15:30 (8 hours), used at 15:20.
    const nowS = Math.floor(Date.now() / 1000);
    const login = await api.request('POST', '/auth/login', { body: { username: 'clerk', password: 'clerk-password' } });
    const claims = jwt.decode(login.body.accessToken) as Record<string, unknown>;
    const old = jwt.sign(
      {
        sub: claims.sub,
        role: claims.role,
        unit: claims.unit,
        pv: claims.pv,
        iat: nowS - 7 * 3600 - 50 * 60,
        exp: nowS + 10 * 60,
      },
      TEST_JWT_SECRET,
    );
    const page = await newPage();
    await page.context().addCookies([{ name: 'sla_console', value: old, url: base }]);
    const res = await page.goto(`${base}/console/queue`);
    expect(res!.status()).toBe(200);
    const cookie = (await page.context().cookies(base)).find((c) => c.name === 'sla_console')!;
    expect(cookie.value).not.toBe(old);
    const exp = (jwt.decode(cookie.value) as { exp: number }).exp;
    // Good for another 8 hours: past 17:00.
    expect(exp - nowS).toBeGreaterThan(7 * 3600);
    // A fresh token is left as it is (no new cookie on every page).
    const again = await page.goto(`${base}/console/queue`);
    expect(again!.headers()['set-cookie']).toBeUndefined();

    // Signed out, a link to a dossier (as from an alert e-mail) lands there after signing in.
    const anon = await newPage();
    await anon.goto(`${base}/console/dossiers/${d.id}`);
    expect(new URL(anon.url()).pathname).toBe('/console/login');
    await anon.fill('#username', 'clerk');
    await anon.fill('#password', 'clerk-password');
    await submit(anon, () => anon.click('button[type=submit]'));
    expect(new URL(anon.url()).pathname).toBe(`/console/dossiers/${d.id}`);
  });

  it('alerts: one row per alert for a unit head, and acknowledging says so and stays on the row', async () => {
    // A second board member: the escalated alert has a copy for each, and the head's.
    await api.request('POST', '/users', {
      token: p.admin,
      body: { username: 'board2', password: 'board2-password', fullName: 'Ngô Thanh Vân', role: 'reform_board' },
    });
    now = at('2026-02-02T08:00:00');
    const old = await apiIntake();
    // Found late by the scan of Wed 11:00 (overdue); escalated 16 working hours later, Fri 11:00.
    now = at('2026-03-11T11:00:00');
    expect((await api.request('POST', '/sla/scan', { token: p.admin })).status).toBe(200);
    now = at('2026-03-13T11:00:00');
    expect((await api.request('POST', '/sla/scan', { token: p.admin })).status).toBe(200);
    const copies = await api.request('GET', `/alerts?dossierId=${old.id}`, { token: p.tokens.head });
    const kinds = copies.body.items.map((a: { kind: string }) => a.kind);
    expect(kinds.length).toBeGreaterThan(new Set(kinds).size);
    const head = await signIn('head');
    const rows = head.locator('tbody tr', { hasText: old.code });
    expect(await rows.count()).toBe(new Set(kinds).size);
    const row = rows.filter({ has: head.locator('td:first-child', { hasText: /^Quá hạn$/ }) });
    await submit(head, () => row.locator('button').click());
    expect(await head.textContent('.flash.ok')).toBe(`Đã đánh dấu đã xem: Quá hạn của hồ sơ ${old.code}.`);
    expect(new URL(head.url()).hash).toMatch(/^#alert-/);
    expect(await head.locator('tr.acked').count()).toBe(1);
    await check(head, 'counter-alerts-acknowledged');
  });
});
